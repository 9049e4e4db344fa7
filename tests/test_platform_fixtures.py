"""vyflow's parsers against what each guest platform's ipt_NETFLOW really shows.

tests/fixtures/ipt-netflow/<platform>/ holds one scenario per platform of the
guest matrix (Debian 12 + Debian's 2.6, Debian 13 + 2.6-7.1, the fork 2.8.0 on
6.1 and on 6.12), captured by tests/guest/inside/test_platform_captures.py
(README.txt in each directory says how).  Every file must be read completely:
no unparsed stat or snmp line, no malformed flow row, the parameters and
sysctls listed, the capabilities told apart (hooks mode only in the fork).
"""

from pathlib import Path

import pytest

from vyflow.netflow.features import features_from_parameters, tags_from_stat_line
from vyflow.netflow.procflows import FlowReader
from vyflow.netflow.procsnmp import parse_snmp
from vyflow.netflow.procstat import parse_stat

FIXTURES = Path(__file__).parent / 'fixtures' / 'ipt-netflow'
# platform -> (module version, kernel series, Debian release, the build's feature tags)
DEBIAN_TAGS = {'dir', 'mac', 'promisc+mpls', 'samp', 'snmp', 'vlan'}
FORK_TAGS = {'aggr', 'dir', 'llist', 'mac', 'nel', 'promisc+mpls', 'samp-h', 'snmp', 'vlan'}
PLATFORMS = {
    'debian12': ('2.6', '6.1.', '12.', DEBIAN_TAGS),
    'debian13': ('2.6', '6.12.', '13.', DEBIAN_TAGS),
    'fork-6.1': ('2.8.0', '6.1.', '12.', FORK_TAGS),
    'fork-6.12': ('2.8.0', '6.12.', '13.', FORK_TAGS),
}
FILES = ('README.txt', 'modinfo.txt', 'modinfo-p.txt', 'stat-idle-ipfix.txt',
         'stat-traffic-ipfix.txt', 'flows-traffic-ipfix.txt', 'snmp-traffic-ipfix.txt',
         'sysctl.txt', 'ls-proc-sys-net-netflow.txt', 'sys-module-parameters.txt')
HOOKS = {'hooks', 'hooks_mark', 'hooks_mark_mask'}


def read(platform: str, name: str) -> str:
    return (FIXTURES / platform / name).read_text()


def test_every_platform_is_captured():
    for platform in PLATFORMS:
        present = sorted(path.name for path in (FIXTURES / platform).iterdir())
        assert present == sorted(FILES), platform


@pytest.mark.parametrize('platform', PLATFORMS)
def test_stat_pages_parse_completely(platform):
    version, _, _, tags = PLATFORMS[platform]
    for name in ('stat-idle-ipfix.txt', 'stat-traffic-ipfix.txt'):
        text = read(platform, name)
        snapshot = parse_stat(text)
        assert snapshot.unparsed == [], (platform, name)
        assert (snapshot.version, set(snapshot.features)) == (version, tags), (platform, name)
        assert set(tags_from_stat_line(text.splitlines()[0])) == tags
        assert snapshot.protocol == 10 and snapshot.inactive_timeout == 600
        assert len(snapshot.sockets) == 1 and snapshot.sockets[0].address.startswith('127.0.0.1:')
        assert snapshot.hz in (100, 250, 300, 1000)
    traffic = parse_stat(read(platform, 'stat-traffic-ipfix.txt'))
    assert traffic.flows.active >= 5


@pytest.mark.parametrize('platform', PLATFORMS)
def test_flows_read_completely(platform):
    hz = parse_stat(read(platform, 'stat-traffic-ipfix.txt')).hz
    with open(FIXTURES / platform / 'flows-traffic-ipfix.txt', 'rb') as stream:
        reader = FlowReader(stream, hz)
        flows = list(reader)
    assert reader.malformed == 0 and len(flows) == reader.rows >= 5
    sources = {flow.src_addr for flow in flows}
    assert {'10.1.1.2', '2001:db8:1::2', '10.3.3.2'} <= sources, sources
    tagged = [flow for flow in flows if flow.vlan_tci]
    assert tagged and all(flow.src_addr.startswith(('10.3.3.', '2001:db8:3:')) for flow in tagged)


@pytest.mark.parametrize('platform', PLATFORMS)
def test_snmp_page_parses_completely(platform):
    snapshot = parse_snmp(read(platform, 'snmp-traffic-ipfix.txt'))
    assert snapshot.unparsed == []
    assert snapshot.in_packets and snapshot.in_flows and snapshot.cpus
    assert len(snapshot.sockets) == 1


@pytest.mark.parametrize('platform', PLATFORMS)
def test_parameters_and_sysctls_agree(platform):
    version, kernel, debian, tags = PLATFORMS[platform]
    modinfo = read(platform, 'modinfo.txt')
    assert f'version:        {version}\n' in modinfo
    assert f'vermagic:       {kernel}' in modinfo
    assert read(platform, 'README.txt').count(f'Debian {debian}') == 1
    parameters = {line.split(':', 1)[0] for line in read(platform, 'modinfo-p.txt').splitlines()}
    shown = dict(line.split('=', 1) for line in
                 read(platform, 'sys-module-parameters.txt').splitlines())
    assert set(shown) == parameters
    assert (shown['protocol'], shown['inactive_timeout']) == ('10', '600')
    # hooks mode and targets= exist exactly in the fork
    assert (HOOKS | {'targets'} <= parameters) == (version == '2.8.0'), parameters
    assert features_from_parameters(read(platform, 'modinfo-p.txt')) <= tags | {'samp'}
    sysctls = dict(line.split(' = ', 1) for line in read(platform, 'sysctl.txt').splitlines())
    listed = read(platform, 'ls-proc-sys-net-netflow.txt').split()
    assert sorted(name.split('.', 2)[2] for name in sysctls) == listed
    assert sysctls['net.netflow.protocol'] == '10'
