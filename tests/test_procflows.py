"""The flow-dump reader, filters and top-N selection, over every real capture of
/proc/net/stat/ipt_netflow_flows; also the unit/protocol helpers the views use."""

import importlib.util
import io
import json
import re
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from vyflow.netflow.procflows import (DEFAULT_HEADER, FlowFilter, FlowLayout, FlowReader,
                                      sort_flows, top_flows)
from vyflow.netflow.units import human_bytes, human_count, protocol_name, protocol_number

FIXTURES = Path(__file__).parent / 'fixtures' / 'ipt-netflow'
FLOW_FILES = (sorted(FIXTURES.glob('proc/flows-*.txt'))
              + sorted(FIXTURES.glob('debian-build/flows-*.txt')))
# rows, VLAN-tagged rows, IPv6 rows
EXPECTED = {
    'flows-31-before-rmmod.txt': (31, 5, 16),
    'flows-aggregation.txt': (23, 3, 8),
    'flows-empty.txt': (0, 0, 0),
    'flows-ipfix-ipv4-ipv6-vlan.txt': (22, 3, 7),
    'flows-natevents-masquerade.txt': (34, 6, 19),
    'flows-protocol5-with-ip6tables-rules.txt': (24, 3, 7),
    'flows-v5-ipv4-only.txt': (15, 2, 0),
    'flows-v9-ipv4-ipv6-vlan.txt': (22, 3, 7),
    'flows-traffic-ipfix.txt': (12, 0, 4),
}
DOC_HEADER_NO_L2 = ('# hash a dev:i,o proto src:ip,port dst:ip,port nexthop '
                    'tos,tcpflags,options,tcpoptions packets bytes ts:first,last')


def read(name, hz=250):
    with open(FIXTURES / name, 'rb') as stream:
        reader = FlowReader(stream, hz)
        return list(reader), reader


def by_position(flows):
    return {flow.position: flow for flow in flows}


def load_flowgen():
    spec = importlib.util.spec_from_file_location(
        'flowgen', Path(__file__).parent.parent / 'benchmarks' / 'flowgen.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- reading ---------------------------------------------------------------

def test_every_capture_is_covered():
    assert sorted(path.name for path in FLOW_FILES) == sorted(EXPECTED)


@pytest.mark.parametrize('path', FLOW_FILES, ids=lambda p: f'{p.parent.name}/{p.name}')
def test_every_capture_reads_completely(path):
    flows, reader = read(path.relative_to(FIXTURES))
    rows, tagged, ipv6 = EXPECTED[path.name]
    assert (reader.rows, reader.malformed, len(flows)) == (rows, 0, rows)
    assert sum(1 for flow in flows if flow.vlan_tci) == tagged
    assert sum(1 for flow in flows if flow.ethertype == 0x86dd) == ipv6
    assert [flow.position for flow in flows] == list(range(1, rows + 1))
    json.dumps([flow.to_dict() for flow in flows])


def test_tagged_and_untagged_rows_of_the_v9_capture():
    flows = by_position(read('proc/flows-v9-ipv4-ipv6-vlan.txt')[0])
    tagged = flows[1].to_dict()
    assert (tagged['vlan'], tagged['inner_vlan'], tagged['vlan_priority']) == (100, None, 0)
    assert (tagged['in_ifindex'], tagged['out_ifindex'], tagged['in_snmp']) == (5, 3, 5)
    assert (tagged['src_mac'], tagged['dst_mac']) == ('02:00:00:00:03:02', '02:00:00:00:03:01')
    assert (tagged['src_addr'], tagged['dst_addr'], tagged['protocol_name']) == (
        '10.3.3.2', '203.0.113.2', 'icmp')
    assert (tagged['icmp_type'], tagged['icmp_code'], tagged['dst_port']) == (8, 0, None)
    assert tagged['first_age_seconds'] == pytest.approx(3.592)
    assert tagged['last_age_seconds'] == pytest.approx(3.392)
    untagged = flows[2]
    assert untagged.vlan_tci == () and untagged.to_dict()['vlan'] is None
    assert untagged.ethertype == 0x0800 and untagged.hash == '38717'


def test_icmp_type_and_code_decoding():
    flows = by_position(read('proc/flows-31-before-rmmod.txt')[0])
    assert flows[27].icmp_type_code == (3, 3)          # port unreachable, tos c0
    assert flows[27].tos == 0xc0
    assert flows[3].icmp_type_code == (0, 0)           # echo reply
    assert flows[24].icmp_type_code == (128, 0)        # ICMPv6 echo request
    assert flows[7].icmp_type_code == (136, 0)         # neighbour advertisement
    assert flows[22].icmp_type_code is None and flows[22].dst_port == 8080


def test_ipv6_row_and_local_output_row():
    flows = by_position(read('proc/flows-31-before-rmmod.txt')[0])
    tcp6 = flows[28].to_dict()
    assert (tcp6['src_addr'], tcp6['src_port'], tcp6['dst_addr'], tcp6['dst_port']) == (
        '2001:db8:2::2', 8080, '2001:db8:1::2', 36152)
    assert (tcp6['nexthop'], tcp6['ip_version'], tcp6['ethertype']) == ('::', 6, 0x86dd)
    assert (tcp6['tcp_flags'], tcp6['tcp_options'], tcp6['packets'], tcp6['bytes']) == (
        0x1b, 0x78800000, 10, 20728)
    local = flows[11]                                  # router's own ICMPv6 out of VLAN 100
    assert (local.in_ifindex, local.out_ifindex, local.in_snmp) == (None, 5, None)
    assert local.src_mac == '00:00:00:00:00:00' and local.vlan_tci == (100,)
    assert local.nexthop == '2001:db8:3::2'


def test_debian_build_wide_hash_and_loopback():
    flows = by_position(read('debian-build/flows-traffic-ipfix.txt')[0])
    assert flows[3].hash == '10367'
    assert (flows[2].src_addr, flows[2].dst_addr) == ('::1', '::1')
    assert flows[2].icmp_type_code == (128, 0)
    assert flows[4].packets == 5 and flows[4].bytes == 780


def test_ages_without_hz_stay_in_jiffies():
    flow = read('proc/flows-v5-ipv4-only.txt', hz=None)[0][0]
    data = flow.to_dict()
    assert (data['first_age_jiffies'], data['last_age_jiffies']) == (1287, 1274)
    assert data['first_age_seconds'] is None


def test_to_dict_keys_are_stable():
    flow = read('proc/flows-v9-ipv4-ipv6-vlan.txt')[0][0]
    assert list(flow.to_dict()) == [
        'position', 'hash', 'inactive_expired', 'active_expired', 'in_ifindex', 'out_ifindex',
        'in_snmp', 'out_snmp', 'src_mac', 'dst_mac', 'vlan', 'inner_vlan', 'vlan_priority',
        'ethertype', 'ip_version', 'protocol', 'protocol_name', 'src_addr', 'src_port',
        'dst_addr', 'dst_port', 'icmp_type', 'icmp_code', 'nexthop', 'tos', 'tcp_flags',
        'ip_options', 'tcp_options', 'packets', 'bytes', 'first_age_jiffies',
        'last_age_jiffies', 'first_age_seconds', 'last_age_seconds']


def test_layout_of_a_build_without_l2_columns():
    text = (DOC_HEADER_NO_L2 + '\n'
            '1 c06c 2 4,-1 1 10.2.0.7,0 10.1.0.5,2048 0.0.0.0 0,0,0,0 186 15624 92261,131\n'
            '2 c06d 0 4,-1 06:aa:bb:cc:dd:ee,06:aa:bb:cc:dd:ef 1 10.2.0.7,0 10.1.0.5,2048 '
            '0.0.0.0 0,0,0,0 186 15624 92261,131\n')
    reader = FlowReader(io.StringIO(text), hz=100)
    flows = list(reader)
    assert (reader.rows, reader.malformed, len(flows)) == (2, 1, 1)
    data = flows[0].to_dict()
    assert (data['in_ifindex'], data['out_ifindex']) == (4, None)
    assert (data['in_snmp'], data['src_mac']) == (None, None)
    assert (data['ethertype'], data['vlan'], data['active_expired']) == (None, None, True)
    assert data['first_age_seconds'] == pytest.approx(922.61)


def test_layout_with_vlan_but_no_mac_and_qinq_tags():
    header = DEFAULT_HEADER.replace(' snmp:i,o mac:src,dst', '')
    text = (header + '\n'
            '1 0001 0 5,3 100,200 0800 17 10.3.3.2,5000 203.0.113.2,53 0.0.0.0 0,0,0,0 1 80 10,10\n'
            '2 0002 0 2,3 86dd 17 2001:db8::1,5000 2001:db8::2,53 :: 0,0,0,0 1 90 10,10\n'
            '3 0003 0 5,3 8292 0800 17 10.3.3.2,5000 203.0.113.2,53 0.0.0.0 0,0,0,0 1 80 10,10\n')
    flows = list(FlowReader(io.StringIO(text)))
    assert [flow.vlan_tci for flow in flows] == [(100, 200), (), (8292,)]
    qinq, _, prio = (flow.to_dict() for flow in flows)
    assert (qinq['vlan'], qinq['inner_vlan']) == (100, 200)
    assert (prio['vlan'], prio['vlan_priority']) == (100, 1)


def test_unknown_address_family_row():
    flow = FlowLayout.from_header(DEFAULT_HEADER).parse(
        b'1 0001 0 2,3 2,3 02:00:00:00:01:02,02:00:00:00:01:01 0806 0 ?,? ?,? ? 0,0,0,0 1 60 5,5')
    assert (flow.src_addr, flow.src_port, flow.nexthop, flow.to_dict()['ip_version']) == (
        None, None, None, None)


def test_missing_header_falls_back_to_the_upstream_layout():
    rows = (FIXTURES / 'proc/flows-v5-ipv4-only.txt').read_bytes().splitlines(keepends=True)[1:]
    reader = FlowReader(iter(rows))
    assert len(list(reader)) == 15 and reader.malformed == 0


def test_empty_input_has_no_rows():
    reader = FlowReader(iter([]))
    assert (list(reader), reader.rows, reader.malformed) == ([], 0, 0)
    assert top_flows(io.BytesIO(b''), 5) == ([], 0, 0)


def test_unusable_header_is_refused():
    assert FlowLayout.from_header('# hash a dev:i,o proto packets') is None
    assert FlowLayout.from_header(DEFAULT_HEADER.replace('vlan type ', '') + ' vlan') is None
    assert FlowLayout.from_header(DEFAULT_HEADER).width == 16


def test_malformed_rows_are_counted_and_skipped():
    lines = (FIXTURES / 'proc/flows-v9-ipv4-ipv6-vlan.txt').read_bytes().splitlines(keepends=True)
    broken = lines[:3] + [lines[3][:40] + b'\n', b'\n', b'garbage here\n',
                          lines[5].replace(b' 0800 ', b' 08z0 ')] + lines[6:]
    reader = FlowReader(iter(broken), hz=250)
    assert (len(list(reader)), reader.rows, reader.malformed) == (19, 23, 4)
    result = top_flows(iter(broken), 30)
    assert (len(result.flows), result.rows, result.malformed) == (19, 23, 4)


def test_text_and_binary_streams_agree():
    path = FIXTURES / 'proc/flows-natevents-masquerade.txt'
    with open(path, 'rb') as binary, open(path, encoding='ascii') as text:
        assert list(FlowReader(binary, 250)) == list(FlowReader(text, 250))


# ---- filters, sorting, top-N -------------------------------------------------

def positions(flows):
    return [flow.position for flow in flows]


def filtered(name, **conditions):
    flow_filter = FlowFilter(**conditions)
    return positions(flow for flow in read(name)[0] if flow_filter.matches(flow))


def test_top_by_bytes_and_packets_with_ties():
    with open(FIXTURES / 'proc/flows-31-before-rmmod.txt', 'rb') as stream:
        result = top_flows(stream, 3, 'bytes', hz=250)
    assert positions(result.flows) == [22, 26, 31]
    assert [flow.bytes for flow in result.flows] == [30736, 30632, 20872]
    assert (result.rows, result.malformed) == (31, 0)
    with open(FIXTURES / 'proc/flows-31-before-rmmod.txt', 'rb') as stream:
        # 26 and 31 both have 12 packets: the earlier row wins the last place.
        assert positions(top_flows(stream, 2, 'packets').flows) == [22, 26]
    flows = read('proc/flows-31-before-rmmod.txt')[0]
    assert positions(sort_flows(flows, 'packets')[:4]) == [22, 26, 31, 28]


def test_host_filter_normalises_ipv6_spelling():
    name = 'proc/flows-31-before-rmmod.txt'
    assert filtered(name, host='2001:0db8:0001:0000:0000:0000:0000:0001') == [7]
    assert filtered(name, host='2001:db8:1:0::1') == [7]
    assert filtered(name, host='ff02::1:ff00:1') == [14, 18, 21]
    assert filtered(name, host='10.3.3.2') == [1, 13, 15, 20]
    assert filtered(name, host='2001:db8:3::1') == [11]      # never matches the nexthop column


def test_port_range_is_inclusive_and_ignores_icmp():
    name = 'proc/flows-31-before-rmmod.txt'
    assert filtered(name, ports=(5353, 5353)) == [5, 8]
    assert filtered(name, ports=(8080, 8080)) == [1, 20, 22, 26, 28, 31]
    assert filtered(name, ports=(8079, 8080)) == filtered(name, ports=(8080, 8080))
    assert filtered(name, ports=(8081, 9000)) == []
    assert filtered(name, ports=(2048, 2048)) == []          # ICMP echo is not port 2048
    assert filtered(name, ports=(9, 23)) == [16, 25, 30]


def test_protocol_and_interface_filters():
    name = 'proc/flows-31-before-rmmod.txt'
    assert filtered(name, protocol='udp') == [5, 8, 30]
    assert filtered(name, protocol=17) == filtered(name, protocol='17')
    assert filtered(name, protocol='icmpv6') == filtered(name, protocol='ipv6-icmp')
    assert len(filtered(name, protocol=58)) == 13
    assert filtered(name, in_ifindex=5) == [12, 13, 14, 20]
    assert filtered(name, in_ifindex=5, protocol='tcp') == [20]
    assert filtered(name, in_ifindex=5, host='2001:db8:2::2') == [12]


def test_top_with_filters():
    with open(FIXTURES / 'proc/flows-v9-ipv4-ipv6-vlan.txt', 'rb') as stream:
        result = top_flows(stream, 2, 'bytes', FlowFilter(host='2001:db8:1::2'))
    assert positions(result.flows) == [13, 4]
    with open(FIXTURES / 'proc/flows-v9-ipv4-ipv6-vlan.txt', 'rb') as stream:
        result = top_flows(stream, 5, 'bytes', FlowFilter(in_ifindex=5))
    assert positions(result.flows) == [12, 17, 1]


def test_bad_arguments_are_refused():
    for conditions in ({'host': 'router1'}, {'ports': (10, 5)}, {'ports': (1, 70000)},
                       {'protocol': 'bogus'}, {'protocol': 300}):
        with pytest.raises(ValueError):
            FlowFilter(**conditions)
    with pytest.raises(ValueError):
        top_flows(iter([DEFAULT_HEADER]), 10, 'age')
    with pytest.raises(ValueError):
        top_flows(iter([DEFAULT_HEADER]), 0)
    with pytest.raises(ValueError):
        sort_flows([], 'hash')


def test_ipv4_mapped_host_is_compared_as_an_address():
    text = (DEFAULT_HEADER + '\n'
            '1 0001 0 2,3 2,3 02:00:00:00:01:02,02:00:00:00:01:01 86dd 6 ::ffff:10.0.0.1,80 '
            '2001:db8::2,5000 :: 0,1b,0,0 3 300 5,5\n')
    result = top_flows(io.StringIO(text), 5, flow_filter=FlowFilter(host='::ffff:a00:1'))
    assert positions(result.flows) == [1]


def test_top_flows_streams_in_constant_memory():
    flowgen = load_flowgen()
    buffer = io.BytesIO()
    flowgen.write_flows(buffer, 30000, seed=7)
    data = buffer.getvalue()

    def rows():
        for _ in range(4):                      # ~17 MB of rows, produced lazily
            yield from io.BytesIO(data)
    tracemalloc.start()
    result = top_flows(rows(), 10)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.rows == 4 * 30001 - 1          # the header of later copies is a malformed row
    assert result.malformed == 3
    assert peak < 1_000_000


def test_flowgen_writes_the_real_format():
    flowgen = load_flowgen()
    buffer = io.BytesIO()
    flowgen.write_flows(buffer, 5000, seed=1)
    buffer.seek(0)
    reader = FlowReader(buffer, 250)
    flows = list(reader)
    assert (reader.rows, reader.malformed, len(flows)) == (5000, 0, 5000)
    assert reader.layout.width == FlowLayout.from_header(DEFAULT_HEADER).width
    assert 300 < sum(1 for flow in flows if flow.vlan_tci) < 700
    assert {4, 6} == {flow.to_dict()['ip_version'] for flow in flows}
    assert {1, 6, 17, 58} <= {flow.protocol for flow in flows}
    assert any(flow.in_ifindex is None for flow in flows)
    assert any(len(flow.hash) == 5 for flow in flows) and any(len(flow.hash) == 4 for flow in flows)


ALL_LINES = [line for path in FLOW_FILES
             for line in path.read_bytes().splitlines(keepends=True)[1:]]
FILTERS = st.builds(
    FlowFilter,
    in_ifindex=st.sampled_from([None, 2, 3, 5]),
    host=st.sampled_from([None, '10.1.1.2', '2001:db8:2::2', '203.0.113.2', '127.0.0.1']),
    ports=st.sampled_from([None, (0, 0), (5353, 5353), (1024, 65535), (8080, 8080)]),
    protocol=st.sampled_from([None, 'tcp', 'udp', 'icmp', 58]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ALL_LINES), max_size=80), st.integers(1, 12),
       st.sampled_from(['bytes', 'packets']), FILTERS)
def test_top_flows_equals_filter_then_stable_sort(lines, count, sort_by, flow_filter):
    expected = sort_flows([flow for flow in FlowReader([DEFAULT_HEADER.encode()] + lines)
                           if flow_filter.matches(flow)], sort_by)[:count]
    result = top_flows(iter([DEFAULT_HEADER.encode()] + lines), count, sort_by, flow_filter)
    assert result.flows == expected
    assert result.rows == len(lines)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=160),
                          st.builds(lambda line, cut: line[:cut], st.sampled_from(ALL_LINES),
                                    st.integers(0, 160))), max_size=40),
       st.integers(1, 5), FILTERS)
def test_garbage_and_truncated_rows_never_raise(lines, count, flow_filter):
    reader = FlowReader(iter([DEFAULT_HEADER.encode()] + lines), 250)
    flows = list(reader)
    assert reader.rows == len(lines) and len(flows) + reader.malformed == len(lines)
    json.dumps([flow.to_dict() for flow in flows])
    result = top_flows(iter([DEFAULT_HEADER.encode()] + lines), count, 'bytes', flow_filter)
    assert len(result.flows) <= count and result.malformed <= reader.malformed


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ALL_LINES),
       st.lists(st.sampled_from([b'0', b'-1', b'?', b'1.5', b'ff', b'', b'x,y', b'%d' % 2 ** 70]),
                min_size=40, max_size=40), FILTERS)
def test_real_rows_with_odd_values_never_raise(line, replacements, flow_filter):
    values = iter(replacements)
    mutated = re.sub(rb'[0-9a-f]+', lambda match: next(values, match.group()), line)
    lines = [DEFAULT_HEADER.encode(), mutated]
    flows = list(FlowReader(iter(lines)))
    json.dumps([flow.to_dict() for flow in flows])
    assert len(top_flows(iter(lines), 1, 'packets', flow_filter).flows) <= len(flows)


# ---- units -------------------------------------------------------------------

def test_human_units():
    assert [human_bytes(v) for v in (0, 1023, 1024, 1234567, 1048575, 5 * 2 ** 40)] == [
        '0 B', '1023 B', '1.0 KB', '1.2 MB', '1.0 MB', '5.0 TB']
    assert [human_count(v) for v in (999, 1000, 12345, 999999, 2_500_000_000)] == [
        '999', '1.0K', '12.3K', '1.0M', '2.5G']


def test_protocol_names_and_numbers():
    assert [protocol_name(n) for n in (1, 6, 17, 47, 50, 58, 132, 253)] == [
        'icmp', 'tcp', 'udp', 'gre', 'esp', 'ipv6-icmp', 'sctp', '253']
    assert [protocol_number(t) for t in ('TCP', ' udp ', 'icmpv6', 'ipv6-icmp', '47', '0')] == [
        6, 17, 58, 58, 47, 0]
    for bad in ('tcpp', '256', '-1', ''):
        with pytest.raises(ValueError):
            protocol_number(bad)
