"""Parser for /proc/net/stat/ipt_netflow_snmp, the module's machine-readable counters.

Each line is ``name value...``. Scalar names are the kernel's camelCase ones,
stored here under snake_case attributes; ``cpuN`` and ``sockN`` lines are table
rows. This file is easier to read than the human status page, but it is not a
copy of it: the socket error counters come in another order (connect, full,
cberr, other) and, through a kernel summation bug, ``hash_metric`` reads 1.00
and ``hash_packets``/``hash_bytes`` equal ``in_packets``/``in_bytes`` once any
flow exists. Lines not understood are kept in ``unparsed``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Optional, Union

from .procstat import split_socket_address

Number = Union[int, float]


@dataclass
class SnmpCpu:
    """One ``cpuN`` row: per-CPU traffic and drop counters."""
    cpu: int
    pps: int
    new_flows: int
    packets: int
    bytes: int
    metric: float
    drop_packets: int
    drop_bytes: int
    truncated: int
    frags: int
    alloc_errors: int
    maxflows_errors: int


@dataclass
class SnmpSocket:
    """One ``sockN`` row; names match procstat.SocketStat for the same counters."""
    index: int
    address: str
    host: str
    port: Optional[int]
    bind: Optional[str]
    ifname: Optional[str]
    connected: bool
    connect_errors: int
    sndbuf_reached: int
    cberr: int
    other_errors: int
    sndbuf: int
    filled: int
    peak: int


@dataclass
class SnmpSnapshot:
    """All scalars (None when their line is missing), the tables and the leftovers."""
    in_bit_rate: Optional[int] = None
    in_packet_rate: Optional[int] = None
    in_flows: Optional[int] = None
    in_packets: Optional[int] = None
    in_bytes: Optional[int] = None
    hash_metric: Optional[float] = None
    hash_memory: Optional[int] = None
    hash_flows: Optional[int] = None
    hash_packets: Optional[int] = None
    hash_bytes: Optional[int] = None
    drop_packets: Optional[int] = None
    drop_bytes: Optional[int] = None
    out_byte_rate: Optional[int] = None
    out_flows: Optional[int] = None
    out_packets: Optional[int] = None
    out_bytes: Optional[int] = None
    lost_flows: Optional[int] = None
    lost_packets: Optional[int] = None
    lost_bytes: Optional[int] = None
    err_total: Optional[int] = None
    sndbuf_peak: Optional[int] = None
    cpus: list[SnmpCpu] = field(default_factory=list)
    sockets: list[SnmpSocket] = field(default_factory=list)
    unparsed: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Plain JSON-ready data."""
        return asdict(self)


_CAMEL_HUMP = re.compile(r'(?<=[a-z0-9])(?=[A-Z])')
_INTEGER = re.compile(r'\d+\Z')
_METRIC = re.compile(r'\d+\.\d+\Z')
_ROW_NAME = re.compile(r'(cpu|sock)(\d+)\Z')
_SCALARS = frozenset(f.name for f in fields(SnmpSnapshot)) - {'cpus', 'sockets', 'unparsed'}
_DECIMAL_SCALARS = frozenset({'hash_metric'})
_CPU_WIDTH = len(fields(SnmpCpu))          # name column + 11 values
_SOCKET_WIDTH = 10                         # name, address, connected, 4 errors, 3 buffer values


def _number(text: str, decimal: bool) -> Optional[Number]:
    """The kernel prints %d.%02d pseudo-decimals where ``decimal``, %u otherwise."""
    if decimal:
        return float(text) if _METRIC.match(text) else None
    return int(text) if _INTEGER.match(text) else None


def _parse_cpu(number: int, values: list[str]) -> Optional[SnmpCpu]:
    if len(values) != _CPU_WIDTH - 1:
        return None
    parsed = [_number(text, decimal=(position == 4)) for position, text in enumerate(values)]
    if None in parsed:
        return None
    return SnmpCpu(number, *parsed)


def _parse_socket(number: int, values: list[str]) -> Optional[SnmpSocket]:
    if len(values) != _SOCKET_WIDTH - 1:
        return None
    address, *counters = values
    parsed = [_number(text, decimal=False) for text in counters]
    if None in parsed or parsed[0] > 1:
        return None
    host, port, bind, ifname = split_socket_address(address)
    return SnmpSocket(number, address, host, port, bind, ifname, parsed[0] == 1, *parsed[1:])


def _scalar_name(name: str) -> str:
    """``inBitRate`` -> ``in_bit_rate``."""
    return _CAMEL_HUMP.sub('_', name).lower()


def parse_snmp(text: str) -> SnmpSnapshot:
    """Parse the whole text of /proc/net/stat/ipt_netflow_snmp; never raises on content."""
    snap = SnmpSnapshot()
    for raw_line in text.splitlines():
        words = raw_line.split()
        if not words:
            continue
        name, values = words[0], words[1:]
        row = _ROW_NAME.match(name)
        scalar = _scalar_name(name)
        parsed = None
        if row and row[1] == 'cpu':
            parsed = _parse_cpu(int(row[2]), values)
            if parsed:
                snap.cpus.append(parsed)
        elif row:
            parsed = _parse_socket(int(row[2]), values)
            if parsed:
                snap.sockets.append(parsed)
        elif scalar in _SCALARS and len(values) == 1:
            parsed = _number(values[0], decimal=scalar in _DECIMAL_SCALARS)
            if parsed is not None:
                setattr(snap, scalar, parsed)
        if parsed is None:
            snap.unparsed.append(raw_line.rstrip())
    return snap
