"""Replace a migrated file, keeping the original bytes next to it.

The backup is ``<file>.pre-migration``; if that name holds something else
(an earlier migration's original), ``<file>.pre-migration.1``, ``.2``, … so no
backup is ever overwritten. It is created with a hard link from a complete
temp file (atomicfile.create_exclusive), which fails rather than replaces when
the name is taken, and it is written before the file itself: after a crash at
any point the original bytes exist in the file or in the backup. Only the
config vyflow keeps is rewritten, and through no link (``load`` never rewrites
the operator's file).
"""

from __future__ import annotations

import itertools
import logging
from pathlib import Path

from vyflow.atomicfile import FILE_MODE, create_exclusive, read_bytes, write_atomic
from vyflow.errors import MigrationError
from vyflow.safepath import StrPath

SUFFIX = '.pre-migration'

log = logging.getLogger('vyflow.migration')


def replace_keeping_backup(path: StrPath, original: bytes, text: str) -> Path:
    """Keep ``original`` as a backup of ``path``, then write ``text`` to it.

    Returns the backup. On failure raises MigrationError with ``path``
    unchanged (and no backup left behind that this call created): the file
    then still holds the original, which is all a backup would have kept.
    """
    target = Path(path)
    try:
        backup, created = _keep(target, original)
    except OSError as exc:
        raise _unchanged(f'{path} was not rewritten: no backup can be kept next to it '
                         f'({exc.strerror})') from None
    try:
        write_atomic(target, text)
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


def _keep(target: Path, original: bytes) -> tuple[Path, bool]:
    """(backup path, whether this call created it); an existing backup with
    the same bytes is reused rather than duplicated."""
    for index in itertools.count():
        candidate = target.with_name(target.name + SUFFIX + (f'.{index}' if index else ''))
        existing = read_bytes(candidate)
        if existing == original:
            return candidate, False
        if existing is None and create_exclusive(candidate, original, FILE_MODE):
            return candidate, True

