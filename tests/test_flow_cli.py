"""VyOS 1.5's flow-accounting commands, verbatim, through the real ``vyflow``.

The commands are those of VyOS's smoketest for the ipt_NETFLOW era
(smoketest/scripts/cli/test_system_flow-accounting.py: test_basic,
test_netflow, test_iptables, test_sampler, test_netflow_vrf). Each runs as
``vyflow --root TMP set system flow-accounting …`` over the project's own
definitions; a sandbox root always commits as a dry run, so the printed plan
is checked instead of the kernel. System facts (interfaces, addresses, VRFs)
are this machine's: the tests discover them and expect success where the
machine allows it and the precise verify error where it does not. Then the
mistakes a new user makes, at ``set`` and at ``commit``, must explain
themselves.
"""

import ipaddress
import itertools
import json
import os
import re
import shlex
import shutil
import subprocess

import pytest

from conftest import Cli
from vyflow.netflow.facts import interfaces_from_ip_json

BASE = ('set', 'system', 'flow-accounting')
NETFLOW = BASE + ('netflow',)


def host_interfaces(netns=None) -> dict:
    prefix = ['ip', '-n', netns] if netns else ['ip']
    result = subprocess.run([*prefix, '-json', '-details', 'address', 'show'],
                            capture_output=True, text=True, check=False)
    return interfaces_from_ip_json(json.loads(result.stdout or '[]'))


HOST = host_interfaces()
VRFS = sorted(name for name, interface in HOST.items() if interface.is_vrf)


def ethernet_interfaces() -> list[str]:
    """What VyOS's Section.interfaces('ethernet') gives on this machine, or
    eth0 (accounted once it appears) when it has none."""
    found = sorted(name for name, interface in HOST.items()
                   if interface.kind is None and re.fullmatch(r'(eth|en)\S+', name))
    return found or ['eth0']


def host_address(version: int):
    """A unicast address of this machine outside any VRF, or None."""
    for interface in HOST.values():
        if interface.master or interface.is_vrf:
            continue
        for text in interface.addresses:
            address = ipaddress.ip_address(text)
            if address.version == version and not (address.is_loopback or address.is_link_local
                                                   or address.is_multicast):
                return text
    return None


def has_address(text: str, host=None) -> bool:
    wanted = ipaddress.ip_address(text)
    return any(ipaddress.ip_address(a) == wanted
               for i in (HOST if host is None else host).values() for a in i.addresses)


def options(output: str) -> dict:
    """The planned ``options ipt_NETFLOW …`` line as a dict."""
    match = re.search(r'^\s+options ipt_NETFLOW (.*)$', output, re.MULTILINE)
    assert match, output
    return dict(word.split('=', 1) for word in match.group(1).split(' '))


def hooked(output: str, family: str, chain: str) -> list[str]:
    """Interfaces in our chain of one family's planned iptables-restore payload."""
    tool = 'iptables-restore' if family == 'ipv4' else 'ip6tables-restore'
    blocks = re.findall(rf'^\s+\d+\. {tool} --noflush:.*?\n((?:\s{{7}}.*\n?)*)', output,
                        re.MULTILINE)
    names = []
    for block in blocks:
        names += re.findall(rf'-A {chain} -[io] (\S+) -j NETFLOW', block)
    return names


def committed(flow_cli) -> subprocess.CompletedProcess:
    result = flow_cli('commit')
    assert 'dry run, NOT applied (a sandbox root)' in result.stdout
    return result


def refused(flow_cli) -> str:
    result = flow_cli('commit', check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.endswith('Commit failed\n')
    return result.stderr


# ---- smoketest test_basic --------------------------------------------------------

def test_smoketest_basic(flow_cli):
    flow_cli(*NETFLOW, 'engine-id', '33')
    assert refused(flow_cli) == (
        '[system flow-accounting netflow interface]\n'
        'Flow accounting needs at least one interface: '
        'set system flow-accounting netflow interface <name>\n\nCommit failed\n')
    interfaces = ethernet_interfaces()
    for interface in interfaces:
        flow_cli(*NETFLOW, 'interface', interface)
    # VyOS refuses a config without server; here it is local accounting (a warning)
    local = committed(flow_cli)
    assert ('WARNING: No NetFlow server is configured: flows are accounted locally and '
            'visible with "show flow-accounting flows", but not exported') in local.stdout
    assert options(local.stdout)['destination'] == ''
    flow_cli(*NETFLOW, 'server', '11.22.33.44')
    result = committed(flow_cli)
    assert 'No NetFlow server' not in result.stdout
    planned = options(result.stdout)
    assert planned['engine_id'] == '33' and planned['destination'] == '11.22.33.44:2055'
    assert planned['protocol'] == '9'
    for family in ('ipv4', 'ipv6'):
        assert hooked(result.stdout, family, 'VYFLOW_INGRESS') == interfaces
        assert hooked(result.stdout, family, 'VYFLOW_EGRESS') == []
    assert 'engine-id "33"' in flow_cli.running()


# ---- smoketest test_netflow ------------------------------------------------------

SOURCE_V4, SOURCE_V6 = '192.0.2.1', '2001:db8::ab'     # the smoketest's, on its dummy


def netflow_smoketest(flow_cli, source_v4, source_v6, interfaces):
    """test_netflow's commands with the given source addresses; returns the
    destination the smoketest expects for them."""
    for interface in interfaces:
        flow_cli(*NETFLOW, 'interface', interface)
    flow_cli(*NETFLOW, 'engine-id', '33')
    flow_cli(*NETFLOW, 'max-flows', '667')
    flow_cli(*NETFLOW, 'version', '10')
    flow_cli(*NETFLOW, 'active-timeout', '900')
    flow_cli(*NETFLOW, 'inactive-timeout', '30')
    flow_cli(*NETFLOW, 'server', '11.22.33.44')
    flow_cli(*NETFLOW, 'server', '55.66.77.88')
    flow_cli(*NETFLOW, 'server', '55.66.77.88', 'port', '6000')
    flow_cli(*NETFLOW, 'server', '100.12.14.1')
    flow_cli(*NETFLOW, 'server', '100.12.14.1', 'source-interface', 'dum3842')
    flow_cli(*NETFLOW, 'server', '203.0.113.21')
    flow_cli(*NETFLOW, 'server', '203.0.113.21', 'port', '3000')
    flow_cli(*NETFLOW, 'server', '203.0.113.21', 'source-address', source_v4)
    flow_cli(*NETFLOW, 'server', '2001:db8::1')
    flow_cli(*NETFLOW, 'server', '2001:db8::1', 'source-address', source_v6)
    # the smoketest's expectation, with these source addresses
    return (f'11.22.33.44:2055,55.66.77.88:6000,100.12.14.1:2055%dum3842,'
            f'203.0.113.21:3000@{source_v4},[2001:db8::1]:2055@{source_v6}')


def missing_source_errors(source_v4, source_v6, host) -> str:
    errors = []
    for server, source in (('203.0.113.21', source_v4), ('2001:db8::1', source_v6)):
        if not has_address(source, host):
            errors.append(f'[system flow-accounting netflow server {server} source-address]\n'
                          f'Source address {source} is not assigned to any interface of this '
                          'system')
    return '\n\n'.join(errors) + '\n\nCommit failed\n' if errors else ''


def check_netflow_commit(flow_cli, source_v4, source_v6, host=None, interfaces=None):
    host = HOST if host is None else host
    interfaces = interfaces or ethernet_interfaces()
    destination = netflow_smoketest(flow_cli, source_v4, source_v6, interfaces)
    expected_errors = missing_source_errors(source_v4, source_v6, host)
    if expected_errors:
        assert refused(flow_cli) == expected_errors
        assert flow_cli.running() == ''
        return
    result = committed(flow_cli)
    if all(name in host for name in interfaces):
        assert 'WARNING: Interface' not in result.stdout, result.stdout
    planned = options(result.stdout)
    assert {key: planned[key] for key in ('engine_id', 'maxflows', 'destination', 'protocol',
                                          'active_timeout', 'inactive_timeout')} == {
        'engine_id': '33', 'maxflows': '667', 'destination': destination, 'protocol': '10',
        'active_timeout': '900', 'inactive_timeout': '30'}
    if 'dum3842' not in host:
        assert ('WARNING: Collector 100.12.14.1: source-interface dum3842 does not exist '
                '(yet); export stays unconnected until it appears') in result.stdout
    # "Test module reload with new parameters"
    flow_cli(*NETFLOW, 'engine-id', '73')
    assert options(committed(flow_cli).stdout)['engine_id'] == '73'


def test_smoketest_netflow_verbatim(flow_cli):
    """The smoketest's own source addresses: they live on a dummy interface
    the smoketest creates, so without it verify names each one."""
    check_netflow_commit(flow_cli, SOURCE_V4, SOURCE_V6)


def test_smoketest_netflow_with_this_machines_addresses(flow_cli):
    check_netflow_commit(flow_cli, host_address(4) or SOURCE_V4, host_address(6) or SOURCE_V6)


# The smoketest's router, as far as this kernel allows: a namespace with two
# ethernet-like interfaces, the dummy dum3842 holding the smoketest's source
# addresses (a veth stands in when dummy is not built) and, where the kernel
# has VRF support, the VRF MGMT with eth1 in it. vyflow runs inside it.
_netns_names = itertools.count()


def _ip(*argv, check=True):
    return subprocess.run(['ip', *argv], capture_output=True, text=True, check=check)


class NetnsCli(Cli):
    def __init__(self, root, netns):
        super().__init__(root)
        self.netns = netns

    def argv(self, *words):
        return ['ip', 'netns', 'exec', self.netns, *super().argv(*words)]


@pytest.fixture
def smoketest_router(tmp_path):
    if os.geteuid() != 0 or shutil.which('ip') is None:
        pytest.skip('needs root to create a network namespace')
    name = f'vyflow-cli-{os.getpid()}-{next(_netns_names)}'
    if _ip('netns', 'add', name, check=False).returncode != 0:
        pytest.skip('cannot create a network namespace here')
    try:
        _ip('-n', name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1')
        if _ip('-n', name, 'link', 'add', 'dum3842', 'type', 'dummy', check=False).returncode:
            _ip('-n', name, 'link', 'add', 'dum3842', 'type', 'veth', 'peer', 'name', 'dum3842p')
        for address in ('192.0.2.10/32', '192.0.2.1/32'):
            _ip('-n', name, 'address', 'add', address, 'dev', 'dum3842')
        _ip('-n', name, '-6', 'address', 'add', '2001:db8::ab/128', 'dev', 'dum3842', 'nodad')
        if _ip('-n', name, 'link', 'add', 'MGMT', 'type', 'vrf', 'table', '1000',
               check=False).returncode == 0:
            _ip('-n', name, 'link', 'set', 'eth1', 'master', 'MGMT')
            _ip('-n', name, 'address', 'add', '198.51.100.1/24', 'dev', 'eth1')
        yield NetnsCli(tmp_path / 'root', name), host_interfaces(name)
    finally:
        _ip('netns', 'del', name, check=False)


def test_smoketest_netflow_verbatim_on_a_smoketest_like_router(smoketest_router):
    """With dum3842 and its addresses present, test_netflow passes verbatim and
    the destination is exactly the string VyOS's smoketest expects."""
    cli, host = smoketest_router
    assert has_address(SOURCE_V4, host) and has_address(SOURCE_V6, host)
    check_netflow_commit(cli, SOURCE_V4, SOURCE_V6, host, ['eth0'])


def test_smoketest_vrf_on_a_router_with_a_vrf(smoketest_router):
    cli, host = smoketest_router
    if 'MGMT' not in host:
        pytest.skip('this kernel has no VRF support')
    cli(*BASE, 'vrf', 'MGMT')
    cli(*NETFLOW, 'interface', 'eth0')
    cli(*NETFLOW, 'server', '192.0.2.200')
    cli(*NETFLOW, 'server', '192.0.2.201', 'source-interface', 'MGMT')
    cli(*NETFLOW, 'server', '192.0.2.202', 'source-address', '192.0.2.1')
    assert refused(cli) == (
        '[system flow-accounting netflow server 192.0.2.201 source-interface]\n'
        'MGMT is a VRF, not an interface: set system flow-accounting vrf MGMT instead\n\n'
        '[system flow-accounting netflow server 192.0.2.202 source-address]\n'
        'Source address 192.0.2.1 is on dum3842, which is not in VRF "MGMT"\n\nCommit failed\n')
    cli(*NETFLOW, 'server', '192.0.2.201', 'source-interface', 'eth1')
    cli(*NETFLOW, 'server', '192.0.2.202', 'source-address', '198.51.100.1')
    assert options(committed(cli).stdout)['destination'] == (
        '192.0.2.200:2055%MGMT,192.0.2.201:2055%eth1,192.0.2.202:2055@198.51.100.1%MGMT')


# ---- smoketest test_iptables -----------------------------------------------------

def test_smoketest_iptables(flow_cli):
    dummies = ['dum4000', 'dum4001', 'dum4002', 'dum4003']
    flow_cli(*NETFLOW, 'server', '11.22.33.44')

    def hooks_after_commit():
        result = committed(flow_cli)
        return ({family: hooked(result.stdout, family, 'VYFLOW_INGRESS')
                 for family in ('ipv4', 'ipv6')},
                {family: hooked(result.stdout, family, 'VYFLOW_EGRESS')
                 for family in ('ipv4', 'ipv6')}, result.stdout)

    for dummy in dummies[:3]:
        flow_cli(*NETFLOW, 'interface', dummy)
    ingress, egress, out = hooks_after_commit()
    assert ingress == {'ipv4': dummies[:3], 'ipv6': dummies[:3]}
    assert egress == {'ipv4': [], 'ipv6': []}
    absent = [name for name in dummies[:3] if name not in HOST]
    if absent:
        assert (f'WARNING: Interface {absent[0]} does not exist yet; it is accounted once it '
                'appears' if len(absent) == 1 else
                f'WARNING: Interfaces {", ".join(absent)} do not exist yet; they are '
                'accounted once they appear') in out

    flow_cli('delete', 'system', 'flow-accounting', 'netflow', 'interface', dummies[1])
    ingress, egress, _ = hooks_after_commit()
    assert ingress['ipv4'] == ingress['ipv6'] == [dummies[0], dummies[2]]

    flow_cli(*NETFLOW, 'interface', dummies[3])
    ingress, egress, _ = hooks_after_commit()
    assert ingress['ipv4'] == ingress['ipv6'] == [dummies[0], dummies[2], dummies[3]]
    assert egress == {'ipv4': [], 'ipv6': []}

    flow_cli(*BASE, 'enable-egress')
    ingress, egress, _ = hooks_after_commit()
    expected = [dummies[0], dummies[2], dummies[3]]
    assert ingress == egress == {'ipv4': expected, 'ipv6': expected}


# ---- smoketest test_sampler ------------------------------------------------------

def test_smoketest_sampler(flow_cli):
    flow_cli(*NETFLOW, 'sampling-rate', '100')
    for interface in ethernet_interfaces():
        flow_cli(*NETFLOW, 'interface', interface)
    flow_cli(*NETFLOW, 'server', '11.22.33.44')
    result = flow_cli('commit', check=False)
    if result.returncode == 0:
        assert options(result.stdout)['sampler'] == 'random:100'
    else:   # an installed module built without --enable-sampler
        assert result.stderr.startswith('[system flow-accounting netflow sampling-rate]\n'
                                        'The installed ipt_NETFLOW was built without flow '
                                        'sampling (--enable-sampler)')


# ---- smoketest test_netflow_vrf (T9122) -------------------------------------------

def test_smoketest_vrf_export(flow_cli):
    vrf = VRFS[0] if VRFS else 'MGMT'
    flow_cli(*BASE, 'vrf', vrf)
    flow_cli(*NETFLOW, 'interface', ethernet_interfaces()[0])
    flow_cli(*NETFLOW, 'server', '192.0.2.200')
    flow_cli(*NETFLOW, 'server', '192.0.2.201')
    flow_cli(*NETFLOW, 'server', '192.0.2.201', 'source-interface', vrf)
    if not VRFS:
        assert refused(flow_cli).startswith(
            '[system flow-accounting vrf]\n'
            'VRF "MGMT" does not exist on this system (it has no VRFs)\n\n')
        return
    assert refused(flow_cli) == (
        f'[system flow-accounting netflow server 192.0.2.201 source-interface]\n'
        f'{vrf} is a VRF, not an interface: set system flow-accounting vrf {vrf} instead'
        '\n\nCommit failed\n')
    flow_cli('delete', 'system', 'flow-accounting', 'netflow', 'server', '192.0.2.201',
             'source-interface')
    assert options(committed(flow_cli).stdout)['destination'] == (
        f'192.0.2.200:2055%{vrf},192.0.2.201:2055%{vrf}')


# ---- mistakes at set time ----------------------------------------------------------

SET_MISTAKES = {
    'port 02055': (('server', '192.0.2.1', 'port', '02055'),
                   'Invalid value "02055" for [system flow-accounting netflow server 192.0.2.1 '
                   'port]: Port number must be 1 to 65535, written without leading zeros '
                   '("02055" is not a port number 1-65535: leading zeros are not allowed: '
                   'ipt-netflow would read "02055" as octal 1069)'),
    'version 7': (('version', '7'),
                  'Invalid value "7" for [system flow-accounting netflow version]: NetFlow '
                  'version must be 5, 9 or 10\nAllowed values: 5: NetFlow version 5 (IPv4 only); '
                  '9: NetFlow version 9; 10: IPFIX (NetFlow version 10)'),
    'sampling-rate 1': (('sampling-rate', '1'),
                        'Invalid value "1" for [system flow-accounting netflow sampling-rate]: '
                        'Sampling rate must be 2 to 16383 (delete it to account every flow)'),
    'engine-id -1': (('engine-id', '-1'),
                     'Invalid value "-1" for [system flow-accounting netflow engine-id]: Engine '
                     'ID must be 0 to 255 (or type:ID, 0-255:0-255) for version 5, 0 to '
                     '4294967295 for 9 and 10'),
    'engine-id 256:1': (('engine-id', '256:1'),
                        'Invalid value "256:1" for [system flow-accounting netflow engine-id]: '
                        'Engine ID must be 0 to 255 (or type:ID, 0-255:0-255) for version 5'),
    'dscp 64': (('dscp', '64'),
                'Invalid value "64" for [system flow-accounting netflow dscp]: DSCP must be 0 '
                'to 63 or a name: cs0-cs7, af11-af43, ef, va, le'),
    'interface with a space': (('interface', 'eth0 eth1'),
                               'Invalid value "eth0 eth1" for [system flow-accounting netflow '
                               'interface]: "eth0 eth1" is not an interface name (1-15 '
                               'characters from A-Z a-z 0-9 . _ -, starting with a letter or '
                               'digit): character " " is not allowed'),
    'interface with a comma': (('interface', 'eth0,eth1'),
                               'Invalid value "eth0,eth1" for [system flow-accounting netflow '
                               'interface]: "eth0,eth1" is not an interface name (1-15 '
                               'characters from A-Z a-z 0-9 . _ -, starting with a letter or '
                               'digit): character "," is not allowed'),
    'source-interface injecting a destination': (
        ('server', '192.0.2.1', 'source-interface', 'eth0,10.0.0.1:2055'),
        'Invalid value "eth0,10.0.0.1:2055" for [system flow-accounting netflow server '
        '192.0.2.1 source-interface]: "eth0,10.0.0.1:2055" is not an interface name'),
    'server host name': (('server', 'collector.example.com'),
                         'Invalid value "collector.example.com" for [system flow-accounting '
                         'netflow server]: Collector must be an IPv4 or IPv6 address (no host '
                         'names, no prefix length)'),
    'aggregation port range backwards': (
        ('aggregation', 'port', '2000-1000', 'to', '1'),
        'Invalid value "2000-1000" for [system flow-accounting netflow aggregation port]: '
        '"2000-1000" is not a port 1-65535 or a range A-B of such ports with A <= B: '
        '2000 is greater than 1000'),
    'snmp prefix with a colon': (
        ('snmp-index-rule', 'eth:', 'base', '1'),
        'Invalid value "eth:" for [system flow-accounting netflow snmp-index-rule]: Prefix '
        'must start with a letter and have at most 15 letters, digits, dots, dashes or '
        'underscores'),
}


def test_vyos_v5_engine_type_and_id_is_set_committed_and_sent_as_the_id(flow_cli):
    flow_cli(*NETFLOW, 'interface', 'eth0')
    flow_cli(*NETFLOW, 'server', '192.0.2.10')
    flow_cli(*NETFLOW, 'version', '5')
    flow_cli(*NETFLOW, 'engine-id', '0:17')
    assert options(committed(flow_cli).stdout)['engine_id'] == '17'
    flow_cli(*NETFLOW, 'engine-id', '2:17')
    assert 'ipt_NETFLOW always sends engine type 0' in refused(flow_cli)


@pytest.mark.parametrize('mistake', SET_MISTAKES)
def test_set_mistake_explains_itself(flow_cli, mistake):
    words, message = SET_MISTAKES[mistake]
    result = flow_cli(*NETFLOW, *words, check=False)
    assert result.returncode == 1
    assert result.stderr.startswith(message), result.stderr
    assert result.stderr.endswith('\nSet failed\n')
    assert 'flow-accounting' not in flow_cli('show').stdout     # nothing was stored


def test_set_mistake_lists_allowed_values(flow_cli):
    result = flow_cli(*NETFLOW, 'sampling-rate', '20000', check=False)
    assert result.returncode == 1
    assert 'Allowed values: u32:2-16383: Sampling interval N (the module\'s range)' in result.stderr


def test_vrf_name_that_looks_like_an_interface_is_refused_at_set(flow_cli):
    result = flow_cli(*BASE, 'vrf', 'eth0', check=False)
    assert result.returncode == 1
    assert result.stderr.startswith(
        'Invalid value "eth0" for [system flow-accounting vrf]: VRF instance name must be 15 '
        'characters or less, start with a letter and must not look like an interface name')


# ---- mistakes at commit time -------------------------------------------------------

COMMIT_MISTAKES = {
    'no interface': (
        ['netflow server 192.0.2.1'],
        '[system flow-accounting netflow interface]\nFlow accounting needs at least one '
        'interface: set system flow-accounting netflow interface <name>'),
    'engine-id too big for version 5': (
        ['netflow interface eth0', 'netflow version 5', 'netflow engine-id 256'],
        '[system flow-accounting netflow engine-id]\nEngine ID 256 does not fit NetFlow version '
        '5, which carries 8 bits: use 0 to 255, or version 9/10'),
    'source-address and source-interface': (
        ['netflow interface eth0', 'netflow server 192.0.2.1 source-address 127.0.0.1',
         'netflow server 192.0.2.1 source-interface lo'],
        '[system flow-accounting netflow server 192.0.2.1]\nCollector 192.0.2.1: set '
        'source-address or source-interface, not both'),
    'source-address of the other family': (
        ['netflow interface eth0', 'netflow server 192.0.2.1 source-address ::1'],
        '[system flow-accounting netflow server 192.0.2.1 source-address]\nSource address ::1 '
        'is IPv6 but collector 192.0.2.1 is IPv4: use an address of the same family'),
    'source-address not on this machine': (
        ['netflow interface eth0', 'netflow server 192.0.2.1 source-address 198.18.255.254'],
        '[system flow-accounting netflow server 192.0.2.1 source-address]\nSource address '
        '198.18.255.254 is not assigned to any interface of this system'),
    'IPv6 aggregation network': (
        ['netflow interface eth0', 'netflow aggregation network 2001:db8::/32 prefix-length 24'],
        '[system flow-accounting netflow aggregation network 2001:db8::/32]\n2001:db8::/32: the '
        'module aggregates IPv4 networks only (port rules apply to IPv6 too)'),
    'aggregation port without to': (
        ['netflow interface eth0', 'netflow aggregation port 53'],
        '[system flow-accounting netflow aggregation port 53 to]\nAggregation of ports 53 '
        'needs "to <port>"'),
    'link-local collector without its link': (
        ['netflow interface eth0', 'netflow server fe80::1'],
        '[system flow-accounting netflow server fe80::1]\nLink-local collector fe80::1 needs a '
        'source-interface to say which link it is on'),
}


@pytest.mark.parametrize('mistake', COMMIT_MISTAKES)
def test_commit_mistake_explains_itself(flow_cli, mistake):
    lines, message = COMMIT_MISTAKES[mistake]
    for line in lines:
        flow_cli(*BASE, *shlex.split(line))
    stderr = refused(flow_cli)
    assert stderr.startswith(message + '\n\n'), stderr
    assert flow_cli.running() == ''                              # nothing committed
    assert 'flow-accounting' in flow_cli('show').stdout         # kept to fix and retry


# Modules that each cost a script calling vyflow a hundred times a visible
# part of every call (benchmarks/commit_latency prints what they cost).
START_UP_COSTLY = {'pathlib', 'urllib', 'typing', 'dataclasses', 'inspect', 'logging',
                   'jinja2', 'jsonschema', 'pyroute2', 'lxml', 'xmltodict'}


def imported_modules(cli: Cli, *words) -> set:
    result = subprocess.run([cli.argv()[0], '-X', 'importtime', *cli.argv(*words)[1:]],
                            capture_output=True, text=True, env=cli.env, timeout=60)
    assert result.returncode == 0, result.stderr
    return {line.rsplit('|', 1)[1].strip() for line in result.stderr.splitlines()
            if line.startswith('import time:') and '|' in line}


def test_set_and_commit_import_nothing_costly_at_start_up(flow_cli):
    """``set`` and a commit that applies a change are the commands scripts
    call in loops; each import above would come back on every call."""
    flow_cli(*NETFLOW, 'interface', 'lo')
    first_set = imported_modules(flow_cli, *NETFLOW, 'server', '192.0.2.10', 'port', '2055')
    first_commit = imported_modules(flow_cli, 'commit')
    later_set = imported_modules(flow_cli, *NETFLOW, 'active-timeout', '99')
    later_commit = imported_modules(flow_cli, 'commit')
    assert 'vyflow.commit.engine' in first_commit and 'vyflow.editing' in later_set
    for modules in (first_set, first_commit, later_set, later_commit):
        assert {name.split('.')[0] for name in modules} & START_UP_COSTLY == set()
