"""``show flow-accounting metrics``: the module's counters in Prometheus text format.

Counters (monotonic) end in ``_total``; gauges do not. One scrape reads the
stat file once; per-CPU and per-collector series carry ``cpu`` / ``collector``
labels, and every series of a metric is written as one group, as the format
requires.
"""

from __future__ import annotations

from typing import Optional

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


def render(stat: StatSnapshot) -> str:
    out = _Exposition()
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
        out.add('traffic_bits_per_second', 'gauge', 'Accounted traffic, last 4 seconds',
                stat.rate.bits_per_second)
        out.add('traffic_packets_per_second', 'gauge', 'Accounted packets, last 4 seconds',
                stat.rate.packets_per_second)
    cpus = ([stat.total] if stat.total else []) + stat.cpus
    for name, help_text, field in CPU_COUNTERS:
        for cpu in cpus:
            out.add(name, 'counter', help_text, getattr(cpu, field),
                    {'cpu': 'total' if cpu.cpu is None else str(cpu.cpu)})
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
    return '\n'.join(out.lines) + '\n'
