"""generate(): the desired ipt_NETFLOW state for a matrix of configs, as golden files.

Each tests/data/flow/configs/NAME.boot is read the way a commit reads it,
checked against the compiled JSON schema, verified against fixed system facts
and turned into the desired state; tests/data/flow/golden/NAME.txt holds that
state as text: the module settings in their read-back form, the modprobe.d
file, both families' iptables-restore payloads from an empty current state,
the nft script and the conntrack/remembered values. Regenerate with
``VYFLOW_UPDATE_GOLDEN=1`` and review the diff against ipt-netflow's formats
before keeping it. The unit tests below pin the formats the goldens rely on.
"""

import json
import os
import re
import warnings

import pytest

from conftest import PROJECT_ROOT
from vyflow.base import ConfigWarning
from vyflow.config import Config
from vyflow.configtree import parse_config
from vyflow.configtree.node import ConfigNode
from vyflow.definitions.model import Definitions
from vyflow.errors import ConfigError
from vyflow.jsonconfig import schema_problems
from vyflow.netflow import checks, desired, dscp, model
from vyflow.netflow.capture import iptables, nftables
from vyflow.netflow.facts import Interface, SystemFacts
from vyflow.netflow.features import DEBIAN_12_FEATURES, DEBIAN_12_PARAMETERS, ModuleInfo
from vyflow.netflow.model import Collector, FlowConfig, NetworkAggregation, PortAggregation
from vyflow.netflow.state import SystemState

DATA = PROJECT_ROOT / 'tests' / 'data' / 'flow'
CONFIGS = sorted((DATA / 'configs').glob('*.boot'))
GOLDEN = DATA / 'golden'
TEMPLATES = PROJECT_ROOT / 'templates'
UPDATE = os.environ.get('VYFLOW_UPDATE_GOLDEN') == '1'
WMEM_DEFAULT = '212992'

FULL_BUILD = frozenset({'aggr', 'dir', 'llist', 'mac', 'nel', 'samp-h', 'snmp', 'vlan'})
FORK_PARAMETERS = DEBIAN_12_PARAMETERS | {'aggregation', 'natevents', 'targets', 'hooks',
                                          'hooks_mark', 'hooks_mark_mask', 'nfevents_limit'}
MODULES = {
    'full-build-loaded': ModuleInfo(True, True, FULL_BUILD, 'loaded', '2.6'),
    'debian-12-assumed': ModuleInfo(False, False, DEBIAN_12_FEATURES, 'assumed'),
    'fork-2.8-installed': ModuleInfo(True, False, FULL_BUILD, 'modinfo', '2.8.0', FORK_PARAMETERS),
}
HOST = {
    'lo': Interface('lo', 1, None, None, ('127.0.0.1', '::1')),
    'eth0': Interface('eth0', 2, None, None, ('192.0.2.1', '2001:db8::1', 'fe80::1')),
    'eth1': Interface('eth1', 3, None, 'blue', ('198.51.100.1', '2001:db8:1::1')),
    'eth2': Interface('eth2', 4, None, None, ('10.2.2.1',)),
    'eth3': Interface('eth3', 5, None, None, ('10.3.3.1',)),
    'blue': Interface('blue', 10, 'vrf', None, ()),
    'dum3842': Interface('dum3842', 20, 'dummy', None, ('192.0.2.10', '2001:db8::ab')),
    'dum4000': Interface('dum4000', 21, 'dummy', None, ('192.0.2.100',)),
    'dum4002': Interface('dum4002', 23, 'dummy', None, ('192.0.2.102',)),
    'dum4003': Interface('dum4003', 24, 'dummy', None, ('192.0.2.103',)),
}


@pytest.fixture(scope='module')
def compiled(project_build):
    return Definitions.load(project_build / 'definitions.json'), json.loads(
        (project_build / 'config.schema.json').read_text())


def read_flow_config(definitions, tree) -> FlowConfig:
    """What src/conf_mode/system_flow-accounting.py's get_config builds."""
    return model.read_config(Config(tree, ConfigNode(), definitions))


def module_of(text: str) -> str:
    match = re.search(r'^// module: (\S+)$', text, re.MULTILINE)
    return match.group(1) if match else 'full-build-loaded'


def generate(definitions, text: str, current: SystemState = None):
    """(desired state, verify warnings) for a config.boot text."""
    module = MODULES[module_of(text)]
    system = SystemFacts(dict(HOST), module, set(), dry_run=module.origin == 'assumed')
    config = read_flow_config(definitions, parse_config(text).tree)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always', ConfigWarning)
        checks.verify(config, system)
    state = desired.build(config, system, current or SystemState(conntrack_events='2'),
                          WMEM_DEFAULT, TEMPLATES)
    return state, [str(item.message) for item in caught]


def render(name: str, state: SystemState, warned: list[str], module: str) -> str:
    empty = {table: iptables.ABSENT for table in iptables.TABLES}
    lines = [f'# generate() for tests/data/flow/configs/{name}.boot ({module})',
             '# regenerate: VYFLOW_UPDATE_GOLDEN=1 pytest tests/test_flow_generate.py', '',
             '== verify warnings']
    lines += warned or ['(none)']
    lines += ['', '== module settings (read-back form)']
    lines += [f'{key} = {value!r}' for key, value in state.settings.items()]
    lines += ['', '== /etc/modprobe.d/ipt_NETFLOW.conf', state.modprobe_conf.rstrip('\n')]
    for family, tool in (('ipv4', 'iptables-restore'), ('ipv6', 'ip6tables-restore')):
        payload = iptables.restore_payload(empty, state.family_hooks(family))
        lines += ['', f'== {tool} --noflush (from no hooks)', payload.rstrip('\n') or '(nothing)']
    lines += ['', '== nft -f (capture table, from none)',
              nftables.script(None, state.capture_table).rstrip('\n') or '(nothing)']
    lines += ['', '== nft -f (DSCP marks)', dscp.nft_script(state.marks).rstrip('\n')]
    lines += ['', '== conntrack and remembered values',
              f'net.netfilter.nf_conntrack_events = {state.conntrack_events or "(unmanaged)"}',
              f'remembered = {json.dumps(state.remembered, sort_keys=True)}']
    return '\n'.join(lines) + '\n'


@pytest.mark.parametrize('path', CONFIGS, ids=[path.stem for path in CONFIGS])
def test_sample_config_matches_the_schema(compiled, path):
    definitions, schema = compiled
    tree = parse_config(path.read_text(), str(path)).tree
    assert schema_problems(Config(tree, ConfigNode(), definitions).get_config_dict([]),
                           schema) == []


@pytest.mark.parametrize('path', CONFIGS, ids=[path.stem for path in CONFIGS])
def test_generate_matches_golden(compiled, path):
    definitions, _ = compiled
    text = path.read_text()
    state, warned = generate(definitions, text)
    produced = render(path.stem, state, warned, module_of(text))
    golden = GOLDEN / f'{path.stem}.txt'
    if UPDATE:
        golden.write_text(produced)
    assert golden.exists(), f'{golden} missing: run with VYFLOW_UPDATE_GOLDEN=1 and review it'
    assert produced == golden.read_text()


def test_every_golden_has_a_config():
    assert sorted(p.stem for p in GOLDEN.glob('*.txt')) == [p.stem for p in CONFIGS]


def test_schema_rejects_a_broken_sample(compiled):
    """The schema check above is not vacuous."""
    definitions, schema = compiled
    tree = parse_config('system { flow-accounting { netflow { version 7\n'
                        'server 192.0.2.1 { port 02055 } } } }').tree
    problems = schema_problems(Config(tree, ConfigNode(), definitions).get_config_dict([]),
                               schema)
    assert len(problems) == 2
    assert any('version' in problem for problem in problems)
    assert any('port' in problem and 'octal' in problem for problem in problems)


# ---- the formats the goldens rely on, checked one by one ----------------------

def flow_config(**fields) -> FlowConfig:
    values = dict(netflow=True, interfaces=['eth0'])
    values.update(fields)
    return FlowConfig(**values)


def test_destination_is_vyos_smoketest_string(compiled):
    """VyOS's test_netflow expects exactly this module parameter."""
    state, _ = generate(compiled[0], (DATA / 'configs' / 'ipfix-smoketest.boot').read_text())
    assert state.settings['destination'] == (
        '11.22.33.44:2055,55.66.77.88:6000,100.12.14.1:2055%dum3842,'
        '203.0.113.21:3000@192.0.2.1,[2001:db8::1]:2055@2001:db8::ab')


@pytest.mark.parametrize('collector, vrf, entry', [
    (Collector('192.0.2.1', 2055), None, '192.0.2.1:2055'),
    (Collector('2001:db8::1', 9995), None, '[2001:db8::1]:9995'),
    (Collector('2001:db8::1', 2055, source_address='2001:db8::2'), None,
     '[2001:db8::1]:2055@2001:db8::2'),                         # bind address never bracketed
    (Collector('192.0.2.1', 2055), 'blue', '192.0.2.1:2055%blue'),
    (Collector('192.0.2.1', 2055, source_interface='eth1'), 'blue', '192.0.2.1:2055%eth1'),
    (Collector('192.0.2.1', 2055, source_address='198.51.100.1'), 'blue',
     '192.0.2.1:2055@198.51.100.1%blue'),                      # the module parses @ before %
])
def test_destination_entry_grammar(collector, vrf, entry):
    assert desired.destination_string(flow_config(collectors=[collector], vrf=vrf)) == entry


def test_destination_orders_ipv4_numerically_then_ipv6():
    config = flow_config(collectors=[Collector(a, 2055) for a in (
        '2001:db8::2', '10.0.0.10', '2001:db8::10', '10.0.0.9', '9.0.0.1')])
    assert desired.destination_string(config) == (
        '9.0.0.1:2055,10.0.0.9:2055,10.0.0.10:2055,[2001:db8::2]:2055,[2001:db8::10]:2055')


def test_no_server_keeps_an_empty_destination_in_the_modprobe_options():
    options = desired.load_options(desired.settings(flow_config(), MODULES['full-build-loaded'],
                                                    WMEM_DEFAULT))
    assert ('destination', '') in options
    assert [key for key, _ in options if key in ('sampler', 'aggregation', 'snmp_rules',
                                                  'natevents', 'sndbuf')] == []


def test_aggregation_rules_most_specific_first():
    config = flow_config(
        networks=[NetworkAggregation('10.0.0.0/8', 16), NetworkAggregation('0.0.0.0/0', 8),
                  NetworkAggregation('10.1.2.0/24', 32), NetworkAggregation('10.1.0.0/16', 24)],
        ports=[PortAggregation(1024, 65535, 1024, '1024-65535'),
               PortAggregation(8000, 8099, 8000, '8000-8099'), PortAggregation(53, 53, 53, '53')])
    assert desired.aggregation_string(config) == (
        '10.1.2.0/24=32,10.1.0.0/16=24,10.0.0.0/8=16,0.0.0.0/0=8,'
        '53=53,8000-8099=8000,1024-65535=1024')


def test_snmp_rules_longer_prefix_first_and_no_spaces():
    """The module takes the first rule whose prefix starts the name, and a
    space after a comma would become part of the next prefix."""
    config = flow_config(snmp_rules={'ppp': 200, 'eth': 100, 'pppoe': 300, 'l2tp': 400,
                                     'l2tpeth': 500})
    text = desired.snmp_rules_string(config)
    assert text == 'l2tpeth:500,pppoe:300,l2tp:400,eth:100,ppp:200'
    assert ' ' not in text


@pytest.mark.parametrize('mode', ['deterministic', 'random', 'hash'])
def test_sampler_in_the_canonical_read_back_form(mode):
    config = flow_config(sampling_rate=100, sampling_mode=mode)
    assert desired.sampler_string(config) == f'{mode}:100'
    assert desired.sampler_string(flow_config()) == ''


@pytest.mark.parametrize('engine_id, written', [
    (None, '0'), (0, '0'), (255, '255'), (2147483647, '2147483647'),
    (2147483648, '-2147483648'), (3000000000, '-1294967296'), (4294967295, '-1')])
def test_engine_id_as_the_module_signed_int(engine_id, written):
    assert desired.engine_id_value(flow_config(engine_id=engine_id)) == written


def test_sndbuf_from_buffer_size_or_the_socket_default_and_only_with_a_server():
    module = MODULES['full-build-loaded']
    with_server = [Collector('192.0.2.1', 2055)]
    assert desired.settings(flow_config(collectors=with_server, buffer_size_mib=4), module,
                            WMEM_DEFAULT)['sndbuf'] == str(4 * 1024 * 1024)
    assert desired.settings(flow_config(collectors=with_server), module,
                            WMEM_DEFAULT)['sndbuf'] == WMEM_DEFAULT
    assert 'sndbuf' not in desired.settings(flow_config(buffer_size_mib=4), module, WMEM_DEFAULT)


def test_optional_settings_only_for_features_the_build_has():
    config = flow_config(sampling_rate=10, natevents=True, snmp_rules={'eth': 1},
                         ports=[PortAggregation(53, 53, 53, '53')])
    full = desired.settings(config, MODULES['full-build-loaded'], None)
    debian = desired.settings(config, MODULES['debian-12-assumed'], None)
    assert {k: full[k] for k in ('sampler', 'aggregation', 'natevents', 'snmp_rules')} == {
        'sampler': 'random:10', 'aggregation': '53=53', 'natevents': '1', 'snmp_rules': 'eth:1'}
    assert 'aggregation' not in debian and 'natevents' not in debian
    assert debian['sampler'] == 'random:10' and debian['snmp_rules'] == 'eth:1'


def test_dscp_marks_use_the_address_as_nft_lists_it():
    """nft prints 2001:db8:f::1; a mark kept as typed would never read back equal."""
    config = flow_config(collectors=[Collector('2001:DB8:F:0::1', 2055)], dscp='ef')
    system = SystemFacts(dict(HOST), MODULES['full-build-loaded'])
    state = desired.build(config, system, SystemState(), None, TEMPLATES)
    assert state.marks == frozenset({('ip6', '2001:db8:f::1', 2055, 46)})
    assert dscp.parse_listing(dscp.nft_script(state.marks).replace(
        'add table inet vyflow_export\ndelete table inet vyflow_export\n', '')) == state.marks


def test_hooks_payloads_are_idempotent():
    config = flow_config(interfaces=['eth0', 'eth1'], egress=True,
                         collectors=[Collector('192.0.2.1', 2055)])
    system = SystemFacts(dict(HOST), MODULES['full-build-loaded'])
    state = desired.build(config, system, SystemState(), None, TEMPLATES)
    for family in iptables.FAMILIES:
        assert iptables.restore_payload(state.family_hooks(family), state.family_hooks(family)) == ''


def test_natevents_turns_conntrack_events_on_and_remembers_the_old_value():
    system = SystemFacts(dict(HOST), MODULES['full-build-loaded'])
    state = desired.build(flow_config(natevents=True), system,
                          SystemState(conntrack_events='2'), None, TEMPLATES)
    assert state.conntrack_events == '1'
    assert state.remembered == {desired.REMEMBERED_EVENTS: '2'}
    off = desired.build(flow_config(), system, SystemState(conntrack_events='1',
                                                           remembered=state.remembered),
                        None, TEMPLATES)
    assert off.conntrack_events == '2' and off.remembered == {}


@pytest.mark.parametrize('fields', [
    dict(collectors=[Collector('192.0.2.1', 2055, source_interface='eth0,10.0.0.1')]),
    dict(collectors=[Collector('192.0.2.1', 2055, source_interface='eth0 x')]),
    dict(collectors=[Collector('192.0.2.1', 2055)], vrf='blue\nx'),
    dict(snmp_rules={'eth;ppp': 1}),
])
def test_no_separator_or_newline_reaches_a_module_string(fields):
    """Defence in depth behind the validators: a value that could split or
    extend a module string is refused, never written."""
    config = flow_config(**fields)
    with pytest.raises(ConfigError, match='refusing unsafe value'):
        desired.settings(config, MODULES['full-build-loaded'], None)
