"""Inter-process locks on files under the run directory.

The commit lock is taken non-blocking (or with a bounded wait): a second
committer (or ``restart flow-accounting``) is told at once that another commit
is in progress. The session
lock serialises short edits of the working config. Locks are ``flock``s, so
they vanish with the process that held them — a killed commit never leaves a
stale lock behind. Read-only commands take no lock at all. Lock files are
opened like every file vyflow keeps (atomicfile.open_lock: no links, checked
directories, mode 0600).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from vyflow.atomicfile import open_lock
from vyflow.errors import CommitInProgressError
from vyflow.safepath import StrPath


@contextmanager
def file_lock(path: StrPath, *, wait: float = 0.0, what: str = 'commit') -> Iterator[None]:
    """Hold an exclusive lock on ``path``; wait up to ``wait`` seconds
    (forever if negative), then raise CommitInProgressError."""
    fd = open_lock(path)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait < 0 else fcntl.LOCK_NB))
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise CommitInProgressError(
                        f'Another {what} is in progress; try again when it has finished'
                        + (f' (waited {wait:g} s)' if wait > 0 else '')) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, f'{os.getpid()}\n'.encode())
        yield
    finally:
        os.close(fd)
