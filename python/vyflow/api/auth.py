"""API keys and the limit on failed attempts.

A presented key is hashed (SHA-256) and compared with *every* configured
digest by ``hmac.compare_digest``, so the time taken depends neither on how
much of a key an attacker guessed right, nor on its length, nor on which key
matched. Only the key ID is ever logged or archived.

Failed attempts are counted per client address in a sliding window; past
the limit, every request from that address is refused (429) until the window
has moved on, without even looking at the key — guessing costs a minute per
handful of tries. The table is bounded, so a flood of addresses cannot grow it
without limit.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import OrderedDict, deque
from typing import Mapping, Optional

from vyflow.api.settings import key_digest

FAILURES_ALLOWED = 10        # failed attempts per address …
WINDOW_SECONDS = 60.0        # … within this many seconds
TRACKED_ADDRESSES = 4096


def identify(candidate: Optional[str], digests: Mapping[str, str]) -> Optional[str]:
    """The ID of the key ``candidate`` is, or None; constant time."""
    presented = bytes.fromhex(key_digest(candidate if isinstance(candidate, str) else ''))
    found = None
    for key_id, digest in digests.items():
        if hmac.compare_digest(presented, bytes.fromhex(digest)) and candidate:
            found = key_id
    return found


class FailureLimiter:
    """Counts failed authentications per client address (thread-safe)."""

    def __init__(self, allowed: int = FAILURES_ALLOWED, window: float = WINDOW_SECONDS,
                 tracked: int = TRACKED_ADDRESSES):
        self.allowed = allowed
        self.window = window
        self.tracked = tracked
        self._failures: OrderedDict[str, deque] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> Optional[deque]:
        times = self._failures.get(address)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[address]
            return None
        return times

    def retry_after(self, address: str) -> float:
        """Seconds until ``address`` may try again; 0 when it may now."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(address, now)
            if times is None or len(times) < self.allowed:
                return 0.0
            return max(0.0, times[-self.allowed] + self.window - now)

    def failed(self, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            times = self._recent(address, now)
            if times is None:
                times = self._failures[address] = deque(maxlen=self.allowed)
                while len(self._failures) > self.tracked:
                    self._failures.popitem(last=False)
            times.append(now)
            self._failures.move_to_end(address)
