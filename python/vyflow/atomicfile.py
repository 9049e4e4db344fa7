"""Safe, crash-safe file access: the only way vyflow opens the files it keeps.

vyflow runs as root among local users who may plant symbolic links, FIFOs or
their own directories wherever they can write. So every file is reached by
walking its path one directory at a time from ``/`` with ``O_NOFOLLOW``
(``openat`` on the parent's descriptor), each directory is checked on the
descriptor actually used, and then the file is opened relative to it: what was
checked is what is used, and a link swapped in later is never followed.

vyflow's own files (``OWN``: configs, archive, locks, log, state) must live in
directories owned by root or by the user running vyflow and writable by nobody
else; missing directories are created 0755 whatever the umask. Files are
written as: unpredictable temp name created ``O_EXCL|O_NOFOLLOW`` at 0600 ->
write -> ``fchmod`` to the final mode -> fsync -> rename over the target ->
fsync of the directory. A reader, or a process killed at any instant, sees the
old file or the new one, never a mix, and after a power cut the rename is
durable; the rename replaces a name in the checked directory and never writes
through a link.

Files the operator names (``save FILE``, ``load FILE``) may be anywhere the
operator chooses (``OPERATOR``): their directories may have any owner, since a
write only ever replaces a name inside the named directory; symbolic links on
the way are followed only when root or the running user owns them (so
``/var/run`` works and a link planted by someone else does not), and the file
itself must be a regular file (or, for a save, not exist yet). Under ``--root``
(``OPERATOR_IN_ROOT``) no link is followed at all, so nothing leads out of the
root.
"""

from __future__ import annotations

import errno
import functools
import os
import stat
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional, TypeVar

from vyflow.errors import FileKindError, LimitError, UnsafePathError
from vyflow.text import shown

MAX_FILE_BYTES = 64 * 1024 * 1024
"""No file vyflow reads may be larger: a 100,000-node config is ~3 MB."""

DIRECTORY_MODE = 0o755
FILE_MODE = 0o640     # configs and archive: they may hold secrets of other sections
PRIVATE_MODE = 0o600  # temp files until renamed, locks, commit-confirm state

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_MAX_LINKS = 40


@dataclass(frozen=True)
class Policy:
    """How a path is walked and what its directories must be."""

    check_owners: bool         # directories owned by root or the running user
    final_private: bool        # the file's directory writable by its owner only (no sticky /tmp)
    follow_trusted_links: bool  # follow links owned by root or the running user
    create_directories: bool


OWN = Policy(check_owners=True, final_private=True, follow_trusted_links=False,
             create_directories=True)
OPERATOR = Policy(check_owners=False, final_private=False, follow_trusted_links=True,
                  create_directories=False)
OPERATOR_IN_ROOT = Policy(check_owners=True, final_private=False, follow_trusted_links=False,
                          create_directories=False)


Function = TypeVar('Function', bound=Callable)


def _naming_the_path(function: Function) -> Function:
    """Operating-system errors name the whole path (calls relative to a
    directory descriptor only know the last component)."""
    @functools.wraps(function)
    def wrapper(path: Path, *args, **kwargs):
        try:
            return function(path, *args, **kwargs)
        except OSError as exc:
            if exc.filename is None or not str(exc.filename).startswith('/'):
                exc.filename = str(path)
            raise
    return wrapper  # type: ignore[return-value]


def trusted_owners() -> frozenset[int]:
    """Who may own what vyflow relies on: root and the user running vyflow."""
    return frozenset({0, os.geteuid()})


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, 'a symbolic link'), (stat.S_ISDIR, 'a directory'),
                       (stat.S_ISCHR, 'a character device'), (stat.S_ISBLK, 'a block device'),
                       (stat.S_ISFIFO, 'a FIFO'), (stat.S_ISSOCK, 'a socket')):
        if test(mode):
            return name
    return 'a regular file' if stat.S_ISREG(mode) else 'not a regular file'


def _check_directory(fd: int, where: str, policy: Policy, final: bool) -> None:
    """Refuse a directory someone other than root or us could change."""
    if not policy.check_owners:
        return
    info = os.fstat(fd)
    if info.st_uid not in trusted_owners():
        raise UnsafePathError(
            f'{shown(where)} is owned by uid {info.st_uid}, not by root or the user running '
            'vyflow: vyflow keeps nothing where another user could change it '
            '(chown it, or give a --root you own)')
    writable_by_others = info.st_mode & 0o022
    sticky = info.st_mode & stat.S_ISVTX
    if writable_by_others and (final and policy.final_private or not sticky):
        raise UnsafePathError(
            f'{shown(where)} is writable by group or others (mode '
            f'{stat.S_IMODE(info.st_mode):04o}): vyflow keeps nothing where another user could '
            f'change it (chmod go-w {shown(where)})')


def _trusted_link(dir_fd: int, name: str) -> Optional[str]:
    """The target of ``name`` if it is a link root or we own, else None."""
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError:
        return None
    if stat.S_ISLNK(info.st_mode) and info.st_uid in trusted_owners():
        return os.readlink(name, dir_fd=dir_fd)
    return None


def _open_directory(path: Path, policy: Policy, create: bool) -> Optional[int]:
    """A descriptor of directory ``path`` walked from ``/`` without following
    untrusted links, each directory checked; None if it does not exist."""
    if not path.is_absolute():
        raise ValueError(f'{path} is not absolute')
    pending = list(Path(os.path.normpath(path)).parts[1:])
    walked: list[str] = []
    links = 0
    fd = os.open('/', _DIRECTORY)
    try:
        _check_directory(fd, '/', policy, final=not pending)
        while pending:
            name = pending.pop(0)
            if name in ('', '.'):
                continue
            where = '/' + '/'.join(walked + [name])
            try:
                child = os.open(name, _DIRECTORY, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    os.close(fd)
                    return None
                child = _make_directory(fd, name, where)
            except OSError as exc:
                if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                    exc.filename = where
                    raise
                target = _trusted_link(fd, name) if policy.follow_trusted_links else None
                links += 1
                if target is None or links > _MAX_LINKS:
                    info = os.stat(name, dir_fd=fd, follow_symlinks=False)
                    raise UnsafePathError(
                        f'{shown(where)} is {_kind(info.st_mode)}, not a directory: vyflow does '
                        'not follow links another user could have planted') from None
                # Restart from / on the link's target (paths walked so far hold no links,
                # so ".." in the target can be resolved by name).
                base = '/' if target.startswith('/') else '/' + '/'.join(walked)
                resolved = Path(os.path.normpath(os.path.join(base, target)))
                pending = list(resolved.parts[1:]) + pending
                walked = []
                os.close(fd)
                fd = os.open('/', _DIRECTORY)
                continue
            os.close(fd)
            fd = child
            walked.append(name)
            _check_directory(fd, where, policy, final=not pending)
        return fd
    except BaseException:
        os.close(fd)
        raise


def _make_directory(parent_fd: int, name: str, where: str) -> int:
    """Create ``name`` (0755 whatever the umask) and open it."""
    try:
        os.mkdir(name, 0o700, dir_fd=parent_fd)
        created = True
    except FileExistsError:
        created = False  # made meanwhile by someone else: checked like any other
    except OSError as exc:
        exc.filename = where
        raise
    fd = os.open(name, _DIRECTORY, dir_fd=parent_fd)
    if created:
        os.fchmod(fd, DIRECTORY_MODE)
    return fd


@contextmanager
def _directory(path: Path, policy: Policy, create: bool) -> Iterator[Optional[int]]:
    fd = _open_directory(path, policy, create)
    try:
        yield fd
    finally:
        if fd is not None:
            os.close(fd)


def _open_in(dir_fd: int, path: Path, flags: int, mode: int, policy: Policy) -> int:
    """Open the file ``path.name`` inside ``dir_fd`` without following a link;
    refuse anything but a regular file."""
    try:
        fd = os.open(path.name, flags | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, mode,
                     dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.EISDIR, errno.ENXIO):
            raise
        info = os.stat(path.name, dir_fd=dir_fd, follow_symlinks=False)
        raise FileKindError(f'{shown(str(path))} is {_kind(info.st_mode)}: vyflow uses only '
                            'regular files and never follows a link there') from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise FileKindError(f'{shown(str(path))} is {_kind(info.st_mode)}: vyflow uses only '
                            'regular files')
    os.set_blocking(fd, True)
    return fd


def _final_link(path: Path, policy: Policy) -> Path:
    """An operator's path whose last component is a trusted link, resolved
    (repeatedly); any other path as it is."""
    for _ in range(_MAX_LINKS):
        if not policy.follow_trusted_links:
            return path
        with _directory(path.parent, policy, create=False) as dir_fd:
            target = None if dir_fd is None else _trusted_link(dir_fd, path.name)
        if target is None:
            return path
        path = Path(os.path.normpath(os.path.join(path.parent, target)))
    return path


@_naming_the_path
def read_bytes(path: Path, policy: Policy = OWN, limit: int = MAX_FILE_BYTES) -> Optional[bytes]:
    """The file's bytes, or None when it (or its directory) does not exist."""
    path = _final_link(path, policy)
    with _directory(path.parent, policy, create=False) as dir_fd:
        if dir_fd is None:
            return None
        try:
            fd = _open_in(dir_fd, path, os.O_RDONLY, 0, policy)
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


def _too_large(path: Path, limit: int) -> LimitError:
    return LimitError(f'{shown(str(path))} is larger than {limit // (1024 * 1024)} MiB, '
                      'the most vyflow reads')


def read_text(path: Path, policy: Policy = OWN, limit: int = MAX_FILE_BYTES) -> Optional[str]:
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


def _refuse_non_regular(dir_fd: int, path: Path) -> None:
    """A name about to be replaced must be a regular file (or absent): a save
    never turns /dev/null or a link into a file."""
    try:
        info = os.stat(path.name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(info.st_mode):
        raise FileKindError(f'{shown(str(path))} is {_kind(info.st_mode)}: vyflow writes only '
                            'regular files or new ones, and never through a link')


def _written_temp(dir_fd: int, path: Path, data: bytes, mode: int) -> str:
    temp, fd = _temp_file(dir_fd, path.name)
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


@_naming_the_path
def write_atomic(path: Path, data: bytes | str, mode: int = FILE_MODE,
                 policy: Policy = OWN) -> None:
    """Replace ``path`` with ``data`` atomically and durably, at ``mode``."""
    if isinstance(data, str):
        data = data.encode('utf-8')
    with _directory(path.parent, policy, create=policy.create_directories) as dir_fd:
        if dir_fd is None:
            raise FileNotFoundError(errno.ENOENT, 'no such directory', str(path.parent))
        _refuse_non_regular(dir_fd, path)
        temp = _written_temp(dir_fd, path, data, mode)
        try:
            os.rename(temp, path.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            os.unlink(temp, dir_fd=dir_fd)
            raise
        os.fsync(dir_fd)


@_naming_the_path
def create_exclusive(path: Path, data: bytes, mode: int = FILE_MODE,
                     policy: Policy = OWN) -> bool:
    """Create ``path`` holding ``data`` durably unless the name is taken
    (False then): a complete temp file is hard-linked to the name, which
    fails rather than replaces."""
    with _directory(path.parent, policy, create=policy.create_directories) as dir_fd:
        if dir_fd is None:
            raise FileNotFoundError(errno.ENOENT, 'no such directory', str(path.parent))
        temp = _written_temp(dir_fd, path, data, mode)
        try:
            os.link(temp, path.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd,
                    follow_symlinks=False)
        except FileExistsError:
            return False
        finally:
            os.unlink(temp, dir_fd=dir_fd)
        os.fsync(dir_fd)
        return True


@_naming_the_path
def remove_durable(path: Path, policy: Policy = OWN) -> bool:
    """Remove ``path`` if present, durably; True if something was removed."""
    with _directory(path.parent, policy, create=False) as dir_fd:
        if dir_fd is None:
            return False
        try:
            os.unlink(path.name, dir_fd=dir_fd)
        except FileNotFoundError:
            return False
        os.fsync(dir_fd)
        return True


@_naming_the_path
def list_directory(path: Path, policy: Policy = OWN) -> list[str]:
    """The names in directory ``path`` (checked like any other); [] if missing."""
    with _directory(path, policy, create=False) as fd:
        return [] if fd is None else os.listdir(fd)


@_naming_the_path
def open_for_append(path: Path, mode: int = FILE_MODE) -> int:
    """A descriptor appending to one of vyflow's own files (the log),
    created at ``mode``; the caller closes it."""
    with _directory(path.parent, OWN, create=True) as dir_fd:
        fd = _open_in(dir_fd, path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_MODE, OWN)
    _own_mode(fd, mode)
    return fd


@_naming_the_path
def open_lock(path: Path) -> int:
    """A descriptor of one of vyflow's lock files (0600), for ``flock``."""
    with _directory(path.parent, OWN, create=True) as dir_fd:
        fd = _open_in(dir_fd, path, os.O_RDWR | os.O_CREAT, PRIVATE_MODE, OWN)
    _own_mode(fd, PRIVATE_MODE)
    return fd


def _own_mode(fd: int, mode: int) -> None:
    """Give a file we own exactly ``mode`` (a file made by an older version
    or under another umask is brought in line)."""
    info = os.fstat(fd)
    if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) != mode:
        os.fchmod(fd, mode)
