"""commit-confirm: commit now, revert automatically unless confirmed in time.

The deadline belongs to a timer process started in its own session, so killing
the CLI (even with SIGKILL) or closing the terminal cannot stop the revert.
State lives in ``run/vyflow/commit-confirm.json``: the deadline, a token that
identifies the current timer, and the text of the last *confirmed* config to
revert to. ``confirm`` removes the state (the timer notices within a second
and is also signalled); a new commit-confirm re-arms the deadline and replaces
the timer but keeps the original revert target. Confirm and revert both run
under the commit lock, so exactly one of them wins.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

from vyflow.atomicfile import read_text, remove_durable, write_atomic
from vyflow.paths import Paths


@dataclass
class PendingConfirm:
    deadline: float
    token: str
    revert_to: str          # config text of the last confirmed running config
    timer_pid: int = 0

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.time())


def load_pending(paths: Paths) -> Optional[PendingConfirm]:
    text = read_text(paths.confirm_state)
    if text is None:
        return None
    try:
        return PendingConfirm(**json.loads(text))
    except (ValueError, TypeError):
        return None  # an unreadable state cannot be acted on; treat as none


def save_pending(paths: Paths, pending: PendingConfirm) -> None:
    write_atomic(paths.confirm_state, json.dumps(asdict(pending)), mode=0o600)


def clear_pending(paths: Paths) -> Optional[PendingConfirm]:
    """Remove the pending state and stop its timer; returns what was pending."""
    pending = load_pending(paths)
    remove_durable(paths.confirm_state)
    if pending is not None and pending.timer_pid > 0:
        try:
            os.kill(pending.timer_pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    return pending


def _package_parent() -> str:
    return str(Path(__file__).resolve().parents[2])


def spawn_timer(paths: Paths, token: str, dry_run: bool) -> int:
    """Start the detached timer process; returns its pid."""
    import subprocess
    argv = [sys.executable, '-m', 'vyflow', '--root', str(paths.root)]
    if dry_run:
        argv.append('--dry-run')
    argv += ['_confirm-timer', token]
    environment = dict(os.environ)
    environment['PYTHONPATH'] = os.pathsep.join(
        filter(None, [_package_parent(), environment.get('PYTHONPATH')]))
    process = subprocess.Popen(argv, start_new_session=True, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               close_fds=True, env=environment, cwd='/')
    return process.pid


def arm(paths: Paths, seconds: float, previous_running: str, dry_run: bool) -> PendingConfirm:
    """Arm (or re-arm) the revert; the revert target is kept from an earlier
    unconfirmed commit-confirm, since that is the last confirmed config."""
    earlier = clear_pending(paths)
    revert_to = earlier.revert_to if earlier is not None else previous_running
    pending = PendingConfirm(time.time() + seconds, secrets.token_hex(8), revert_to)
    save_pending(paths, pending)  # before the timer starts, so it finds its token
    pending.timer_pid = spawn_timer(paths, pending.token, dry_run)
    save_pending(paths, pending)
    return pending


def wait_for_deadline(paths: Paths, token: str) -> bool:
    """Sleep until the deadline; False if confirmed or re-armed meanwhile."""
    while True:
        pending = load_pending(paths)
        if pending is None or pending.token != token:
            return False
        if pending.remaining() <= 0:
            return True
        time.sleep(min(1.0, pending.remaining()))
