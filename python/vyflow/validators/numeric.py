"""``numeric``: decimal integers, optionally limited to ranges.

Syntax is strict because values are handed to the kernel module and to
iptables, which parse numbers their own way: only ASCII digits, no ``+``, no
leading zeros (a leading 0 means octal to C's base-0 parsing), no ``-0``, no
spaces, floats, hex or exponents.

Options (words of the validator's name and argument):

``--range A-B``
    Inclusive; repeatable, ranges are ORed. Bounds may be negative
    (``--range -2147483648-2147483647``, ``--range -10--5``).
``--positive`` / ``--non-negative``
    Additionally require > 0 / >= 0 (ANDed with the ranges).
``--allow-range``
    Also accept ``N-M`` with N <= M and both ends inside the *same* allowed
    range, so the whole span N..M is allowed (VyOS checks each end on its own,
    which lets ``5-25`` through ``--range 1-10 --range 20-30``).

A leading ``-`` is only ever accepted through a ``--range`` that reaches below
zero: without ``--range`` the allowed values are the non-negative integers, so
a field that did not ask for negatives never gets one.
"""

from __future__ import annotations

import re

from vyflow.validators._common import Check, ValidatorDefinitionError, quote

_INT = r'-?(?:0|[1-9][0-9]*)'
_INT_RE = re.compile(_INT)
_PAIR_RE = re.compile(f'({_INT})-({_INT})')
_LEADING_ZERO = r'-?0[0-9]+'   # only an error's hint uses it: re compiles and caches it then

# Longer values are rejected before int(): no real field needs them, and
# Python refuses to convert strings of more than ~4300 digits.
_MAX_LENGTH = 100

Range = tuple[int, int | None]  # inclusive bounds; None means no upper bound


def _parse_range(text: str) -> Range:
    match = _PAIR_RE.fullmatch(text) if len(text) <= _MAX_LENGTH else None
    if match is None:
        raise ValidatorDefinitionError(
            f'bad --range {text!r}: expected A-B with integers A <= B, like 1-65535 or -10--5')
    low, high = int(match.group(1)), int(match.group(2))
    if low > high:
        raise ValidatorDefinitionError(f'bad --range {text!r}: {low} is greater than {high}')
    return low, high


def _describe(ranges: list[Range]) -> str:
    return ', '.join(f'{low} or more' if high is None else f'{low}-{high}'
                     for low, high in ranges)


def _containing(number: int, ranges: list[Range]) -> Range | None:
    for low, high in ranges:
        if low <= number and (high is None or number <= high):
            return low, high
    return None


def compile_numeric(args: list[str]) -> Check:
    """Parse the options once and return the check for them."""
    ranges: list[Range] = []
    floor: int | None = None
    allow_range = False
    words = iter(args)
    for word in words:
        if word == '--range':
            text = next(words, None)
            if text is None:
                raise ValidatorDefinitionError('--range needs an argument A-B')
            ranges.append(_parse_range(text))
        elif word == '--positive':
            floor = 1
        elif word == '--non-negative':
            floor = 0 if floor is None else floor
        elif word == '--allow-range':
            allow_range = True
        else:
            raise ValidatorDefinitionError(
                f'unknown option {word!r}; known: --range A-B, --positive, '
                '--non-negative, --allow-range')
    if not ranges:
        ranges = [(floor or 0, None)]
    elif floor is not None:
        # Fold the sign option into the ranges so one membership test (and one
        # description in messages) covers both.
        ranges = [(max(low, floor), high) for low, high in ranges
                  if high is None or high >= floor]
        if not ranges:
            raise ValidatorDefinitionError('no value can pass: every --range is below the '
                                           + ('positive' if floor else 'non-negative') + ' limit')
    return _make_check(ranges, allow_range)


def _make_check(ranges: list[Range], allow_range: bool) -> Check:
    allowed = _describe(ranges)
    shape = 'a decimal integer or range N-M' if allow_range else 'a decimal integer'

    def check(value: str) -> str | None:
        if len(value) > _MAX_LENGTH:
            return f'{quote(value)} is too long for {shape}; allowed: {allowed}'
        if _INT_RE.fullmatch(value) and value != '-0':
            if _containing(int(value), ranges) is None:
                return f'{quote(value)} is not in any allowed range: {allowed}'
            return None
        pair = _PAIR_RE.fullmatch(value) if allow_range else None
        if pair is None or '-0' in (pair.group(1), pair.group(2)):
            return f'{quote(value)} is not {shape}{_hint(value)}; allowed: {allowed}'
        start, end = int(pair.group(1)), int(pair.group(2))
        if start > end:
            return f'{quote(value)} is not an allowed range: {start} is greater than {end}'
        span = _containing(start, ranges)
        if span is None or _containing(end, [span]) is None:
            return (f'{quote(value)} is not an allowed range: both ends must lie in '
                    f'one of {allowed}')
        return None

    return check


def _hint(value: str) -> str:
    """Name the usual near-miss so the user need not guess what is wrong."""
    if re.fullmatch(_LEADING_ZERO, value):
        return ' (leading zeros are not allowed)'
    if value == '-0':
        return ' (write 0)'
    if value.startswith('+'):
        return ' (no leading +)'
    if any(char.isdigit() and not char.isascii() for char in value):
        return ' (only ASCII digits 0-9)'
    return ''


FACTORIES = {'numeric': compile_numeric}
