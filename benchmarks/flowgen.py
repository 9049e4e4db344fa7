"""Write synthetic /proc/net/stat/ipt_netflow_flows dumps of any size, for benchmarks.

Rows copy the exact shapes seen in the captures under
tests/fixtures/ipt-netflow/ (full-featured build: snmp, mac, vlan and type
columns): IPv4 and IPv6 TCP/UDP/ICMP, VLAN-tagged rows that carry one field more
than untagged ones, locally generated rows with ifindex -1 and zero MACs, hash
values of 4 or 5 hex digits, ICMP type/code folded into the destination port.
A few GRE rows (ports 0) widen the protocol mix. Counters follow a heavy tail,
as on a real router where a few flows carry most bytes. Output is deterministic
for a given seed. About 150 bytes per row: 2,000,000 rows make ~300 MB.

Usage: flowgen.py ROWS OUTPUT [SEED]
"""

from __future__ import annotations

import random
import sys
from typing import BinaryIO

HEADER = ('# hash a dev:i,o snmp:i,o mac:src,dst vlan type proto src:ip,port dst:ip,port '
          'nexthop tos,tcpflags,options,tcpoptions packets bytes ts:first,last\n')
_U32 = 2 ** 32 - 1
_HZ = 250
# (weight, ethertype, protocol, tos/flags/options column) as in the fixtures.
_SHAPES = (
    (40, '0800', 6, '0,1b,0,78800000'),
    (4, '0800', 6, '0,14,0,0'),
    (16, '0800', 17, '0,0,0,0'),
    (6, '0800', 1, '0,0,0,0'),
    (1, '0800', 1, 'c0,0,0,0'),
    (16, '86dd', 6, '0,1b,0,78800000'),
    (8, '86dd', 17, '0,0,0,0'),
    (5, '86dd', 58, '0,0,0,0'),
    (4, '0800', 47, '0,0,0,0'),
)
_ICMP_DST_PORTS = (2048, 0, 771, 2816)          # echo, echo reply, port/TTL unreachable
_ICMPV6_DST_PORTS = (32768, 33024, 34560, 34816, 34048)


class _RowMaker:
    """Draws rows from pools prepared once, so that millions of rows take seconds."""

    def __init__(self, rng: random.Random):
        self.rand = rng.random
        self.pareto = rng.paretovariate
        self.shapes = [shape[1:] for shape in _SHAPES for _ in range(shape[0])]
        self.macs = ['02:00:00:%02x:%02x:%02x' % (rng.randrange(256), rng.randrange(256),
                                                    rng.randrange(256)) for _ in range(4096)]
        self.ipv4 = ([f'203.0.113.{host}' for host in range(1, 255)]
                     + [f'198.51.100.{host}' for host in range(1, 255)]
                     + ['10.%d.%d.%d' % (rng.randrange(256), rng.randrange(256),
                                         rng.randrange(1, 255)) for _ in range(20000)])
        self.ipv6 = (['2001:db8:%x::%x' % (rng.randrange(1, 0x10000), rng.randrange(1, 0x10000))
                      for _ in range(20000)]
                     + ['fe80::ff:fe%02x:%x' % (rng.randrange(256), rng.randrange(1, 0x10000))
                        for _ in range(2000)])
        self.ephemeral = list(range(1024, 65536))

    def pick(self, pool):
        return pool[int(self.rand() * len(pool))]

    def row(self, position: int) -> str:
        pick, rand = self.pick, self.rand
        ethertype, protocol, flags = pick(self.shapes)
        v6 = ethertype == '86dd'
        local = rand() < 0.05
        if local:
            in_if, out_if = -1, 1 + int(rand() * 8)
            macs = '00:00:00:00:00:00,00:00:00:00:00:00'
        else:
            in_if, out_if = 1 + int(rand() * 8), pick((-1, 2, 3, 5))
            macs = f'{pick(self.macs)},{pick(self.macs)}'
        vlan = f'{pick((100, 100, 200, 3000, 8292))} ' if rand() < 0.1 else ''
        addresses = self.ipv6 if v6 else self.ipv4
        src, dst = pick(addresses), pick(addresses)
        if protocol in (1, 58):
            src_port, dst_port = 0, pick(_ICMPV6_DST_PORTS if v6 else _ICMP_DST_PORTS)
        elif protocol == 47:
            src_port = dst_port = 0
        else:
            src_port, dst_port = pick(self.ephemeral), pick((443, 80, 53, 8080, 5353, 22))
            if rand() < 0.5:
                src_port, dst_port = dst_port, src_port
        if rand() < 0.75:
            nexthop = '::' if v6 else '0.0.0.0'
        else:
            nexthop = dst if local else ('2001:db8:2::1' if v6 else '10.0.0.1')
        packets = min(_U32, int(self.pareto(1.1)))
        octets = min(_U32, packets * (40 + int(rand() * 1461)))
        first = int(rand() * 1800 * _HZ)
        last = int(first * rand())
        return (f'{position} {int(rand() * 0x40000):04x} {pick((0, 0, 0, 0, 1, 2, 3))} '
                f'{in_if},{out_if} {in_if},{out_if} {macs} {vlan}{ethertype} {protocol} '
                f'{src},{src_port} {dst},{dst_port} {nexthop} {flags} '
                f'{packets} {octets} {first},{last}\n')


def write_flows(out: BinaryIO, rows: int, seed: int = 2055) -> None:
    """Write the header and ``rows`` data rows to the binary stream ``out``."""
    maker = _RowMaker(random.Random(seed))
    out.write(HEADER.encode())
    for start in range(1, rows + 1, 10000):
        out.write(''.join(maker.row(position)
                          for position in range(start, min(start + 10000, rows + 1))).encode())


def write_flows_file(path: str, rows: int, seed: int = 2055) -> None:
    """Create (or replace) ``path`` with a ``rows``-row dump."""
    with open(path, 'wb') as out:
        write_flows(out, rows, seed)


if __name__ == '__main__':
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.rsplit('\n\n', 1)[-1].strip())
    write_flows_file(sys.argv[2], int(sys.argv[1]), *(int(arg) for arg in sys.argv[3:]))
