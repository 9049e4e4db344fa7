"""What the flow-accounting migration scripts share: paths and number syntax.

VyOS's ``numeric`` validator accepts leading zeros (``02055``); ours does
not, because ipt_NETFLOW and iptables read a leading zero as octal. Old
values are therefore read with VyOS's syntax and rewritten canonically.
"""

from __future__ import annotations

import re
from typing import Optional

BASE = ['system', 'flow-accounting']
NETFLOW = BASE + ['netflow']
SERVER = NETFLOW + ['server']

_VYOS_NUMBER = re.compile(r'-?[0-9]{1,40}')  # bounded: int() refuses huge digit strings


def parse_number(value: Optional[str]) -> Optional[int]:
    """The integer VyOS's ``numeric`` validator saw in ``value``, or None."""
    if value is None or not _VYOS_NUMBER.fullmatch(value):
        return None
    return int(value)


def spelled(path: list[str]) -> str:
    """A path below ``system flow-accounting`` as messages show it."""
    return ' '.join(path[len(BASE):])
