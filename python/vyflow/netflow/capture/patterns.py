"""Interface names and prefix patterns (``ppp*``) for accounting.

A pattern is a name prefix followed by ``*``: it accounts every interface
whose name starts with the prefix, including interfaces created after the
commit (PPPoE sessions, VLAN sub-interfaces). iptables spells it ``ppp+``,
nftables ``"ppp*"`` (an interval set element); the configuration uses ``*``
for both. The definitions allow 1-14 name characters before the ``*`` (so
that at least one more character fits in an interface name) and nothing
after it.
"""

from __future__ import annotations

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from collections.abc import Iterable


WILDCARD = '*'


def is_pattern(name: str) -> bool:
    return name.endswith(WILDCARD)


def prefix(pattern: str) -> str:
    return pattern[:-1]


def matches(name_or_pattern: str, interface: str) -> bool:
    """Does a configured name or pattern cover ``interface``?"""
    if is_pattern(name_or_pattern):
        return interface.startswith(prefix(name_or_pattern))
    return interface == name_or_pattern


def covers(pattern: str, other: str) -> bool:
    """Does ``pattern`` account everything ``other`` (a name or a pattern) does?"""
    stem = other[:-1] if is_pattern(other) else other
    return stem.startswith(prefix(pattern))


def iptables_spelling(name: str) -> str:
    """``ppp*`` -> ``ppp+`` (iptables' prefix match); names unchanged."""
    return prefix(name) + '+' if is_pattern(name) else name


def names(configured: Iterable[str]) -> list[str]:
    return [name for name in configured if not is_pattern(name)]


def only_patterns(configured: Iterable[str]) -> list[str]:
    return [name for name in configured if is_pattern(name)]


def expand(configured: Iterable[str], present: Iterable[str]) -> list[str]:
    """The present interfaces that the configured names and patterns cover."""
    configured = list(configured)
    return sorted(name for name in present if any(matches(c, name) for c in configured))

