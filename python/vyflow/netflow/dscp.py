"""DSCP marking of export packets: our own nftables table, replaced atomically.

ipt_NETFLOW cannot set DSCP itself, so an nft rule in ``table inet
vyflow_export`` (output hook) marks UDP packets to each collector. The whole
table is replaced in one ``nft -f`` transaction. nft lists DSCP values by name
or in hex, so listings are parsed back to (family, collector, port, value).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

TABLE_FAMILY, TABLE = 'inet', 'vyflow_export'
NAMES = {**{f'cs{n}': n * 8 for n in range(8)},
         **{f'af{c}{d}': c * 8 + d * 2 for c in range(1, 5) for d in range(1, 4)},
         'ef': 46, 'va': 44, 'le': 1}
_RULE = re.compile(r'^\s*(ip6?) daddr (\S+) udp dport (\d+) ip6? dscp set (\S+)\s*$')

Mark = tuple[str, str, int, int]  # (ip|ip6, collector address, port, dscp)


def dscp_value(spelled: str) -> int:
    """0-63 from a number or a DSCP name (values were validated at set time)."""
    return NAMES[spelled] if spelled in NAMES else int(spelled)


def marks_for(collectors: Iterable, spelled: str | None) -> frozenset[Mark]:
    if spelled is None:
        return frozenset()
    value = dscp_value(spelled)
    return frozenset(('ip6' if ':' in c.address else 'ip', c.address, c.port, value)
                     for c in collectors)


def parse_listing(listing: str | None) -> frozenset[Mark] | None:
    """Marks from ``nft list table inet vyflow_export``; None if no table."""
    if listing is None:
        return None
    marks = set()
    for line in listing.splitlines():
        match = _RULE.match(line)
        if match:
            family, address, port, value = match.groups()
            marks.add((family, address, int(port),
                       NAMES[value] if value in NAMES else int(value, 0)))
    return frozenset(marks)


def nft_script(marks: frozenset[Mark] | None) -> str:
    """Replace (or, for None, remove) our table in one transaction."""
    script = [f'add table {TABLE_FAMILY} {TABLE}', f'delete table {TABLE_FAMILY} {TABLE}']
    if marks is not None:
        rules = [f'        {family} daddr {address} udp dport {port} {family} dscp set {value}'
                 for family, address, port, value in sorted(marks)]
        script += [f'table {TABLE_FAMILY} {TABLE} {{', '    chain output {',
                   '        type filter hook output priority mangle; policy accept;',
                   *rules, '    }', '}']
    return '\n'.join(script) + '\n'
