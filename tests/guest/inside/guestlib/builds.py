"""Which build of ipt_NETFLOW the guest's `modprobe ipt_NETFLOW` loads.

Two builds exist for the guest kernel:
  debian  Debian's DKMS build, /lib/modules/<kver>/updates/dkms/ipt_NETFLOW.ko
          (tags `dir mac promisc+mpls samp snmp vlan`)
  full    the variant tests/guest/setup-host builds from the same DKMS source
          into <cache>/ipt-netflow-full/<kver>/ (tags `aggr dir llist mac nel
          promisc+mpls samp-h snmp vlan`); never installed on the host.

`Builds.use('full')` copies the variant over Debian's file *inside the guest*
(/usr, hence /lib, is a throw-away overlay) together with the module indexes
(modules.dep & co.) setup-host made for it with `depmod -b` on the host: the
variant also depends on nf_conntrack, which modules.dep must say for
modprobe, and a depmod in the guest takes ~100 s under TCG.
`use('debian')` puts Debian's original file and indexes back (saved at the
start of the session).  The module must not be loaded while its file is
swapped: the caller's `unload` callback runs first (rules referencing NETFLOW
block rmmod).
"""
import glob
import hashlib
import os
import shutil

from . import PROJECT_ROOT, cmd, module

DEBIAN, FULL = 'debian', 'full'
BUILDS = (DEBIAN, FULL)
FULL_TAGS = ['aggr', 'dir', 'llist', 'mac', 'nel', 'promisc+mpls', 'samp-h', 'snmp', 'vlan']


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

    def __init__(self, kernel=None):
        self.kernel = kernel or os.uname().release
        self.directory = os.path.join(cache_dir(), 'ipt-netflow-full', self.kernel)
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


class Builds:
    """Switches the installed ipt_NETFLOW between Debian's build and the variant."""

    def __init__(self, workdir, unload):
        self.kernel = os.uname().release
        self.modules_dir = '/lib/modules/%s' % self.kernel
        self.workdir = workdir
        self.unload = unload
        self.target = module.module_file()     # Debian's file; the variant goes there too
        self.current = DEBIAN
        self.variant = Variant(self.kernel)
        self._hash = {}                        # build -> sha256 of its .ko
        self._saved = os.path.join(self.workdir, 'ipt-netflow-debian')
        os.makedirs(self._saved, exist_ok=True)
        shutil.copy2(self.target, os.path.join(self._saved, 'ipt_NETFLOW.ko'))
        for path in sorted(glob.glob(os.path.join(self.modules_dir, 'modules.*'))):
            shutil.copy2(path, self._saved)
        self._hash[DEBIAN] = _sha256(self.target)

    def _restore_debian(self):
        for path in sorted(glob.glob(os.path.join(self._saved, '*'))):
            base = os.path.basename(path)
            dest = self.target if base == 'ipt_NETFLOW.ko' else os.path.join(self.modules_dir, base)
            shutil.copy2(path, dest)

    def installed(self):
        """Which build the file on disk is ('debian', 'full' or 'unknown')."""
        digest = _sha256(self.target)
        for name, value in self._hash.items():
            if value == digest:
                return name
        if self.variant.path and _sha256(self.variant.path) == digest:
            return FULL
        return 'unknown'

    def use(self, name):
        """Make `modprobe ipt_NETFLOW` load build `name` (no-op when it already does).

        Raises BuildUnavailable (with setup-host's reason) for a missing variant.
        """
        if name not in BUILDS:
            raise ValueError('unknown ipt_NETFLOW build %r (choose from %s)' % (name, BUILDS))
        if name == self.current:
            return
        if name == FULL and not self.variant.path:
            raise BuildUnavailable('the full-featured ipt_NETFLOW variant is ' +
                                   self.variant.reason)
        if module.is_loaded():
            self.unload()
        if name == DEBIAN:
            self._restore_debian()
        else:
            if self.target != os.path.join(self.modules_dir, self.variant.module_path()):
                raise BuildUnavailable('the variant\'s indexes are for %s, but the module is %s'
                                       % (self.variant.module_path(), self.target))
            shutil.copy2(self.variant.path, self.target)
            for path in sorted(glob.glob(os.path.join(self.variant.indexes, 'modules.*'))):
                shutil.copy2(path, self.modules_dir)
            self._hash[FULL] = _sha256(self.target)
        self.current = name
        if self.installed() != name:
            raise RuntimeError('switching ipt_NETFLOW to the %s build failed: %s holds %s'
                               % (name, self.target, self.installed()))
        # modprobe resolves dependencies from modules.dep.bin: the variant's
        # NAT events need nf_conntrack, Debian's build does not.
        deps = cmd.out(['modprobe', '--show-depends', module.MODULE])
        if ('/nf_conntrack.ko' in deps) != (name == FULL):
            raise RuntimeError('modules.dep does not match the %s build:\n%s' % (name, deps))
