"""parse_stat against every real capture of /proc/net/stat/ipt_netflow, plus the
variants the captures lack (taken from behaviour logs or built from the documented format)."""

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from vyflow.netflow.procstat import parse_stat, split_socket_address

FIXTURES = Path(__file__).parent / 'fixtures' / 'ipt-netflow'
STAT_FILES = (sorted(FIXTURES.glob('proc/stat-*.txt'))
              + sorted(FIXTURES.glob('debian-build/stat-*.txt')))
STAT_LINES = sorted({line for path in STAT_FILES for line in path.read_text().splitlines()})


def stat(name):
    return parse_stat((FIXTURES / name).read_text())


def behaviour_stat_lines(name):
    """The 'stat: ...' lines a behaviour log recorded after each write."""
    text = (FIXTURES / 'behaviour' / name).read_text()
    return [line.split('stat: ', 1)[1] for line in text.splitlines() if line.startswith('  stat: ')]


def test_every_capture_is_covered():
    assert len(STAT_FILES) == 26


@pytest.mark.parametrize('path', STAT_FILES, ids=lambda p: f'{p.parent.name}/{p.name}')
def test_every_capture_parses_completely(path):
    text = path.read_text()
    snap = parse_stat(text)
    assert snap.unparsed == []
    assert snap.version == '2.6'
    assert snap.hz == 250
    assert snap.protocol in (5, 9, 10)
    assert snap.sampler is not None and snap.flows is not None and snap.hash is not None
    assert snap.rate is not None and snap.total is not None and snap.export is not None
    assert [cpu.cpu for cpu in snap.cpus] == [0, 1]
    assert len(snap.sockets) == text.count('\nsock')
    # The Total line is the sum of the per-CPU lines for every additive counter.
    for counter in ('pps', 'found', 'new_flows', 'packets', 'maxflows_errors', 'drop_packets'):
        assert getattr(snap.total, counter) == sum(getattr(cpu, counter) for cpu in snap.cpus)
    json.dumps(snap.to_dict())


def test_v9_traffic_values():
    snap = stat('proc/stat-v9-traffic.txt')
    assert snap.srcversion == 'C8E71F57CEC40CB507F3340'
    assert snap.features == {'aggr', 'dir', 'llist', 'mac', 'nel', 'samp-h', 'snmp', 'vlan'}
    assert (snap.protocol, snap.refresh_rate, snap.timeout_rate) == (9, 20, 30)
    assert (snap.templates, snap.templates_active) == (2, 2)
    assert (snap.active_timeout, snap.inactive_timeout, snap.maxflows) == (1800, 15, 2000000)
    assert snap.sampler.mode is None
    assert snap.natevents.enabled is False and snap.promisc is None
    flows = snap.flows
    assert (flows.active, flows.peak, flows.peak_age_seconds, flows.mem_kb) == (22, 22, 0, 1968)
    assert (flows.worker_delay, flows.hz, flows.scan_min, flows.scan_max) == (25, 250, 1, 25)
    assert (flows.worker_ms_ago, flows.worker_busy_us, flows.scanned) == (16, 0, 20)
    assert (flows.trylock_skipped, flows.llist_taken, flows.worker_cpu) == (0, 0, 0)
    assert snap.hash.size == 251516 and snap.hash.mem_kb == 1964
    assert snap.hash.metric == 1.00 and snap.hash.metric_15min == 1.00
    assert (snap.hash.cached_packets, snap.hash.cached_kb) == (87, 113)
    assert (snap.rate.bits_per_second, snap.rate.packets_per_second) == (146210, 13)
    assert (snap.rate.avg_1min_bps, snap.rate.avg_5min_bps, snap.rate.avg_5min_pps) == (
        18276, 3712, 0)
    total = snap.total
    assert (total.pps, total.found, total.new_flows, total.packets) == (12, 65, 22, 87)
    cpu0 = snap.cpus[0]
    assert (cpu0.pps, cpu0.new_flows, cpu0.metric, cpu0.packets) == (7, 12, 1.00, 45)
    assert (snap.export.bytes_per_second, snap.export.packets, snap.export.flows) == (105, 1, 0)
    sock = snap.sockets[0]
    assert (sock.index, sock.address) == (0, '127.0.0.1:2055')
    assert (sock.host, sock.port) == ('127.0.0.1', 2055)
    assert sock.connected and (sock.sndbuf, sock.filled, sock.peak) == (212992, 1, 1)
    assert (sock.sndbuf_reached, sock.connect_errors, sock.cberr, sock.other_errors) == (0, 0, 0, 0)
    assert sock.attempts is None and sock.bind is None and sock.ifname is None


def test_cberr_rises_on_the_closed_collector_only():
    names = ('stat-cberr-traffic.txt', 'stat-cberr-after-flush1.txt', 'stat-cberr-after-flush2.txt')
    snaps = [stat(f'proc/{name}') for name in names]
    assert [snap.sockets[1].cberr for snap in snaps] == [1, 4, 5]
    assert [snap.sockets[1].port for snap in snaps] == [2057] * 3
    assert [snap.sockets[0].cberr for snap in snaps] == [0, 0, 0]
    assert [snap.templates for snap in snaps] == [2, 15, 15]


def test_v5_has_no_template_counters():
    snap = stat('proc/stat-v5-traffic.txt')
    assert snap.protocol == 5
    assert (snap.refresh_rate, snap.timeout_rate) == (None, None)
    assert (snap.templates, snap.templates_active) == (None, None)
    assert snap.sockets[0].peak == 0


def test_idle_total_metric_is_zero_but_cpu_metrics_default_to_one():
    snap = stat('proc/stat-idle-v9.txt')
    assert snap.total.metric == 0.0
    assert [cpu.metric for cpu in snap.cpus] == [1.0, 1.0]
    assert snap.flows.worker_busy_us == 8000


def test_random_sampler_counts_flows_at_export():
    traffic = stat('proc/stat-sampler-random4-traffic.txt').sampler
    flushed = stat('proc/stat-sampler-random4-after-flush.txt').sampler
    assert (traffic.mode, traffic.interval) == ('random', 4)
    assert (traffic.flows_selected, traffic.flows_discarded) == (0, 0)
    assert (flushed.flows_selected, flushed.flows_discarded) == (7, 30)
    assert (flushed.packets_selected, flushed.packets_discarded) == (25, 155)


def test_hash_sampler_has_no_discarded_flows():
    sampler = stat('proc/stat-sampler-hash4-after-flush.txt').sampler
    assert (sampler.mode, sampler.interval, sampler.flows_selected) == ('hash', 4, 9)
    assert sampler.flows_discarded is None
    assert (sampler.packets_selected, sampler.packets_discarded) == (130, 121)


def test_deterministic_sampler_line_from_the_sysctl_log():
    lines = behaviour_stat_lines('sysctl-write-attempts.txt')
    line = next(line for line in lines if 'deterministic' in line)
    sampler = parse_stat(line).sampler
    assert (sampler.mode, sampler.interval, sampler.flows_selected, sampler.flows_discarded) == (
        'deterministic', 5, 0, 0)


def test_natevents_counts():
    traffic = stat('proc/stat-ipfix-natevents-traffic.txt').natevents
    flushed = stat('proc/stat-ipfix-natevents-after-flush.txt').natevents
    assert (traffic.enabled, traffic.start_events, traffic.stop_events) == (True, 7, 1)
    assert (flushed.start_events, flushed.stop_events) == (7, 7)
    assert stat('proc/stat-v5-natevents-after-flush.txt').natevents.enabled is True


def test_aggregation_rules_with_usage():
    rules = stat('proc/stat-aggregation-traffic.txt').aggregation
    nets = [(r.index, r.network, r.prefix_length, r.strip_to, r.usage)
            for r in rules if r.kind == 'net']
    ports = [(r.index, r.port_first, r.port_last, r.replacement_port, r.usage)
             for r in rules if r.kind == 'port']
    assert nets == [(0, '10.0.0.0', 8, 16, 59), (1, '203.0.113.0', 24, 24, 51)]
    assert ports == [(0, 1024, 65535, 1024, 123), (1, 5353, 5353, 53, 0)]


def test_load_parameters_snapshot():
    snap = stat('proc/stat-idle-loadparams.txt')
    assert (snap.active_timeout, snap.inactive_timeout, snap.maxflows) == (60, 5, 500)
    assert snap.hash.size == 1000 and snap.flows.mem_kb == 7
    assert (snap.sampler.mode, snap.sampler.interval) == ('hash', 10)
    assert [(r.index, r.prefix, r.base) for r in snap.snmp_rules] == [(0, 'eth', 100)]
    assert [(r.kind, r.network, r.strip_to) for r in snap.aggregation] == [('net', '10.0.0.0', 16)]
    assert [(s.port, s.cberr) for s in snap.sockets] == [(2055, 1), (2056, 1)]


def test_maxflows_drops():
    snap = stat('proc/stat-maxflows4-drops.txt')
    assert snap.maxflows == 4
    assert (snap.total.maxflows_errors, snap.total.drop_packets, snap.total.drop_kb) == (68, 68, 82)
    assert [cpu.maxflows_errors for cpu in snap.cpus] == [29, 39]


def test_debian_build_without_llist_with_promisc():
    snap = stat('debian-build/stat-traffic-ipfix.txt')
    assert snap.srcversion == 'EC03FDF1956A008AF9678CF'
    assert snap.features == {'dir', 'mac', 'promisc+mpls', 'samp', 'snmp', 'vlan'}
    assert snap.natevents is None and snap.aggregation == []
    promisc = snap.promisc
    assert (promisc.enabled, promisc.observed_packets, promisc.discarded_packets) == (False, 0, 0)
    assert (snap.flows.active, snap.flows.scanned, snap.flows.trylock_skipped) == (12, 12, 0)
    assert snap.flows.llist_taken is None and snap.flows.worker_cpu == 1
    assert snap.hash.size == 122684 and snap.inactive_timeout == 600
    assert snap.sockets[0].cberr == 1
    after = stat('debian-build/stat-after-sampler.txt')
    sampler = after.sampler
    assert (sampler.mode, sampler.interval, sampler.flows_discarded) == ('random', 10, 0)
    assert after.sockets[0].cberr == 3


def test_destination_forms_from_the_sysctl_log():
    lines = behaviour_stat_lines('sysctl-write-attempts.txt')
    sockets = [parse_stat(line).sockets[0] for line in lines if line.startswith('sock0: ')]
    forms = {(s.host, s.port, s.bind, s.ifname) for s in sockets}
    assert ('::1', 2055, None, None) in forms
    assert ('127.0.0.1', 2055, '127.0.0.1', None) in forms
    assert ('127.0.0.1', 2055, None, 'lo') in forms
    assert ('127.0.0.1', 34463, None, None) in forms          # port 99999 wrapped
    assert any(s.sndbuf == 4608 for s in sockets)


def test_unconnected_socket_and_ipv6_bind():
    snap = parse_stat('sock0: [::1:2055]:2055 unconnected (3 attempts).\n'
                      'sock1: [2001:db8::1]:2055@[2001:db8::2]%eth0, sndbuf 212992, filled 0, '
                      'peak 0; err: sndbuf reached 0, connect 7, cberr 0, other 2\n')
    down, bound = snap.sockets
    assert (down.connected, down.attempts, down.host, down.port, down.sndbuf) == (
        False, 3, '::1:2055', 2055, None)
    assert (bound.connected, bound.host, bound.bind, bound.ifname) == (
        True, '2001:db8::1', '2001:db8::2', 'eth0')
    assert (bound.connect_errors, bound.other_errors, bound.attempts) == (7, 2, None)
    assert split_socket_address('10.0.0.2:2055@10.0.0.1%eth1') == (
        '10.0.0.2', 2055, '10.0.0.1', 'eth1')
    assert split_socket_address('garbage') == ('garbage', None, None, None)


def test_values_from_bad_load_parameters():
    lines = behaviour_stat_lines('sysctl-write-attempts.txt')
    snap = parse_stat(next(line for line in lines if 'Maxflows 4294967295' in line))
    assert (snap.active_timeout, snap.inactive_timeout, snap.maxflows) == (-5, 0, 4294967295)
    text = (FIXTURES / 'behaviour' / 'modprobe-bad-parameters.txt').read_text()
    assert parse_stat(text.split('=== modprobe')[1]).protocol == 7
    hash_lines = [line for line in text.splitlines() if line.startswith('Hash:')]
    assert any(parse_stat(line).hash.size == 256 for line in hash_lines)


def test_other_builds_and_wide_counters():
    snap = parse_stat(
        'ipt_NETFLOW 2.8.0, srcversion (null);\n'
        'Flows: active 3000000 (peak 3100000 reached 12d3h4m ago), mem 400000K, worker delay '
        '1/1000 [1..100] (4 ms, 0 us, 525:0 0 [cpu4]).\n'
        'Hash: size 16777216 (mem 131072K), metric 0.87 [1.12, 0.98, 1.00]. InHash: '
        '18446744073709551615 pkt, 99 K, InPDU 1, 1400.\n'
        'Total 123456; 18446744073709551615 4294967296 7 [1.12],    0    0    0    0, '
        'traffic: 5000000000, 4768 MB, drop: 0, 0 K\n')
    assert snap.srcversion is None and snap.features == frozenset()
    assert snap.flows.peak_age_seconds == 12 * 86400 + 3 * 3600 + 4 * 60
    assert (snap.hz, snap.flows.worker_cpu, snap.flows.llist_taken) == (1000, 4, 0)
    assert snap.hash.size == 16777216 and snap.hash.metric == 0.87 and snap.hash.metric_1min == 1.12
    assert snap.hash.cached_packets == 2 ** 64 - 1
    assert snap.total.searched == 2 ** 64 - 1 and snap.total.packets == 5000000000
    assert snap.cpus == []          # a single-CPU machine prints no per-CPU lines


def test_unknown_lines_are_kept_in_order_and_do_not_disturb_the_rest():
    text = (FIXTURES / 'proc/stat-v9-traffic.txt').read_text().splitlines()
    text.insert(3, 'Some future line: 42')
    text.insert(8, 'Hash: size lots')
    snap = parse_stat('\n'.join(text))
    assert snap.unparsed == ['Some future line: 42', 'Hash: size lots']
    assert snap.hash.size == 251516 and snap.flows.active == 22


def test_words_that_look_like_numbers_stay_text():
    snap = parse_stat('Flow sampling mode 7 one-out-of 4. Flows selected 1. Pkts selected 2, '
                      'discarded 3.\n'
                      'sock0: 1.5, sndbuf 1, filled 1, peak 1; err: sndbuf reached 0, connect 0, '
                      'cberr 0, other 0\n'
                      'aggr#0 net: match 10.5/8 strip 16 (usage 0)\n')
    assert snap.unparsed == []
    assert snap.sampler.mode == '7' and snap.sockets[0].address == '1.5'
    assert snap.sockets[0].port is None and snap.aggregation[0].network == '10.5'


def test_truncated_flows_line_leaves_hz_unknown():
    snap = parse_stat('Flows: active 22 (peak 22 reached 0d0h0m ago), mem 1968K, worker del')
    assert snap.flows is None and snap.hz is None
    assert len(snap.unparsed) == 1


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=120), max_size=30))
def test_garbage_never_raises(lines):
    text = '\n'.join(lines)
    snap = parse_stat(text)
    assert all(line and line in text for line in snap.unparsed)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(STAT_FILES), st.data())
def test_cut_and_shuffled_captures_never_raise(path, data):
    lines = path.read_text().splitlines()
    cut = [line[:data.draw(st.integers(0, len(line)))] for line in lines]
    snap = parse_stat('\n'.join(data.draw(st.permutations(cut))))
    json.dumps(snap.to_dict())


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(STAT_LINES),
       st.lists(st.sampled_from(['0', '7', '1.5', '-3', 'x', '', '(null)', str(2 ** 70)]),
                min_size=30, max_size=30))
def test_real_lines_with_odd_values_never_raise(line, replacements):
    values = iter(replacements)
    mutated = re.sub(r'[\d.]+', lambda match: next(values, match.group()), line)
    json.dumps(parse_stat(mutated).to_dict())
