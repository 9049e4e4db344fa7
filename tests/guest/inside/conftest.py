"""Fixtures for tests that run inside the guest kernel (tests/guest/run).

Outside the guest (VYFLOW_GUEST unset) every test here is skipped: they need
root in a throw-away kernel with Debian's DKMS-built ipt_NETFLOW.

Fixtures (see tests/guest/README.md for the full API):
  topology    session: router (root netns) + h1/h2/h3 namespaces, h2 servers
  vrf_site    a VRF on the router with a collector host only reachable in it
  collectors  factory: .nfcapd() .nfacctd() .raw() on fresh 127.0.0.1 ports
  netflow     module + firewall state that is cleaned up after the test:
              .load(**params) .unload() .rules (firewall.Rules)
  kernel_log  KernelLog started at the beginning of the test (.new())
  workdir     a per-test directory for files
  platform    session: the platform booted (tests/guest/run --platform):
              'debian12', 'debian13', 'fork-6.1' or 'fork-6.12'
  module_build  (autouse) which ipt_NETFLOW build `modprobe` loads for the test:
              'debian' (Debian's DKMS build), 'full' (its source with every
              feature) or 'fork' (2.8.0, hooks mode) (guestlib.builds).
              Chosen by, first to last:
                @pytest.mark.parametrize('module_build', BUILDS, indirect=True)
                @pytest.mark.ipt_netflow_build('debian')   (pins a test)
                --ipt-netflow-build=debian|full|fork
                the platform's build (fork on fork-*, else debian)
              A missing variant fails the test with setup-host's reason.
  module_capabilities  guestlib.builds.Build of the test's build (.version,
              .parameters, .has_hooks, .has_targets, .defects,
              .exports_packet_counts)

Markers:
  smoke            the smoke set run on every platform (tests/guest/run --smoke)
  needs_hooks      needs hooks mode (hooks=, hooks_mark=): DESELECTED (reported,
                   never silently skipped) where the test's build lacks it
  needs_targets    needs targets= (2.7+): deselected likewise
  needs_packet_counts  checks v9/IPFIX packet counts at a collector:
                   deselected for builds known to export them wrong
                   (guestlib.builds.KNOWN_DEFECTS: the fork 2.8.0 sends 0)
  ipt_netflow_build(name)  pins the build
"""
import os
import shutil
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from guestlib import PROJECT_ROOT, cmd, firewall, in_guest, module  # noqa: E402
from guestlib.builds import (ALL_BUILDS, DEBIAN, VARIANTS, Build,  # noqa: E402
                             BuildUnavailable, Builds, Variant, platform as booted_platform)
from guestlib.collectors import Collectors  # noqa: E402
from guestlib.topology import Topology  # noqa: E402

# The project's own library, for tests that import vyflow directly.
sys.path.insert(0, os.path.join(PROJECT_ROOT, 'python'))
VYFLOW = os.path.join(PROJECT_ROOT, 'bin', 'vyflow')


# marker -> (what the build lacks when the Build attribute is false, attribute)
CAPABILITY_MARKERS = {
    'needs_hooks': ('has no hooks mode (hooks=, hooks_mark=)', 'has_hooks'),
    'needs_targets': ('has no targets= parameter', 'has_targets'),
    'needs_packet_counts': ('exports v9/IPFIX packet counts as 0', 'exports_packet_counts'),
}


def pytest_addoption(parser):
    parser.addoption('--ipt-netflow-build', choices=ALL_BUILDS, default=None,
                     help='ipt_NETFLOW build for tests that do not choose one (default: the '
                          'platform\'s: fork on fork-6.1/fork-6.12, else Debian\'s DKMS build)')


def pytest_configure(config):
    for line in ('ipt_netflow_build(name): run the test with this ipt_NETFLOW build '
                 '(debian, full or fork) whatever --ipt-netflow-build says',
                 'smoke: part of the smoke set every guest platform runs',
                 'needs_hooks: needs the hooks mode of ipt_NETFLOW 2.8+ (deselected elsewhere)',
                 'needs_targets: needs the targets= parameter of ipt_NETFLOW 2.7+ '
                 '(deselected elsewhere)',
                 'needs_packet_counts: checks v9/IPFIX packet counts at a collector '
                 '(deselected for builds known to export them wrong: the fork 2.8.0)'):
        config.addinivalue_line('markers', line)
    config.vyflow_deselected = []


def default_build(config):
    return config.getoption('--ipt-netflow-build') or booted_platform()[1]


def item_build(item):
    """The build a collected test will run with (see module_build)."""
    callspec = getattr(item, 'callspec', None)
    if callspec is not None and 'module_build' in callspec.params:
        return callspec.params['module_build']
    marker = item.get_closest_marker('ipt_netflow_build')
    return marker.args[0] if marker else default_build(item.config)


_capabilities = {}


def capabilities(name):
    """guestlib.builds.Build of `name`, read once per session."""
    if name not in _capabilities:
        _capabilities[name] = Build(name)
    return _capabilities[name]


def pytest_collection_modifyitems(config, items):
    if not in_guest():
        skip = pytest.mark.skip(reason='needs the guest kernel: run tests/guest/run')
        for item in items:
            if str(item.fspath).startswith(HERE + os.sep):
                item.add_marker(skip)
        return
    capabilities(DEBIAN)    # read now, while Debian's file is the one installed
    keep, dropped = [], []
    for item in items:
        missing = [what for marker, (what, attribute) in CAPABILITY_MARKERS.items()
                   if item.get_closest_marker(marker)
                   and not getattr(capabilities(item_build(item)), attribute)]
        if missing:
            dropped.append(item)
            config.vyflow_deselected.append('%s: the %s build %s' % (
                item.nodeid, item_build(item), ' and '.join(missing)))
        else:
            keep.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def pytest_report_collectionfinish(config, start_path, items):
    if config.vyflow_deselected:
        return ['deselected for their build (%d):' % len(config.vyflow_deselected)] + \
            ['  ' + line for line in config.vyflow_deselected]
    return []


def pytest_report_header(config):
    if in_guest():
        name, build = booted_platform()
        return ['guest platform %s, kernel %s, ipt_NETFLOW %s' % (
                    name, os.uname().release, _module_file()),
                'variants: %s' % '; '.join('%s %s' % (v, Variant(v).describe())
                                           for v in VARIANTS),
                'default build: %s (platform %s)' % (default_build(config), name)]
    return []


def _module_file():
    try:
        return module.module_file()
    except Exception as exc:  # report, don't break the header
        return 'not found (%s)' % exc


@pytest.fixture(scope='session')
def session_dir():
    path = tempfile.mkdtemp(prefix='guest-tests-')
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def workdir(session_dir, request):
    name = ''.join(c if c.isalnum() else '_' for c in request.node.name)[:80]
    path = os.path.join(session_dir, name)
    os.makedirs(path, exist_ok=True)
    return path


@pytest.fixture(scope='session')
def topology(session_dir):
    topo = Topology(workdir=os.path.join(session_dir, 'topology'))
    os.makedirs(topo.workdir, exist_ok=True)
    try:
        topo.setup()
    except Exception:
        topo.teardown()
        raise
    yield topo
    topo.teardown()


@pytest.fixture
def vrf_site(topology):
    site = topology.add_vrf()
    yield site
    topology.remove_vrf(site.vrf)


@pytest.fixture
def collectors(workdir):
    coll = Collectors(workdir)
    yield coll
    coll.stop_all()


class Netflow:
    """The module and its firewall rules for one test; cleaned up afterwards."""

    module = module

    def __init__(self):
        self.rules = firewall.Rules()

    def load(self, **params):
        if module.is_loaded():
            self.cleanup()
        module.load(**params)

    def unload(self):
        module.unload()

    def cleanup(self):
        """Drop every firewall rule (any NETFLOW reference blocks rmmod), unload.

        `nft flush ruleset` removes the iptables-nft tables too, in one cheap
        process; the legacy backend is only flushed when rmmod still fails.
        """
        self.rules.added.clear()
        cmd.run(['nft', 'flush', 'ruleset'], check=False)
        try:
            module.unload()
        except cmd.CommandError:
            firewall.flush_all(legacy=True)
            module.unload()


@pytest.fixture
def netflow():
    nf = Netflow()
    nf.cleanup()
    yield nf
    nf.cleanup()


@pytest.fixture
def kernel_log():
    return module.KernelLog()


@pytest.fixture(scope='session')
def platform():
    """The platform booted: 'debian12', 'debian13', 'fork-6.1' or 'fork-6.12'."""
    return booted_platform()[0]


@pytest.fixture(scope='session')
def module_builds(session_dir):
    builds = Builds(os.path.join(session_dir, 'builds'), unload=lambda: Netflow().cleanup())
    yield builds
    builds.use(DEBIAN)


@pytest.fixture(autouse=True)
def module_build(request, module_builds):
    """The ipt_NETFLOW build this test runs with ('debian', 'full' or 'fork'); see
    the module docstring for how it is chosen."""
    name = getattr(request, 'param', None) or item_build(request.node)
    try:
        module_builds.use(name)
    except BuildUnavailable as exc:
        pytest.fail('%s.  Deselect these tests with -k "not %s" to run without it.'
                    % (exc, name), pytrace=False)
    return name


@pytest.fixture
def module_capabilities(module_build):
    """What the test's build can do (guestlib.builds.Build)."""
    return capabilities(module_build)
