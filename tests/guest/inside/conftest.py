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
  module_build  (autouse) which ipt_NETFLOW build `modprobe` loads for the test:
              Debian's DKMS build or setup-host's full-featured variant
              (guestlib.builds).  Chosen by, first to last:
                @pytest.mark.parametrize('module_build', BUILDS, indirect=True)
                @pytest.mark.ipt_netflow_build('debian')   (pins a test)
                --ipt-netflow-build=debian|full            (default: debian)
              A missing variant fails the test with setup-host's reason.
"""
import os
import shutil
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from guestlib import PROJECT_ROOT, cmd, firewall, in_guest, module  # noqa: E402
from guestlib.builds import BUILDS, DEBIAN, BuildUnavailable, Builds, Variant  # noqa: E402
from guestlib.collectors import Collectors  # noqa: E402
from guestlib.topology import Topology  # noqa: E402

# The project's own library, for tests that import vyflow directly.
sys.path.insert(0, os.path.join(PROJECT_ROOT, 'python'))
VYFLOW = os.path.join(PROJECT_ROOT, 'bin', 'vyflow')


def pytest_addoption(parser):
    parser.addoption('--ipt-netflow-build', choices=BUILDS, default=DEBIAN,
                     help='ipt_NETFLOW build for tests that do not choose one: Debian\'s '
                          'DKMS build (default) or the full-featured variant setup-host builds')


def pytest_configure(config):
    config.addinivalue_line('markers', 'ipt_netflow_build(name): run the test with this '
                            'ipt_NETFLOW build (debian or full) whatever --ipt-netflow-build says')


def pytest_collection_modifyitems(config, items):
    if in_guest():
        return
    skip = pytest.mark.skip(reason='needs the guest kernel: run tests/guest/run')
    for item in items:
        if str(item.fspath).startswith(HERE + os.sep):
            item.add_marker(skip)


def pytest_report_header(config):
    if in_guest():
        return ['guest kernel %s, ipt_NETFLOW %s' % (os.uname().release, _module_file()),
                'full-featured variant: %s' % Variant().describe(),
                'default build: %s' % config.getoption('--ipt-netflow-build')]
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
def module_builds(session_dir):
    builds = Builds(os.path.join(session_dir, 'builds'), unload=lambda: Netflow().cleanup())
    yield builds
    builds.use(DEBIAN)


@pytest.fixture(autouse=True)
def module_build(request, module_builds):
    """The ipt_NETFLOW build this test runs with ('debian' or 'full'); see the
    module docstring for how it is chosen."""
    name = getattr(request, 'param', None)
    if name is None:
        marker = request.node.get_closest_marker('ipt_netflow_build')
        name = marker.args[0] if marker else request.config.getoption('--ipt-netflow-build')
    try:
        module_builds.use(name)
    except BuildUnavailable as exc:
        pytest.fail('%s.  Deselect these tests with -k "not full" to run without it.' % exc,
                    pytrace=False)
    return name
