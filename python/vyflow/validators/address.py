"""IPv4/IPv6 address validators: single addresses, host addresses, prefixes.

Values are exactly ``ADDRESS`` or ``ADDRESS/LEN``. Anything else that a parser
somewhere might accept is refused, because the value is later written into
module parameters and iptables rules that parse it differently:

* no leading-zero IPv4 octets (``192.0.2.010``: octal to some parsers),
* no IPv6 zone ids (``fe80::1%eth0``), brackets, whitespace or dotted
  netmasks (``/255.255.255.0``); the prefix length is plain decimal,
* ``ipv4-*`` takes only IPv4 and ``ipv6-*`` only IPv6. An IPv4-mapped IPv6
  address (``::ffff:192.0.2.1``) is an IPv6 address.

Kinds:

``*-address``  a single address, no prefix length.
``*-host``     address/len that is not the network address, except that /31
               and /32 (IPv4) and /127 and /128 (IPv6) have no network address
               to avoid. Broadcast addresses are accepted.
``*-prefix``   a network: address/len with all host bits zero.

``ip-*`` accepts either family.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from vyflow.validators._common import Check, no_arguments, quote

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# The longest sensible value: a full IPv6 address with embedded IPv4, plus /128.
# Checked first so ipaddress's messages (which quote the input) stay short.
_MAX_LENGTH = len('ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128')
_ADDRESS_CHARS = frozenset('0123456789abcdefABCDEF:.')
_PREFIX_LEN_RE = re.compile(r'0|[1-9][0-9]{0,2}')
_EXAMPLES = {4: ('192.0.2.1', '192.0.2.1/24', '192.0.2.0/24'),
             6: ('2001:db8::1', '2001:db8::1/64', '2001:db8::/64')}
_FAMILY_NAMES = {(4,): 'IPv4', (6,): 'IPv6', (4, 6): 'IPv4 or IPv6'}


class _Invalid(Exception):
    """Internal: carries the part of a reason after the value."""


def _parse(value: str, families: tuple[int, ...]) -> tuple[IPAddress, int | None]:
    """Split and parse ``ADDRESS[/LEN]``; raise _Invalid with the detail."""
    if not value:
        raise _Invalid('the value is empty')
    if len(value) > _MAX_LENGTH:
        raise _Invalid(f'it is longer than {_MAX_LENGTH} characters')
    if '%' in value:
        raise _Invalid('zone ids (%interface) are not allowed')
    address_text, slash, length_text = value.partition('/')
    bad = next((c for c in address_text if c not in _ADDRESS_CHARS), None)
    if bad is not None:
        raise _Invalid(f'character {quote(bad)} is not allowed in an address')
    family = 6 if ':' in address_text else 4
    if family not in families:
        raise _Invalid(f'it is an IPv{family} address')
    try:
        address: IPAddress = (ipaddress.IPv6Address(address_text) if family == 6
                              else ipaddress.IPv4Address(address_text))
    except ValueError as exc:
        detail = str(exc).replace("'", '"')
        raise _Invalid(detail[:1].lower() + detail[1:]) from None
    if not slash:
        return address, None
    if not _PREFIX_LEN_RE.fullmatch(length_text):
        raise _Invalid('the prefix length must be a decimal number without leading zeros')
    length = int(length_text)
    if length > address.max_prefixlen:
        raise _Invalid(f'the prefix length is above {address.max_prefixlen}')
    return address, length


def _network(address: IPAddress,
             length: int) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(f'{address}/{length}', strict=False)


def _single(address: IPAddress, length: int | None) -> None:
    if length is not None:
        raise _Invalid('a prefix length is not allowed here')


def _host(address: IPAddress, length: int | None) -> None:
    if length is None:
        raise _Invalid('the prefix length is missing')
    if length < address.max_prefixlen - 1:
        network = _network(address, length)
        if address == network.network_address:
            raise _Invalid(f'it is the network address of {network}, not a host in it')


def _prefix(address: IPAddress, length: int | None) -> None:
    if length is None:
        raise _Invalid('the prefix length is missing')
    network = _network(address, length)
    if address != network.network_address:
        raise _Invalid(f'host bits are set (the network is {network})')


_KINDS = {
    'address': (_single, 'a single {family} address without prefix length', 0),
    'host': (_host, 'an {family} host address with prefix length', 1),
    'prefix': (_prefix, 'an {family} network prefix', 2),
}


def _factory(families: tuple[int, ...], kind: str) -> Callable[[list[str]], Check]:
    rule, template, example_index = _KINDS[kind]
    examples = ' or '.join(_EXAMPLES[family][example_index] for family in families)
    expected = f'{template.format(family=_FAMILY_NAMES[families])} (like {examples})'

    def compile_address(args: list[str]) -> Check:
        no_arguments(args)

        def check(value: str) -> str | None:
            try:
                rule(*_parse(value, families))
            except _Invalid as exc:
                return f'{quote(value)} is not {expected}: {exc}'
            return None

        return check

    return compile_address


FACTORIES = {
    f'{prefix}-{kind}': _factory(families, kind)
    for prefix, families in (('ipv4', (4,)), ('ipv6', (6,)), ('ip', (4, 6)))
    for kind in _KINDS
}
