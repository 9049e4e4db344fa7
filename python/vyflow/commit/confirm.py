"""commit-confirm state: what is pending is a function of the running config.

``run/vyflow/commit-confirm.json`` is written, under the commit lock, *before*
a commit-confirm changes anything. It holds the text to revert to (the last
confirmed running config) and the fingerprint (SHA-256) of the config the
commit-confirm makes running, with its deadline; a re-arm also keeps the
fingerprint and deadline of the unconfirmed config it replaces, so a re-arm
that fails or is killed leaves the earlier one pending. A commit-confirm is
**pending exactly while the running config (running.boot) is one of the
configs the state names**. So:

* before the commit-confirm's commit point (the rename of running.boot)
  nothing is pending. A commit-confirm that fails there restores the system
  and its state; one that is *killed* there leaves the state naming the
  config it started from, still running: the next holder of the commit lock
  (the timer at the deadline at the latest) re-applies that config, since
  the system may hold part of the new one, and removes the state;
* the revert, a plain commit, a rollback or boot end it at *their* commit
  point, in the same step that changes the running config — a reader never
  sees "reverted but still pending" or "pending but not committed";
* after that the file is garbage, removed by the next holder of the commit
  lock; it can never apply to a later commit, because every commit settles
  (reverts or removes) the state before it records anything.

A reader without the lock reads the state, then the running config: it may
see (no file) or (file, running config named: pending until the deadline,
overdue once it passed) or (file, running config not named: nothing
pending). ``confirm`` removes the file under the commit lock.
"""

from __future__ import annotations

import json
import os
import time

from vyflow.atomicfile import PRIVATE_MODE, read_bytes, remove_durable, write_atomic
from vyflow.errors import DamagedFileError
from vyflow.paths import Paths
from vyflow.records import dataclass, field

FORMAT = 1
STATE_REMEDY = ('a commit-confirm may be pending, but its revert cannot be read from this file; '
                '"vyflow confirm" removes it and keeps the running configuration, '
                '"vyflow rollback N" returns to an earlier revision (see "show system commit")')


def fingerprint(config_text: str | None) -> str:
    """SHA-256 of a running config's text (no file: the empty config)."""
    import hashlib   # only with a commit-confirm (hashlib costs ~2 ms to import)
    return hashlib.sha256((config_text or '').encode('utf-8')).hexdigest()


@dataclass
class Armed:
    """One unconfirmed running config and the time it is reverted at."""

    config: str          # SHA-256 of its running.boot text
    deadline: float


@dataclass
class ConfirmState:
    revert_to: str                        # config text of the last confirmed running config
    armed: list[Armed]                    # the newest first; at most two
    seconds: float                        # the confirm window asked for
    armed_from: str | None = None      # SHA-256 of the running config when armed
    token: str = field(default_factory=lambda: os.urandom(8).hex())

    def deadline_for(self, running_text: str | None) -> float | None:
        """The revert deadline if ``running_text`` is pending, else None."""
        running = fingerprint(running_text)
        return next((armed.deadline for armed in self.armed if armed.config == running), None)

    def last_deadline(self) -> float:
        return max(armed.deadline for armed in self.armed)

    @classmethod
    def arm(cls, seconds: float, config_text: str, previous_running: str | None,
            earlier: ConfirmState | None) -> ConfirmState:
        """The state for a commit-confirm of ``config_text``: a re-arm keeps
        the earlier revert target and the running config it replaces."""
        new = Armed(fingerprint(config_text), time.time() + seconds)
        source = fingerprint(previous_running)
        if earlier is None:
            return cls(previous_running or '', [new], seconds, source)
        replaced = [armed for armed in earlier.armed if armed.config == source][:1]
        return cls(earlier.revert_to, [new] + [a for a in replaced if a.config != new.config],
                   seconds, source)

    def interrupted(self, running_text: str | None) -> bool:
        """Under the commit lock, with nothing pending: the commit-confirm
        died before its commit point, so the system may hold part of it."""
        return self.armed_from is not None and self.armed_from == fingerprint(running_text)


def _decode(data: bytes) -> ConfirmState:
    """State file bytes -> ConfirmState; ValueError says what is wrong."""
    try:
        payload = json.loads(data.decode('utf-8'))
    except UnicodeDecodeError as exc:
        raise ValueError(f'not UTF-8 text: {exc.reason}') from None
    except ValueError as exc:
        raise ValueError(f'not JSON: {exc}') from None
    if not isinstance(payload, dict) or payload.get('format') != FORMAT:
        raise ValueError(f'not a format-{FORMAT} commit-confirm state object')
    armed = payload.get('armed')
    if not isinstance(armed, list) or not 1 <= len(armed) <= 2:
        raise ValueError('"armed" is not a list of one or two entries')
    entries = []
    for entry in armed:
        if not isinstance(entry, dict) or not isinstance(entry.get('config'), str) \
                or not _is_number(entry.get('deadline')):
            raise ValueError('an "armed" entry is not {"config": text, "deadline": number}')
        entries.append(Armed(entry['config'], float(entry['deadline'])))
    if not isinstance(payload.get('revert_to'), str) or not isinstance(payload.get('token'), str) \
            or not _is_number(payload.get('seconds')) \
            or not isinstance(payload.get('armed_from'), (str, type(None))):
        raise ValueError('"revert_to", "armed_from", "token" or "seconds" has the wrong type')
    return ConfirmState(payload['revert_to'], entries, float(payload['seconds']),
                        payload.get('armed_from'), payload['token'])


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def read_state(paths: Paths) -> ConfirmState | None:
    """The state, None when there is none; DamagedFileError naming the file."""
    try:
        data = read_bytes(paths.confirm_state)
        return None if data is None else _decode(data)
    except OSError as exc:
        raise DamagedFileError(paths.confirm_state, f'cannot be read: {exc.strerror or exc}',
                               STATE_REMEDY) from None
    except ValueError as exc:
        raise DamagedFileError(paths.confirm_state, str(exc), STATE_REMEDY) from None


def write_state(paths: Paths, state: ConfirmState) -> None:
    payload = {'format': FORMAT, 'revert_to': state.revert_to,
               'armed': [{'config': armed.config, 'deadline': armed.deadline}
                         for armed in state.armed],
               'seconds': state.seconds, 'armed_from': state.armed_from, 'token': state.token}
    write_atomic(paths.confirm_state, json.dumps(payload), mode=PRIVATE_MODE)


def remove_state(paths: Paths) -> None:
    remove_durable(paths.confirm_state)


@dataclass
class Pending:
    """A commit-confirm that is pending now."""

    state: ConfirmState
    deadline: float

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.time())

    @property
    def overdue(self) -> bool:
        return time.time() >= self.deadline


def pending_for(state: ConfirmState | None, running_text: str | None) -> Pending | None:
    if state is None:
        return None
    deadline = state.deadline_for(running_text)
    return None if deadline is None else Pending(state, deadline)


def load_pending(paths: Paths) -> Pending | None:
    """Lock-free view for readers (``save``'s warning): the state, then the
    running config. A damaged state counts as pending — it may be."""
    from vyflow.store import ConfigStore
    try:
        state = read_state(paths)
    except DamagedFileError:
        return Pending(ConfirmState('', [Armed('', 0.0)], 0.0), 0.0)
    if state is None:
        return None
    try:
        running = ConfigStore(paths, {}).running_text()
    except DamagedFileError:
        return Pending(state, state.last_deadline())
    return pending_for(state, running)


def describe(seconds: float) -> str:
    """"10 minutes", "1 minute", "30 seconds"."""
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f'{minutes} minute{"s" if minutes != 1 else ""}'
    whole = round(seconds)
    return f'{whole} second{"s" if whole != 1 else ""}'
