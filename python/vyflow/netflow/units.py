"""Human-facing units and IP protocol names shared by the flow-accounting views.

Kept free of any parsing so that op-mode output and filters agree on one spelling
of every protocol and one rounding rule for every counter.
"""

from __future__ import annotations

# The kernel's own "MB"/"K" in /proc/net/stat/ipt_netflow are binary shifts
# (>>20, >>10); using the same base keeps our figures comparable with that file.
_BYTE_UNITS = ('KB', 'MB', 'GB', 'TB', 'PB', 'EB')
# Packet and flow counts are plain quantities, so they use decimal prefixes.
_COUNT_UNITS = ('K', 'M', 'G', 'T', 'P', 'E')

# IANA protocol numbers a router operator meets in practice; names follow
# /etc/protocols (lower case) so that filters accept what people already type.
_PROTOCOL_NAMES = {
    0: 'hopopt',
    1: 'icmp',
    2: 'igmp',
    4: 'ipip',
    6: 'tcp',
    8: 'egp',
    17: 'udp',
    41: 'ipv6',
    43: 'ipv6-route',
    44: 'ipv6-frag',
    46: 'rsvp',
    47: 'gre',
    50: 'esp',
    51: 'ah',
    58: 'ipv6-icmp',
    59: 'ipv6-nonxt',
    60: 'ipv6-opts',
    88: 'eigrp',
    89: 'ospf',
    103: 'pim',
    112: 'vrrp',
    115: 'l2tp',
    132: 'sctp',
    136: 'udplite',
    137: 'mpls-in-ip',
}
_PROTOCOL_NUMBERS = {name: number for number, name in _PROTOCOL_NAMES.items()}
# Spellings other tools print or users commonly type for the same protocols.
_PROTOCOL_NUMBERS.update({'icmpv6': 58, 'icmp6': 58, 'ipv6-icmpv6': 58, 'ipencap': 4,
                          'udp-lite': 136, 'ospfigp': 89})


def _scaled(value: int, base: int, units: tuple[str, ...]) -> tuple[float, str]:
    """Divide ``value`` by ``base`` until it fits under one unit step once rounded
    to one decimal (so 1048575 bytes reads 1.0 MB, not 1024.0 KB)."""
    scaled = float(value)
    unit = ''
    for unit in units:
        scaled /= base
        if abs(round(scaled, 1)) < base:
            break
    return scaled, unit


def human_bytes(count: int) -> str:
    """``1234567`` -> ``'1.2 MB'``; values under 1 KiB stay exact (``'512 B'``)."""
    if abs(count) < 1024:
        return f'{count} B'
    scaled, unit = _scaled(count, 1024, _BYTE_UNITS)
    return f'{scaled:.1f} {unit}'


def human_count(count: int) -> str:
    """``12345`` -> ``'12.3K'``; values under 1000 stay exact (``'999'``)."""
    if abs(count) < 1000:
        return str(count)
    scaled, unit = _scaled(count, 1000, _COUNT_UNITS)
    return f'{scaled:.1f}{unit}'


def plural(count: int, noun: str, nouns: str = '') -> str:
    """``1 minute``, ``2 minutes``, ``0 minutes`` (``nouns`` for irregular plurals)."""
    return f'{count} {noun if count == 1 else nouns or noun + "s"}'


def protocol_name(number: int) -> str:
    """The usual name of an IP protocol number, or the number itself as text."""
    return _PROTOCOL_NAMES.get(number, str(number))


def protocol_number(text: str) -> int:
    """Turn a ``protocol NAME|NUM`` filter argument into 0..255.

    Raises ValueError with a message fit for the operator when the name is
    unknown or the number is out of range.
    """
    word = text.strip().lower()
    if word.isdigit():
        number = int(word)
        if number > 255:
            raise ValueError(f'protocol number {number} is out of range 0-255')
        return number
    try:
        return _PROTOCOL_NUMBERS[word]
    except KeyError:
        raise ValueError(f'unknown protocol "{text}"; use a name such as tcp, udp, '
                         f'icmp, ipv6-icmp, gre, esp, sctp or a number 0-255') from None
