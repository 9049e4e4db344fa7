"""parse_snmp against every real capture of /proc/net/stat/ipt_netflow_snmp, and
against the human-readable stat file captured in the same module state."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from vyflow.netflow.procsnmp import parse_snmp
from vyflow.netflow.procstat import parse_stat

FIXTURES = Path(__file__).parent / 'fixtures' / 'ipt-netflow'
SNMP_FILES = (sorted(FIXTURES.glob('proc/snmp-*.txt'))
              + sorted(FIXTURES.glob('debian-build/snmp-*.txt')))
SCALARS = ('in_bit_rate', 'in_packet_rate', 'in_flows', 'in_packets', 'in_bytes', 'hash_metric',
           'hash_memory', 'hash_flows', 'hash_packets', 'hash_bytes', 'drop_packets', 'drop_bytes',
           'out_byte_rate', 'out_flows', 'out_packets', 'out_bytes', 'lost_flows', 'lost_packets',
           'lost_bytes', 'err_total', 'sndbuf_peak')


def snmp(name):
    return parse_snmp((FIXTURES / name).read_text())


def test_every_capture_is_covered():
    assert len(SNMP_FILES) == 6


@pytest.mark.parametrize('path', SNMP_FILES, ids=lambda p: f'{p.parent.name}/{p.name}')
def test_every_capture_parses_completely(path):
    text = path.read_text()
    snap = parse_snmp(text)
    assert snap.unparsed == []
    assert all(getattr(snap, name) is not None for name in SCALARS)
    assert [cpu.cpu for cpu in snap.cpus] == [0, 1]
    assert len(snap.sockets) == text.count('\nsock')
    # Per-CPU rows add up to the scalars (the kernel sums the same counters).
    assert snap.in_bytes == sum(cpu.bytes for cpu in snap.cpus)
    assert snap.in_flows == sum(cpu.new_flows for cpu in snap.cpus)
    assert snap.drop_packets == sum(cpu.drop_packets for cpu in snap.cpus)
    # Kernel summation bug (documented): the hash counters mirror the input ones.
    assert (snap.hash_packets, snap.hash_bytes) == (snap.in_packets, snap.in_bytes)
    json.dumps(snap.to_dict())


def test_cberr_capture():
    snap = snmp('proc/snmp-cberr.txt')
    assert (snap.in_bit_rate, snap.in_packets, snap.in_bytes, snap.hash_memory) == (
        158106, 172, 213169, 2013232)
    assert (snap.out_flows, snap.out_packets, snap.out_bytes, snap.err_total) == (49, 10, 9628, 5)
    assert snap.hash_metric == 1.00 and snap.sndbuf_peak == 1
    sock = snap.sockets[1]
    assert (sock.index, sock.host, sock.port, sock.connected) == (1, '127.0.0.1', 2057, True)
    assert (sock.connect_errors, sock.sndbuf_reached, sock.cberr, sock.other_errors) == (0, 0, 5, 0)
    assert (sock.sndbuf, sock.filled, sock.peak) == (212992, 1, 1)


def test_maxflows_drop_rows():
    cpu0, cpu1 = snmp('proc/snmp-maxflows4-drops.txt').cpus
    assert (cpu0.pps, cpu0.new_flows, cpu0.packets, cpu0.bytes) == (2, 31, 9, 30874)
    assert cpu0.metric == 1.00
    assert (cpu0.drop_packets, cpu0.drop_bytes, cpu0.maxflows_errors) == (29, 26861, 29)
    assert (cpu1.drop_packets, cpu1.drop_bytes, cpu1.maxflows_errors) == (39, 57921, 39)
    assert (cpu1.truncated, cpu1.frags, cpu1.alloc_errors) == (0, 0, 0)


def test_idle_metric_is_zero():
    snap = snmp('proc/snmp-idle.txt')
    assert snap.hash_metric == 0.0 and snap.sndbuf_peak == 0
    assert snap.sockets[0].peak == 0


@pytest.mark.parametrize('snmp_name, stat_name', [
    ('proc/snmp-v9-traffic.txt', 'proc/stat-v9-traffic.txt'),
    ('proc/snmp-cberr.txt', 'proc/stat-cberr-after-flush2.txt'),
    ('proc/snmp-maxflows4-drops.txt', 'proc/stat-maxflows4-drops.txt'),
    ('proc/snmp-ipfix-2dest-after-flush.txt', 'proc/stat-ipfix-2dest-after-flush.txt'),
    ('debian-build/snmp-traffic-ipfix.txt', 'debian-build/stat-traffic-ipfix.txt'),
])
def test_agrees_with_the_stat_file_of_the_same_state(snmp_name, stat_name):
    table, page = snmp(snmp_name), parse_stat((FIXTURES / stat_name).read_text())
    assert [(c.pps, c.new_flows, c.packets, c.maxflows_errors) for c in table.cpus] == [
        (c.pps, c.new_flows, c.packets, c.maxflows_errors) for c in page.cpus]
    assert [(s.address, s.cberr, s.connect_errors, s.sndbuf_reached, s.other_errors, s.sndbuf)
            for s in table.sockets] == [
        (s.address, s.cberr, s.connect_errors, s.sndbuf_reached, s.other_errors, s.sndbuf)
        for s in page.sockets]
    assert table.hash_flows == page.flows.active


def test_socket_error_counters_are_in_their_own_order():
    sock = parse_snmp('sock0 10.0.0.1:2055 1 2 3 4 5 6 7 8\n').sockets[0]
    assert (sock.connect_errors, sock.sndbuf_reached, sock.cberr, sock.other_errors) == (2, 3, 4, 5)
    assert (sock.sndbuf, sock.filled, sock.peak) == (6, 7, 8)


def test_unconnected_ipv6_socket_row():
    sock = parse_snmp('sock0 [2001:db8::9]:2055@[2001:db8::1] 0 12 0 0 0 0 0 3\n').sockets[0]
    assert (sock.connected, sock.connect_errors, sock.peak) == (False, 12, 3)
    assert (sock.host, sock.port, sock.bind) == ('2001:db8::9', 2055, '2001:db8::1')


def test_unknown_and_malformed_lines_are_kept():
    text = ('inBitRate    7\n'
            'futureCounter 5\n'
            'cpu0 1 2 3\n'
            'sock0 10.0.0.1:2055 1 0 0\n'
            'hashMetric   1\n'
            'sock1 10.0.0.1:2055 2 0 0 0 0 1 1 1\n'
            'cpus 1\n')
    snap = parse_snmp(text)
    assert snap.in_bit_rate == 7 and snap.hash_metric is None
    assert snap.cpus == [] and snap.sockets == []
    assert snap.unparsed == text.splitlines()[1:]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=30))
def test_garbage_never_raises(lines):
    text = '\n'.join(lines)
    snap = parse_snmp(text)
    assert all(line in text for line in snap.unparsed)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SNMP_FILES), st.data())
def test_cut_captures_never_raise(path, data):
    lines = path.read_text().splitlines()
    cut = [line[:data.draw(st.integers(0, len(line)))] for line in lines]
    json.dumps(parse_snmp('\n'.join(cut)).to_dict())
