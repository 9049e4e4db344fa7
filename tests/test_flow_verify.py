"""verify() of ``system flow-accounting``: one test per error and per warning.

Every test builds the config the way a commit does (set commands checked by
the real definitions, then the conf_mode script's two get_config_dict calls
and ``model.from_dict``), states the system facts as plain data, and checks
the exact config path and message. ipt_NETFLOW takes almost anything
silently, so these messages are the operator's only guard.
"""

import shlex
import warnings

import pytest

from vyflow.base import ConfigWarning
from vyflow.config import Config
from vyflow.configtree.node import ConfigNode
from vyflow.definitions.model import Definitions
from vyflow.errors import ConfigError, ConfigErrors
from vyflow.netflow import checks, desired, model
from vyflow.netflow.facts import Interface, SystemFacts
from vyflow.netflow.features import DEBIAN_12_FEATURES, ModuleInfo

FULL_BUILD = frozenset({'aggr', 'dir', 'llist', 'mac', 'nel', 'samp-h', 'snmp', 'vlan'})
LOADED_FULL = ModuleInfo(True, True, FULL_BUILD, 'loaded', '2.6')
ASSUMED_DEBIAN = ModuleInfo(False, False, DEBIAN_12_FEATURES, 'assumed')
NETFLOW = 'system flow-accounting netflow'
BASE = ['system', 'flow-accounting']
NF = BASE + ['netflow']

# A router: eth0 (v4 + global v6), eth1 in VRF blue, eth2 link-local v6 only,
# the VRF devices blue and red, and a dummy holding a loopback-style address.
HOST = {
    'lo': Interface('lo', 1, None, None, ('127.0.0.1', '::1')),
    'eth0': Interface('eth0', 2, None, None, ('192.0.2.1', '2001:db8::1', 'fe80::1')),
    'eth1': Interface('eth1', 3, None, 'blue', ('198.51.100.1', '2001:db8:1::1')),
    'eth2': Interface('eth2', 4, None, None, ('fe80::2',)),
    'blue': Interface('blue', 10, 'vrf', None, ()),
    'red': Interface('red', 11, 'vrf', None, ()),
    'dum0': Interface('dum0', 12, 'dummy', None, ('203.0.113.1',)),
}


@pytest.fixture(scope='module')
def definitions(project_build):
    return Definitions.load(project_build / 'definitions.json')


def tree_from_sets(definitions, lines, validate=True) -> ConfigNode:
    """A config tree from ``set`` lines (without the word ``set``). With
    ``validate`` the values pass the definitions' constraints, as at ``set``
    time; without, values such as ``version 7`` reach the tree the way a
    hand-edited config.boot would bring them."""
    tree = ConfigNode()
    for line in lines:
        resolved = definitions.resolve(shlex.split(line), for_set=validate)
        node = tree.ensure(resolved.path, resolved.tag_flags)
        if resolved.value is not None:
            node.values = ((node.values or []) + [resolved.value] if resolved.definition.multi
                           else [resolved.value])
        elif resolved.definition.is_leaf:
            node.values = None
    return tree


def config_from_tree(definitions, tree) -> model.FlowConfig:
    """What src/conf_mode/system_flow-accounting.py's get_config builds."""
    return model.read_config(Config(tree, ConfigNode(), definitions))


@pytest.fixture
def flow(definitions):
    """``flow('netflow interface eth0', …)``: a FlowConfig from set lines
    relative to ``system flow-accounting``."""
    def make(*lines, validate=True):
        full = [f'system flow-accounting {line}' for line in lines]
        return config_from_tree(definitions, tree_from_sets(definitions, full, validate))
    return make


def facts(module=LOADED_FULL, offloaded=(), interfaces=None, dry_run=False) -> SystemFacts:
    return SystemFacts(dict(HOST if interfaces is None else interfaces), module,
                       set(offloaded), dry_run)


BASIC = ('netflow interface eth0', 'netflow server 192.0.2.100')


def errors_of(config, system=None) -> list[tuple[list, str]]:
    """(path, message) of every verify error, in report order; [] if none."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', ConfigWarning)
        try:
            checks.verify(config, system or facts())
        except ConfigErrors as exc:
            return [(error.path, str(error)) for error in exc.errors]
        except ConfigError as exc:
            return [(exc.path, str(exc))]
    return []


def only_error(config, system=None) -> tuple[list, str]:
    found = errors_of(config, system)
    assert len(found) == 1, found
    return found[0]


def warnings_of(config, system=None) -> list[str]:
    """Messages of the ConfigWarnings a passing verify() emits."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        checks.verify(config, system or facts())
    assert all(issubclass(item.category, ConfigWarning) for item in caught), caught
    return [str(item.message) for item in caught]


# ---- a clean configuration ----------------------------------------------------

def test_clean_config_passes_without_warnings(flow):
    assert warnings_of(flow(*BASIC)) == []


def test_every_extension_together_passes_on_a_full_build(flow):
    config = flow(*BASIC, 'netflow version 10', 'netflow engine-id 4294967295',
                  'netflow sampling-rate 100', 'netflow sampling-mode hash',
                  'netflow natevents', 'netflow template refresh-packets 5',
                  'netflow aggregation network 10.0.0.0/8 prefix-length 16',
                  'netflow aggregation port 1024-65535 to 1024',
                  'netflow snmp-index-rule eth base 100', 'netflow dscp af41',
                  'netflow hash-size 65536', 'netflow max-flows 0', 'buffer-size 4',
                  'enable-egress')
    assert warnings_of(config) == []


# ---- errors -------------------------------------------------------------------

@pytest.mark.parametrize('lines', [
    ('netflow server 192.0.2.100',),
    ('enable-egress',),                      # no netflow node at all
], ids=['netflow-without-interface', 'no-netflow-node'])
def test_error_netflow_without_interfaces(flow, lines):
    assert only_error(flow(*lines)) == (
        NF + ['interface'],
        'Flow accounting needs at least one interface: '
        'set system flow-accounting netflow interface <name>')


@pytest.mark.parametrize('version', ['7', '1', '11'])
def test_error_version_outside_5_9_10(flow, version):
    config = flow(*BASIC, f'netflow version {version}', validate=False)
    assert only_error(config) == (
        NF + ['version'],
        f'NetFlow version {version} is not supported: use 5, 9 or 10 (IPFIX)')


def test_error_engine_id_above_255_with_version_5(flow):
    config = flow(*BASIC, 'netflow version 5', 'netflow engine-id 256')
    assert only_error(config) == (
        NF + ['engine-id'],
        'Engine ID 256 does not fit NetFlow version 5, which carries 8 bits: '
        'use 0 to 255, or version 9/10')


def test_engine_id_255_is_accepted_with_version_5(flow):
    assert errors_of(flow(*BASIC, 'netflow version 5', 'netflow engine-id 255')) == []


@pytest.mark.parametrize('version', ['9', '10'])
@pytest.mark.parametrize('engine_id', ['256', '2147483648', '4294967295'])
def test_large_u32_engine_id_is_accepted_with_versions_9_and_10(flow, version, engine_id):
    config = flow(*BASIC, f'netflow version {version}', f'netflow engine-id {engine_id}')
    assert errors_of(config) == []
    assert config.engine_id == int(engine_id)


@pytest.mark.parametrize('spelled, sent', [('0:7', 7), ('0:0', 0), ('0:255', 255)])
def test_v5_engine_type_and_id_with_type_0_is_what_the_module_sends(flow, spelled, sent):
    """VyOS's v5 spelling TYPE:ID: ipt_NETFLOW sends engine type 0, so 0:N is
    exactly what it does and is accepted, as engine ID N."""
    config = flow(*BASIC, 'netflow version 5', f'netflow engine-id {spelled}')
    assert errors_of(config) == []
    assert (config.engine_type, config.engine_id) == (0, sent)
    assert desired.engine_id_value(config) == str(sent)


def test_error_v5_engine_type_the_module_cannot_send(flow):
    config = flow(*BASIC, 'netflow version 5', 'netflow engine-id 3:7')
    assert only_error(config) == (
        NF + ['engine-id'],
        'engine-id 3:7: ipt_NETFLOW always sends engine type 0 (it has no setting for the '
        'type), so engine type 3 cannot be sent; set engine-id 7 (sent as type 0, ID 7)')


@pytest.mark.parametrize('version, field', [('9', 'source ID'), ('10', 'observation domain')])
def test_error_engine_type_and_id_with_versions_9_and_10(flow, version, field):
    config = flow(*BASIC, f'netflow version {version}', 'netflow engine-id 0:7')
    assert only_error(config) == (
        NF + ['engine-id'],
        f'engine-id 0:7 is the NetFlow 5 form (engine type:ID); version {version} sends one '
        f'number, the {field}: set engine-id <0-4294967295>')


def test_error_source_address_together_with_source_interface(flow):
    config = flow('netflow interface eth0',
                  'netflow server 192.0.2.100 source-address 192.0.2.1',
                  'netflow server 192.0.2.100 source-interface eth0')
    assert only_error(config) == (
        NF + ['server', '192.0.2.100'],
        'Collector 192.0.2.100: set source-address or source-interface, not both')


@pytest.mark.parametrize('server, source', [('192.0.2.100', '192.0.2.99'),
                                            ('2001:db8:f::1', '2001:db8::99')])
def test_error_source_address_not_assigned_on_this_system(flow, server, source):
    config = flow('netflow interface eth0', f'netflow server {server} source-address {source}')
    assert only_error(config) == (
        NF + ['server', server, 'source-address'],
        f'Source address {source} is not assigned to any interface of this system')


def test_error_source_address_not_inside_the_vrf(flow):
    config = flow('vrf red', 'netflow interface eth0',
                  'netflow server 192.0.2.100 source-address 192.0.2.1')
    assert only_error(config) == (
        NF + ['server', '192.0.2.100', 'source-address'],
        'Source address 192.0.2.1 is on eth0, which is not in VRF "red"')


def test_source_address_inside_the_vrf_is_accepted(flow):
    config = flow('vrf blue', 'netflow interface eth0',
                  'netflow server 192.0.2.100 source-address 198.51.100.1')
    assert errors_of(config) == []


def test_error_source_address_in_a_vrf_without_vrf_configured(flow):
    """An unbound socket cannot bind an address that lives in a VRF's table:
    the module would leave that collector unconnected without a word."""
    config = flow('netflow interface eth0',
                  'netflow server 192.0.2.100 source-address 198.51.100.1')
    assert only_error(config) == (
        NF + ['server', '192.0.2.100', 'source-address'],
        'Source address 198.51.100.1 is on eth1, which is in VRF "blue": '
        'set system flow-accounting vrf blue, or use an address outside VRFs')


@pytest.mark.parametrize('server, source, have, want', [
    ('192.0.2.100', '2001:db8::1', 6, 4),
    ('2001:db8:f::1', '192.0.2.1', 4, 6)])
def test_error_source_address_of_the_other_family(flow, server, source, have, want):
    config = flow('netflow interface eth0', f'netflow server {server} source-address {source}')
    assert only_error(config) == (
        NF + ['server', server, 'source-address'],
        f'Source address {source} is IPv{have} but collector {server} is IPv{want}: '
        'use an address of the same family')


def test_error_source_interface_is_a_vrf_device(flow):
    config = flow('netflow interface eth0', 'netflow server 192.0.2.100 source-interface blue')
    assert only_error(config) == (
        NF + ['server', '192.0.2.100', 'source-interface'],
        'blue is a VRF, not an interface: set system flow-accounting vrf blue instead')


def test_error_source_interface_outside_the_vrf(flow):
    config = flow('vrf blue', 'netflow interface eth0',
                  'netflow server 192.0.2.100 source-interface eth0')
    assert only_error(config) == (
        NF + ['server', '192.0.2.100', 'source-interface'],
        'eth0 is not in VRF "blue"')


def test_source_interface_inside_the_vrf_is_accepted(flow):
    config = flow('vrf blue', 'netflow interface eth0',
                  'netflow server 192.0.2.100 source-interface eth1')
    assert errors_of(config) == []


def test_error_vrf_that_does_not_exist(flow):
    assert only_error(flow(*BASIC, 'vrf green')) == (
        BASE + ['vrf'], 'VRF "green" does not exist on this system (VRFs here: blue, red)')


def test_error_vrf_that_does_not_exist_on_a_system_without_vrfs(flow):
    system = facts(interfaces={'eth0': HOST['eth0']})
    assert only_error(flow(*BASIC, 'vrf green'), system) == (
        BASE + ['vrf'], 'VRF "green" does not exist on this system (it has no VRFs)')


@pytest.mark.parametrize('vrf', [None, 'blue'])
def test_error_link_local_collector_without_source_interface(flow, vrf):
    """A link-local collector needs its link; a VRF does not name one."""
    lines = ['netflow interface eth0', 'netflow server fe80::99']
    config = flow(*lines, *([f'vrf {vrf}'] if vrf else []))
    assert only_error(config) == (
        NF + ['server', 'fe80::99'],
        'Link-local collector fe80::99 needs a source-interface to say which link it is on')


def test_link_local_collector_with_source_interface_is_accepted(flow):
    config = flow('netflow interface eth0', 'netflow server fe80::99 source-interface eth2')
    assert errors_of(config) == []


# The module's destination buffer holds 255 characters; entries are
# "address:port" joined by commas. Counted here by hand, not by the product.
def _servers(count, port):
    addresses = [f'203.0.113.{100 + n}' for n in range(count)]
    return addresses, [f'{address}:{port}' for address in addresses]


def _fitting(entries, limit=255):
    fitting = 0
    while fitting < len(entries) and len(','.join(entries[:fitting + 1])) <= limit:
        fitting += 1
    return fitting


def test_error_destination_string_longer_than_255_characters(flow):
    addresses, entries = _servers(13, 65000)       # 13 x 19 characters + 12 commas
    total = len(','.join(entries))
    assert total == 259 and _fitting(entries) == 12
    config = flow('netflow interface eth0',
                  *[f'netflow server {address} port 65000' for address in addresses])
    assert only_error(config) == (
        NF + ['server'],
        f"The collectors need {total} characters in the module's destination string, which "
        f'holds 255: only {_fitting(entries)} of these 13 servers fit')


def test_error_destination_string_counts_source_and_vrf_suffixes(flow):
    """``@source`` and ``%vrf`` take room too: 8 plain servers fit, with the
    suffixes only 6 of them do."""
    addresses, entries = _servers(8, 2055)
    assert len(','.join(entries)) <= 255
    entries = [f'{entry}@198.51.100.1%blue' for entry in entries]
    total = len(','.join(entries))
    config = flow('vrf blue', 'netflow interface eth0',
                  *[f'netflow server {address} source-address 198.51.100.1'
                    for address in addresses])
    assert only_error(config) == (
        NF + ['server'],
        f"The collectors need {total} characters in the module's destination string, which "
        f'holds 255: only {_fitting(entries)} of these 8 servers fit')
    assert _fitting(entries) == 6


def test_destination_string_of_exactly_255_characters_is_accepted(flow):
    addresses, entries = _servers(12, 65000)
    lines = [f'netflow server {address} port 65000' for address in addresses]
    lines.append('netflow server 203.0.113.200 port 6')   # sorts last: 239 + 1 + 15
    assert len(','.join(entries + ['203.0.113.200:6'])) == 255
    assert errors_of(flow('netflow interface eth0', *lines)) == []
    lines[-1] = 'netflow server 203.0.113.200 port 60'
    assert only_error(flow('netflow interface eth0', *lines))[1].endswith(
        'only 12 of these 13 servers fit')


def test_error_aggregation_string_over_the_module_limit(flow):
    networks = [f'10.{n}.0.0/16' for n in range(80)]
    rules = [f'{network}=24' for network in networks]
    total = len(','.join(rules))
    assert total > 1023
    config = flow(*BASIC, *[f'netflow aggregation network {network} prefix-length 24'
                            for network in networks])
    assert only_error(config) == (
        NF + ['aggregation'],
        f"Aggregation rules need {total} characters; the module holds 1023")


def test_error_ipv6_network_in_aggregation(flow):
    config = flow(*BASIC, 'netflow aggregation network 2001:db8::/32 prefix-length 24')
    assert only_error(config) == (
        NF + ['aggregation', 'network', '2001:db8::/32'],
        '2001:db8::/32: the module aggregates IPv4 networks only (port rules apply to IPv6 too)')


def test_error_aggregation_network_without_prefix_length(flow):
    config = flow(*BASIC, 'netflow aggregation network 10.0.0.0/8')
    assert only_error(config) == (
        NF + ['aggregation', 'network', '10.0.0.0/8', 'prefix-length'],
        'Aggregation of 10.0.0.0/8 needs prefix-length <0-32>')


def test_error_aggregation_port_without_to(flow):
    config = flow(*BASIC, 'netflow aggregation port 1024-65535')
    assert only_error(config) == (
        NF + ['aggregation', 'port', '1024-65535', 'to'],
        'Aggregation of ports 1024-65535 needs "to <port>"')


def test_error_snmp_index_rule_without_base(flow):
    config = flow(*BASIC, 'netflow snmp-index-rule ppp')
    assert only_error(config) == (
        NF + ['snmp-index-rule', 'ppp', 'base'],
        'SNMP index rule "ppp" needs a base: set … snmp-index-rule ppp base <0-65535>')


def test_error_snmp_rules_string_over_the_module_limit(flow):
    prefixes = [f'p{n:02d}abcdefghijkl' for n in range(16)]      # "pNNabcdefghijkl:65535"
    rules = [f'{prefix}:65535' for prefix in sorted(prefixes)]
    total = len(','.join(rules))
    assert total > 255
    config = flow(*BASIC, *[f'netflow snmp-index-rule {prefix} base 65535'
                            for prefix in prefixes])
    assert only_error(config) == (
        NF + ['snmp-index-rule'],
        f'SNMP index rules need {total} characters; the module holds 255')


# Each optional feature: the config that needs it, the path named, the
# build's description, and the tags a build without it has.
FEATURES = {
    'sampler': (('netflow sampling-rate 100',), NF + ['sampling-rate'],
                'flow sampling (--enable-sampler)', FULL_BUILD - {'samp-h'}),
    'hash-sampler': (('netflow sampling-rate 100', 'netflow sampling-mode hash'),
                     NF + ['sampling-mode'], 'hash sampling (--enable-sampler=hash)',
                     FULL_BUILD - {'samp-h'} | {'samp'}),
    'natevents': (('netflow natevents',), NF + ['natevents'],
                  'NAT events (--enable-natevents, a kernel with conntrack events)',
                  FULL_BUILD - {'nel'}),
    'aggregation-network': (('netflow aggregation network 10.0.0.0/8 prefix-length 16',),
                            NF + ['aggregation'], 'aggregation (--enable-aggregation)',
                            FULL_BUILD - {'aggr'}),
    'aggregation-port': (('netflow aggregation port 1024-65535 to 1024',),
                         NF + ['aggregation'], 'aggregation (--enable-aggregation)',
                         FULL_BUILD - {'aggr'}),
    'snmp-index-rules': (('netflow snmp-index-rule eth base 100',), NF + ['snmp-index-rule'],
                         'SNMP index rules (--enable-snmp-rules)', FULL_BUILD - {'snmp'}),
}


@pytest.mark.parametrize('origin', ['loaded', 'modinfo'])
@pytest.mark.parametrize('feature', FEATURES)
def test_error_feature_missing_from_the_installed_module(flow, feature, origin):
    lines, path, description, tags = FEATURES[feature]
    if feature == 'sampler':
        tags = tags - {'samp'}
    module = ModuleInfo(True, origin == 'loaded', frozenset(tags), origin, '2.6')
    assert only_error(flow(*BASIC, *lines), facts(module)) == (
        path, f'The installed ipt_NETFLOW was built without {description}; this build has: '
              f'{" ".join(sorted(tags))}')


@pytest.mark.parametrize('feature', FEATURES)
def test_error_feature_missing_from_the_assumed_module_in_a_dry_run(flow, feature):
    lines, path, description, tags = FEATURES[feature]
    if feature == 'sampler':
        tags = tags - {'samp'}
    module = ModuleInfo(False, False, frozenset(tags), 'assumed')
    assert only_error(flow(*BASIC, *lines), facts(module, dry_run=True)) == (
        path, f"Dry run without ipt_NETFLOW installed: assuming Debian 12's build, which "
              f'lacks {description}; it has: {" ".join(sorted(tags))}')


def test_error_debian_12_build_lacks_hash_sampler_natevents_and_aggregation(flow):
    """What a dry run on a development machine reports for every extension."""
    config = flow(*BASIC, 'netflow sampling-rate 100', 'netflow sampling-mode hash',
                  'netflow natevents', 'netflow aggregation port 53 to 53',
                  'netflow snmp-index-rule eth base 100')
    has = 'dir mac promisc+mpls samp snmp vlan'
    prefix = "Dry run without ipt_NETFLOW installed: assuming Debian 12's build, which lacks"
    assert errors_of(config, facts(ASSUMED_DEBIAN, dry_run=True)) == [
        (NF + ['sampling-mode'], f'{prefix} hash sampling (--enable-sampler=hash); it has: {has}'),
        (NF + ['natevents'], f'{prefix} NAT events (--enable-natevents, a kernel with conntrack '
                             f'events); it has: {has}'),
        (NF + ['aggregation'], f'{prefix} aggregation (--enable-aggregation); it has: {has}')]


@pytest.mark.parametrize('mode', ['random', 'deterministic', 'hash'])
def test_a_hash_sampler_build_serves_every_sampling_mode(flow, mode):
    """``samp-h`` replaces ``samp`` in the tag line of a --enable-sampler=hash build."""
    module = ModuleInfo(True, True, frozenset({'samp-h'}), 'loaded', '2.6')
    config = flow(*BASIC, 'netflow sampling-rate 100', f'netflow sampling-mode {mode}')
    assert errors_of(config, facts(module)) == []


def test_error_module_without_optional_features_says_so(flow):
    module = ModuleInfo(True, True, frozenset(), 'loaded', '2.6')
    assert only_error(flow(*BASIC, 'netflow natevents'), facts(module))[1].endswith(
        'this build has: no optional features')


def test_error_module_not_installed(flow):
    assert only_error(flow(*BASIC), facts(module=None)) == (
        BASE,
        'The ipt_NETFLOW kernel module is not installed: install iptables-netflow-dkms '
        '(Debian) or vyos-ipt-netflow (VyOS), or use "vyflow --dry-run" to plan without it')


def test_several_errors_are_reported_together_in_order(flow):
    config = flow('vrf green', 'netflow version 5', 'netflow engine-id 300',
                  'netflow server 192.0.2.100 source-address 192.0.2.99',
                  'netflow server 192.0.2.100 source-interface eth0',
                  'netflow aggregation network 2001:db8::/32 prefix-length 24',
                  'netflow aggregation port 53', 'netflow snmp-index-rule eth')
    found = errors_of(config, facts(ModuleInfo(True, True, frozenset(), 'loaded')))
    assert [path for path, _ in found] == [
        NF + ['interface'],
        NF + ['engine-id'],
        BASE + ['vrf'],
        NF + ['server', '192.0.2.100'],
        NF + ['server', '192.0.2.100', 'source-address'],
        NF + ['server', '192.0.2.100', 'source-interface'],
        NF + ['aggregation', 'network', '2001:db8::/32'],
        NF + ['aggregation', 'port', '53', 'to'],
        NF + ['snmp-index-rule', 'eth', 'base'],
        NF + ['aggregation'],
        NF + ['snmp-index-rule']]
    with pytest.raises(ConfigErrors) as raised:
        checks.verify(config, facts(ModuleInfo(True, True, frozenset(), 'loaded')))
    assert str(raised.value) == '\n'.join(message for _, message in found)


def test_errors_suppress_warnings(flow):
    """A refused commit shows what to fix, not what would merely surprise."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        with pytest.raises(ConfigError):
            checks.verify(flow('netflow interface eth9', 'netflow version 5',
                               'netflow engine-id 256'), facts())
    assert caught == []


# ---- warnings -----------------------------------------------------------------

def test_warning_interfaces_that_do_not_exist_yet(flow):
    config = flow('netflow interface eth0', 'netflow interface ppp0',
                  'netflow interface tun7', 'netflow server 192.0.2.100')
    assert warnings_of(config) == [
        'Interfaces ppp0, tun7 do not exist yet; they are accounted once they appear']
    one = flow('netflow interface eth0', 'netflow interface ppp0', 'netflow server 192.0.2.100')
    assert warnings_of(one) == ['Interface ppp0 does not exist yet; it is accounted once it appears']


def test_warning_version_5_with_interfaces_carrying_ipv6(flow):
    config = flow('netflow interface eth0', 'netflow interface eth1', 'netflow interface eth2',
                  'netflow server 192.0.2.100', 'netflow version 5')
    # eth2 has only a link-local address: it carries no routed IPv6
    assert warnings_of(config) == [
        'NetFlow version 5 cannot carry IPv6: IPv6 traffic on eth0, eth1 is not accounted '
        '(use version 9 or 10)']


def test_version_5_on_ipv4_only_interfaces_does_not_warn(flow):
    config = flow('netflow interface dum0', 'netflow interface eth2',
                  'netflow server 192.0.2.100', 'netflow version 5')
    assert warnings_of(config) == []


@pytest.mark.parametrize('template', ['refresh-packets 5', 'refresh-minutes 10'])
def test_warning_template_settings_with_version_5(flow, template):
    config = flow('netflow interface dum0', 'netflow server 192.0.2.100', 'netflow version 5',
                  f'netflow template {template}')
    assert warnings_of(config) == ['Template settings have no effect with NetFlow version 5']


@pytest.mark.parametrize('inactive, active', [('1800', '1800'), ('600', '300')])
def test_warning_inactive_timeout_not_below_active_timeout(flow, inactive, active):
    config = flow(*BASIC, f'netflow inactive-timeout {inactive}',
                  f'netflow active-timeout {active}')
    assert warnings_of(config) == [
        f'inactive-timeout ({inactive}) is not shorter than active-timeout ({active}): '
        'idle flows are exported by the active timeout']


def test_warning_flowtable_offload_on_an_accounted_interface(flow):
    config = flow('netflow interface eth0', 'netflow interface eth1',
                  'netflow server 192.0.2.100')
    assert warnings_of(config, facts(offloaded={'eth1', 'eth0', 'eth5'})) == [
        'eth0, eth1 use nftables flowtable offload: offloaded traffic bypasses the '
        'accounting hooks and is not counted']


def test_warning_no_server_means_local_accounting(flow):
    assert warnings_of(flow('netflow interface eth0')) == [
        'No NetFlow server is configured: flows are accounted locally and visible with '
        '"show flow-accounting flows", but not exported']


def test_warning_sampling_mode_without_sampling_rate(flow):
    assert warnings_of(flow(*BASIC, 'netflow sampling-mode deterministic')) == [
        'sampling-mode has no effect without sampling-rate']


def test_warning_buffer_size_without_server(flow):
    assert warnings_of(flow('netflow interface eth0', 'buffer-size 8')) == [
        'No NetFlow server is configured: flows are accounted locally and visible with '
        '"show flow-accounting flows", but not exported',
        'buffer-size has no effect without a NetFlow server']


def test_warning_source_interface_that_does_not_exist_yet(flow):
    config = flow('netflow interface eth0', 'netflow server 192.0.2.100 source-interface wg0')
    assert warnings_of(config) == [
        'Collector 192.0.2.100: source-interface wg0 does not exist (yet); export stays '
        'unconnected until it appears']


def test_warning_dry_run_assumes_debian_12_build(flow):
    assert warnings_of(flow(*BASIC), facts(ASSUMED_DEBIAN, dry_run=True)) == [
        "ipt_NETFLOW is not installed; this dry run assumes the features of Debian 12's "
        'build: dir mac promisc+mpls samp snmp vlan']


def test_warnings_accumulate_in_a_fixed_order(flow):
    config = flow('netflow interface eth0', 'netflow interface ppp0', 'netflow version 5',
                  'netflow template refresh-minutes 5', 'netflow inactive-timeout 2000',
                  'netflow sampling-mode hash', 'buffer-size 1')
    found = warnings_of(config, facts(ASSUMED_DEBIAN, offloaded={'eth0'}, dry_run=True))
    assert [message.split(' ')[0] for message in found] == [
        'ipt_NETFLOW', 'Interface', 'NetFlow', 'Template', 'inactive-timeout', 'eth0',
        'No', 'sampling-mode', 'buffer-size']


def test_two_spellings_of_one_collector_are_refused(flow):
    config = flow('netflow interface eth0', 'netflow server 2001:db8::1',
                  'netflow server 2001:DB8:0::1')
    path, message = only_error(config)
    first, second = sorted(['2001:db8::1', '2001:DB8:0::1'], key=lambda a: path[-1] != a)
    assert path == ['system', 'flow-accounting', 'netflow', 'server', first]
    assert message == (f'Collector {first} port 2055 is the same as {second} port 2055: the '
                       'module would keep only one; delete one of them')


def test_a_missing_snmp_base_is_one_error(flow):
    config = flow(*BASIC, 'netflow snmp-index-rule eth', validate=False)
    assert len(errors_of(config)) == 1


def test_dscp_without_a_server_warns_and_marks_nothing(flow):
    config = flow('netflow interface eth0', 'netflow dscp ef')
    assert 'dscp has no effect without a NetFlow server' in warnings_of(config)
