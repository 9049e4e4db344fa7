"""DSCP marking of export packets: our own nftables table, replaced atomically.

ipt_NETFLOW cannot set DSCP itself, so an nft rule in ``table inet
vyflow_export`` (output hook) marks UDP packets to each collector. The whole
table is replaced in one ``nft -f`` transaction, whatever it held before.

Reading it back must never fail, or one odd listing wedges every later
commit: the table is listed numerically (``nft -n``: DSCP as ``0x01``, not
a name that changes between nft releases, such as 1.0.6's ``lephb`` for 1),
names nft prints are still understood, and anything that is not exactly
our layout reads as ``Unrecognised`` — never equal to a wanted state, so
the next apply replaces it, and a restore puts it back verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from vyflow.records import dataclass

TABLE_FAMILY, TABLE = 'inet', 'vyflow_export'
# Names accepted at `set` (VyOS's list) and every name nft prints for 0-63.
NAMES = {**{f'cs{n}': n * 8 for n in range(8)},
         **{f'af{c}{d}': c * 8 + d * 2 for c in range(1, 5) for d in range(1, 4)},
         'ef': 46, 'va': 44, 'le': 1, 'lephb': 1}
# Our rule and the other lines of our layout as nft lists it (numeric or not).
# Compiled on first use (re caches them): only a system with the table reads
# a listing, and every commit imports this module.
_RULE = r'(ip6?) daddr (\S+) udp dport (\d+) (ip6?) dscp set (\S+)'
_FRAME = (rf'table {TABLE_FAMILY} {TABLE} \{{', r'chain output \{',
          r'type filter hook output priority (mangle|-150); policy accept;', r'\}', r'')

Mark = tuple[str, str, int, int]  # (ip|ip6, collector address, port, dscp)


@dataclass(frozen=True)
class Unrecognised:
    """Our table holding something we did not write (an older release, a
    hand edit, a half-finished failure): kept verbatim so it can be restored."""

    listing: str

    def __repr__(self) -> str:
        return 'unrecognised content'


TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from typing import Union
    Marks = Union[frozenset, Unrecognised, None]   # None: no table at all


def dscp_value(spelled: str) -> int:
    """0-63 from a number or a DSCP name (values were validated at set time)."""
    return NAMES[spelled] if spelled in NAMES else int(spelled)


def marks_for(collectors: Iterable, spelled: str | None) -> frozenset[Mark]:
    if spelled is None:
        return frozenset()
    value = dscp_value(spelled)
    return frozenset(('ip6' if ':' in c.address else 'ip', c.address, c.port, value)
                     for c in collectors)


def listed_value(word: str) -> int | None:
    """A DSCP as nft prints it (``0x2e``, ``46``, ``ef``, ``lephb``); None if not one."""
    if word in NAMES:
        return NAMES[word]
    try:
        value = int(word, 0)
    except ValueError:
        return None
    return value if 0 <= value <= 63 else None


def parse_listing(listing: str | None) -> Marks:
    """Marks from ``nft -n list table inet vyflow_export``; None if no table."""
    if listing is None:
        return None
    marks = set()
    for line in listing.splitlines():
        text = line.strip()
        rule = re.fullmatch(_RULE, text)
        if rule:
            family, address, port, family_again, word = rule.groups()
            value = listed_value(word)
            if family != family_again or value is None:
                return Unrecognised(listing)
            marks.add((family, address, int(port), value))
        elif not any(re.fullmatch(frame, text) for frame in _FRAME):
            return Unrecognised(listing)
    return frozenset(marks)


def nft_script(marks: Marks) -> str:
    """Replace (or, for None, remove) our table in one transaction."""
    script = [f'add table {TABLE_FAMILY} {TABLE}', f'delete table {TABLE_FAMILY} {TABLE}']
    if isinstance(marks, Unrecognised):
        script.append(marks.listing.rstrip('\n'))
    elif marks is not None:
        rules = [f'        {family} daddr {address} udp dport {port} {family} dscp set {value}'
                 for family, address, port, value in sorted(marks)]
        script += [f'table {TABLE_FAMILY} {TABLE} {{', '    chain output {',
                   '        type filter hook output priority mangle; policy accept;',
                   *rules, '    }', '}']
    return '\n'.join(script) + '\n'


def describe(marks: Marks) -> str:
    """For plans and read-back mismatches."""
    if marks is None:
        return 'no table'
    if isinstance(marks, Unrecognised):
        return 'unrecognised content'
    return ', '.join(f'{address} port {port} dscp {value}'
                     for _, address, port, value in sorted(marks)) or 'no rules'
