"""``show flow-accounting flows``: filters from typed words, tables for people.

Interface indexes are shown as names, ages in seconds, protocols by name and
counters in human units; ``raw`` output keeps every field of every flow.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Optional

from vyflow.errors import IncorrectValue
from vyflow.netflow.procflows import Flow, FlowFilter
from vyflow.netflow.units import human_bytes, human_count, plural, protocol_name


def interface_names() -> dict[int, str]:
    """ifindex -> name for this network namespace (libc's if_nameindex: no
    import cost on a command timed against sort over millions of rows)."""
    return dict(socket.if_nameindex())


def parse_ports(text: str) -> tuple[int, int]:
    first, _, last = text.partition('-')
    if not first.isdigit() or (last and not last.isdigit()):
        raise IncorrectValue(f'port must be a number or a range A-B, not "{text}"')
    ports = (int(first), int(last or first))
    if not 0 <= ports[0] <= ports[1] <= 65535:
        raise IncorrectValue(f'port range {text} is not within 0-65535 (first <= last)')
    return ports


def build_filter(names: dict[int, str], interface: Optional[str], host: Optional[str],
                 port: Optional[str], protocol: Optional[str], source: Optional[str] = None,
                 destination: Optional[str] = None) -> Optional[FlowFilter]:
    if interface is host is port is protocol is source is destination is None:
        return None
    index = None
    if interface is not None:
        by_name = {name: number for number, name in names.items()}
        if interface not in by_name:
            raise IncorrectValue(f'interface {interface} does not exist')
        index = by_name[interface]
    for name, text in (('host', host), ('source', source), ('destination', destination)):
        if text is not None:
            _check_address(name, text)
    try:
        return FlowFilter(in_ifindex=index, host=host, source=source, destination=destination,
                          ports=parse_ports(port) if port is not None else None, protocol=protocol)
    except ValueError as exc:
        raise IncorrectValue(str(exc)) from None


def _check_address(name: str, text: str) -> None:
    try:
        ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise IncorrectValue(f'{name} must be an address or a prefix (192.0.2.1, 10.1.1.0/24, '
                             f'2001:db8::/32), not "{text}"') from None


def flow_dict(flow: Flow, names: dict[int, str]) -> dict:
    data = flow.to_dict()
    data['in_interface'] = names.get(flow.in_ifindex) if flow.in_ifindex is not None else None
    data['out_interface'] = names.get(flow.out_ifindex) if flow.out_ifindex is not None else None
    return data


def _endpoint(address: Optional[str], port: Optional[int]) -> str:
    if address is None:
        return '?'
    host = f'[{address}]' if ':' in address else address
    return f'{host}:{port}' if port is not None else address


def _interface(index: Optional[int], names: dict[int, str]) -> str:
    return '-' if index is None else names.get(index, str(index))


def _seconds(value: Optional[float]) -> str:
    return '?' if value is None else f'{value:.0f}s'


def render(flows: list[Flow], names: dict[int, str], rows: int, sort_by: str) -> str:
    if not flows:
        return f'No flows match ({plural(rows, "flow")} in the cache).'
    table = [('IN', 'OUT', 'PROTO', 'SOURCE', 'DESTINATION', 'VLAN', 'PACKETS', 'BYTES',
              'AGE', 'IDLE')]
    for flow in flows:
        data = flow.to_dict()
        icmp = flow.icmp_type_code
        destination = (f'{data["dst_addr"]} type {icmp[0]}/{icmp[1]}' if icmp
                       else _endpoint(data['dst_addr'], data['dst_port']))
        source = data['src_addr'] if icmp else _endpoint(data['src_addr'], data['src_port'])
        table.append((_interface(flow.in_ifindex, names), _interface(flow.out_ifindex, names),
                      protocol_name(flow.protocol), source, destination,
                      '-' if data['vlan'] is None else str(data['vlan']),
                      human_count(flow.packets), human_bytes(flow.bytes),
                      _seconds(flow.first_age_seconds), _seconds(flow.last_age_seconds)))
    widths = [max(len(row[column]) for row in table) for column in range(len(table[0]))]
    lines = ['  '.join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in table]
    lines.append(f'{len(flows)} of {plural(rows, "cached flow")}, by {sort_by}')
    return '\n'.join(lines)
