"""Capture modes on real nftables/iptables-nft in network namespaces.

A router namespace with two peers (veth), real forwarding, real policy
routing and a foreign firewall that uses marks. The module is the stand-in
of helpers/standin.py: counters on its hooks at its priority, registered when
it "loads", selecting packets by its mark parameters — so what they count is
what ipt_NETFLOW would account, and their order against our chains is the
module's. The real module does the same in the guest (tests/guest/inside/
test_capture.py).
"""

import itertools
import os
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT
from helpers.standin import (TABLE as STANDIN, StandInKernel, installed_fork, module_replica,
                             standin_script)
from vyflow.base import ConfigWarning
from vyflow.errors import ApplyError
from vyflow.netflow import checks, desired, facts
from vyflow.netflow.capture import nftables
from vyflow.netflow.facts import SystemFacts
from vyflow.netflow.kernel import FAULT_ENV
from vyflow.netflow.model import Collector, FlowConfig
from vyflow.netflow.plan import plan
from vyflow.netflow.state import read_current
from vyflow.netflow.transaction import apply_state

TEMPLATES = PROJECT_ROOT / 'templates'
BIT = 0x80000000
_names = itertools.count()

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or shutil.which('nft') is None
                                or shutil.which('iptables-nft-save') is None,
                                reason='needs root, nft and iptables-nft')


def run(*argv, netns=None, input=None, check=True):
    prefix = ['ip', 'netns', 'exec', netns] if netns else []
    return subprocess.run([*prefix, *argv], input=input, capture_output=True, text=True,
                          check=check).stdout


class Lab:
    """Router R forwarding between peers A (via ra) and B (via rb)."""

    def __init__(self):
        tag = f'capture-{os.getpid()}-{next(_names)}'
        self.r, self.a, self.b = f'{tag}-r', f'{tag}-a', f'{tag}-b'
        for name in (self.r, self.a, self.b):
            self.add_namespace(name)
        run('sysctl', '-qw', 'net.ipv4.ip_forward=1', netns=self.r)
        self.peer(self.a, 'ra', 1)
        self.peer(self.b, 'rb', 2)

    @staticmethod
    def add_namespace(name: str) -> None:
        """IPv4 only: no neighbour discovery or router solicitation on the
        links, so every packet the counters see was sent by a test."""
        run('ip', 'netns', 'add', name)
        run('ip', '-n', name, 'link', 'set', 'lo', 'up')
        run('sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1',
            netns=name)

    def peer(self, netns: str, router_if: str, number: int, peer_if: str = 'eth0') -> None:
        run('ip', '-n', self.r, 'link', 'add', router_if, 'type', 'veth', 'peer', 'name', peer_if,
            'netns', netns)
        run('ip', '-n', self.r, 'addr', 'add', f'10.71.{number}.1/24', 'dev', router_if)
        run('ip', '-n', netns, 'addr', 'add', f'10.71.{number}.2/24', 'dev', peer_if)
        run('ip', '-n', self.r, 'link', 'set', router_if, 'up')
        run('ip', '-n', netns, 'link', 'set', peer_if, 'up')
        run('ip', '-n', netns, 'route', 'add', 'default', 'via', f'10.71.{number}.1')

    def ping(self, source: str, destination: str, count: int = 3) -> int:
        """Echo replies received."""
        result = subprocess.run(['ip', 'netns', 'exec', source, 'ping', '-n', '-q', '-c',
                                 str(count), '-i', '0.05', '-W', '1', destination],
                                capture_output=True, text=True, check=False)
        for part in result.stdout.replace(',', '\n').splitlines():
            if 'received' in part:
                return int(part.split()[0])
        return 0

    def udp(self, netns: str, destination: str, port: int, count: int = 1) -> None:
        run('python3', '-c', 'import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n'
            f'for _ in range({count}): s.sendto(b"x", ("{destination}", {port}))', netns=netns)

    def close(self) -> None:
        for name in (self.r, self.a, self.b):
            run('ip', 'netns', 'del', name, check=False)


@pytest.fixture
def lab():
    topology = Lab()
    yield topology
    topology.close()


@pytest.fixture
def kernel(lab, tmp_path):
    root = tmp_path / 'root'
    (root / 'proc/sys/net/netfilter').mkdir(parents=True)
    (root / 'proc/sys/net/netfilter/nf_conntrack_events').write_text('2\n')
    return StandInKernel(root, lab.r)


def config(**changes) -> FlowConfig:
    base = FlowConfig(netflow=True, interfaces=['ra'], version=9, capture='nftables',
                      collectors=[Collector('10.71.2.2', 2055)])
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def wanted(kernel, flow_config, target='NFLOG'):
    system = SystemFacts(module=kernel.module_info() or installed_fork())
    with warnings.catch_warnings():      # interfaces of other namespaces, the switch: expected
        warnings.simplefilter('ignore', ConfigWarning)
        checks.verify(flow_config, system)
    return desired.build(flow_config, system, read_current(kernel), '212992', TEMPLATES,
                         target=target)


def foreign_firewall(lab) -> None:
    """Policy routing and firewall rules of someone else that would change
    the packets' fate if they ever saw our bit: an ip rule sending marked
    packets to a blackhole table, a forward rule dropping them, and counters
    of marked packets at every other point of the path."""
    for family in ('-4', '-6'):
        run('ip', family, '-n', lab.r, 'rule', 'add', 'fwmark', f'{BIT:#x}/{BIT:#x}', 'lookup',
            '100', 'pref', '10')
        run('ip', family, '-n', lab.r, 'route', 'add', 'blackhole', 'default', 'table', '100')
    points = [('prerouting', -300), ('prerouting', 0), ('prerouting', nftables.MARK_PRIORITY - 1),
              ('input', 0), ('forward', 0), ('output', 0), ('postrouting', 0),
              ('postrouting', nftables.MARK_PRIORITY - 1)]
    lines = ['table inet foreign {']
    for number, (hook, priority) in enumerate(points):
        verdict = ' drop' if hook == 'forward' else ''
        lines += [f'  chain c{number} {{ type filter hook {hook} priority {priority};',
                  f'    meta mark & {BIT:#x} != 0 counter{verdict} comment "{hook} {priority}"', '  }']
    run('nft', '-f', '-', netns=lab.r, input='\n'.join(lines + ['}']) + '\n')


def leaks(lab) -> list[str]:
    """Foreign points where a packet carried our bit."""
    listing = run('nft', 'list', 'table', 'inet', 'foreign', netns=lab.r)
    return [line.strip() for line in listing.splitlines()
            if 'counter packets' in line and 'counter packets 0 ' not in line]


# ---- nftables capture: accounting, routing and policy untouched --------------------


def test_nftables_accounts_listed_interfaces_and_no_one_else_sees_the_mark(lab, kernel):
    foreign_firewall(lab)
    assert lab.ping(lab.a, '10.71.2.2') == 3                        # before: traffic flows
    report = apply_state(kernel, wanted(kernel, config(egress=True)))
    assert [step.id for step in report.steps] == ['file:modprobe', 'capture:nftables',
                                                  'module:load']   # table first, then module
    assert lab.ping(lab.a, '10.71.2.2', count=5) == 5               # after: the same
    # ingress on ra: 5 requests; egress on ra: 5 replies; nothing from rb
    assert kernel.accounted() == {'prerouting': 5, 'postrouting': 5}
    assert leaks(lab) == []
    assert read_current(kernel).capture_table == wanted(kernel, config(egress=True)).capture_table
    assert 'NFLOG' not in run('iptables-nft-save', netns=lab.r)     # no iptables rule anywhere
    assert 'VYFLOW' not in run('ip6tables-nft-save', netns=lab.r)


def test_interface_change_is_one_nft_transaction_without_reload(lab, kernel):
    apply_state(kernel, wanted(kernel, config()))
    handle = run('nft', '-a', 'list', 'table', 'inet', STANDIN, netns=lab.r)
    changed = wanted(kernel, config(interfaces=['ra', 'rb'], egress=True))
    steps = plan(read_current(kernel), changed, kernel.writable())
    assert [step.id for step in steps] == ['capture:nftables']
    assert steps[0].details() == ['add element inet vyflow_capture egress_names { "ra", "rb" }',
                                  'add element inet vyflow_capture ingress_names { "rb" }']
    apply_state(kernel, changed)
    assert run('nft', '-a', 'list', 'table', 'inet', STANDIN, netns=lab.r) == handle  # same "module"
    assert lab.ping(lab.b, '10.71.1.2') == 3
    assert kernel.accounted() == {'prerouting': 6, 'postrouting': 6}  # requests and replies, both ways


def test_the_clear_chain_must_come_after_the_module(lab, kernel):
    """Why the plan loads the module after creating the table: registered the
    other way round, the bit is cleared before the module's hook (nothing is
    accounted), though it still never leaks."""
    foreign_firewall(lab)
    run('nft', '-f', '-', netns=lab.r, input=standin_script(nftables.HOOKS, BIT, BIT))
    kernel.nft_capture_apply(nftables.script(None, nftables.wanted(config())))
    assert lab.ping(lab.a, '10.71.2.2') == 3
    assert kernel.accounted() == {'prerouting': 0, 'postrouting': 0} and leaks(lab) == []


def test_a_table_registered_anew_reloads_the_module(lab, kernel):
    target = wanted(kernel, config())
    apply_state(kernel, target)
    run('nft', 'delete', 'table', 'inet', nftables.TABLE, netns=lab.r)   # someone removed it
    steps = plan(read_current(kernel), target, kernel.writable())
    assert [step.id for step in steps] == ['module:unload', 'capture:nftables', 'module:load']
    assert 'capture nftables' in steps[0].description
    apply_state(kernel, target)
    assert lab.ping(lab.a, '10.71.2.2') == 3
    assert kernel.accounted() == {'prerouting': 3, 'postrouting': 0}


def accounted(kernel, lab, mode: str) -> dict[str, int]:
    """What the module would have accounted per hook: the stand-in's counters,
    or in iptables mode the NFLOG rules' (the stand-in target)."""
    if mode == 'nftables':
        return kernel.accounted()
    counts = {}
    for hook, table, chain in (('prerouting', 'raw', 'VYFLOW_INGRESS'),
                               ('postrouting', 'mangle', 'VYFLOW_EGRESS')):
        listing = run('iptables-nft', '-t', table, '-L', chain, '-v', '-x', '-n', netns=lab.r)
        counts[hook] = sum(int(line.split()[0]) for line in listing.splitlines()[2:]
                           if 'NFLOG' in line)
    return counts


@pytest.mark.parametrize('mode', ['nftables', 'iptables'])
def test_patterns_account_interfaces_created_after_the_commit(lab, kernel, mode):
    apply_state(kernel, wanted(kernel, config(interfaces=['dyn*'], egress=True, capture=mode)))
    lab.add_namespace(lab.b + 'x')
    try:
        lab.peer(lab.b + 'x', 'dyn7', 3)
        assert lab.ping(lab.b + 'x', '10.71.1.2') == 3
        assert lab.ping(lab.a, '10.71.2.2') == 3                   # ra, rb: not matched
        assert accounted(kernel, lab, mode) == {'prerouting': 3, 'postrouting': 3}
    finally:
        run('ip', 'netns', 'del', lab.b + 'x', check=False)


def test_own_export_is_not_accounted_in_either_mode(lab, kernel):
    """UDP from the router to a collector's address and port passes; the same
    from a host behind the router (someone else's export) and the router's
    other traffic to that host are accounted."""
    for mode in ('nftables', 'iptables'):
        apply_state(kernel, wanted(kernel, config(interfaces=['rb'], egress=True, capture=mode)))
        lab.udp(lab.r, '10.71.2.2', 2055, count=4)                 # our export: not accounted
        lab.udp(lab.r, '10.71.2.2', 2056, count=2)                 # the router's other traffic
        lab.udp(lab.a, '10.71.2.2', 2055, count=3)                 # forwarded export of another
        if mode == 'nftables':
            assert kernel.accounted()['postrouting'] == 5, mode
        else:
            egress = run('iptables-nft', '-t', 'mangle', '-L', 'VYFLOW_EGRESS', '-v', '-x', '-n',
                         netns=lab.r).splitlines()[2:]
            counts = [(line.split()[0], line.split()[2]) for line in egress]
            assert counts == [('4', 'RETURN'), ('5', 'NFLOG')], egress


def snapshot_everything(kernel, lab) -> tuple:
    root = Path(kernel.paths.root)
    files = {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob('*'))
             if p.is_file()}
    rules = [line for tool in ('iptables-nft-save', 'ip6tables-nft-save')
             for line in run(tool, netns=lab.r).splitlines() if line.startswith(('-A', ':VY'))]
    for table in (nftables.TABLE, STANDIN):
        listing = run('nft', 'list', 'table', 'inet', table, netns=lab.r, check=False)
        rules += [line for line in listing.splitlines() if 'counter packets' not in line]
    return read_current(kernel), files, rules


@pytest.mark.parametrize('start, switched', [('iptables', 'nftables'), ('nftables', 'iptables')])
def test_switching_capture_reloads_and_any_failure_restores(lab, kernel, monkeypatch, start,
                                                            switched):
    apply_state(kernel, wanted(kernel, config(capture=start, egress=True)))
    target = wanted(kernel, config(capture=switched, egress=True))
    steps = plan(read_current(kernel), target, kernel.writable())
    ids = [step.id for step in steps]
    unload = ids.index('module:unload')
    assert ids.index('capture:nftables') == unload + 1 and ids[unload + 2] == 'module:load'
    assert f'capture {switched}' in steps[unload].description
    before = snapshot_everything(kernel, lab)
    for step_id in dict.fromkeys(ids):
        monkeypatch.setenv(FAULT_ENV, step_id)
        failing = StandInKernel(kernel.paths.root, lab.r)
        with pytest.raises(ApplyError, match='The previous state was restored'):
            apply_state(failing, target)
        assert snapshot_everything(kernel, lab) == before, step_id
    monkeypatch.delenv(FAULT_ENV)
    apply_state(kernel, target)
    assert lab.ping(lab.a, '10.71.2.2') == 3
    if switched == 'nftables':
        assert kernel.accounted() == {'prerouting': 3, 'postrouting': 3}
        assert 'VYFLOW' not in run('iptables-nft-save', netns=lab.r)
    else:
        assert kernel.accounted() == {} and 'table inet vyflow_capture' not in run(
            'nft', 'list', 'ruleset', netns=lab.r)


def test_foreign_rules_setting_the_mark_bit_are_refused(lab, kernel):
    run('nft', '-f', '-', netns=lab.r, input='table ip qos {\n chain pre {\n  type filter hook '
        'prerouting priority -150;\n  iifname "ra" meta mark set meta mark | 0x80000001\n }\n}\n')
    module_replica(Path(kernel.paths.root), fork=True)
    found = facts.gather(kernel, need_flowtables=False, mark_bit=31)
    assert found.mark_users == ['table ip qos chain pre handle 2']
    assert facts.gather(kernel, need_flowtables=False, mark_bit=30).mark_users == []
    with pytest.raises(Exception, match=r'Mark bit 31 \(0x80000000\) is set by table ip qos '
                                        r'chain pre handle 2: .*choose a bit no other rule sets'):
        checks.verify(config(), found)
