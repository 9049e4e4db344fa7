"""Real iptables-nft and nft in a fresh network namespace: hooks and transactions.

This machine's kernel has no NETFLOW target and cannot load modules, so the
hook plumbing uses NFLOG (also non-terminating) in its place, and the
module's settings interface is a replica of its sysctl and sysfs files in a
temp root (values from real captures). The real module and target are
exercised in the guest suite (tests/guest). Everything else here is real:
iptables-nft, ip6tables-nft and nft in a namespace, files under a root.
"""

import builtins
import itertools
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT
from vyflow.errors import ApplyError
from vyflow.netflow import desired, dscp, facts
from vyflow.netflow.capture import iptables
from vyflow.netflow.facts import SystemFacts
from vyflow.netflow.features import ModuleInfo
from vyflow.netflow.kernel import FAULT_ENV, FAULT_TYPE_ENV, Kernel
from vyflow.netflow.model import Collector, FlowConfig
from vyflow.netflow.plan import plan
from vyflow.netflow.state import mismatches, read_current
from vyflow.netflow.transaction import apply_state
from vyflow.paths import Paths
from helpers.standin import module_replica

TEMPLATES = PROJECT_ROOT / 'templates'
FULL_BUILD = frozenset({'aggr', 'dir', 'llist', 'mac', 'nel', 'samp-h', 'snmp', 'vlan'})
_names = itertools.count()

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or shutil.which('iptables-nft-save') is None,
                                reason='needs root and iptables-nft')


@pytest.fixture
def netns():
    name = f'vyflow-test-{os.getpid()}-{next(_names)}'
    subprocess.run(['ip', 'netns', 'add', name], check=True)
    yield name
    subprocess.run(['ip', 'netns', 'del', name], check=False)


def in_ns(netns, *argv, input=None):
    return subprocess.run(['ip', 'netns', 'exec', netns, *argv], capture_output=True, text=True,
                          input=input, check=True).stdout


def ruleset(netns) -> str:
    """Both families' rules and user chains, plus our nft table, for comparisons.
    (iptables-nft creates empty tables on first use; those are not rules.)"""
    text = ''
    for tool in ('iptables-nft-save', 'ip6tables-nft-save'):
        table = ''
        for line in in_ns(netns, tool).splitlines():
            if line.startswith('*'):
                table = line
            elif line.startswith('-A') or (line.startswith(':') and ' - ' in line):
                text += f'{tool} {table} {line}\n'
    listing = subprocess.run(['ip', 'netns', 'exec', netns, 'nft', 'list', 'table', 'inet',
                              'vyflow_export'], capture_output=True, text=True)
    return text + (listing.stdout if listing.returncode == 0 else '')


def add_foreign_rules(netns):
    in_ns(netns, 'iptables-nft', '-t', 'raw', '-A', 'PREROUTING', '-i', 'foreign0', '-j', 'NOTRACK')
    in_ns(netns, 'iptables-nft', '-t', 'mangle', '-A', 'POSTROUTING', '-o', 'foreign0', '-j',
          'MARK', '--set-mark', '7')
    in_ns(netns, 'ip6tables-nft', '-t', 'raw', '-A', 'PREROUTING', '-i', 'foreign0', '-j', 'NOTRACK')


def flow_config(**changes) -> FlowConfig:
    config = FlowConfig(netflow=True, interfaces=['eth0', 'eth1'], egress=True, version=9,
                        collectors=[Collector('192.0.2.10', 2055), Collector('2001:db8::10', 2056)],
                        dscp='ef')
    for key, value in changes.items():
        setattr(config, key, value)
    return config


def desired_state(kernel, config):
    facts = SystemFacts(module=ModuleInfo(True, True, FULL_BUILD, 'loaded'))
    return desired.build(config, facts, read_current(kernel), '212992', TEMPLATES, target='NFLOG')


@pytest.fixture
def kernel(tmp_path, netns):
    root = tmp_path / 'root'
    module_replica(root)
    return Kernel(Paths(root), command_prefix=('ip', 'netns', 'exec', netns))


# ---- hooks --------------------------------------------------------------------


def test_chain_layout_single_jumps_and_foreign_rules_untouched(netns, tmp_path):
    kernel = Kernel(Paths(tmp_path), command_prefix=('ip', 'netns', 'exec', netns))
    add_foreign_rules(netns)
    foreign = ruleset(netns)
    family = {'raw': iptables.wanted_chain('raw', ['eth0', 'eth1'], 'NFLOG'),
              'mangle': iptables.wanted_chain('mangle', ['eth0'], 'NFLOG')}
    for name in iptables.FAMILIES:
        kernel.iptables_restore(name, iptables.restore_payload(iptables.read_family(kernel, name), family))
    saved = in_ns(netns, 'iptables-nft-save')
    assert '-A VYFLOW_INGRESS -i eth0 -j NFLOG\n-A VYFLOW_INGRESS -i eth1 -j NFLOG' in saved
    assert '-A VYFLOW_EGRESS -o eth0 -j NFLOG' in saved
    assert saved.count('-j VYFLOW_INGRESS') == 1 and saved.count('-j VYFLOW_EGRESS') == 1
    raw = in_ns(netns, 'iptables-nft', '-t', 'raw', '-S', 'PREROUTING').splitlines()
    assert raw[1] == '-A PREROUTING -j VYFLOW_INGRESS'          # first, before foreign rules
    assert '-A PREROUTING -i foreign0 -j NOTRACK' in raw
    assert '--set-xmark 0x7' in in_ns(netns, 'iptables-nft', '-t', 'mangle', '-S', 'POSTROUTING')
    assert '-A VYFLOW_INGRESS -i eth1 -j NFLOG' in in_ns(netns, 'ip6tables-nft-save')
    for name in iptables.FAMILIES:                                   # applying twice: nothing to do
        assert iptables.read_family(kernel, name) == family
        assert iptables.restore_payload(iptables.read_family(kernel, name), family) == ''
    for name in iptables.FAMILIES:                                   # clean removal
        absent = {'raw': iptables.ABSENT, 'mangle': iptables.ABSENT}
        kernel.iptables_restore(name, iptables.restore_payload(iptables.read_family(kernel, name), absent))
    assert ruleset(netns) == foreign


def test_a_failing_table_leaves_the_family_unchanged(netns, tmp_path):
    kernel = Kernel(Paths(tmp_path), command_prefix=('ip', 'netns', 'exec', netns))
    add_foreign_rules(netns)
    before = ruleset(netns)
    broken = {'raw': iptables.wanted_chain('raw', ['eth0'], 'NO-SUCH-TARGET'), 'mangle': iptables.ABSENT}
    with pytest.raises(ApplyError, match='iptables-nft-restore'):
        kernel.iptables_restore('ipv4', iptables.restore_payload(iptables.read_family(kernel, 'ipv4'), broken))
    assert ruleset(netns) == before


# ---- transactions ----------------------------------------------------------------


def snapshot_everything(kernel, netns, root: str) -> tuple:
    tree = Path(root)
    files = {str(p.relative_to(tree)): p.read_text() for p in sorted(tree.rglob('*'))
             if p.is_file() and not p.name.startswith('.')}
    return read_current(kernel), ruleset(netns), files


def test_apply_reads_back_and_second_apply_is_a_no_op(kernel, netns):
    add_foreign_rules(netns)
    target = desired_state(kernel, flow_config(sampling_rate=100, natevents=True))
    report = apply_state(kernel, target)
    assert report.steps and not report.dry_run
    current = read_current(kernel)
    assert current.settings['destination'] == '192.0.2.10:2055,[2001:db8::10]:2056'
    assert current.settings['sampler'] == 'random:100'
    assert current.conntrack_events == '1'
    assert current.remembered == {'conntrack_events_before': '2'}
    assert 'ip daddr 192.0.2.10 udp dport 2055 ip dscp set ef' in in_ns(netns, 'nft', 'list', 'ruleset')
    assert 'options ipt_NETFLOW protocol=9 destination=192.0.2.10:2055,[2001:db8::10]:2056' in \
        kernel.read_modprobe_conf()
    assert apply_state(kernel, desired_state(kernel, flow_config(sampling_rate=100,
                                                                 natevents=True))).steps == []


def change_steps(kernel):
    """A change touching every kind of step: settings, file, hooks, nft, conntrack."""
    first = desired_state(kernel, flow_config())
    apply_state(kernel, first)
    second = desired_state(kernel, flow_config(version=10, interfaces=['eth2'], sampling_rate=50,
                                               active_timeout=60, natevents=True, dscp='af11',
                                               collectors=[Collector('192.0.2.20', 2055)]))
    return second, plan(read_current(kernel), second, kernel.writable())


# Expected errors, bugs of every kind, and interrupts: each must be undone.
FAULT_TYPES = ['ApplyError', 'ValueError', 'KeyError', 'RuntimeError', 'OSError', 'TypeError',
               'AttributeError', 'IndexError', 'KeyboardInterrupt', 'SystemExit']


@pytest.mark.parametrize('fault_type', FAULT_TYPES)
def test_every_step_failing_restores_the_prior_state(kernel, netns, monkeypatch, fault_type):
    add_foreign_rules(netns)
    target, steps = change_steps(kernel)
    step_ids = [step.id for step in steps] + ['read-back']
    assert {'file:modprobe', 'param:protocol', 'param:destination', 'param:sampler',
            'hooks:ipv4', 'hooks:ipv6', 'dscp', 'sysctl:nf_conntrack_events',
            'file:state'} <= set(step_ids)
    root = kernel.paths.root
    before = snapshot_everything(kernel, netns, root)
    if fault_type != 'ApplyError':
        monkeypatch.setenv(FAULT_TYPE_ENV, fault_type)
    for step_id in step_ids:
        monkeypatch.setenv(FAULT_ENV, step_id)
        failing = Kernel(kernel.paths, command_prefix=kernel.command_prefix)
        expected = ApplyError if fault_type == 'ApplyError' else getattr(builtins, fault_type)
        with pytest.raises(expected) as caught:
            apply_state(failing, target)
        assert f'injected fault at {step_id}' in str(caught.value), caught.value
        said = str(caught.value) + ''.join(getattr(caught.value, '__notes__', []))
        assert 'The previous state was restored.' in said, (step_id, said)
        assert snapshot_everything(kernel, netns, root) == before, step_id
    monkeypatch.delenv(FAULT_ENV)
    apply_state(kernel, target)                    # and without a fault it goes through
    assert read_current(kernel).settings['protocol'] == '10'
    assert mismatches(target, read_current(kernel)) == []


def test_read_back_mismatch_is_reported_and_restored(kernel, netns):
    apply_state(kernel, desired_state(kernel, flow_config()))
    before = snapshot_everything(kernel, netns, kernel.paths.root)
    sampler = Path(kernel.paths.root, 'proc/sys/net/netflow/sampler')
    sampler.unlink()
    sampler.symlink_to('/dev/null')                 # accepts the write, reads back empty
    with pytest.raises(ApplyError) as caught:
        apply_state(kernel, desired_state(kernel, flow_config(sampling_rate=100)))
    assert "netflow.sampler: desired 'random:100', current ''" in str(caught.value)
    assert 'The previous state was restored' in str(caught.value)
    after = snapshot_everything(kernel, netns, kernel.paths.root)
    assert after[1] == before[1] and after[0].settings == before[0].settings


def test_deletion_removes_everything_we_created(kernel, netns):
    add_foreign_rules(netns)
    foreign = ruleset(netns)
    apply_state(kernel, desired_state(kernel, flow_config(natevents=True)))
    # rmmod cannot run here: treat the replica as unloaded once hooks are gone
    removed = desired.build_removed(read_current(kernel))
    steps = plan(read_current(kernel), removed, kernel.writable())
    assert [s.id for s in steps] == ['hooks:ipv6', 'hooks:ipv4', 'dscp', 'module:unload',
                                     'file:modprobe', 'sysctl:nf_conntrack_events', 'file:state']
    for step in steps:
        if step.kind != 'unload':
            step.run(kernel)
    assert ruleset(netns) == foreign
    assert kernel.read_modprobe_conf() is None
    assert kernel.read_conntrack_events() == '2' and kernel.read_state_file() == {}


# ---- DSCP values as nft lists them ---------------------------------------------


def test_every_dscp_value_reads_back_numerically_and_by_name(kernel, netns):
    """nft names most values (1.0.6 lists 1 as "lephb", a name not in VyOS's
    list): all 64, both families, read back from the numeric listing and from
    the named one."""
    marks = frozenset(mark for value in range(64)
                      for mark in (('ip', '192.0.2.1', 1000 + value, value),
                                   ('ip6', '2001:db8::1', 1000 + value, value)))
    kernel.nft_apply(dscp.nft_script(marks))
    assert read_current(kernel).marks == marks
    named = kernel.nft_list_table(dscp.TABLE_FAMILY, dscp.TABLE)
    assert 'dscp set ef' in named and 'dscp set 0x' in named      # nft mixes names and hex
    assert dscp.parse_listing(named) == marks


@pytest.mark.parametrize('spelled', ['le', '1', 'va', '63', '0'])
def test_dscp_set_then_deleted_applies_both_ways(kernel, netns, spelled):
    target = desired_state(kernel, flow_config(dscp=spelled))
    apply_state(kernel, target)
    value = dscp.dscp_value(spelled)
    assert read_current(kernel).marks == frozenset({('ip', '192.0.2.10', 2055, value),
                                                    ('ip6', '2001:db8::10', 2056, value)})
    apply_state(kernel, desired_state(kernel, flow_config(dscp=None)))
    assert read_current(kernel).marks is None
    assert 'vyflow_export' not in in_ns(netns, 'nft', 'list', 'tables')


# ---- whatever an older failure left behind: apply converges ----------------------

_OUR_CHAIN = ('add table inet vyflow_export\n'
              'add chain inet vyflow_export output {{ type filter hook {hook} priority mangle; '
              'policy accept; }}\n')
# The rules flow_config() wants: a table holding them and more must still be replaced.
_OUR_RULES = ('add rule inet vyflow_export output ip daddr 192.0.2.10 udp dport 2055 '
              'ip dscp set 46\n'
              'add rule inet vyflow_export output ip6 daddr 2001:db8::10 udp dport 2056 '
              'ip6 dscp set 46\n')
STALE_TABLES = {
    'names of another nft': _OUR_CHAIN.format(hook='output')
    + 'add rule inet vyflow_export output ip daddr 192.0.2.10 udp dport 2055 ip dscp set 1\n',
    'a chain of its own': _OUR_CHAIN.format(hook='output') + _OUR_RULES
    + 'add chain inet vyflow_export stale { type filter hook output priority 0; policy drop; }\n',
    'a set': _OUR_CHAIN.format(hook='output') + _OUR_RULES
    + 'add set inet vyflow_export collectors { type ipv4_addr; }\n',
    'a rule of its own': _OUR_CHAIN.format(hook='output') + _OUR_RULES
    + 'add rule inet vyflow_export output udp dport 53 drop\n',
    'another hook': _OUR_CHAIN.format(hook='postrouting') + _OUR_RULES,
    'an empty table': 'add table inet vyflow_export\n',
}


@pytest.mark.parametrize('stale', STALE_TABLES.values(), ids=list(STALE_TABLES))
def test_a_stale_export_table_is_replaced_and_then_removed(kernel, netns, stale):
    in_ns(netns, 'nft', '-f', '-', input=stale)
    target = desired_state(kernel, flow_config())
    apply_state(kernel, target)
    assert mismatches(target, read_current(kernel)) == []
    assert 'stale' not in ruleset(netns) and 'set collectors' not in ruleset(netns)
    assert 'drop' not in ruleset(netns) and 'postrouting' not in ruleset(netns)
    apply_state(kernel, desired_state(kernel, flow_config(dscp=None)))
    assert 'vyflow_export' not in in_ns(netns, 'nft', 'list', 'tables')


def test_a_failure_over_stale_objects_puts_them_back_and_the_next_apply_converges(
        kernel, netns, monkeypatch):
    in_ns(netns, 'nft', '-f', '-', input=STALE_TABLES['a chain of its own'])
    before = ruleset(netns)
    monkeypatch.setenv(FAULT_ENV, 'read-back')
    monkeypatch.setenv(FAULT_TYPE_ENV, 'ValueError')
    with pytest.raises(ValueError):
        apply_state(Kernel(kernel.paths, command_prefix=kernel.command_prefix),
                    desired_state(kernel, flow_config()))
    assert ruleset(netns) == before                           # put back verbatim
    monkeypatch.delenv(FAULT_ENV)
    target = desired_state(kernel, flow_config())
    apply_state(kernel, target)
    assert mismatches(target, read_current(kernel)) == []


STALE_CHAINS = {
    'ipv4': '*raw\n:VYFLOW_INGRESS - [0:0]\n-A VYFLOW_INGRESS -i old0 -j NFLOG\nCOMMIT\n'
            '*mangle\n:VYFLOW_EGRESS - [0:0]\n-A POSTROUTING -j VYFLOW_EGRESS\n'
            '-A POSTROUTING -j VYFLOW_EGRESS\n-A VYFLOW_EGRESS -o old0 -j NFLOG\nCOMMIT\n',
    'ipv6': '*mangle\n:VYFLOW_EGRESS - [0:0]\n-A VYFLOW_EGRESS -o old0 -j NFLOG\n'
            '-A VYFLOW_EGRESS -o old1 -j NFLOG\nCOMMIT\n',
}


def test_stale_hook_chains_converge_and_are_removed(kernel, netns):
    """A chain without its jump, two jumps, old interfaces, one family only."""
    add_foreign_rules(netns)
    foreign = ruleset(netns)
    for family, tool in (('ipv4', 'iptables-nft-restore'), ('ipv6', 'ip6tables-nft-restore')):
        in_ns(netns, tool, '--noflush', input=STALE_CHAINS[family])
    target = desired_state(kernel, flow_config(dscp=None))
    apply_state(kernel, target)
    assert mismatches(target, read_current(kernel)) == []
    assert 'old0' not in ruleset(netns)
    removed = desired.build_removed(read_current(kernel))
    for step in plan(read_current(kernel), removed, kernel.writable()):
        if step.kind != 'unload':                  # rmmod cannot run here
            step.run(kernel)
    assert ruleset(netns) == foreign


# ---- a dry run plans from the real state, read-only --------------------------------


def test_dry_run_reads_the_real_state_and_plans_exactly_what_a_commit_does(kernel, netns):
    add_foreign_rules(netns)
    apply_state(kernel, desired_state(kernel, flow_config()))
    dry = Kernel(kernel.paths, dry_run=True, command_prefix=kernel.command_prefix)
    before = snapshot_everything(kernel, netns, kernel.paths.root)
    same = apply_state(dry, desired_state(dry, flow_config()))
    assert same.steps == []                                   # existing hooks not re-added
    changed = desired_state(dry, flow_config(interfaces=['eth0']))
    planned = apply_state(dry, changed)
    assert [step.id for step in planned.steps] == ['hooks:ipv4', 'hooks:ipv6']
    removed = desired.build_removed(read_current(dry))
    deleting = apply_state(dry, removed)
    assert [step.id for step in deleting.steps] == ['hooks:ipv6', 'hooks:ipv4', 'dscp',
                                                    'module:unload', 'file:modprobe']
    assert snapshot_everything(kernel, netns, kernel.paths.root) == before   # read-only
    assert [step.id for step in apply_state(kernel, changed).steps] == \
        [step.id for step in planned.steps]                   # the commit does just that


def test_dry_run_checks_flowtable_offload(kernel, netns):
    in_ns(netns, 'ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0')
    made = subprocess.run(['ip', 'netns', 'exec', netns, 'nft', '-f', '-'], text=True,
                          capture_output=True, input=(
                              'table inet fastpath {\n  flowtable fast { hook ingress priority 0; '
                              'devices = { eth0 }; }\n}\n'))
    if made.returncode != 0:
        pytest.skip(f'this kernel has no nftables flowtables: {made.stderr.strip()}')
    dry = Kernel(kernel.paths, dry_run=True, command_prefix=kernel.command_prefix)
    assert facts.gather(dry, need_flowtables=True).offloaded == {'eth0'}
