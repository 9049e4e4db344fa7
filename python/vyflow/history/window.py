"""The time window of a query: ``last 1h`` or ``since … [until …]``, in local time.

Times are typed as ``2026-12-01T09:30``, ``2026-12-01 09:30`` (one word when
quoted), ``2026-12-01`` (midnight) or ``09:30`` (today); the window is stated
back in the same local time with its zone, so nobody has to guess.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Optional

from vyflow.errors import IncorrectValue

DEFAULT_LAST = '1h'
_DURATION = re.compile(r'([1-9][0-9]{0,5})([smhdw])')
_SECONDS = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 7 * 86400}
_FORMATS = ('%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M', '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M',
            '%Y-%m-%d')


@dataclass(frozen=True)
class Window:
    start: float
    end: float
    label: str            # what the operator asked for: "last 1h", "since … until …"

    @property
    def seconds(self) -> float:
        return self.end - self.start

    def to_dict(self) -> dict:
        return {'start': iso_time(self.start), 'end': iso_time(self.end), 'asked': self.label}


def duration_seconds(text: str) -> int:
    match = _DURATION.fullmatch(text.strip())
    if not match:
        raise IncorrectValue(f'"{text}" is not a duration: use a number and a unit, e.g. 15m, '
                             '1h, 24h or 7d')
    return int(match.group(1)) * _SECONDS[match.group(2)]


def parse_time(text: str, now: float) -> float:
    """A local date/time as seconds since the epoch."""
    word = text.strip()
    if re.fullmatch(r'\d{1,2}:\d{2}(:\d{2})?', word):
        word = time.strftime('%Y-%m-%dT', time.localtime(now)) + word
        if word.count(':') == 1:
            word += ':00'
    for form in _FORMATS:
        try:
            return time.mktime(time.strptime(word, form))
        except ValueError:
            continue
    raise IncorrectValue(f'"{text}" is not a time: use 2026-12-01T09:30, 2026-12-01 or 09:30 '
                         '(local time)')


def build(last: Optional[str], since: Optional[str], until: Optional[str],
          now: Optional[float] = None) -> Window:
    now = time.time() if now is None else now
    if last is not None and (since is not None or until is not None):
        raise IncorrectValue('use either "last" or "since … until …", not both')
    if since is None:
        if until is not None:
            raise IncorrectValue('"until" needs "since"')
        text = last or DEFAULT_LAST
        return Window(now - duration_seconds(text), now, f'last {text}')
    start = parse_time(since, now)
    end = parse_time(until, now) if until is not None else now
    if end <= start:
        raise IncorrectValue(f'"until {until}" is not after "since {since}"')
    return Window(start, end, f'since {since}' + (f' until {until}' if until else ''))


def iso_time(epoch: float) -> str:
    return time.strftime('%Y-%m-%dT%H:%M:%S%z', time.localtime(epoch))


def shown(iso: str) -> str:
    """An ``iso_time`` as people read it: ``2026-12-01 09:30:00 UTC``."""
    from datetime import datetime
    return datetime.fromisoformat(iso).strftime('%Y-%m-%d %H:%M:%S %Z')
