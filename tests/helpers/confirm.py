"""Looking at commit-confirm from a test, without disturbing it.

The timer is found through the pid it writes into its lock file, checked
against /proc (its command line names the timer and this root), never by
taking the lock: an observer holding the lock for an instant would make a
committer believe a timer lives and start none.
"""

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

from vyflow.commit.confirm import load_pending
from vyflow.paths import Paths


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def lock_file(root: Path) -> Path:
    return root / 'run/vyflow/commit-confirm-timer.lock'


def alive(pid: int) -> bool:
    try:
        with open(f'/proc/{pid}/stat') as handle:
            return handle.read().split(')')[-1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


def timer_pid(root: Path):
    """The pid of the live timer of ``root``, or None."""
    try:
        pid = int(lock_file(root).read_text().strip())
        with open(f'/proc/{pid}/cmdline', 'rb') as handle:
            words = handle.read().split(b'\0')
    except (OSError, ValueError):
        return None
    ours = b'_confirm-timer' in words and str(root).encode() in words
    return pid if ours and alive(pid) else None


def pending(root: Path):
    """The lock-free view every reader has: a Pending, or None."""
    return load_pending(Paths(root))


@contextmanager
def timer_lock_held(root: Path):
    """Hold the timer lock, as a live timer would: committers start no timer
    meanwhile. Yields the locked descriptor (to hand to a timer we start)."""
    path = lock_file(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        yield fd
    finally:
        os.close(fd)


def kill_timer(root: Path) -> None:
    """SIGKILL the live timer of ``root`` (verified to be it) and wait."""
    import signal
    pid = timer_pid(root)
    assert pid, 'no timer to kill'
    os.kill(pid, signal.SIGKILL)
    assert wait_for(lambda: not alive(pid), timeout=10)
