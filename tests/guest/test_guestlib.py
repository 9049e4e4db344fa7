"""Host-side checks of the guest helper library (no guest, no kernel module).

The parsers are fed the real-module captures in tests/fixtures/ipt-netflow;
when nfdump/pmacct are installed (tests/guest/setup-host), the captured export
datagrams are replayed into real nfcapd/nfacctd collectors on 127.0.0.1.
"""
import os
import shutil
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'inside'))
from guestlib import collectors, module, pcap  # noqa: E402
from guestlib.collectors import find  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(HERE), 'fixtures', 'ipt-netflow')


def fixture(*parts):
    with open(os.path.join(FIXTURES, *parts)) as fh:
        return fh.read()


def test_stat_parses_debian_build():
    st = module.stat(fixture('debian-build', 'stat-traffic-ipfix.txt'))
    assert st['version'] == '2.6'
    assert st['tags'] == ['dir', 'mac', 'promisc+mpls', 'samp', 'snmp', 'vlan']
    assert st['protocol'] == 10
    assert (st['active_timeout'], st['inactive_timeout'], st['maxflows']) == (1800, 600, 2000000)
    assert st['flows_active'] == 12
    assert st['sockets'] == [{'index': 0, 'destination': '127.0.0.1:2055', 'sndbuf': 212992,
                              'sndbuf_reached': 0, 'connect_errors': 0, 'cberr': 1,
                              'other_errors': 0}]


def test_stat_parses_two_destinations_after_flush():
    st = module.stat(fixture('proc', 'stat-ipfix-2dest-after-flush.txt'))
    assert 'aggr' in st['tags'] and 'nel' in st['tags']
    assert (st['export_pkts'], st['export_flows']) == (6, 22)
    assert [s['destination'] for s in st['sockets']] == ['127.0.0.1:2055', '127.0.0.1:2056']


def test_stat_rejects_other_text():
    with pytest.raises(ValueError):
        module.stat('something else\n')


def test_flows_file_with_and_without_vlan_column():
    flows = module.parse_flows(fixture('proc', 'flows-v9-ipv4-ipv6-vlan.txt'))
    assert len(flows) == 22
    tagged = [f for f in flows if f['vlan'] is not None]
    assert tagged and all(f['vlan'] == '100' for f in tagged)
    assert {f['src'] for f in tagged} <= {'10.3.3.2', '2001:db8:3::2'}
    first = flows[0]
    assert (first['in_if'], first['out_if'], first['mac_src']) == (5, 3, '02:00:00:00:03:02')
    assert (first['proto'], first['src'], first['dst'], first['dport']) == (
        1, '10.3.3.2', '203.0.113.2', 2048)
    tcp6 = find(flows, proto=6, src='2001:db8:2::2', sport=8080)
    assert len(tcp6) == 1 and (tcp6[0]['packets'], tcp6[0]['bytes']) == (10, 20728)
    assert tcp6[0]['tcp_flags'] == 0x1b and tcp6[0]['nexthop'] == '::'


def test_flows_file_debian_build_and_empty():
    flows = module.parse_flows(fixture('debian-build', 'flows-traffic-ipfix.txt'))
    assert len(flows) == 12
    assert flows[2]['hash'] == '10367'
    assert flows[0]['in_if'] == -1 and flows[0]['ethertype'] == '0800'
    assert module.parse_flows(fixture('proc', 'flows-empty.txt')) == []


@pytest.mark.parametrize('name,version', [('v5', 5), ('v9', 9), ('ipfix', 10)])
def test_pcap_headers(name, version):
    payloads = [p for _, p in pcap.udp_payloads(os.path.join(FIXTURES, 'export',
                                                             name + '.pcap'))]
    assert payloads
    headers = [collectors.parse_header(p) for p in payloads]
    assert {h['version'] for h in headers} == {version}
    if version == 5:
        assert sum(h['count'] for h in headers) == 15
    else:
        template = 0 if version == 9 else 2
        assert any(sid == template for h in headers for sid, _ in h['sets'])
        assert any(sid >= 256 for h in headers for sid, _ in h['sets'])


def test_pmacct_json_lines():
    flows = collectors.decode_pmacct_lines(fixture('export', 'ipfix.nfacctd-print.json'))
    assert len(flows) == 22
    tcp = find(flows, src='2001:db8:2::2', sport=8080, proto=6)
    assert len(tcp) == 1 and (tcp[0]['packets'], tcp[0]['bytes'], tcp[0]['family']) == (
        10, 20728, 6)
    assert find(flows, proto=58) and not find(flows, proto=0)


def test_nfdump_no_matching_flows():
    assert collectors.decode_nfdump_json('[\nNo matching flows\n]\n') == []


needs_nfdump = pytest.mark.skipif(not (shutil.which('nfcapd') and shutil.which('nfdump')),
                                  reason='nfdump not installed (tests/guest/setup-host)')
needs_pmacct = pytest.mark.skipif(not shutil.which('nfacctd'),
                                  reason='pmacct not installed (tests/guest/setup-host)')


@pytest.fixture
def factory(tmp_path):
    coll = collectors.Collectors(str(tmp_path), first_port=21550)
    yield coll
    coll.stop_all()


@needs_nfdump
@pytest.mark.parametrize('name,version,count,tcp_bytes', [('v5', 5, 15, 30944),
                                                          ('v9', 9, 22, 30684)])
def test_replay_into_nfcapd(factory, name, version, count, tcp_bytes):
    nfcapd = factory.nfcapd()
    assert pcap.replay(os.path.join(FIXTURES, 'export', name + '.pcap'), nfcapd.port)
    flows = nfcapd.wait_flows(lambda fl: len(fl) >= count, timeout=15)
    assert len(flows) == count
    assert nfcapd.versions() == [version]
    tcp = find(flows, src='10.1.1.2', dst='203.0.113.2', dport=8080, proto=6)
    assert len(tcp) == 1 and tcp[0]['bytes'] == tcp_bytes  # as in <name>.nfdump.csv


@needs_pmacct
def test_replay_into_nfacctd(factory):
    nfacctd = factory.nfacctd()
    assert pcap.replay(os.path.join(FIXTURES, 'export', 'ipfix.pcap'), nfacctd.port,
                       only_port=2056)
    flows = nfacctd.wait_flows(lambda fl: len(fl) >= 22, timeout=15)
    assert len(flows) == 22
    assert len(find(flows, src='2001:db8:1::2', dport=8080, proto=6)) == 1


@needs_nfdump
def test_replay_natevents_into_nfcapd(factory):
    """NEL records of the full build (MASQUERADE on vr-h2): 7 creates, 7 deletes
    (as in export/ipfix-natevents.nfdump-raw.txt)."""
    nfcapd = factory.nfcapd()
    assert pcap.replay(os.path.join(FIXTURES, 'export', 'ipfix-natevents.pcap'), nfcapd.port)
    flows = nfcapd.wait_flows(lambda fl: len(fl) >= 48, timeout=15)
    events = collectors.nat_events(flows)
    assert [e['event'] for e in events].count('create') == 7
    assert [e['event'] for e in events].count('delete') == 7
    tcp = [e for e in events if e['proto'] == 6 and e['dport'] == 8080 and e['sport'] == 48564]
    assert [e['event'] for e in tcp] == ['create', 'delete']
    assert tcp[0] == {'event': 'create', 'proto': 6, 'src': '10.1.1.2', 'sport': 48564,
                      'dst': '203.0.113.2', 'dport': 8080, 'xlt_src': '203.0.113.1',
                      'xlt_sport': 48564, 'xlt_dst': '203.0.113.2', 'xlt_dport': 8080}
    assert all(f['packets'] == 0 for f in flows if 'nat_event_id' in f['raw'])
