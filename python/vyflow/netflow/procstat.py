"""Parser for /proc/net/stat/ipt_netflow, the module's human-readable status page.

The page differs between builds (feature tags decide which lines exist, ``llist``
adds a number to the Flows line, per-CPU lines appear only with several CPUs)
and between module states (no sampler counters when sampling is off, no sockets
without a destination). Every line is matched on its own, so a missing or new
line never disturbs the others; lines nobody recognises are kept, in order, in
``StatSnapshot.unparsed`` instead of failing the whole read.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Callable, Optional


@dataclass
class SamplerStat:
    """``mode`` is None when sampling is off; hash mode has no flows_discarded."""
    mode: Optional[str] = None
    interval: Optional[int] = None
    flows_selected: Optional[int] = None
    flows_discarded: Optional[int] = None
    packets_selected: Optional[int] = None
    packets_discarded: Optional[int] = None


@dataclass
class PromiscStat:
    enabled: bool
    observed_packets: int
    discarded_packets: int


@dataclass
class NateventsStat:
    enabled: bool
    start_events: int
    stop_events: int


@dataclass
class FlowsStat:
    """The Flows line; ``hz`` (the kernel tick rate) turns flow-dump ages into seconds.

    ``llist_taken`` exists only in builds tagged ``llist``.
    """
    active: int
    peak: int
    peak_age_seconds: int
    mem_kb: int
    worker_delay: int
    hz: int
    scan_min: int
    scan_max: int
    worker_ms_ago: int
    worker_busy_us: int
    scanned: int
    trylock_skipped: int
    llist_taken: Optional[int] = None
    worker_cpu: Optional[int] = None


@dataclass
class HashStat:
    """Cache hash table; metric 1.00 means one lookup per packet (optimal)."""
    size: int
    mem_kb: int
    metric: float
    metric_1min: float
    metric_5min: float
    metric_15min: float
    cached_packets: int
    cached_kb: int
    pdu_packets: int
    pdu_bytes: int


@dataclass
class RateStat:
    bits_per_second: int
    packets_per_second: int
    avg_1min_bps: int
    avg_1min_pps: int
    avg_5min_bps: int
    avg_5min_pps: int


@dataclass
class CpuStat:
    """The Total line (``cpu`` None) or one per-CPU line of the counter table."""
    cpu: Optional[int]
    pps: int
    searched: int
    found: int
    new_flows: int
    metric: float
    truncated: int
    frags: int
    alloc_errors: int
    maxflows_errors: int
    packets: int
    traffic_mb: int
    drop_packets: int
    drop_kb: int


@dataclass
class ExportStat:
    bytes_per_second: int
    packets: int
    mb: int
    flows: int
    error_packets: int
    lost_packets: int
    lost_kb: int
    lost_flows: int


@dataclass
class SocketStat:
    """One export destination. A connected socket has the buffer and error
    counters; an unconnected one only has ``attempts``."""
    index: int
    address: str
    host: str
    port: Optional[int]
    bind: Optional[str]
    ifname: Optional[str]
    connected: bool
    sndbuf: Optional[int] = None
    filled: Optional[int] = None
    peak: Optional[int] = None
    sndbuf_reached: Optional[int] = None
    connect_errors: Optional[int] = None
    cberr: Optional[int] = None
    other_errors: Optional[int] = None
    attempts: Optional[int] = None


@dataclass
class AggregationRule:
    """``kind`` is 'net' (match/strip prefix lengths) or 'port' (range -> replacement)."""
    kind: str
    index: int
    usage: int
    network: Optional[str] = None
    prefix_length: Optional[int] = None
    strip_to: Optional[int] = None
    port_first: Optional[int] = None
    port_last: Optional[int] = None
    replacement_port: Optional[int] = None


@dataclass
class SnmpRule:
    index: int
    prefix: str
    base: int


@dataclass
class StatSnapshot:
    """Everything understood from one read; sections of lines that were absent stay None."""
    version: Optional[str] = None
    srcversion: Optional[str] = None
    features: frozenset[str] = frozenset()
    protocol: Optional[int] = None
    refresh_rate: Optional[int] = None
    timeout_rate: Optional[int] = None
    templates: Optional[int] = None
    templates_active: Optional[int] = None
    active_timeout: Optional[int] = None
    inactive_timeout: Optional[int] = None
    maxflows: Optional[int] = None
    sampler: Optional[SamplerStat] = None
    promisc: Optional[PromiscStat] = None
    natevents: Optional[NateventsStat] = None
    flows: Optional[FlowsStat] = None
    hash: Optional[HashStat] = None
    rate: Optional[RateStat] = None
    total: Optional[CpuStat] = None
    cpus: list[CpuStat] = field(default_factory=list)
    export: Optional[ExportStat] = None
    sockets: list[SocketStat] = field(default_factory=list)
    aggregation: list[AggregationRule] = field(default_factory=list)
    snmp_rules: list[SnmpRule] = field(default_factory=list)
    unparsed: list[str] = field(default_factory=list)

    @property
    def hz(self) -> Optional[int]:
        """Kernel ticks per second, needed to read ages in the flows dump."""
        return self.flows.hz if self.flows else None

    def to_dict(self) -> dict:
        """Plain JSON-ready data (features as a sorted list)."""
        data = asdict(self)
        data['features'] = sorted(self.features)
        data['hz'] = self.hz
        return data


_NUMBER = re.compile(r'-?\d+(\.\d+)?\Z')
# Groups holding words, which stay text even when they happen to look like a number.
_TEXT_GROUPS = frozenset({'mode', 'state', 'address', 'kind', 'network'})

# %pISpc prints IPv6 in brackets; the bind address keeps its brackets too.
_ADDRESS = re.compile(r'(?:\[(?P<host6>[^\]]*)\]|(?P<host4>[^\s:@%\[\]]+)):(?P<port>\d+)'
                      r'(?:@(?:\[(?P<bind6>[^\]]*)\]|(?P<bind4>[^\s%\[\]]+)))?'
                      r'(?:%(?P<ifname>\S+))?\Z')


def split_socket_address(address: str) -> tuple[str, Optional[int], Optional[str], Optional[str]]:
    """``'[2001:db8::1]:2055@[2001:db8::2]%eth0'`` -> (host, port, bind, ifname).

    Text that is not in the kernel's form comes back whole as the host, port None.
    """
    match = _ADDRESS.match(address)
    if not match:
        return address, None, None, None
    return (match['host6'] if match['host6'] is not None else match['host4'],
            int(match['port']), match['bind6'] or match['bind4'], match['ifname'])


def _numbers(match: re.Match) -> dict:
    """Numeric named groups as ints (floats for the kernel's %d.%02d); absent ones skipped."""
    values = {}
    for name, text in match.groupdict().items():
        if text is not None and name not in _TEXT_GROUPS and _NUMBER.match(text):
            values[name] = float(text) if '.' in text else int(text)
    return values


def _on_version(snap: StatSnapshot, match: re.Match) -> None:
    snap.version = match['version']
    snap.srcversion = None if match['srcversion'] == '(null)' else match['srcversion']
    snap.features = frozenset(match['tags'].split())


def _set_numbers(snap: StatSnapshot, match: re.Match) -> None:
    for name, value in _numbers(match).items():
        setattr(snap, name, value)


def _on_sampler(snap: StatSnapshot, match: re.Match) -> None:
    snap.sampler = SamplerStat(mode=match.groupdict().get('mode'), **_numbers(match))


def _on_promisc(snap: StatSnapshot, match: re.Match) -> None:
    snap.promisc = PromiscStat(enabled=match['state'] == 'enabled', **_numbers(match))


def _on_natevents(snap: StatSnapshot, match: re.Match) -> None:
    snap.natevents = NateventsStat(enabled=match['state'] == 'enabled', **_numbers(match))


def _on_flows(snap: StatSnapshot, match: re.Match) -> None:
    values = _numbers(match)
    values['peak_age_seconds'] = (values.pop('days') * 86400 + values.pop('hours') * 3600
                                  + values.pop('minutes') * 60)
    snap.flows = FlowsStat(**values)


def _on_counters(snap: StatSnapshot, match: re.Match) -> None:
    values = _numbers(match)
    if 'cpu' in values:
        snap.cpus.append(CpuStat(**values))
    else:
        snap.total = CpuStat(cpu=None, **values)


def _on_socket(snap: StatSnapshot, match: re.Match) -> None:
    values = _numbers(match)
    host, port, bind, ifname = split_socket_address(match['address'])
    snap.sockets.append(SocketStat(address=match['address'], host=host, port=port, bind=bind,
                                   ifname=ifname, connected='attempts' not in values, **values))


def _on_aggregation(snap: StatSnapshot, match: re.Match) -> None:
    snap.aggregation.append(AggregationRule(kind=match['kind'],
                                            network=match.groupdict().get('network'),
                                            **_numbers(match)))


def _on_snmp_rule(snap: StatSnapshot, match: re.Match) -> None:
    snap.snmp_rules.append(SnmpRule(index=int(match['index']), prefix=match['prefix'],
                                    base=int(match['base'])))


def _store(attribute: str, record: type) -> Callable[[StatSnapshot, re.Match], None]:
    """Handler for a line whose named groups are exactly the numeric fields of ``record``."""
    def handler(snap: StatSnapshot, match: re.Match) -> None:
        setattr(snap, attribute, record(**_numbers(match)))
    return handler


def _ignore(snap: StatSnapshot, match: re.Match) -> None:
    """For the fixed column-title line, which carries no data."""


_COUNTERS = (r'(?P<pps>\d+); +(?P<searched>\d+) +(?P<found>\d+) +(?P<new_flows>\d+) '
             r'\[(?P<metric>\d+\.\d+)\], +(?P<truncated>\d+) +(?P<frags>\d+) +(?P<alloc_errors>\d+)'
             r' +(?P<maxflows_errors>\d+), traffic: (?P<packets>\d+), (?P<traffic_mb>\d+) MB, '
             r'drop: (?P<drop_packets>\d+), (?P<drop_kb>\d+) K')

_LINE_HANDLERS: tuple[tuple[re.Pattern, Callable[[StatSnapshot, re.Match], None]], ...] = tuple(
    (re.compile(pattern + r'\Z'), handler) for pattern, handler in (
        (r'ipt_NETFLOW (?P<version>\S+), srcversion (?P<srcversion>\S+);(?P<tags>.*)', _on_version),
        (r'Protocol version (?P<protocol>\d+) \((?:netflow|ipfix)\)(?:, refresh-rate '
         r'(?P<refresh_rate>\d+), timeout-rate (?P<timeout_rate>\d+), \(templates '
         r'(?P<templates>\d+), active (?P<templates_active>\d+)\)\.)?', _set_numbers),
        (r'Timeouts: active (?P<active_timeout>-?\d+)s, inactive (?P<inactive_timeout>-?\d+)s\. '
         r'Maxflows (?P<maxflows>\d+)', _set_numbers),
        (r'Flow sampling is disabled\.', _on_sampler),
        (r'Flow sampling mode (?P<mode>\w+) one-out-of (?P<interval>\d+)\. Flows selected '
         r'(?P<flows_selected>\d+)(?:, discarded (?P<flows_discarded>\d+))?\. Pkts selected '
         r'(?P<packets_selected>\d+), discarded (?P<packets_discarded>\d+)\.', _on_sampler),
        (r'Promisc hack is (?P<state>enabled|disabled) \(observed (?P<observed_packets>\d+) '
         r'packets, discarded (?P<discarded_packets>\d+)\)\.', _on_promisc),
        (r'Natevents (?P<state>enabled|disabled), count start (?P<start_events>\d+), '
         r'stop (?P<stop_events>\d+)\.', _on_natevents),
        (r'Flows: active (?P<active>\d+) \(peak (?P<peak>\d+) reached (?P<days>\d+)d'
         r'(?P<hours>\d+)h(?P<minutes>\d+)m ago\), mem (?P<mem_kb>\d+)K, worker delay '
         r'(?P<worker_delay>-?\d+)/(?P<hz>\d+) \[(?P<scan_min>\d+)\.\.(?P<scan_max>\d+)\] '
         r'\((?P<worker_ms_ago>\d+) ms, (?P<worker_busy_us>\d+) us, (?P<scanned>\d+):'
         r'(?P<trylock_skipped>\d+)(?: (?P<llist_taken>\d+))?(?: \[cpu(?P<worker_cpu>\d+)\])?\)\.',
         _on_flows),
        (r'Hash: size (?P<size>\d+) \(mem (?P<mem_kb>\d+)K\), metric (?P<metric>\d+\.\d+) '
         r'\[(?P<metric_1min>\d+\.\d+), (?P<metric_5min>\d+\.\d+), (?P<metric_15min>\d+\.\d+)\]\. '
         r'InHash: (?P<cached_packets>\d+) pkt, (?P<cached_kb>\d+) K, InPDU (?P<pdu_packets>\d+), '
         r'(?P<pdu_bytes>\d+)\.', _store('hash', HashStat)),
        (r'Rate: (?P<bits_per_second>\d+) bits/sec, (?P<packets_per_second>\d+) packets/sec; '
         r'Avg 1 min: (?P<avg_1min_bps>\d+) bps, (?P<avg_1min_pps>\d+) pps; 5 min: '
         r'(?P<avg_5min_bps>\d+) bps, (?P<avg_5min_pps>\d+) pps',
         _store('rate', RateStat)),
        (r'cpu# +pps; <search found new \[metric\], trunc frag alloc maxflows>, '
         r'traffic: <pkt, bytes>, drop: <pkt, bytes>', _ignore),
        (r'(?:Total|cpu(?P<cpu>\d+)) +' + _COUNTERS, _on_counters),
        (r'Export: Rate (?P<bytes_per_second>\d+) bytes/s; Total (?P<packets>\d+) pkts, '
         r'(?P<mb>\d+) MB, (?P<flows>\d+) flows; Errors (?P<error_packets>\d+) pkts; Traffic lost '
         r'(?P<lost_packets>\d+) pkts, (?P<lost_kb>\d+) Kbytes, (?P<lost_flows>\d+) flows\.',
         _store('export', ExportStat)),
        (r'sock(?P<index>\d+): (?P<address>\S+), sndbuf (?P<sndbuf>\d+), filled '
         r'(?P<filled>\d+), peak (?P<peak>\d+); err: sndbuf reached (?P<sndbuf_reached>\d+), '
         r'connect (?P<connect_errors>\d+), cberr (?P<cberr>\d+), other (?P<other_errors>\d+)',
         _on_socket),
        (r'sock(?P<index>\d+): (?P<address>\S+) unconnected \((?P<attempts>\d+) '
         r'attempts\)\.', _on_socket),
        (r'aggr#(?P<index>\d+) (?P<kind>net): match (?P<network>[^/\s]+)/(?P<prefix_length>\d+) '
         r'strip (?P<strip_to>\d+) \(usage (?P<usage>\d+)\)', _on_aggregation),
        (r'aggr#(?P<index>\d+) (?P<kind>port): ports (?P<port_first>\d+)-(?P<port_last>\d+) '
         r'replace (?P<replacement_port>\d+) \(usage (?P<usage>\d+)\)', _on_aggregation),
        (r"SNMP-rule#(?P<index>\d+): prefix '(?P<prefix>.*)' map to (?P<base>-?\d+)",
         _on_snmp_rule),
    ))


def parse_stat(text: str) -> StatSnapshot:
    """Parse the whole text of /proc/net/stat/ipt_netflow; never raises on content."""
    snap = StatSnapshot()
    for raw_line in text.splitlines():
        line = raw_line.rstrip()
        if not line:
            continue
        for pattern, handler in _LINE_HANDLERS:
            match = pattern.match(line)
            if match:
                handler(snap, match)
                break
        else:
            snap.unparsed.append(line)
    return snap
