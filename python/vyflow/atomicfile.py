"""Crash-safe reads and writes of the files vyflow keeps, reached safely.

Every file vyflow keeps is opened here, through safepath (no link followed,
checked directories), so other modules just call these primitives. Every
persistent write is: unpredictable temp name in the same directory, created
``O_EXCL|O_NOFOLLOW`` at 0600 -> write -> ``fchmod`` to the final mode ->
fsync -> rename over the target -> fsync of the directory. A reader (or a
process killed at any instant) sees the old file or the new one, never a mix,
after a power cut the rename is durable, and the rename replaces a name in the
checked directory: it never writes through a link. Modes are explicit
whatever the umask: configs and archive 0640 (they may hold secrets of other
sections), locks and commit-confirm state 0600.
"""

from __future__ import annotations

import errno
import functools
import os
import stat
from collections.abc import Callable

from vyflow.errors import FileKindError, LimitError
from vyflow.safepath import (OPERATOR, OPERATOR_IN_ROOT, OWN, Policy, StrPath, directory,
                             final_link, kind_of, open_in)
from vyflow.text import shown

__all__ = ['OPERATOR', 'OPERATOR_IN_ROOT', 'OWN', 'Policy', 'MAX_FILE_BYTES', 'FILE_MODE',
           'PRIVATE_MODE', 'read_bytes', 'read_text', 'write_atomic', 'StagedWrite',
           'stale_temps', 'create_exclusive',
           'remove_durable', 'list_directory', 'ensure_directory', 'open_for_append', 'open_lock']

MAX_FILE_BYTES = 64 * 1024 * 1024
"""No file vyflow reads may be larger: a 100,000-node config is ~3 MB."""

FILE_MODE = 0o640     # configs and archive: they may hold secrets of other sections
PRIVATE_MODE = 0o600  # temp files until renamed, locks, commit-confirm state

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from typing import TypeVar

    Function = TypeVar('Function', bound=Callable)


def _naming_the_path(function: Function) -> Function:
    """Operating-system errors name the whole path (calls relative to a
    directory descriptor only know the last component)."""
    @functools.wraps(function)
    def wrapper(path: StrPath, *args, **kwargs):
        try:
            return function(path, *args, **kwargs)
        except OSError as exc:
            if exc.filename is None or not str(exc.filename).startswith('/'):
                exc.filename = str(path)
            raise
    return wrapper  # type: ignore[return-value]


@_naming_the_path
def read_bytes(path: StrPath, policy: Policy = OWN, limit: int = MAX_FILE_BYTES) -> bytes | None:
    """The file's bytes, or None when it (or its directory) does not exist."""
    path = final_link(os.fspath(path), policy)
    with directory(os.path.dirname(path), policy, create=False) as dir_fd:
        if dir_fd is None:
            return None
        try:
            fd = open_in(dir_fd, path, os.O_RDONLY, 0)
        except FileNotFoundError:
            return None
    try:
        if os.fstat(fd).st_size > limit:
            raise _too_large(path, limit)
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b''.join(chunks)
            total += len(chunk)
            if total > limit:  # it grew while being read
                raise _too_large(path, limit)
            chunks.append(chunk)
    finally:
        os.close(fd)


def _too_large(path: str, limit: int) -> LimitError:
    return LimitError(f'{shown(path)} is larger than {limit // (1024 * 1024)} MiB, '
                      'the most vyflow reads')


def read_text(path: StrPath, policy: Policy = OWN, limit: int = MAX_FILE_BYTES) -> str | None:
    """The file's UTF-8 text, or None when it does not exist."""
    data = read_bytes(path, policy, limit)
    return None if data is None else data.decode('utf-8')


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _temp_file(dir_fd: int, name: str) -> tuple[str, int]:
    """An unpredictable new file next to ``name``, created 0600, never through a link."""
    while True:
        temp = f'.{name[:64]}.{os.urandom(8).hex()}.tmp'
        try:
            return temp, os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                                 | os.O_CLOEXEC, PRIVATE_MODE, dir_fd=dir_fd)
        except FileExistsError:
            continue


def _refuse_non_regular(dir_fd: int, path: str) -> None:
    """A name about to be replaced must be a regular file (or absent): a save
    never turns /dev/null or a link into a file."""
    try:
        info = os.stat(os.path.basename(path), dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(info.st_mode):
        raise FileKindError(f'{shown(path)} is {kind_of(info.st_mode)}: vyflow writes only '
                            'regular files or new ones, and never through a link')


def _written_temp(dir_fd: int, path: str, data: bytes, mode: int) -> str:
    temp, fd = _temp_file(dir_fd, os.path.basename(path))
    try:
        _write_all(fd, data)
        os.fchmod(fd, mode)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.unlink(temp, dir_fd=dir_fd)
        raise
    os.close(fd)
    return temp


class StagedWrite:
    """A new version of ``path`` written and fsynced under a temp name in the
    same (checked) directory, not yet in place: ``commit`` renames it over
    ``path``, ``abandon`` removes it. A commit stages every file it will
    record before it changes the system, so a full or read-only disk stops it
    while nothing has changed yet, and the renames left after the apply need
    no space. The directory stays open from staging to commit, so the rename
    lands in the directory that was checked."""

    def __init__(self, path: StrPath, data: bytes | str, mode: int = FILE_MODE,
                 policy: Policy = OWN):
        if isinstance(data, str):
            data = data.encode('utf-8')
        self.path = path = os.fspath(path)
        parent = os.path.dirname(path)
        with directory(parent, policy, create=policy.create_directories) as dir_fd:
            if dir_fd is None:
                raise FileNotFoundError(errno.ENOENT, 'no such directory', parent)
            _refuse_non_regular(dir_fd, path)
            self._dir_fd: Optional[int] = os.dup(dir_fd)
        try:
            self.temp = _written_temp(self._dir_fd, path, data, mode)
        except BaseException:
            self._close()
            raise

    def commit(self) -> None:
        """Put the staged file in place, durably."""
        if self._dir_fd is None:
            raise RuntimeError(f'{self.path}: staged write already ended')
        try:
            os.rename(self.temp, os.path.basename(self.path),
                      src_dir_fd=self._dir_fd, dst_dir_fd=self._dir_fd)
        except BaseException:
            self.abandon()
            raise
        try:
            os.fsync(self._dir_fd)
        finally:
            self._close()

    def abandon(self) -> None:
        """Remove the staged file (nothing happens once committed)."""
        if self._dir_fd is None:
            return
        try:
            os.unlink(self.temp, dir_fd=self._dir_fd)
        except FileNotFoundError:
            pass
        finally:
            self._close()

    def _close(self) -> None:
        if self._dir_fd is not None:
            os.close(self._dir_fd)
            self._dir_fd = None


def stale_temps(path: StrPath, name_prefix: str, policy: Policy = OWN) -> list[str]:
    """Temp files that staged writes of files named ``name_prefix…`` in
    directory ``path`` left behind when their process was killed (only
    meaningful under the lock that serialises those writes)."""
    return [os.path.join(path, name) for name in list_directory(path, policy)
            if name.startswith(f'.{name_prefix}') and name.endswith('.tmp')]


@_naming_the_path
def write_atomic(path: StrPath, data: bytes | str, mode: int = FILE_MODE,
                 policy: Policy = OWN) -> None:
    """Replace ``path`` with ``data`` atomically and durably, at ``mode``."""
    if isinstance(data, str):
        data = data.encode('utf-8')
    path = os.fspath(path)
    parent, name = os.path.split(path)
    with directory(parent, policy, create=policy.create_directories) as dir_fd:
        if dir_fd is None:
            raise FileNotFoundError(errno.ENOENT, 'no such directory', parent)
        _refuse_non_regular(dir_fd, path)
        temp = _written_temp(dir_fd, path, data, mode)
        try:
            os.rename(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            os.unlink(temp, dir_fd=dir_fd)
            raise
        os.fsync(dir_fd)


@_naming_the_path
def create_exclusive(path: StrPath, data: bytes, mode: int = FILE_MODE,
                     policy: Policy = OWN) -> bool:
    """Create ``path`` holding ``data`` durably unless the name is taken
    (False then): a complete temp file is hard-linked to the name, which
    fails rather than replaces."""
    path = os.fspath(path)
    parent, name = os.path.split(path)
    with directory(parent, policy, create=policy.create_directories) as dir_fd:
        if dir_fd is None:
            raise FileNotFoundError(errno.ENOENT, 'no such directory', parent)
        temp = _written_temp(dir_fd, path, data, mode)
        try:
            os.link(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd,
                    follow_symlinks=False)
        except FileExistsError:
            return False
        finally:
            os.unlink(temp, dir_fd=dir_fd)
        os.fsync(dir_fd)
        return True


@_naming_the_path
def remove_durable(path: StrPath, policy: Policy = OWN) -> bool:
    """Remove ``path`` if present, durably; True if something was removed."""
    parent, name = os.path.split(path)
    with directory(parent, policy, create=False) as dir_fd:
        if dir_fd is None:
            return False
        try:
            os.unlink(name, dir_fd=dir_fd)
        except FileNotFoundError:
            return False
        os.fsync(dir_fd)
        return True


@_naming_the_path
def list_directory(path: StrPath, policy: Policy = OWN) -> list[str]:
    """The names in directory ``path`` (checked like any other); [] if missing."""
    with directory(path, policy, create=False) as fd:
        return [] if fd is None else os.listdir(fd)


@_naming_the_path
def ensure_directory(path: StrPath) -> None:
    """Make one of vyflow's own directories (0755, every missing one on the
    way), checked like every directory vyflow uses."""
    with directory(path, OWN, create=True):
        pass


@_naming_the_path
def open_for_append(path: StrPath, mode: int = FILE_MODE) -> int:
    """A descriptor appending to one of vyflow's own files (the log),
    created at ``mode``; the caller closes it."""
    path = os.fspath(path)
    with directory(os.path.dirname(path), OWN, create=True) as dir_fd:
        fd = open_in(dir_fd, path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_MODE)
    _own_mode(fd, mode)
    return fd


@_naming_the_path
def open_lock(path: StrPath) -> int:
    """A descriptor of one of vyflow's lock files (0600), for ``flock``."""
    path = os.fspath(path)
    with directory(os.path.dirname(path), OWN, create=True) as dir_fd:
        fd = open_in(dir_fd, path, os.O_RDWR | os.O_CREAT, PRIVATE_MODE)
    _own_mode(fd, PRIVATE_MODE)
    return fd


def _own_mode(fd: int, mode: int) -> None:
    """Give a file we own exactly ``mode`` (a file made by an older version
    or under another umask is brought in line)."""
    info = os.fstat(fd)
    if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) != mode:
        os.fchmod(fd, mode)
