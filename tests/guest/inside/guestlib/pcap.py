"""Read UDP payloads out of a classic pcap file (the export captures in
tests/fixtures/ipt-netflow/export/*.pcap) and replay them to a collector.

  for dport, payload in udp_payloads(path): ...
  replay(path, port=20550)      # send every export datagram to 127.0.0.1:port
"""
import socket
import struct

LINKTYPE_ETHERNET = 1
LINKTYPE_LINUX_SLL = 113


def udp_payloads(path):
    """Yield (destination port, payload) of every IPv4/IPv6 UDP packet."""
    with open(path, 'rb') as fh:
        data = fh.read()
    magic = struct.unpack('<I', data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        endian = '<'
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        endian = '>'
    else:
        raise ValueError('%s: not a pcap file' % path)
    linktype = struct.unpack(endian + 'I', data[20:24])[0]
    offset = 24
    while offset + 16 <= len(data):
        incl = struct.unpack(endian + 'I', data[offset + 8:offset + 12])[0]
        pkt = data[offset + 16:offset + 16 + incl]
        offset += 16 + incl
        if linktype == LINKTYPE_ETHERNET:
            l3, ethertype = 14, struct.unpack('!H', pkt[12:14])[0]
        elif linktype == LINKTYPE_LINUX_SLL:
            l3, ethertype = 16, struct.unpack('!H', pkt[14:16])[0]
        else:
            raise ValueError('%s: unsupported link type %d' % (path, linktype))
        if ethertype == 0x0800:
            if pkt[l3 + 9] != 17:
                continue
            l4 = l3 + (pkt[l3] & 0x0f) * 4
        elif ethertype == 0x86dd:
            if pkt[l3 + 6] != 17:
                continue
            l4 = l3 + 40
        else:
            continue
        dport, length = struct.unpack('!HH', pkt[l4 + 2:l4 + 6])
        yield dport, pkt[l4 + 8:l4 + length]


def replay(path, port, host='127.0.0.1', only_port=None):
    """Send the capture's UDP payloads to host:port; returns the count sent."""
    sent = 0
    with socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET,
                       socket.SOCK_DGRAM) as sock:
        for dport, payload in udp_payloads(path):
            if only_port is not None and dport != only_port:
                continue
            sock.sendto(payload, (host, port))
            sent += 1
    return sent
