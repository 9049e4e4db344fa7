"""Which build of ipt_NETFLOW the guest's `modprobe ipt_NETFLOW` loads.

Three builds exist for each guest kernel (Debian 12's 6.1, Debian 13's 6.12):
  debian  Debian's DKMS build, /lib/modules/<kver>/updates/dkms/ipt_NETFLOW.ko[.xz]
          (2.6; tags `dir mac promisc+mpls samp snmp vlan`)
  full    tests/guest/build-ipt-netflow's build of the same DKMS source with every
          feature (tags `aggr dir llist mac nel promisc+mpls samp-h snmp vlan`)
  fork    the maintained fork 2.8.0 (../shared/third-party/) with every feature:
          the same tags, plus hooks mode (parameters hooks, hooks_mark,
          hooks_mark_mask) and targets=
The variants live in <cache>/variants/<name>/<kver>/, made by setup-host (on
the host for 6.1, in the Debian 13 root for 6.12); never installed on the host.

`Builds.use(name)` copies a variant to updates/dkms/ipt_NETFLOW.ko *inside the
guest* (/usr, hence /lib, is a throw-away overlay), removing Debian's file when
it has another name (Debian 13 compresses it: .ko.xz), together with the
module indexes (modules.dep & co.) setup-host made for it with `depmod -b`:
the variants also depend on nf_conntrack, which modules.dep must say for
modprobe, and a depmod in the guest takes ~100 s under TCG.  `use('debian')`
puts Debian's original file and indexes back (saved at the start of the
session).  The module must not be loaded while its file is swapped: the
caller's `unload` callback runs first (rules referencing NETFLOW block rmmod).

`Build(name)` says what a build can do, read from its .ko with modinfo (so it
is known before loading, e.g. to deselect tests at collection): version,
parameters, `has_hooks`, `has_targets`.
"""
import glob
import hashlib
import os
import shutil

from . import PROJECT_ROOT, cmd, module

DEBIAN, FULL, FORK = 'debian', 'full', 'fork'
BUILDS = (DEBIAN, FULL)            # Debian's source, with Debian's and with every feature
ALL_BUILDS = (DEBIAN, FULL, FORK)
VARIANTS = (FULL, FORK)
FULL_TAGS = ['aggr', 'dir', 'llist', 'mac', 'nel', 'promisc+mpls', 'samp-h', 'snmp', 'vlan']
FORK_TAGS = FULL_TAGS
HOOKS_PARAMETERS = ('hooks', 'hooks_mark', 'hooks_mark_mask')

# Defects of a released module version that tests must know about
# (version -> {defect: what goes wrong}); guestlib reads the version from the .ko.
PACKET_COUNTS = 'packet_counts'
KNOWN_DEFECTS = {
    '2.8.0': {PACKET_COUNTS: 'the fork 2.8.0 exports every v9/IPFIX packet count as 0: its '
              'template declares IN_PKTS/packetDeltaCount 4 bytes long, but the record '
              'writer stores an 8-byte big-endian value there, so the field holds the '
              'high 32 bits and octetDeltaCount overwrites the low ones (v5 is right)'},
}


# The guest platforms of tests/guest/run --platform: the root and kernel booted
# (Debian 12's 6.1 over the host's root, or Debian 13's 6.12 over the root
# setup-root made) and the build the tests use unless they choose one.
PLATFORMS = {'debian12': DEBIAN, 'debian13': DEBIAN, 'fork-6.1': FORK, 'fork-6.12': FORK}
PLATFORM_ENV = 'VYFLOW_GUEST_PLATFORM'


def platform():
    """(name, default build) of the platform this guest was booted as."""
    name = os.environ.get(PLATFORM_ENV) or 'debian12'
    if name not in PLATFORMS:
        raise ValueError('%s=%r is not a platform (%s)' % (PLATFORM_ENV, name, ', '.join(PLATFORMS)))
    return name, PLATFORMS[name]


def cache_dir():
    """The host's tests/guest cache (the runner passes VYFLOW_GUEST_CACHE)."""
    return os.environ.get('VYFLOW_GUEST_CACHE') or os.path.join(PROJECT_ROOT, '.cache', 'guest')


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


class Variant:
    """What setup-host left for this kernel: .path (None unless usable),
    .reason (why not), .info (its info file), .directory."""

    def __init__(self, name=FULL, kernel=None):
        self.name = name
        self.kernel = kernel or os.uname().release
        self.directory = os.path.join(cache_dir(), 'variants', name, self.kernel)
        self.path, self.reason, self.info, self.indexes = None, '', '', None
        status_file = os.path.join(self.directory, 'status')
        if not os.path.exists(status_file):
            self.reason = ('not built: %s is missing (run tests/guest/setup-host)'
                           % self.directory)
            return
        status = cmd.read(status_file).splitlines() or ['']
        info_file = os.path.join(self.directory, 'info')
        self.info = cmd.read(info_file) if os.path.exists(info_file) else ''
        if status[0] != 'ok':
            self.reason = 'setup-host could not build it: %s (log: %s)' % (
                ' '.join(status[1:]) or status[0],
                os.path.join(self.directory, 'build.log'))
            return
        path = os.path.join(self.directory, 'ipt_NETFLOW.ko')
        self.indexes = os.path.join(self.directory, 'modules')
        for needed in (path, os.path.join(self.indexes, 'modules.dep.bin')):
            if not os.path.exists(needed):
                self.reason = '%s is missing (run tests/guest/setup-host)' % needed
                return
        self.path = path

    def module_path(self):
        """Where the indexes expect the module, relative to /lib/modules/<kver>."""
        return cmd.read(os.path.join(self.indexes, '.module-path')).strip()

    def describe(self):
        if self.path:
            tags = [line for line in self.info.splitlines() if line.startswith('tags:')]
            return '%s (%s)' % (self.path, tags[0] if tags else 'no info')
        return 'unavailable: ' + self.reason


class BuildUnavailable(Exception):
    pass


class Build:
    """What one build can do, read from its module file (no loading needed).

    .name, .path (None when the variant is unavailable; .reason says why),
    .version ('2.6', '2.8.0'), .parameters (set of parameter names),
    .has_hooks (hooks mode: the fork 2.8+), .has_targets (targets=: 2.7+),
    .defects / .exports_packet_counts (KNOWN_DEFECTS of its version).
    """

    def __init__(self, name, debian_file=None):
        self.name = name
        self.reason = ''
        if name == DEBIAN:
            self.path = debian_file or module.module_file()
        else:
            variant = Variant(name)
            self.path, self.reason = variant.path, variant.reason
        self.version, self.parameters = '', frozenset()
        if self.path:
            self.version = cmd.out(['modinfo', '-F', 'version', self.path]).strip()
            self.parameters = frozenset(
                line.partition(':')[0] for line in
                cmd.out(['modinfo', '-F', 'parm', self.path]).splitlines() if line)

    @property
    def has_hooks(self):
        return set(HOOKS_PARAMETERS) <= self.parameters

    @property
    def has_targets(self):
        return 'targets' in self.parameters

    @property
    def defects(self):
        """{defect: explanation} known for this build's version (KNOWN_DEFECTS)."""
        return KNOWN_DEFECTS.get(self.version, {})

    @property
    def exports_packet_counts(self):
        """False where v9/IPFIX records carry a wrong packet count."""
        return PACKET_COUNTS not in self.defects

    def describe(self):
        if not self.path:
            return '%s: unavailable (%s)' % (self.name, self.reason)
        capabilities = [c for c, present in (('hooks', self.has_hooks),
                                              ('targets', self.has_targets)) if present]
        capabilities += ['defect: %s' % name for name in sorted(self.defects)]
        return '%s: %s %s%s' % (self.name, self.version or '?', self.path,
                                ' [%s]' % ' '.join(capabilities) if capabilities else '')


class Builds:
    """Switches the installed ipt_NETFLOW between Debian's build and the variants."""

    def __init__(self, workdir, unload):
        self.kernel = os.uname().release
        self.modules_dir = '/lib/modules/%s' % self.kernel
        self.workdir = workdir
        self.unload = unload
        self.target = module.module_file()     # Debian's file (maybe .ko.xz)
        self.installed_file = self.target      # the file `modprobe` finds now
        self.current = DEBIAN
        self.variants = {name: Variant(name, self.kernel) for name in VARIANTS}
        self.variant = self.variants[FULL]
        self._hash = {}                        # build -> sha256 of its .ko
        self._saved = os.path.join(self.workdir, 'ipt-netflow-debian')
        os.makedirs(self._saved, exist_ok=True)
        shutil.copy2(self.target, os.path.join(self._saved, 'ipt_NETFLOW.ko'))
        for path in sorted(glob.glob(os.path.join(self.modules_dir, 'modules.*'))):
            shutil.copy2(path, self._saved)
        self._hash[DEBIAN] = _sha256(self.target)

    def _remove_installed(self):
        if os.path.exists(self.installed_file):
            os.unlink(self.installed_file)

    def _restore_debian(self):
        self._remove_installed()
        for path in sorted(glob.glob(os.path.join(self._saved, '*'))):
            base = os.path.basename(path)
            dest = self.target if base == 'ipt_NETFLOW.ko' else os.path.join(self.modules_dir, base)
            shutil.copy2(path, dest)
        self.installed_file = self.target

    def _install_variant(self, variant):
        self._remove_installed()
        dest = os.path.join(self.modules_dir, variant.module_path())
        shutil.copy2(variant.path, dest)
        for path in sorted(glob.glob(os.path.join(variant.indexes, 'modules.*'))):
            shutil.copy2(path, self.modules_dir)
        self.installed_file = dest
        self._hash[variant.name] = _sha256(dest)

    def installed(self):
        """Which build the file modprobe finds is ('debian', 'full', 'fork' or 'unknown')."""
        found = module.module_file()
        if found != self.installed_file:
            return 'unknown'
        digest = _sha256(found)
        for name, value in self._hash.items():
            if value == digest:
                return name
        for name, variant in self.variants.items():
            if variant.path and _sha256(variant.path) == digest:
                return name
        return 'unknown'

    def use(self, name):
        """Make `modprobe ipt_NETFLOW` load build `name` (no-op when it already does).

        Raises BuildUnavailable (with setup-host's reason) for a missing variant.
        """
        if name not in ALL_BUILDS:
            raise ValueError('unknown ipt_NETFLOW build %r (choose from %s)' % (name, ALL_BUILDS))
        if name == self.current:
            return
        variant = self.variants.get(name)
        if variant is not None and not variant.path:
            raise BuildUnavailable('the %r ipt_NETFLOW variant is %s' % (name, variant.reason))
        if module.is_loaded():
            self.unload()
        if name == DEBIAN:
            self._restore_debian()
        else:
            self._install_variant(variant)
        self.current = name
        if self.installed() != name:
            raise RuntimeError('switching ipt_NETFLOW to the %s build failed: modprobe finds '
                               '%s, holding %s' % (name, module.module_file(), self.installed()))
        # modprobe resolves dependencies from modules.dep.bin: the variants'
        # NAT events need nf_conntrack, Debian's build does not.
        deps = cmd.out(['modprobe', '--show-depends', module.MODULE])
        if ('/nf_conntrack.ko' in deps) != (name != DEBIAN):
            raise RuntimeError('modules.dep does not match the %s build:\n%s' % (name, deps))
