"""Reader for /proc/net/stat/ipt_netflow_flows, the dump of the module's flow cache.

Which columns a row has depends on the build (snmp, mac, vlan, type are
optional), so the layout is read from the header line. The vlan column is
special: the kernel prints it only for tagged flows, so an untagged row has one
field fewer than the header. Columns before ``vlan`` are therefore located from
the start of a row and columns after it from the end, which works for both.

A busy router's cache holds millions of rows, so ``top_flows`` does not parse
them all: it reads the sort counter near the end of each byte line and fully
parses only rows that beat the smallest entry of a size-N heap. Rows are never
held all at once. Malformed rows are counted and skipped, never fatal; note
that ``top_flows`` validates a row completely only if it could enter the result.
"""

from __future__ import annotations

import heapq
import ipaddress
import itertools
from typing import Callable, Iterable, Iterator, NamedTuple, Optional, Union

from .units import protocol_name, protocol_number

DEFAULT_HEADER = ('# hash a dev:i,o snmp:i,o mac:src,dst vlan type proto src:ip,port '
                  'dst:ip,port nexthop tos,tcpflags,options,tcpoptions packets bytes ts:first,last')
SORT_KEYS = ('bytes', 'packets')
_COLUMNS_AFTER_VLAN = ('proto', 'src:ip,port', 'dst:ip,port', 'nexthop',
                       'tos,tcpflags,options,tcpoptions', 'packets', 'bytes', 'ts:first,last')
_REQUIRED_COLUMNS = ('#', 'hash', 'a', 'dev:i,o') + _COLUMNS_AFTER_VLAN
_ICMP_PROTOCOLS = (1, 58)
_ADDRESS_ALPHABET = b'0123456789abcdef:.'
_MAC_ALPHABET = b'0123456789abcdef:,'
_HEX4 = (16, 16, 16, 16)
_NO_PAIR = (None, None)          # for snmp/mac columns a build does not print
Lines = Iterable[Union[bytes, str]]


class Flow(NamedTuple):
    """One cached flow. Absent columns and "no interface" (-1) read as None;
    ages are kernel jiffies before the dump, ``hz`` converts them to seconds."""
    position: int
    hash: str
    expired_flags: int
    in_ifindex: Optional[int]
    out_ifindex: Optional[int]
    in_snmp: Optional[int]
    out_snmp: Optional[int]
    src_mac: Optional[str]
    dst_mac: Optional[str]
    vlan_tci: tuple[int, ...]
    ethertype: Optional[int]
    protocol: int
    src_addr: Optional[str]
    src_port: Optional[int]
    dst_addr: Optional[str]
    dst_port: Optional[int]
    nexthop: Optional[str]
    tos: int
    tcp_flags: int
    ip_options: int
    tcp_options: int
    packets: int
    bytes: int
    first_age_jiffies: int
    last_age_jiffies: int
    hz: Optional[int]

    @property
    def icmp_type_code(self) -> Optional[tuple[int, int]]:
        """ICMP/ICMPv6 type and code, which the kernel folds into dst port (type*256+code)."""
        if self.protocol not in _ICMP_PROTOCOLS or self.dst_port is None:
            return None
        return divmod(self.dst_port, 256)

    @property
    def first_age_seconds(self) -> Optional[float]:
        """Seconds since the first packet, when the tick rate is known."""
        return self.first_age_jiffies / self.hz if self.hz else None

    @property
    def last_age_seconds(self) -> Optional[float]:
        """Seconds since the last packet, when the tick rate is known."""
        return self.last_age_jiffies / self.hz if self.hz else None

    def to_dict(self) -> dict:
        """JSON-ready dict with stable snake_case keys. ICMP flows get icmp_type and
        icmp_code instead of ports; vlan is the outer VLAN ID (TCI without priority)."""
        tags = [tci & 0x0fff for tci in self.vlan_tci]
        icmp = self.icmp_type_code
        return {
            'position': self.position, 'hash': self.hash,
            'inactive_expired': bool(self.expired_flags & 1),
            'active_expired': bool(self.expired_flags & 2),
            'in_ifindex': self.in_ifindex, 'out_ifindex': self.out_ifindex,
            'in_snmp': self.in_snmp, 'out_snmp': self.out_snmp,
            'src_mac': self.src_mac, 'dst_mac': self.dst_mac,
            'vlan': tags[0] if tags else None,
            'inner_vlan': tags[1] if len(tags) > 1 else None,
            'vlan_priority': self.vlan_tci[0] >> 13 if tags else None,
            'ethertype': self.ethertype,
            'ip_version': None if self.src_addr is None else (6 if ':' in self.src_addr else 4),
            'protocol': self.protocol, 'protocol_name': protocol_name(self.protocol),
            'src_addr': self.src_addr, 'src_port': None if icmp else self.src_port,
            'dst_addr': self.dst_addr, 'dst_port': None if icmp else self.dst_port,
            'icmp_type': icmp[0] if icmp else None, 'icmp_code': icmp[1] if icmp else None,
            'nexthop': self.nexthop,
            'tos': self.tos, 'tcp_flags': self.tcp_flags,
            'ip_options': self.ip_options, 'tcp_options': self.tcp_options,
            'packets': self.packets, 'bytes': self.bytes,
            'first_age_jiffies': self.first_age_jiffies, 'last_age_jiffies': self.last_age_jiffies,
            'first_age_seconds': self.first_age_seconds, 'last_age_seconds': self.last_age_seconds,
        }


def _ifindex_pair(field: bytes) -> tuple[Optional[int], Optional[int]]:
    """``in,out`` interface indexes; the kernel prints -1 for "no interface"."""
    first, second = map(int, field.split(b','))
    return None if first == -1 else first, None if second == -1 else second


def _mac_pair(field: bytes) -> list[str]:
    if len(field) != 35 or field.strip(_MAC_ALPHABET):
        raise ValueError('not a MAC address pair')
    return field.decode('ascii').split(',')


def _address(text: bytes) -> Optional[str]:
    """A printed IPv4/IPv6 address (``?`` = unknown family). Only the alphabet is
    checked: a full ipaddress parse per row would dominate the cost of a dump."""
    if text == b'?':
        return None
    if not text or text.strip(_ADDRESS_ALPHABET):
        raise ValueError('not an address')
    return text.decode('ascii')


def _endpoint(field: bytes) -> tuple[Optional[str], Optional[int]]:
    """``10.0.0.1,443`` or ``2001:db8::1,443``; ``?,?`` for an unknown address family."""
    address, port = field.rsplit(b',', 1)
    if address == b'?':
        return None, None
    return _address(address), int(port)


class FlowLayout:
    """Column positions taken from a header line (see the module docstring)."""

    def __init__(self, columns: list[str]):
        self.width = len(columns)
        self.has_vlan = 'vlan' in columns
        split = columns.index('vlan') if self.has_vlan else self.width
        self._index = {name: (i if i < split else i - self.width) for i, name in enumerate(columns)}
        get = self._index.get
        self._dev, self._snmp, self._mac = get('dev:i,o'), get('snmp:i,o'), get('mac:src,dst')
        self._vlan, self._type, self._proto = get('vlan'), get('type'), get('proto')
        self._src, self._dst, self._nexthop = get('src:ip,port'), get('dst:ip,port'), get('nexthop')
        self._bits, self._ts = get('tos,tcpflags,options,tcpoptions'), get('ts:first,last')
        self._packets, self._bytes = get('packets'), get('bytes')

    @classmethod
    def from_header(cls, line: Union[bytes, str]) -> Optional[FlowLayout]:
        """The layout of a ``# hash a dev:i,o ...`` header, or None if it is not one."""
        text = line.decode('ascii', 'replace') if isinstance(line, bytes) else line
        columns = text.split()
        if len(set(columns)) != len(columns) or not set(_REQUIRED_COLUMNS) <= set(columns):
            return None
        layout = cls(columns)
        if layout.has_vlan and any(layout._index[name] >= 0 for name in _COLUMNS_AFTER_VLAN):
            return None             # rows could not be read: the kernel prints vlan first
        return layout

    def distance_from_end(self, name: str) -> int:
        """How many fields from the end of a row ``name`` sits (1 = last field)."""
        index = self._index[name]
        return -index if index < 0 else self.width - index

    def index(self, name: str) -> Optional[int]:
        """Position of column ``name`` in a split row (negative: from the end)."""
        return self._index.get(name)

    def parse(self, line: bytes, hz: Optional[int] = None) -> Optional[Flow]:
        """One data row as a Flow, or None when the row does not fit this layout."""
        return self.parse_fields(line.split(), hz)

    def parse_fields(self, fields: list[bytes], hz: Optional[int] = None) -> Optional[Flow]:
        """Like parse, for a row already split on whitespace."""
        tagged = self.has_vlan and len(fields) == self.width
        if not tagged and len(fields) != self.width - self.has_vlan:
            return None
        try:
            in_if, out_if = _ifindex_pair(fields[self._dev])
            snmp, mac = self._snmp, self._mac
            in_snmp, out_snmp = _NO_PAIR if snmp is None else _ifindex_pair(fields[snmp])
            src_mac, dst_mac = _NO_PAIR if mac is None else _mac_pair(fields[mac])
            bits = fields[self._bits].split(b',')
            tos, tcp_flags, ip_options, tcp_options = map(int, bits, _HEX4)
            first, last = map(int, fields[self._ts].split(b','))
            src_addr, src_port = _endpoint(fields[self._src])
            dst_addr, dst_port = _endpoint(fields[self._dst])
            flow_hash = fields[1].decode('ascii')
            int(flow_hash, 16)
            return Flow(
                int(fields[0]), flow_hash, int(fields[2], 16), in_if, out_if, in_snmp, out_snmp,
                src_mac, dst_mac,
                tuple(map(int, fields[self._vlan].split(b','))) if tagged else (),
                int(fields[self._type], 16) if self._type is not None else None,
                int(fields[self._proto]), src_addr, src_port, dst_addr, dst_port,
                _address(fields[self._nexthop]), tos, tcp_flags, ip_options, tcp_options,
                int(fields[self._packets]), int(fields[self._bytes]), first, last, hz)
        except (ValueError, IndexError):
            return None


def _layout_and_rows(lines: Lines) -> tuple[FlowLayout, Iterator[bytes]]:
    """Read the header and return the layout plus an iterator over the data lines as bytes.

    A missing or unusable header falls back to the full upstream layout; a first
    line that is not a header at all is kept as a data row.
    """
    rows = iter(lines)
    first = next(rows, b'')
    if isinstance(first, str):          # text streams: the parsers work on bytes for speed
        first = first.encode('utf-8', 'replace')
        rows = (line.encode('utf-8', 'replace') for line in rows)
    layout = FlowLayout.from_header(first) if first.startswith(b'#') else None
    if layout is not None:
        return layout, rows
    if first and not first.startswith(b'#'):
        rows = itertools.chain((first,), rows)
    return FlowLayout.from_header(DEFAULT_HEADER), rows


class FlowReader:
    """Stream the Flows of a dump (binary or text file object, or any line iterable).

    ``rows`` counts the lines after the header and ``malformed`` those skipped
    (a blank line is malformed too: the kernel never prints one). Iterate once.
    """

    def __init__(self, lines: Lines, hz: Optional[int] = None):
        self.layout, self._rows = _layout_and_rows(lines)
        self.hz = hz
        self.rows = 0
        self.malformed = 0

    def __iter__(self) -> Iterator[Flow]:
        parse, hz = self.layout.parse, self.hz
        for line in self._rows:
            self.rows += 1
            flow = parse(line, hz)
            if flow is None:
                self.malformed += 1
            else:
                yield flow


class AddressMatch:
    """One address or prefix to match a flow address against.

    A single address is compared as text in the kernel's spelling (RFC 5952
    for IPv6, which is Python's compressed form), so a dump can be searched
    for it before parsing, except for the IPv4-mapped and ISATAP forms the
    kernel prints with a dotted tail, which are compared parsed. A prefix
    (``10.1.1.0/24``; host bits are ignored) is compared parsed.
    """

    def __init__(self, text: str):
        spelled = text.strip()
        self.network = ipaddress.ip_network(spelled, strict=False)
        single = self.network.prefixlen == self.network.max_prefixlen
        self.address = self.network.network_address if single else None
        self._text = self.address.compressed if single else None
        self._parsed = not single or (self.address.version == 6 and (
            self.address.ipv4_mapped is not None
            or (int(self.address) >> 32) & 0xfdffffff == 0x00005efe))

    def needle(self) -> Optional[bytes]:
        """Bytes every row with this address must contain (``' ADDR,'``), if any."""
        return None if self._parsed else b' ' + self._text.encode('ascii') + b','

    def matches(self, address: Optional[str]) -> bool:
        if address is None:
            return False
        if not self._parsed:
            return address == self._text
        try:
            return ipaddress.ip_address(address) in self.network
        except ValueError:
            return False


class FlowFilter:
    """Conditions a flow must meet, all of them (None = any).

    ``host`` matches the source or destination address, ``source`` and
    ``destination`` only that one; each takes an address or a prefix, however
    spelled (``2001:db8:0::1`` finds rows printed as ``2001:db8::1``). ``ports``
    is an inclusive (first, last) range matched against the source or
    destination port; ICMP type/code pseudo-ports never match it. ``protocol``
    takes a number or a name (tcp, udp, ipv6-icmp...). Bad values raise ValueError.
    """

    def __init__(self, in_ifindex: Optional[int] = None, host: Optional[str] = None,
                 ports: Optional[tuple[int, int]] = None,
                 protocol: Union[int, str, None] = None, source: Optional[str] = None,
                 destination: Optional[str] = None):
        self.in_ifindex = in_ifindex
        self.protocol = protocol_number(str(protocol)) if protocol is not None else None
        if ports is not None and not 0 <= ports[0] <= ports[1] <= 65535:
            raise ValueError(f'port range {ports[0]}-{ports[1]} is not within 0-65535')
        self.ports = ports
        self.host, self.source, self.destination = (
            AddressMatch(text) if text is not None else None
            for text in (host, source, destination))

    def line_needle(self) -> Optional[bytes]:
        """Bytes every matching row must contain (an address as ``' ADDR,'``), if any."""
        for match in (self.host, self.source, self.destination):
            if match is not None and match.needle() is not None:
                return match.needle()
        return None

    def prefilter(self, layout: FlowLayout) -> Callable[[list[bytes]], bool]:
        """A cheap test on a split row, true for every row ``matches`` would accept.

        It lets a selective filter skip the full parse of non-matching rows; a
        row it cannot read passes, so that the full parse counts it as malformed.
        """
        dev, proto, src, dst = (layout.index(name) for name in
                                ('dev:i,o', 'proto', 'src:ip,port', 'dst:ip,port'))
        want_if = b'%d,' % self.in_ifindex if self.in_ifindex is not None else None
        want_proto = b'%d' % self.protocol if self.protocol is not None else None
        first, last = self.ports if self.ports is not None else (None, None)

        def check(fields: list[bytes]) -> bool:
            try:
                if want_if is not None and not fields[dev].startswith(want_if):
                    return False
                if want_proto is not None and fields[proto] != want_proto:
                    return False
                if first is not None:
                    if fields[proto] in (b'1', b'58'):
                        return False
                    src_port = int(fields[src].rpartition(b',')[2])
                    dst_port = int(fields[dst].rpartition(b',')[2])
                    return first <= src_port <= last or first <= dst_port <= last
            except (IndexError, ValueError):
                pass
            return True
        return check

    def matches(self, flow: Flow) -> bool:
        """The authoritative test; the cheap pre-tests above only skip work."""
        if self.in_ifindex is not None and flow.in_ifindex != self.in_ifindex:
            return False
        if self.protocol is not None and flow.protocol != self.protocol:
            return False
        if self.ports is not None:
            first, last = self.ports
            if flow.protocol in _ICMP_PROTOCOLS or not (
                    (flow.src_port is not None and first <= flow.src_port <= last)
                    or (flow.dst_port is not None and first <= flow.dst_port <= last)):
                return False
        if self.source is not None and not self.source.matches(flow.src_addr):
            return False
        if self.destination is not None and not self.destination.matches(flow.dst_addr):
            return False
        return self.host is None or self.host.matches(flow.src_addr) or \
            self.host.matches(flow.dst_addr)


class TopFlows(NamedTuple):
    """Result of top_flows: the flows, best first, and what was read to find them."""
    flows: list[Flow]
    rows: int
    malformed: int


def top_flows(lines: Lines, count: int, sort_by: str = 'bytes',
              flow_filter: Optional[FlowFilter] = None, hz: Optional[int] = None) -> TopFlows:
    """The ``count`` flows with the most bytes (or packets) in one pass, best first.

    Ties keep file order (the earlier row ranks higher), as sort_flows does.
    Memory stays O(count) whatever the size of the dump.
    """
    if sort_by not in SORT_KEYS:
        raise ValueError(f'cannot sort by "{sort_by}"; use one of {", ".join(SORT_KEYS)}')
    if count < 1:
        raise ValueError('the number of flows to show must be at least 1')
    layout, lines = _layout_and_rows(lines)
    distance = layout.distance_from_end(sort_by)
    needle = flow_filter.line_needle() if flow_filter else None
    prefilter = flow_filter.prefilter(layout) if flow_filter else None
    parse = layout.parse_fields
    heap: list[tuple[int, int, Flow]] = []
    threshold = -1                      # counters are unsigned, so every row beats it at first
    rows = malformed = 0
    for line in lines:
        rows += 1
        if needle is not None and needle not in line:
            continue
        try:
            key = int(line.rsplit(None, distance)[1])
        except (ValueError, IndexError):
            malformed += 1
            continue
        if key <= threshold:
            continue
        fields = line.split()
        if prefilter is not None and not prefilter(fields):
            continue
        flow = parse(fields, hz)
        if flow is None:
            malformed += 1
            continue
        if flow_filter is not None and not flow_filter.matches(flow):
            continue
        if len(heap) < count:
            heapq.heappush(heap, (key, -rows, flow))
            if len(heap) == count:
                threshold = heap[0][0]
        else:
            heapq.heapreplace(heap, (key, -rows, flow))
            threshold = heap[0][0]
    return TopFlows([entry[2] for entry in sorted(heap, reverse=True)], rows, malformed)


def sort_flows(flows: Iterable[Flow], sort_by: str = 'bytes') -> list[Flow]:
    """All ``flows`` by descending bytes or packets; ties keep their input order."""
    if sort_by not in SORT_KEYS:
        raise ValueError(f'cannot sort by "{sort_by}"; use one of {", ".join(SORT_KEYS)}')
    return sorted(flows, key=lambda flow: getattr(flow, sort_by), reverse=True)
