"""``port`` and ``port-range``: TCP/UDP port numbers 1-65535.

Ports are plain decimal with no leading zeros. ipt-netflow parses ports with
base 0 (C ``strtoul``), so ``02055`` would silently become octal 1069 and
``0x807`` hex; both are refused here with the reason spelled out.

``port-range`` accepts ``P`` or ``A-B`` with A <= B. Unlike VyOS it takes no
service names from /etc/services: the value must mean the same number to every
consumer, and a name would resolve differently (or not at all) elsewhere.
"""

from __future__ import annotations

import re

from vyflow.validators._common import Check, no_arguments, quote

_DIGITS_RE = re.compile(r'[0-9]+')
_OCTAL_RE = re.compile(r'0[0-7]+')
_PORT = 'a port number 1-65535'
_PORT_RANGE = 'a port 1-65535 or a range A-B of such ports with A <= B'


def _port_problem(text: str) -> str | None:
    """Why ``text`` is not a port (None when it is one)."""
    if not text:
        return 'a number is missing'
    if not _DIGITS_RE.fullmatch(text):
        return f'{quote(text)} is not a decimal number'
    if len(text) > 1 and text[0] == '0':
        octal = f' {int(text, 8)}' if _OCTAL_RE.fullmatch(text) and len(text) <= 7 else ''
        return (f'leading zeros are not allowed: ipt-netflow would read {quote(text)} '
                f'as octal{octal}')
    if len(text) > 5 or not 1 <= int(text) <= 65535:
        return f'{text} is out of range'
    return None


def compile_port(args: list[str]) -> Check:
    """A single port."""
    no_arguments(args)

    def check(value: str) -> str | None:
        problem = _port_problem(value)
        return None if problem is None else f'{quote(value)} is not {_PORT}: {problem}'

    return check


def compile_port_range(args: list[str]) -> Check:
    """A single port or an ascending range of ports."""
    no_arguments(args)

    def check(value: str) -> str | None:
        start, dash, end = value.partition('-')
        problem = _port_problem(start) or (_port_problem(end) if dash else None)
        if problem is None and dash and int(start) > int(end):
            problem = f'{start} is greater than {end}'
        return None if problem is None else f'{quote(value)} is not {_PORT_RANGE}: {problem}'

    return check


FACTORIES = {'port': compile_port, 'port-range': compile_port_range}
