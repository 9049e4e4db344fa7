"""Replace a migrated file, keeping the original bytes next to it.

The backup is ``<file>.pre-migration``; if that name holds something else
(an earlier migration's original), ``<file>.pre-migration.1``, ``.2``, … so no
backup is ever overwritten. It is created with a hard link from a complete
temp file, which fails rather than replaces when the name is taken, and it is
written before the file itself: after a crash at any point the original bytes
exist in the file or in the backup.
"""

from __future__ import annotations

import itertools
import logging
import os
import stat
from pathlib import Path

from vyflow.atomicfile import fsync_directory, write_atomic
from vyflow.errors import MigrationError

SUFFIX = '.pre-migration'

log = logging.getLogger('vyflow.migration')


def replace_keeping_backup(path: Path, original: bytes, text: str) -> Path:
    """Keep ``original`` as a backup of ``path``, then write ``text`` to it.

    Returns the backup. On failure raises MigrationError with ``path``
    unchanged (and no backup left behind that this call created): the file
    then still holds the original, which is all a backup would have kept.
    """
    target = path.resolve()
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
        backup, created = _keep(target, original, mode)
    except OSError as exc:
        raise _unchanged(f'{path} was not rewritten: no backup can be kept next to it '
                         f'({exc.strerror})') from None
    try:
        write_atomic(target, text, mode)
    except OSError as exc:
        if created:
            backup.unlink(missing_ok=True)
        raise _unchanged(f'{path} was not rewritten ({exc.strerror})') from None
    log.info('%s: migrated; the original is kept as %s', path, backup)
    return backup


def _unchanged(what: str) -> MigrationError:
    message = f'{what}; it is unchanged and still holds the original'
    log.warning('%s', message)
    return MigrationError(message)


def _keep(target: Path, original: bytes, mode: int) -> tuple[Path, bool]:
    """(backup path, whether this call created it); an existing backup with
    the same bytes is reused rather than duplicated."""
    for index in itertools.count():
        candidate = target.with_name(target.name + SUFFIX + (f'.{index}' if index else ''))
        try:
            if candidate.read_bytes() == original:
                return candidate, False
            continue
        except FileNotFoundError:
            pass
        if _create_exclusive(candidate, original, mode):
            return candidate, True


def _create_exclusive(path: Path, data: bytes, mode: int) -> bool:
    """Write ``path`` durably unless it exists; False if it does."""
    temp = path.with_name(f'.{path.name}.{os.getpid()}.tmp')
    try:
        with open(temp, 'wb') as handle:
            os.chmod(temp, mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temp, path)
    except FileExistsError:
        return False
    finally:
        temp.unlink(missing_ok=True)
    fsync_directory(path.parent)
    return True
