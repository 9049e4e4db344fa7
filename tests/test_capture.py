"""Capture modes without a kernel: what the module says of itself, verify,
the plan's order, the nft table's scripts and read-back, and the status.

The namespace tests (test_capture_netns.py) run the same on real nftables;
the guest tests (tests/guest/inside/test_capture.py) on the real module.
"""

import json
import warnings

import pytest

from conftest import PROJECT_ROOT
from helpers.standin import FORK_STAT_LINE, installed_fork
from test_flow_verify import (BASIC, BASE, HOST, NF, definitions, errors_of, facts,  # noqa: F401
                              flow, only_error, warnings_of)
from vyflow.base import ConfigWarning
from vyflow.netflow import checks, desired
from vyflow.netflow.capture import iptables, nftables, nftread, patterns
from vyflow.netflow.capture import status as capture_status
from vyflow.netflow.facts import SystemFacts
from vyflow.netflow.features import (DEBIAN_12_FEATURES, HOOKS_PARAMETERS, ModuleInfo,
                                     assumed_debian, features_from_parameters, parse_modinfo,
                                     version_from_stat_line)
from vyflow.netflow.kernel import Kernel, read_module_file
from vyflow.netflow.model import Collector, FlowConfig
from vyflow.netflow.plan import plan
from vyflow.records import replace
from vyflow.netflow.state import SystemState
from vyflow.paths import Paths

FIXTURES = PROJECT_ROOT / 'tests' / 'fixtures' / 'ipt-netflow'
TEMPLATES = PROJECT_ROOT / 'templates'
FORK = installed_fork()
DEBIAN_LOADED = ModuleInfo(True, True, DEBIAN_12_FEATURES, 'loaded', '2.6',
                           frozenset(parse_modinfo((FIXTURES / 'debian-build/modinfo.txt')
                                                   .read_text()).parameters))


# ---- the module says what it is --------------------------------------------------------


def test_modinfo_of_debian_12_build_gives_version_parameters_and_no_hooks_mode():
    found = parse_modinfo((FIXTURES / 'debian-build/modinfo.txt').read_text())
    assert found.filename == '/lib/modules/6.1.0-56-amd64/updates/dkms/ipt_NETFLOW.ko'
    assert found.version == '2.6'
    assert 'hooks' not in found.parameters and {'destination', 'engine_id'} <= found.parameters
    assert features_from_parameters(found.parameters) == frozenset({'samp', 'snmp'})
    module = ModuleInfo(True, False, frozenset(), 'modinfo', found.version, found.parameters)
    assert not module.hooks_mode and module.capture_modes() == ['iptables']


def test_fork_build_has_hooks_mode_by_its_parameters():
    assert version_from_stat_line(FORK_STAT_LINE) == '2.8.0'
    assert FORK.hooks_mode and FORK.capture_modes() == ['iptables', 'nftables']
    assert FORK.describe() == ('ipt_NETFLOW 2.8.0 (installed, not loaded); features: aggr dir '
                               'llist mac nel samp-h snmp vlan; capture: iptables, nftables')
    # the parameters decide, not the version: a 2.8.0 without hooks_mark is no hooks build
    assert not ModuleInfo(True, True, frozenset(), 'loaded', '2.8.0',
                          FORK.parameters - {'hooks_mark'}).hooks_mode


def test_the_real_2_8_0_build_read_as_installed_and_as_loaded(tmp_path):
    """The fork built for Debian 13's 6.12 (captured by the guest platforms)."""
    captured = FIXTURES / 'fork-6.12'
    found = parse_modinfo((captured / 'modinfo.txt').read_text())
    assert found.version == '2.8.0' and HOOKS_PARAMETERS <= found.parameters
    assert features_from_parameters(found.parameters) == frozenset({'samp', 'snmp', 'aggr', 'nel'})
    parameters = tmp_path / 'sys/module/ipt_NETFLOW/parameters'
    parameters.mkdir(parents=True)
    for line in (captured / 'sys-module-parameters.txt').read_text().splitlines():
        name, _, value = line.partition('=')
        (parameters / name).write_text(value + '\n')
    (tmp_path / 'proc/net/stat').mkdir(parents=True)
    (tmp_path / 'proc/net/stat/ipt_netflow').write_text((captured / 'stat-idle-ipfix.txt').read_text())
    loaded = Kernel(Paths(tmp_path)).module_info()
    assert (loaded.version, loaded.loaded, loaded.hooks, loaded.hooks_mode) == ('2.8.0', True, 0, True)
    assert loaded.has('samp-h') and loaded.capture_modes() == ['iptables', 'nftables']


def test_a_dry_run_without_a_module_assumes_debian_12_and_says_so():
    assert assumed_debian().describe() == (
        "ipt_NETFLOW 2.6 (not installed: a dry run assumes Debian 12's build); features: dir "
        "mac promisc+mpls samp snmp vlan; capture: iptables")


# ---- verify ---------------------------------------------------------------------------------


@pytest.mark.parametrize('module, says', [
    (DEBIAN_LOADED, 'but the loaded build is ipt_NETFLOW 2.6 (it has no "hooks" parameter)'),
    (ModuleInfo(True, False, frozenset(), 'modinfo', '2.6', DEBIAN_LOADED.parameters),
     'but the installed build is ipt_NETFLOW 2.6 (it has no "hooks" parameter)')])
def test_nftables_capture_refused_on_a_build_without_hooks_mode(flow, module, says):
    path, message = only_error(flow(*BASIC, 'capture nftables'), facts(module))
    assert path == BASE + ['capture']
    assert message == (f'capture nftables needs an ipt_NETFLOW build with hooks mode, {says}: '
                       'install the maintained fork of ipt-netflow, 2.8.0 or later (VyOS builds '
                       'it as vyos-ipt-netflow; or build github.com/nuclearcat/ipt-netflow), or '
                       'use capture iptables')


def test_nftables_capture_refused_in_a_dry_run_assuming_debian(flow):
    path, message = only_error(flow(*BASIC, 'capture nftables'), facts(assumed_debian(), dry_run=True))
    assert message.startswith("capture nftables: this dry run without ipt_NETFLOW installed "
                              "assumes Debian 12's build (ipt_NETFLOW 2.6), which has no hooks mode")


def test_nftables_capture_accepted_on_the_fork_and_the_default_is_iptables(flow):
    assert errors_of(flow(*BASIC, 'capture nftables'), facts(FORK)) == []
    assert flow(*BASIC).capture == 'iptables' and flow(*BASIC).capture_mark_bit == 31


@pytest.mark.parametrize('lines, message', [
    (('netflow interface eth*',), 'eth0 is already covered by pattern eth*: its packets would be '
                                  'accounted twice; delete one of them'),
    (('netflow interface ppp*', 'netflow interface ppp1*'),
     'ppp1* is already covered by pattern ppp*: its packets would be accounted twice; delete one '
     'of them'),
    (('netflow interface l*',), "Pattern l* covers the loopback interface lo, which carries only "
                                "the router's traffic to itself: use a longer prefix")])
def test_patterns_that_double_count_or_cover_loopback_are_refused(flow, lines, message):
    assert only_error(flow(*BASIC, *lines), facts(FORK)) == (NF + ['interface'], message)


@pytest.mark.parametrize('value', ['*', 'ppp', 'a*b', '*ppp', 'abcdefghijklmno*', 'pp p*', 'ppp**'])
def test_set_refuses_what_is_no_name_or_prefix_pattern(definitions, value):
    checked = definitions.resolve(['system', 'flow-accounting', 'netflow', 'interface'], for_set=False)
    problem = checked.definition.check_value(value)
    assert (problem is None) == (value == 'ppp'), (value, problem)


def test_patterns_warn_when_nothing_matches_yet_and_count_as_present_interfaces(flow):
    assert 'Pattern ppp* matches no interface now; interfaces created later with that prefix ' \
           'are accounted' in warnings_of(flow(*BASIC, "netflow interface 'ppp*'"), facts(FORK))
    config = flow("netflow interface 'dum*'", 'netflow server 192.0.2.100')
    assert warnings_of(config, facts(FORK)) == []


def test_mark_bit_warnings_and_capture_switch_warning(flow):
    loaded_for_iptables = ModuleInfo(True, True, FORK.features, 'loaded', '2.8.0', FORK.parameters,
                                     hooks=0)
    found = warnings_of(flow(*BASIC, 'capture nftables'), facts(loaded_for_iptables))
    assert ('capture changes from iptables to nftables: ipt_NETFLOW is reloaded (its hooks are set '
            'when it loads); the flow cache is exported to the collectors first and the module\'s '
            'counters start again from zero') in found
    assert 'capture-mark-bit has no effect with capture iptables' in warnings_of(
        flow(*BASIC, 'capture-mark-bit 5'), facts(FORK))


# ---- generate and plan -------------------------------------------------------------------------


def nft_config(**changes) -> FlowConfig:
    config = FlowConfig(netflow=True, interfaces=['eth0', 'ppp*'], egress=True, version=10,
                        capture='nftables', collectors=[Collector('192.0.2.10', 2055),
                                                        Collector('2001:DB8::10', 4739)])
    for key, value in changes.items():
        setattr(config, key, value)
    return config


def state_for(config: FlowConfig, module: ModuleInfo = FORK, loaded: bool = True) -> SystemState:
    state = desired.build(config, SystemFacts(module=module), SystemState(), '212992', TEMPLATES)
    state.module_loaded = loaded
    return state


def test_nftables_mode_loads_with_its_hooks_and_writes_no_iptables_rules():
    state = state_for(nft_config())
    assert {key: state.settings[key] for key in ('targets', 'hooks', 'hooks_mark', 'hooks_mark_mask')} \
        == {'targets': '0', 'hooks': '17', 'hooks_mark': '2147483648', 'hooks_mark_mask': '2147483648'}
    assert state.hooks == iptables.absent()
    assert state.capture_table.elements_of('egress_patterns') == {'ppp*'}
    assert state.capture_table.elements_of('export_v6') == {'2001:db8::10 . 4739'}
    assert 'hooks' not in state_for(nft_config(capture='iptables'), DEBIAN_LOADED).settings


def test_first_commit_creates_the_table_before_loading_the_module():
    steps = plan(SystemState(), state_for(nft_config()), set())
    assert [step.id for step in steps] == ['file:modprobe', 'capture:nftables', 'module:load']
    assert steps[1].description.startswith('create nft table inet vyflow_capture (10 rules, 6 set '
                                           'elements written)')


def test_interface_changes_write_only_the_changed_elements():
    current = state_for(nft_config())
    changed = state_for(nft_config(interfaces=['eth0', 'eth1', 'ppp*'], egress=False))
    steps = plan(current, changed, set())
    assert [step.id for step in steps] == ['capture:nftables']
    assert steps[0].details() == [
        'delete element inet vyflow_capture egress_names { "eth0" }',
        'delete element inet vyflow_capture egress_patterns { "ppp*" }',
        'add element inet vyflow_capture ingress_names { "eth1" }']
    assert nftables.written(current.capture_table, changed.capture_table) == (0, 3)


def test_version_5_and_a_vrf_rewrite_rules_in_place():
    current = state_for(nft_config())
    changed = state_for(nft_config(version=5, vrf='blue'))
    script = nftables.script(current.capture_table, changed.capture_table)
    assert 'flush chain inet vyflow_capture ingress_mark' in script
    assert 'add rule inet vyflow_capture ingress_mark meta nfproto ipv6 return' in script
    assert 'fib saddr' not in script          # a VRF's addresses are not local to the main table
    assert not nftables.must_register(current.capture_table, changed.capture_table)


@pytest.mark.parametrize('start, switched, order', [
    ('iptables', 'nftables', ['file:modprobe', 'hooks:ipv6', 'hooks:ipv4', 'module:unload',
                              'capture:nftables', 'module:load']),
    ('nftables', 'iptables', ['file:modprobe', 'module:unload', 'capture:nftables', 'module:load',
                              'hooks:ipv4', 'hooks:ipv6'])])
def test_switching_capture_reloads_with_the_table_between_unload_and_load(start, switched, order):
    """iptables rules off before rmmod and on only once the NETFLOW target is
    back; our table after rmmod and before modprobe."""
    steps = plan(state_for(nft_config(capture=start)), state_for(nft_config(capture=switched)), set())
    assert [step.id for step in steps] == order
    assert steps[order.index('module:unload')].description == (
        f'rmmod ipt_NETFLOW: capture {switched}: the module\'s hooks are set when it loads (the '
        'flow cache is exported first)')


def test_the_mark_bit_is_configurable():
    table = state_for(nft_config(capture_mark_bit=4)).capture_table
    assert table.mark() == 0x10
    assert 'meta mark set meta mark & 0xffffffef' in nftables.script(None, table)


# ---- reading our table back -----------------------------------------------------------------


def listing_of(table: nftables.Table) -> str:
    """An ``nft -j`` listing as nft 1.0.6 prints our table (shape checked on
    the real nft in test_capture_netns.py)."""
    items = [{'table': {'family': 'inet', 'name': nftables.TABLE}}]
    for spec in table.sets:
        found = {'family': 'inet', 'name': spec.name, 'table': nftables.TABLE,
                 'type': list(spec.type) if len(spec.type) > 1 else spec.type[0]}
        if spec.interval:
            found['flags'] = ['interval']
        elements = sorted(table.elements_of(spec.name))
        if elements:
            found['elem'] = [({'concat': [e.split(' . ')[0], int(e.split(' . ')[1])]}
                              if ' . ' in e else e) for e in elements]
        items.append({'set': found})
    for chain in table.chains:
        items.append({'chain': {'name': chain.name, 'hook': chain.hook, 'prio': chain.priority}})
        for rule in chain.rules:
            expr = [{'match': {'right': f'@{name}'}} for name in sorted(rule.sets)]
            expr += [{'mangle': {'value': constant}} for constant in sorted(rule.constants)]
            items.append({'rule': {'chain': chain.name, 'expr': expr, 'comment': rule.comment}})
    return json.dumps({'nftables': items})


def test_a_listing_of_our_table_reads_back_as_we_would_write_it():
    table = state_for(nft_config(version=5, capture_mark_bit=3)).capture_table
    found = nftread.ours(nftread.parse(listing_of(table)))
    assert found == table
    assert [rule.text for chain in found.chains for rule in chain.rules] == \
        [rule.text for chain in table.chains for rule in chain.rules]   # so a snapshot restores


def test_a_foreign_shaped_table_is_read_as_it_is():
    table = state_for(nft_config()).capture_table
    broken = json.loads(listing_of(table))
    broken['nftables'] = [item for item in broken['nftables']
                          if item.get('rule', {}).get('comment') != nftables.CLEAR]
    found = nftread.ours(nftread.parse(json.dumps(broken)))
    assert found != table and not nftables.must_register(found, table)


def test_foreign_rules_setting_our_bit_are_found():
    ruleset = {'nftables': [
        {'rule': {'family': 'inet', 'table': 'fw', 'chain': 'pre', 'handle': 4, 'expr': [
            {'mangle': {'key': {'meta': {'key': 'mark'}}, 'value': 2147483649}}]}},
        {'rule': {'family': 'ip', 'table': 'nat', 'chain': 'post', 'handle': 9, 'expr': [
            {'mangle': {'key': {'ct': {'key': 'mark'}}, 'value': {'|': [{'ct': {'key': 'mark'}}, 16]}}}]}},
        {'rule': {'family': 'inet', 'table': nftables.TABLE, 'chain': 'ingress_mark', 'handle': 1,
                  'expr': [{'mangle': {'key': {'meta': {'key': 'mark'}}, 'value': 2147483648}}]}}]}
    text = json.dumps(ruleset)
    assert nftread.foreign_mark_users(text, 0x80000000) == ['table inet fw chain pre handle 4']
    assert nftread.foreign_mark_users(text, 0x10) == ['table ip nat chain post handle 9']
    assert nftread.foreign_mark_users(text, 0x2) == []


# ---- patterns and status ------------------------------------------------------------------------


def test_pattern_spellings_and_matching():
    assert patterns.iptables_spelling('ppp*') == 'ppp+' and patterns.iptables_spelling('eth0') == 'eth0'
    assert patterns.expand(['eth0.*', 'ppp*'], ['eth0', 'eth0.100', 'ppp7', 'pp']) == ['eth0.100', 'ppp7']
    assert patterns.covers('eth*', 'eth0.*') and not patterns.covers('eth0.*', 'eth1')
    rules = iptables.wanted(nft_config(capture='iptables'), 'NETFLOW')['ipv4']['raw'].rules
    assert rules == ('-d 192.0.2.10/32 -p udp -m udp --dport 2055 -m addrtype --src-type LOCAL '
                     '-j RETURN', '-i eth0 -j NETFLOW', '-i ppp+ -j NETFLOW')


def test_status_says_how_packets_reach_the_module_and_what_is_wrong():
    table = state_for(nft_config()).capture_table
    data = capture_status.build(nft_config(), FORK, {'hooks': '17'}, table)
    assert data['hints'] == [] and data['loaded_for'] == 'nftables'
    assert capture_status.render(data, FORK.capture_modes()) == [
        'Capture:      nftables, module hooks prerouting+postrouting, mark 0x80000000; table inet '
        'vyflow_capture: ingress 1 interface(s) + 1 pattern(s), egress 1 interface(s) + 1 '
        'pattern(s), mark 0x80000000']
    stale = capture_status.build(nft_config(), FORK, {'hooks': '0'}, None)
    assert stale['hints'] == [
        'The module was loaded for capture iptables, the configuration says nftables: commit '
        'again or run "restart flow-accounting"',
        'nft table inet vyflow_capture is missing: nothing is accounted; run "restart '
        'flow-accounting"']
    assert capture_status.build(nft_config(), DEBIAN_LOADED, {}, None)['hints'][0].startswith(
        'capture nftables is configured but ipt_NETFLOW 2.6 has no hooks mode')


def test_verify_passes_on_generated_golden_configs_without_warnings_leaking():
    with warnings.catch_warnings():
        warnings.simplefilter('error', ConfigWarning)
        checks.verify(FlowConfig(netflow=True, interfaces=['eth0'], capture='nftables',
                                 collectors=[Collector('192.0.2.100', 2055)]),
                      SystemFacts(dict(HOST), FORK))


HOOKS_LISTING = """family ip {
	hook prerouting {
		-0000000400 ipv4_conntrack_defrag [nf_defrag_ipv4]
		+2147483646 chain inet vyflow_capture ingress_mark [nf_tables]
		FIRST
		SECOND
	}
	hook postrouting {
		+2147483647 chain inet vyflow_capture egress_clear [nf_tables]
	}
}
"""


def test_hook_order_read_back_decides_whether_the_table_must_be_registered_anew():
    module = '+2147483647 netflow_nf_hook [ipt_NETFLOW]'
    ours = '+2147483647 chain inet vyflow_capture ingress_clear [nf_tables]'
    right = HOOKS_LISTING.replace('FIRST', module).replace('SECOND', ours)
    wrong = HOOKS_LISTING.replace('FIRST', ours).replace('SECOND', module)
    assert nftread.clear_runs_after_module(right)
    assert not nftread.clear_runs_after_module(wrong)
    assert nftread.clear_runs_after_module('') and nftread.clear_runs_after_module(None)
    table = state_for(nft_config()).capture_table
    assert nftables.must_register(replace(table, after_module=False), table)
    assert not nftables.must_register(table, table)


def test_read_back_report_names_what_differs():
    table = state_for(nft_config()).capture_table
    other = state_for(nft_config(interfaces=['eth1'], version=5)).capture_table
    assert nftables.difference(table, other) == (
        "rules of egress_mark differ; rules of ingress_mark differ; egress_names: desired ['eth0'], "
        "current ['eth1']; egress_patterns: desired ['ppp*'], current []; ingress_names: desired "
        "['eth0'], current ['eth1']; ingress_patterns: desired ['ppp*'], current []")
    assert nftables.difference(table, None).endswith(', current absent')
    late = replace(table, after_module=False)
    assert nftables.difference(table, late) == "its clear chains run before the module's hooks"
    assert mismatches_of(table, late) == [
        "nft table inet vyflow_capture: its clear chains run before the module's hooks"]


def mismatches_of(desired_table, current_table):
    from vyflow.netflow.state import mismatches
    return mismatches(SystemState(capture_table=desired_table), SystemState(capture_table=current_table))


@pytest.mark.parametrize('suffix', ['', '.xz', '.gz'])
def test_the_hash_sampler_tag_is_found_in_compressed_modules_too(tmp_path, suffix):
    import gzip
    import lzma
    content = b'\x7fELF\x00 samp-h\x00 snmp\x00'
    packed = {'': content, '.xz': lzma.compress(content), '.gz': gzip.compress(content)}[suffix]
    path = tmp_path / f'ipt_NETFLOW.ko{suffix}'
    path.write_bytes(packed)
    assert read_module_file(path) == content
    assert features_from_parameters(frozenset({'sampler'}), read_module_file(path)) == {'samp', 'samp-h'}
    (tmp_path / 'broken.ko.xz').write_bytes(b'not xz')
    assert read_module_file(tmp_path / 'broken.ko.xz') == b''
