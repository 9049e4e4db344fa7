"""Reaching a file without following what another user could have planted.

vyflow runs as root among local users who may plant symbolic links, FIFOs or
their own directories wherever they can write. So every file is reached by
walking its path one directory at a time from ``/`` with ``O_NOFOLLOW``
(``openat`` on the parent's descriptor), each directory is checked on the
descriptor actually used, and then the file is opened relative to it: what was
checked is what is used, and a link swapped in later is never followed.

A ``Policy`` says what a path must be:

- ``OWN``, vyflow's own files (configs, archive, locks, log, state): every
  directory from ``/`` down owned by root or the user running vyflow, none
  writable by others except sticky ones on the way (``/tmp``), the file's own
  directory writable by its owner only; no link followed; missing
  directories created 0755 whatever the umask.
- ``OPERATOR``, a file the operator names on the system (``save FILE``,
  ``load FILE``): any directory the operator chooses, since a write only
  ever replaces a name inside it; links on the way are followed only when
  root or the running user owns them (``/var/run`` works, a link planted by
  someone else does not).
- ``OPERATOR_IN_ROOT``, the same under ``--root``: no link followed at all,
  so nothing leads out of the root.

The file itself must be a regular file: opened ``O_NONBLOCK`` first, so a FIFO
cannot hang vyflow, and refused if it is anything else.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager

from vyflow.errors import FileKindError, UnsafePathError
from vyflow.records import dataclass
from vyflow.text import shown

StrPath = str | os.PathLike[str]
"""A path as vyflow's own modules pass it (``str``), or as callers that build
paths with pathlib pass it: public functions take both (``os.fspath``)."""

DIRECTORY_MODE = 0o755
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


def trusted_owners() -> frozenset[int]:
    """Who may own what vyflow relies on: root and the user running vyflow."""
    return frozenset({0, os.geteuid()})


def kind_of(mode: int) -> str:
    """What a file is, for messages: "a symbolic link", "a FIFO", …"""
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


def _trusted_link(dir_fd: int, name: str) -> str | None:
    """The target of ``name`` if it is a link root or we own, else None."""
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError:
        return None
    if stat.S_ISLNK(info.st_mode) and info.st_uid in trusted_owners():
        return os.readlink(name, dir_fd=dir_fd)
    return None


def _names(path: str) -> list[str]:
    """The names below ``/`` in the absolute ``path``, normalised."""
    return [name for name in os.path.normpath(path).split('/') if name]


def _open_directory(path: str, policy: Policy, create: bool) -> int | None:
    """A descriptor of directory ``path`` walked from ``/`` without following
    untrusted links, each directory checked; None if it does not exist."""
    if not os.path.isabs(path):
        raise ValueError(f'{path} is not absolute')
    pending = _names(path)
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
                        f'{shown(where)} is {kind_of(info.st_mode)}, not a directory: vyflow does '
                        'not follow links another user could have planted') from None
                # Restart from / on the link's target (paths walked so far hold no links,
                # so ".." in the target can be resolved by name).
                base = '/' if target.startswith('/') else '/' + '/'.join(walked)
                pending = _names(os.path.join(base, target)) + pending
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
def directory(path: StrPath, policy: Policy, create: bool) -> Iterator[int | None]:
    """The checked directory ``path`` as a descriptor (None if it does not
    exist and is not to be created), closed afterwards."""
    fd = _open_directory(os.fspath(path), policy, create)
    try:
        yield fd
    finally:
        if fd is not None:
            os.close(fd)


def open_in(dir_fd: int, path: str, flags: int, mode: int) -> int:
    """Open the file ``path``'s last name inside ``dir_fd`` (its directory)
    without following a link; refuse anything but a regular file."""
    name = os.path.basename(path)
    try:
        fd = os.open(name, flags | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, mode,
                     dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.EISDIR, errno.ENXIO):
            raise
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        raise FileKindError(f'{shown(path)} is {kind_of(info.st_mode)}: vyflow uses only '
                            'regular files and never follows a link there') from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise FileKindError(f'{shown(path)} is {kind_of(info.st_mode)}: vyflow uses only '
                            'regular files')
    os.set_blocking(fd, True)
    return fd


def final_link(path: str, policy: Policy) -> str:
    """An operator's path whose last component is a trusted link, resolved
    (repeatedly); any other path as it is."""
    for _ in range(_MAX_LINKS):
        if not policy.follow_trusted_links:
            return path
        parent, name = os.path.split(path)
        with directory(parent, policy, create=False) as dir_fd:
            target = None if dir_fd is None else _trusted_link(dir_fd, name)
        if target is None:
            return path
        path = os.path.normpath(os.path.join(parent, target))
    return path
