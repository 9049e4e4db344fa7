"""``show flow-accounting``: what the module is doing and what to do about it.

Builds one JSON-ready dict (stable snake_case keys) from the parsed stat file,
the running config and the collectors' recent counts (``health``), and
renders it for people. A collector is *refusing* when its connection-refused
counter (ICMP port unreachable from the collector) rose in the health window,
*dropping* when its send buffer overflowed in it, *unconnected* while the
module keeps retrying the connection; hints say what to change.
"""

from __future__ import annotations

from typing import Optional

from vyflow.netflow.health import Recent
from vyflow.netflow.model import FlowConfig
from vyflow.netflow.procstat import SocketStat, StatSnapshot
from vyflow.netflow.units import human_bytes, human_count, plural

PROTOCOL_NAMES = {5: 'NetFlow v5', 9: 'NetFlow v9', 10: 'IPFIX'}
HASH_METRIC_HINT = 2.0


def collector_state(socket: SocketStat, recent: Optional[Recent]) -> str:
    if not socket.connected:
        return 'unconnected'
    if recent is not None and recent.refused:
        return 'refusing'
    if recent is not None and recent.sndbuf_reached:
        return 'dropping'
    return 'connected'


def collectors(stat: StatSnapshot, recent: dict[str, Recent]) -> list[dict]:
    rows = []
    for socket in stat.sockets:
        counts = recent.get(socket.address)
        rows.append({
            'address': socket.host, 'port': socket.port, 'bind': socket.bind,
            'device': socket.ifname, 'state': collector_state(socket, counts),
            'attempts': socket.attempts, 'sndbuf': socket.sndbuf, 'filled': socket.filled,
            'peak': socket.peak, 'sndbuf_reached': socket.sndbuf_reached,
            'connect_errors': socket.connect_errors, 'refused': socket.cberr,
            'other_errors': socket.other_errors,
            'recent': counts.to_dict() if counts is not None else None})
    return rows


def _interfaces(config: Optional[FlowConfig], links: dict[str, str]) -> list[dict]:
    if config is None:
        return []
    directions = ['ingress', 'egress'] if config.egress else ['ingress']
    return [{'name': name, 'directions': directions, 'state': links.get(name, 'unknown')}
            for name in config.interfaces]


def _period(collector: dict) -> str:
    recent = collector['recent']
    if recent['observed_seconds'] is None:
        return 'since the module was loaded'
    return f'in the last {plural(recent["window_seconds"] // 60, "minute")}'


def hints(data: dict) -> list[str]:
    out = []
    for collector in data['collectors']:
        where = f'{collector["address"]}:{collector["port"]}'
        if collector['state'] == 'refusing':
            out.append(f'Collector {where} refused export packets {_period(collector)}: is a '
                       'collector listening on that address and port?')
        elif collector['state'] == 'dropping':
            out.append(f'Export to {where} overflowed the socket buffer {_period(collector)}: '
                       'raise "system flow-accounting buffer-size"')
        elif collector['state'] == 'unconnected':
            out.append(f'Collector {where} is unreachable (no route, or the source address or '
                       'interface is missing)')
    hash_stat = data['hash']
    if hash_stat and hash_stat['metric_1min'] >= HASH_METRIC_HINT:
        out.append(f'Hash metric {hash_stat["metric_1min"]:.2f} (1 min): raise "netflow '
                   'hash-size" (1.00 is optimal)')
    if data['drops'] and data['drops']['maxflows']:
        out.append(f'{data["drops"]["maxflows"]} packets were not accounted because the cache '
                   'was full: raise "netflow max-flows"')
    for interface in data['interfaces']:
        if interface['state'] == 'missing':
            out.append(f'Interface {interface["name"]} does not exist: nothing is accounted on '
                       'it until it is created')
        elif interface['state'] not in ('up', 'unknown'):
            out.append(f'Interface {interface["name"]} is {interface["state"]}: no traffic '
                       'passes it')
    natevents = data['natevents']
    if natevents and natevents['enabled'] and natevents['conntrack_events'] != '1':
        out.append('NAT events are on but net.netfilter.nf_conntrack_events is not 1: no NAT '
                   'events are produced (commit flow-accounting again to fix it)')
    return out


def build(stat: StatSnapshot, config: Optional[FlowConfig], recent: dict[str, Recent],
          conntrack_events: Optional[str], links: dict[str, str]) -> dict:
    """The whole status as JSON-ready data; ``recent`` is health.observe's
    answer, ``links`` maps the configured interfaces to their operational
    state (links.link_states)."""
    flows, total, rate, export = stat.flows, stat.total, stat.rate, stat.export
    data = {
        'module': {'loaded': True, 'version': stat.version, 'features': sorted(stat.features)},
        'configured': config is not None,
        'protocol': {'version': stat.protocol, 'name': PROTOCOL_NAMES.get(stat.protocol),
                     'template_refresh_packets': stat.refresh_rate,
                     'template_refresh_minutes': stat.timeout_rate, 'templates': stat.templates},
        'timeouts': {'active': stat.active_timeout, 'inactive': stat.inactive_timeout},
        'sampler': None if stat.sampler is None else {
            'mode': stat.sampler.mode, 'interval': stat.sampler.interval,
            'flows_selected': stat.sampler.flows_selected,
            'flows_discarded': stat.sampler.flows_discarded},
        'natevents': None if stat.natevents is None else {
            'enabled': stat.natevents.enabled, 'start_events': stat.natevents.start_events,
            'stop_events': stat.natevents.stop_events, 'conntrack_events': conntrack_events},
        'flows': None if flows is None else {
            'active': flows.active, 'peak': flows.peak, 'peak_age_seconds': flows.peak_age_seconds,
            'max': stat.maxflows, 'memory_kib': flows.mem_kb},
        'hash': None if stat.hash is None else {
            'size': stat.hash.size, 'metric': stat.hash.metric, 'metric_1min': stat.hash.metric_1min,
            'metric_5min': stat.hash.metric_5min},
        'rates': None if rate is None else {
            'last_4s': {'bits_per_second': rate.bits_per_second,
                        'packets_per_second': rate.packets_per_second},
            'average_1min': {'bits_per_second': rate.avg_1min_bps,
                             'packets_per_second': rate.avg_1min_pps},
            'average_5min': {'bits_per_second': rate.avg_5min_bps,
                             'packets_per_second': rate.avg_5min_pps}},
        'drops': None if total is None else {
            'packets': total.drop_packets, 'kib': total.drop_kb, 'truncated': total.truncated,
            'no_memory': total.alloc_errors, 'maxflows': total.maxflows_errors,
            'fragments_seen': total.frags},
        'export': None if export is None else {
            'bytes_per_second': export.bytes_per_second, 'packets': export.packets,
            'mib': export.mb, 'flows': export.flows, 'error_packets': export.error_packets,
            'lost': {'packets': export.lost_packets, 'kib': export.lost_kb,
                     'flows': export.lost_flows}},
        'collectors': collectors(stat, recent),
        'interfaces': _interfaces(config, links),
    }
    data['hints'] = hints(data)
    return data


def _rate(rates: dict) -> str:
    return f'{human_count(rates["bits_per_second"])}bit/s, {human_count(rates["packets_per_second"])} pkt/s'


def _collector_counts(collector: dict) -> str:
    recent = collector['recent']
    if recent is None:
        return plural(collector['attempts'] or 0, 'connection attempt')
    counts = (f'refused {recent["refused"]}, buffer full {recent["sndbuf_reached"]} '
              f'{_period(collector)}')
    if recent['observed_seconds'] is None:
        return counts
    return f'{counts} ({collector["refused"]} and {collector["sndbuf_reached"]} since loaded)'


def render(data: dict) -> str:
    """The status for people."""
    module, protocol, flows = data['module'], data['protocol'], data['flows']
    lines = [f'Flow accounting: ipt_NETFLOW {module["version"]} ({" ".join(module["features"])})',
             f'Export:       {protocol["name"]}'
             + (f', templates every {protocol["template_refresh_packets"]} packets / '
                f'{protocol["template_refresh_minutes"]} min' if protocol['version'] in (9, 10) else ''),
             f'Timeouts:     active {data["timeouts"]["active"]} s, inactive '
             f'{data["timeouts"]["inactive"]} s']
    sampler = data['sampler']
    if sampler is not None:
        lines.append('Sampling:     ' + ('off' if sampler['mode'] is None else
                                         f'{sampler["mode"]}, 1 flow in {sampler["interval"]}'))
    if data['natevents'] is not None:
        natevents = data['natevents']
        lines.append(f'NAT events:   {"on" if natevents["enabled"] else "off"} (start '
                     f'{natevents["start_events"]}, stop {natevents["stop_events"]})')
    if flows:
        lines.append(f'Flows:        {flows["active"]} active, peak {flows["peak"]}, '
                     f'max {flows["max"]}, {flows["memory_kib"]} KiB')
    if data['rates']:
        rates = data['rates']
        lines.append(f'Traffic:      {_rate(rates["last_4s"])} now; 1 min '
                     f'{_rate(rates["average_1min"])}; 5 min {_rate(rates["average_5min"])}')
    if data['drops']:
        drops = data['drops']
        lines.append(f'Drops:        {drops["packets"]} packets ({drops["kib"]} KiB): cache full '
                     f'{drops["maxflows"]}, no memory {drops["no_memory"]}, truncated '
                     f'{drops["truncated"]}')
    if data['export']:
        export = data['export']
        lines.append(f'Exported:     {export["packets"]} packets, {export["flows"]} flows, '
                     f'{human_bytes(export["mib"] * 1024 * 1024)}; errors {export["error_packets"]};'
                     f' lost {export["lost"]["flows"]} flows ({export["lost"]["packets"]} packets)')
    lines.append('Collectors:' if data['collectors'] else 'Collectors:   none (local accounting)')
    for collector in data['collectors']:
        lines.append(f'  {collector["address"]}:{collector["port"]:<6} {collector["state"]:<12} '
                     f'{_collector_counts(collector)}')
    if data['interfaces']:
        lines.append('Interfaces:   ' + ', '.join(
            f'{i["name"]} ({"+".join(i["directions"])}, {i["state"]})' for i in data['interfaces']))
    lines += [f'Hint: {hint}' for hint in data['hints']]
    return '\n'.join(lines)
