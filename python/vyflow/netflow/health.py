"""Collector health over the last minutes, the same for every reader.

The module counts refusals (ICMP port unreachable from the collector) and
send-buffer overflows only since it was loaded, so "refusing now" needs an
earlier reading to compare with. Comparing with the *previous reader's*
reading made health a thing one viewer consumed: a second ``show`` said
"connected" a second after the first said "refusing". Here every reader
(show, --json, collectors, metrics) adds what it saw to a short history and
compares with the reading at the start of a fixed window: readers at the
same moment agree, and reading changes nothing another reader sees.

Without a reading from before the window (the first minutes after the
first look), the counts are since the module was loaded, and say so.
The history is a cache in /run: damaged or unwritable, it is started
afresh (a reader without write access still gets an answer).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Optional

from vyflow.atomicfile import read_text, write_atomic
from vyflow.netflow.procstat import StatSnapshot
from vyflow.safepath import StrPath

WINDOW_SECONDS = 300
SPACING_SECONDS = 10          # one recorded reading per 10 s is fine-grained enough
FILE_NAME = 'collector-history.json'

Counters = dict[str, tuple[int, int]]   # collector address -> (refused, sndbuf_reached)
Sample = tuple[float, Counters]


@dataclass(frozen=True)
class Recent:
    """What a collector's counters did in the window."""

    refused: int
    sndbuf_reached: int
    observed_seconds: Optional[int]     # None: counted since the module was loaded

    def to_dict(self) -> dict:
        return {'window_seconds': WINDOW_SECONDS, 'observed_seconds': self.observed_seconds,
                'refused': self.refused, 'sndbuf_reached': self.sndbuf_reached}


def clock() -> float:
    """Seconds on a clock every process shares and no one sets (CLOCK_BOOTTIME)."""
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def counters(stat: StatSnapshot) -> Counters:
    return {socket.address: (socket.cberr or 0, socket.sndbuf_reached or 0)
            for socket in stat.sockets if socket.connected}


def recent(history: list[Sample], now: float, current: Counters) -> dict[str, Recent]:
    """Per collector: the rise of its counters since the window began."""
    start = [sample for sample in history if sample[0] <= now - WINDOW_SECONDS]
    when, before = start[-1] if start else (None, {})
    result = {}
    for address, (refused, overflows) in current.items():
        old = before.get(address)
        if old is None or old[0] > refused or old[1] > overflows:   # new, or module reloaded
            result[address] = Recent(refused, overflows, None)
        else:
            result[address] = Recent(refused - old[0], overflows - old[1], round(now - when))
    return result


def updated(history: list[Sample], now: float, current: Counters) -> list[Sample]:
    """The history with this reading (at most one per SPACING_SECONDS), keeping
    only the newest reading from before the window and those within it."""
    if history and now - history[-1][0] < SPACING_SECONDS:
        return history
    history = history + [(now, current)]
    start = [index for index, sample in enumerate(history) if sample[0] <= now - WINDOW_SECONDS]
    return history[start[-1]:] if start else history


def load(path: StrPath) -> list[Sample]:
    try:
        data = json.loads(read_text(path) or '[]')
        return [(float(when), {address: (int(pair[0]), int(pair[1]))
                               for address, pair in seen.items()}) for when, seen in data]
    except (OSError, ValueError, TypeError, AttributeError, IndexError):
        return []


def save(path: StrPath, history: list[Sample]) -> None:
    try:
        write_atomic(path, json.dumps([[when, seen] for when, seen in history]))
    except OSError:
        pass


def observe(run_dir: StrPath, stat: StatSnapshot) -> dict[str, Recent]:
    """Record this reading and return every collector's recent counts."""
    path = os.path.join(run_dir, FILE_NAME)
    now, current = clock(), counters(stat)
    history = [sample for sample in load(path) if sample[0] <= now]   # none from a past boot
    result = recent(history, now, current)
    save(path, updated(history, now, current))
    return result
