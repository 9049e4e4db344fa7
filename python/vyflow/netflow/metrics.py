"""``show flow-accounting metrics``: the module's counters in Prometheus text format.

Counters (monotonic) end in ``_total``; gauges do not. One scrape reads the
stat file once; per-CPU and per-collector series carry ``cpu`` / ``collector``
labels, and every series of a metric is written as one group, as the format
requires. A total is its own metric, never a ``cpu="total"`` series beside
the CPUs (``sum()`` over a metric must not count twice). ``ipt_netflow_up``
is 1, or 0 alone when the module is not loaded: a scrape of an unloaded
module is an answer, not an error. Collector health (``refusing``,
``dropping``) is the same windowed judgement ``show flow-accounting`` makes.
"""

from __future__ import annotations

from typing import Optional

from vyflow.netflow.health import WINDOW_SECONDS, Recent
from vyflow.netflow.procstat import StatSnapshot

PREFIX = 'ipt_netflow'


def _label(value: str) -> str:
    return value.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')


class _Exposition:
    def __init__(self):
        self.lines: list[str] = []
        self.declared: set[str] = set()

    def add(self, name: str, kind: str, help_text: str, value: Optional[float],
            labels: Optional[dict] = None) -> None:
        if value is None:
            return
        full = f'{PREFIX}_{name}'
        if full not in self.declared:
            self.declared.add(full)
            self.lines += [f'# HELP {full} {help_text}', f'# TYPE {full} {kind}']
        label_text = ','.join(f'{k}="{_label(str(v))}"' for k, v in (labels or {}).items())
        self.lines.append(f'{full}{{{label_text}}} {value}' if label_text else f'{full} {value}')


CPU_COUNTERS = (
    ('packets_total', 'Packets accounted', 'packets'),
    ('flows_created_total', 'Flows created', 'new_flows'),
    ('dropped_packets_total', 'Packets not accounted', 'drop_packets'),
    ('dropped_maxflows_total', 'Packets dropped: cache full', 'maxflows_errors'),
    ('dropped_no_memory_total', 'Packets dropped: no memory', 'alloc_errors'),
    ('truncated_packets_total', 'Truncated or invalid packets', 'truncated'),
)
COLLECTOR_SERIES = (
    ('collector_connected', 'gauge', 'Export socket connected (1) or not (0)',
     lambda socket: int(socket.connected)),
    ('collector_refused_total', 'counter', 'ICMP port unreachable from the collector',
     lambda socket: socket.cberr),
    ('collector_sndbuf_full_total', 'counter', 'Sends dropped: socket buffer full',
     lambda socket: socket.sndbuf_reached),
    ('collector_connect_errors_total', 'counter', 'Failed connection attempts',
     lambda socket: socket.connect_errors),
)
UP_HELP = 'ipt_NETFLOW is loaded (1) or not (0)'


def render_absent() -> str:
    """The scrape of a system without the module."""
    out = _Exposition()
    out.add('up', 'gauge', UP_HELP, 0)
    return '\n'.join(out.lines) + '\n'


def render(stat: StatSnapshot, recent: dict[str, Recent]) -> str:
    out = _Exposition()
    out.add('up', 'gauge', UP_HELP, 1)
    out.add('info', 'gauge', 'Module version and build features', 1,
            {'version': stat.version or '', 'features': ' '.join(sorted(stat.features))})
    out.add('protocol_version', 'gauge', 'Export protocol version (5, 9, 10)', stat.protocol)
    if stat.flows:
        out.add('flows_active', 'gauge', 'Flows in the cache', stat.flows.active)
        out.add('flows_peak', 'gauge', 'Peak number of flows in the cache', stat.flows.peak)
    out.add('flows_max', 'gauge', 'Configured cache limit (max-flows)', stat.maxflows)
    if stat.hash:
        out.add('hash_size', 'gauge', 'Hash table buckets', stat.hash.size)
        out.add('hash_metric', 'gauge', 'Lookups per packet, 1-minute average (1.00 is optimal)',
                stat.hash.metric_1min)
    if stat.rate:
        out.add('traffic_bytes_per_second', 'gauge', 'Accounted traffic, last 4 seconds',
                stat.rate.bits_per_second / 8)
        out.add('traffic_packets_per_second', 'gauge', 'Accounted packets, last 4 seconds',
                stat.rate.packets_per_second)
    for name, help_text, field in CPU_COUNTERS:
        if stat.total:
            out.add(name, 'counter', f'{help_text}, all CPUs', getattr(stat.total, field))
    for name, help_text, field in CPU_COUNTERS:
        for cpu in stat.cpus:
            out.add(f'cpu_{name}', 'counter', f'{help_text}, per CPU', getattr(cpu, field),
                    {'cpu': str(cpu.cpu)})
    if stat.export:
        out.add('export_packets_total', 'counter', 'Export packets sent', stat.export.packets)
        out.add('export_flows_total', 'counter', 'Flows exported', stat.export.flows)
        out.add('export_errors_total', 'counter', 'Export packets that failed to send',
                stat.export.error_packets)
        out.add('export_lost_flows_total', 'counter', 'Flows lost to export errors',
                stat.export.lost_flows)
    for name, kind, help_text, value in COLLECTOR_SERIES:
        for socket in stat.sockets:
            out.add(name, kind, help_text, value(socket), {'collector': socket.address})
    minutes = WINDOW_SECONDS // 60
    for name, help_text, count in (
            ('collector_refusing', f'Collector refused exports in the last {minutes} minutes '
             '(or since load, before the first reading that old)', lambda r: r.refused),
            ('collector_dropping', f'Socket buffer overflowed in the last {minutes} minutes '
             '(or since load, before the first reading that old)', lambda r: r.sndbuf_reached)):
        for socket in stat.sockets:
            if socket.address in recent:
                out.add(name, 'gauge', help_text, int(count(recent[socket.address]) > 0),
                        {'collector': socket.address})
    return '\n'.join(out.lines) + '\n'
