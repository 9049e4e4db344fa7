"""``interface-name`` and ``vrf-name``: Linux interface and VRF names.

An interface name ends up in ipt-netflow's destination string
``addr:port@src%ifname`` and in ``iptables -i``, so beyond the kernel's own
rules (at most 15 bytes, not ``.``/``..``, no ``/``, ``:`` or whitespace) we
allow only ``[A-Za-z0-9._-]`` with an alphanumeric first character: nothing
that could split, extend or inject into those strings (``,`` ``;`` ``@`` ``%``
quotes, backslashes, control characters, newlines). We do not require the
interface to exist; the name may be configured before the device appears.

A VRF is itself a Linux interface, so its name must not collide with the
interfaces the system creates: 1-15 characters, a letter first, then
``[A-Za-z0-9_-]``; not ``lo``; not shaped like a known interface (a prefix
such as ``eth``, ``br`` or ``wg`` followed by digits). Starting with a letter
already rules out all-digit names, and since a dot is not allowed, VLAN
sub-interface names (``eth0.10``) are excluded too.
"""

from __future__ import annotations

import re

from vyflow.validators._common import Check, no_arguments, quote

_MAX_LENGTH = 15  # IFNAMSIZ (16) minus the terminating NUL
_INTERFACE_RE = re.compile(r'[A-Za-z0-9][A-Za-z0-9._-]*')
_INTERFACE_CHARS = frozenset('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-')
_VRF_RE = re.compile(r'[A-Za-z][A-Za-z0-9_-]*')
_VRF_CHARS = _INTERFACE_CHARS - {'.'}
_INTERFACE_LIKE_RE = re.compile(
    r'(?:bond|br|dum|en|eth|gnv|ipoe|l2tp|lan|macsec|peth|pppoe|ppp|pptp|sstp|tun|'
    r'veth|vti|vtun|vxlan|wg|wlan|wwan)[0-9]+')
_INTERFACE = ('an interface name (1-15 characters from A-Z a-z 0-9 . _ -, '
              'starting with a letter or digit)')
_VRF = ('a VRF name (1-15 characters from A-Z a-z 0-9 _ -, starting with a letter, '
        'not lo or an interface name)')


def _shape_problem(value: str, chars: frozenset[str], first: str) -> str | None:
    """Check characters first: they matter most when the value is hostile."""
    if not value:
        return 'it is empty'
    bad = next((char for char in value if char not in chars), None)
    if bad is not None:
        return f'character {quote(bad)} is not allowed'
    if len(value) > _MAX_LENGTH:
        return f'it is {len(value)} characters long'
    return f'it must start with {first}'


def compile_interface_name(args: list[str]) -> Check:
    """A Linux interface name that is safe to embed in module/iptables strings."""
    no_arguments(args)

    def check(value: str) -> str | None:
        if len(value) <= _MAX_LENGTH and _INTERFACE_RE.fullmatch(value):
            return None
        problem = _shape_problem(value, _INTERFACE_CHARS, 'a letter or digit')
        return f'{quote(value)} is not {_INTERFACE}: {problem}'

    return check


def compile_vrf_name(args: list[str]) -> Check:
    """A VRF name that cannot be confused with a real interface."""
    no_arguments(args)

    def check(value: str) -> str | None:
        if not (len(value) <= _MAX_LENGTH and _VRF_RE.fullmatch(value)):
            problem = _shape_problem(value, _VRF_CHARS, 'a letter')
        elif value == 'lo':
            problem = 'lo is the loopback interface'
        elif _INTERFACE_LIKE_RE.fullmatch(value):
            problem = 'it looks like an interface name'
        else:
            return None
        return f'{quote(value)} is not {_VRF}: {problem}'

    return check


FACTORIES = {'interface-name': compile_interface_name, 'vrf-name': compile_vrf_name}
