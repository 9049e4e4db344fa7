"""The commit-confirm timer: one detached process that reverts at the deadline.

Liveness is a lock, not a PID: the timer holds ``run/vyflow/commit-confirm-
timer.lock`` (a ``flock``) for as long as it lives, and the kernel drops it
the instant the timer dies, however it dies. Whoever starts a timer takes
that lock *first* and hands the locked descriptor to the child, so there is
no moment in which a starting timer looks dead, and never two timers.

* A commit-confirm writes its state, then starts a timer unless one holds
  the lock (that one follows the new state: it re-reads it every second).
* Every later ``vyflow`` command and ``boot`` do the same when a state file
  exists, so a timer killed (or never started, because the CLI was killed)
  is replaced at the next command; a replacement whose deadline has passed
  reverts at once.
* Nothing is ever signalled: ``confirm`` removes the state, and the timer
  exits by itself within a second once there is no state to serve.

The timer only *decides* under the commit lock (``settle``, from the commit
engine): revert if the running config is still unconfirmed and due, else
drop a state that no longer applies.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time

from vyflow.commit.confirm import read_state
from vyflow.errors import DamagedFileError
from vyflow.logfile import logger
from vyflow.paths import Paths, library_dir

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from collections.abc import Callable


POLL = 1.0                 # seconds between looks at the state
RETRY = (5.0, 300.0)       # back-off after a failed revert: first, longest


def lock_path(paths: Paths) -> str:
    return os.path.join(paths.run_dir, 'commit-confirm-timer.lock')


def take_lock(paths: Paths) -> int | None:
    """The timer lock's descriptor, locked; None while a timer holds it."""
    from vyflow.atomicfile import open_lock
    fd = open_lock(lock_path(paths))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def spawn(paths: Paths, fd: int) -> int:
    """Start a detached timer that inherits the locked ``fd``; returns its pid."""
    import subprocess
    argv = [sys.executable, '-m', 'vyflow', '--root', str(paths.root), '_confirm-timer',
            '--lock-fd', str(fd)]
    environment = dict(os.environ)
    environment['PYTHONPATH'] = os.pathsep.join(
        filter(None, [library_dir(), environment.get('PYTHONPATH')]))
    process = subprocess.Popen(argv, start_new_session=True, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               close_fds=True, pass_fds=(fd,), env=environment, cwd='/')
    return process.pid


def ensure_timer(paths: Paths) -> int | None:
    """Start a timer if a commit-confirm state exists and no timer lives;
    returns the new timer's pid (None: none needed, or one is running)."""
    if not os.path.exists(paths.confirm_state):
        return None
    fd = take_lock(paths)
    if fd is None:
        return None
    try:
        pid = spawn(paths, fd)
        _write_pid(fd, pid)  # informational (never signalled), there from the start
        return pid
    finally:
        os.close(fd)


def resume(paths: Paths) -> str | None:
    """For every command: restart a missing timer; the notice to show."""
    try:
        pid = ensure_timer(paths)
    except OSError:
        return None   # not ours to manage (no permission); the owner's next command will
    if pid is None:
        return None
    return (f'Notice: a commit-confirm state was found without its revert timer; timer '
            f'restarted (pid {pid}): it reverts at the deadline unless "confirm" is run.')


def _write_pid(fd: int, pid: int) -> None:
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f'{pid}\n'.encode(), 0)
    except OSError:  # a full /run: the pid is only informational
        pass


def adopt_lock(paths: Paths, fd: int) -> bool:
    """In the timer: check that ``fd`` is the timer lock and that we hold it."""
    try:
        if os.path.samestat(os.fstat(fd), os.stat(lock_path(paths))):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # ours already: a no-op
            os.set_inheritable(fd, False)
            _write_pid(fd, os.getpid())
            return True
    except OSError:
        pass
    return False


def _running_text(paths: Paths) -> str | None:
    """The running config as the engine reads it (None: absent or unreadable)."""
    from vyflow.atomicfile import read_bytes
    from vyflow.store import decode_config
    try:
        data = read_bytes(paths.running_config)
        return None if data is None else decode_config(data)
    except (OSError, ValueError):
        return None


def _follow(paths: Paths, settle: Callable[[], float | None]) -> None:
    """Sleep until the state's deadline, then let ``settle`` act under the
    commit lock; return once no state is left to serve."""
    not_before, backoff = 0.0, RETRY[0]
    while True:
        try:
            state = read_state(paths)
        except DamagedFileError as exc:
            logger('vyflow.commit-confirm').error('commit-confirm timer stops: %s', exc)
            return
        if state is None:
            return
        due = state.deadline_for(_running_text(paths))
        due = max(state.last_deadline() if due is None else due, not_before)
        now = time.time()
        if now < due:
            time.sleep(min(POLL, due - now))
            continue
        try:
            if settle() is None:
                return
        except Exception as exc:  # the revert failed; try again later, never give up
            logger('vyflow.commit-confirm').error(
                'commit-confirm revert failed (retrying in %g s): %s', backoff, exc)
            not_before, backoff = time.time() + backoff, min(backoff * 2, RETRY[1])


def serve(paths: Paths, fd: int, settle: Callable[[], float | None]) -> None:
    """The timer's life: serve the state while holding the lock ``fd``. On
    leaving, a state written meanwhile (whose writer saw the lock held and
    started no timer) is taken over again unless another timer took it."""
    while fd is not None:
        _follow(paths, settle)
        os.close(fd)
        if not os.path.exists(paths.confirm_state):
            return
        fd = take_lock(paths)
        if fd is not None:
            adopt_lock(paths, fd)
