"""NetFlow on the wire for tests and benchmarks: captured export replayed, IPFIX made up.

``export_payloads`` reads the UDP payloads of a pcap (Ethernet, Linux cooked
or raw IP captures), so the module's real export (tests/fixtures/ipt-netflow/
export/*.pcap) can be sent to a real collector again. ``IpfixWriter`` builds
IPFIX messages with one fixed template (IPv4 5-tuple, interfaces, counters,
start and end in milliseconds), fast enough to make millions of flows.
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

_LINK_HEADER = {1: 14, 113: 16, 276: 20, 101: 0, 0: 4}


def export_payloads(pcap: Path, port: int = 2055) -> Iterator[bytes]:
    """The payloads of the UDP datagrams sent to ``port`` (the captures' nfcapd)."""
    data = pcap.read_bytes()
    order = '<' if struct.unpack('<I', data[:4])[0] in (0xA1B2C3D4, 0xA1B23C4D) else '>'
    skip = _LINK_HEADER[struct.unpack(order + 'I', data[20:24])[0]]
    offset = 24
    while offset + 16 <= len(data):
        length = struct.unpack(order + 'I', data[offset + 8:offset + 12])[0]
        packet = data[offset + 16 + skip:offset + 16 + length]
        offset += 16 + length
        if packet[0] >> 4 == 4:
            protocol, payload = packet[9], packet[(packet[0] & 15) * 4:]
        else:
            protocol, payload = packet[6], packet[40:]
        if protocol == 17 and struct.unpack('!H', payload[2:4])[0] == port:
            yield payload[8:]


def send(payloads: Iterable[bytes], port: int, pause_every: int = 0) -> int:
    """Send datagrams to 127.0.0.1:port; a short pause every ``pause_every``
    datagrams keeps a collector's socket buffer from overflowing."""
    sent = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for payload in payloads:
            sock.sendto(payload, ('127.0.0.1', port))
            sent += 1
            if pause_every and sent % pause_every == 0:
                time.sleep(0.002)
    return sent


@dataclass(frozen=True)
class Flow:
    src: str
    dst: str
    src_port: int
    dst_port: int
    protocol: int
    packets: int
    bytes: int
    in_if: int = 2
    out_if: int = 3
    start_ms: int = 0
    end_ms: int = 0


# (IANA element id, length): the fields of every record, in order
FIELDS = ((8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (10, 4), (14, 4), (2, 8), (1, 8),
          (152, 8), (153, 8))
RECORD = struct.Struct('!4s4sHHBIIQQQQ')
TEMPLATE_ID = 256
RECORDS_PER_MESSAGE = 26          # 16 + 4 + 26 * 53 = 1398 bytes


class IpfixWriter:
    """IPFIX messages for one observation domain; the template goes in the first
    message and again every ``template_every`` messages."""

    def __init__(self, domain: int = 1, template_every: int = 64):
        self.domain, self.template_every = domain, template_every
        self.sequence = 0
        self.messages = 0

    def _template(self) -> bytes:
        body = struct.pack('!HH', TEMPLATE_ID, len(FIELDS))
        body += b''.join(struct.pack('!HH', element, length) for element, length in FIELDS)
        return struct.pack('!HH', 2, 4 + len(body)) + body

    def message(self, records: list[bytes], export_time: int) -> bytes:
        sets = b''
        if self.messages % self.template_every == 0:
            sets += self._template()
        data = b''.join(records)
        sets += struct.pack('!HH', TEMPLATE_ID, 4 + len(data)) + data
        header = struct.pack('!HHIII', 10, 16 + len(sets), export_time, self.sequence, self.domain)
        self.sequence += len(records)
        self.messages += 1
        return header + sets

    def messages_for(self, flows: Iterable[Flow], export_time: int = 0) -> Iterator[bytes]:
        export_time = export_time or int(time.time())
        batch: list[bytes] = []
        for flow in flows:
            batch.append(RECORD.pack(socket.inet_aton(flow.src), socket.inet_aton(flow.dst),
                                     flow.src_port, flow.dst_port, flow.protocol, flow.in_if,
                                     flow.out_if, flow.packets, flow.bytes,
                                     flow.start_ms or export_time * 1000,
                                     flow.end_ms or export_time * 1000))
            if len(batch) == RECORDS_PER_MESSAGE:
                yield self.message(batch, export_time)
                batch = []
        if batch:
            yield self.message(batch, export_time)
