"""Interface indexes in the flow records, as names.

The module exports the kernel's ifindex, unless an SNMP index rule matches the
name (``eth:100``: eth2 is exported as 102; the first rule, longest prefix
first, whose prefix starts the name; digits right after the prefix, none
meaning 0). Traffic with no device (the router's own) has index -1, which a
16-bit field carries as 65535. Names come from this system now: an index of
an interface that is gone shows as ``#N``.
"""

from __future__ import annotations

import re
import socket
from typing import Optional

NO_DEVICE = 65535
LOCAL = 'local'
_DIGITS = re.compile(r'\d*')


def exported_index(name: str, ifindex: int, rules: dict[str, Optional[int]]) -> int:
    for prefix, base in sorted(rules.items(), key=lambda rule: (-len(rule[0]), rule[0])):
        if base is not None and name.startswith(prefix):
            digits = _DIGITS.match(name, len(prefix)).group()
            return base + int(digits or 0)
    return ifindex


class InterfaceNames:
    def __init__(self, rules: Optional[dict[str, Optional[int]]] = None,
                 system: Optional[dict[int, str]] = None):
        system = dict(socket.if_nameindex()) if system is None else system
        self.by_index: dict[int, str] = {}
        for ifindex, name in sorted(system.items()):
            self.by_index.setdefault(exported_index(name, ifindex, rules or {}), name)
        self.by_name = {name: index for index, name in self.by_index.items()}

    def name(self, index: int) -> str:
        if index == NO_DEVICE:
            return LOCAL
        return self.by_index.get(index, f'#{index}')

    def index(self, name: str) -> Optional[int]:
        return self.by_name.get(name)
