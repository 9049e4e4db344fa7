"""The commit archive: one compressed file per committed revision.

Revision 0 is the newest (the running config), and the last 100 are kept.
Each file holds the config text with its metadata (time, user, via, comment),
so recording a revision is a single atomic write and a crash can never leave
metadata without its config or the reverse.

Files are named ``rev-<sequence>.json.gz``, the sequence zero-padded to eight
digits and growing past them (``rev-100000000``), so no name — planted or
damaged — can stop the numbering: a new revision always gets a number above
every name present. Only canonical names count; anything else in the
directory is ignored. Revision numbers are positions from the newest over all
revision files; one that cannot be read stays in its place, listed as
damaged, and is never taken for another.

A commit *stages* its revision (written and fsynced under a temp name) before
it changes the system and puts it in place after its commit point; a commit
killed in between leaves the staged file, which the next commit puts in place
if it matches the running config, so the revision keeps its user and comment.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import time
import zlib

from vyflow.atomicfile import (StagedWrite, list_directory, read_bytes, remove_durable,
                               stale_temps)
from vyflow.errors import DamagedFileError, RevisionError
from vyflow.logfile import logger
from vyflow.records import dataclass
from vyflow.safepath import StrPath

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from typing import Union


KEEP = 100
_NAME = re.compile(r'^rev-(\d{8,})\.json\.gz$')
_TEXT_FIELDS = ('user', 'via', 'comment', 'config')
SKIPPED = 'skip it: roll back to or compare another revision (it leaves the list once 100 newer ones exist, or when the file is removed)'


@dataclass
class Revision:
    sequence: int
    time: float
    user: str
    via: str
    comment: str
    config: str

    def summary(self) -> dict:
        return {'timestamp': int(self.time), 'user': self.user, 'via': self.via,
                'comment': self.comment}


@dataclass
class DamagedRevision:
    """A revision file that cannot be read: shown in its place, never used."""

    sequence: int
    path: str
    reason: str

    def summary(self) -> dict:
        return {'damaged': f'{self.path}: {self.reason}'}


if TYPE_CHECKING:
    Entry = Union[Revision, DamagedRevision]


def _decode(sequence: int | None, data: bytes) -> Revision:
    """A revision file's bytes -> Revision; ValueError says what is wrong.
    ``sequence``: the one its name gives (None: take the one it holds)."""
    try:
        text = gzip.decompress(data).decode('utf-8')
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f'not a complete gzip file: {exc}') from None
    except UnicodeDecodeError as exc:
        raise ValueError(f'not UTF-8 text: {exc.reason}') from None
    try:
        payload = json.loads(text)
    except ValueError as exc:
        raise ValueError(f'not JSON: {exc}') from None
    if not isinstance(payload, dict):
        raise ValueError('not a JSON object')
    stamp = payload.get('time')
    if isinstance(stamp, bool) or not isinstance(stamp, (int, float)):
        raise ValueError('"time" is not a number')
    for name in _TEXT_FIELDS:
        if not isinstance(payload.get(name), str):
            raise ValueError(f'"{name}" is not a string')
    held = payload.get('sequence', sequence)
    if isinstance(held, bool) or not isinstance(held, int) or (sequence is not None
                                                                  and held != sequence):
        raise ValueError(f'it says it is sequence {held!r}, not {sequence}')
    return Revision(held, float(stamp), *(payload[name] for name in _TEXT_FIELDS))


class StagedRevision:
    """A revision written under a temp name; ``commit`` puts it in place."""

    def __init__(self, archive: Archive, sequence: int, staged: StagedWrite):
        self.archive = archive
        self.sequence = sequence
        self.staged = staged

    def commit(self) -> int:
        self.staged.commit()
        self.archive.prune()
        return self.sequence

    def abandon(self) -> None:
        self.staged.abandon()


class Archive:
    def __init__(self, directory: StrPath, keep: int = KEEP):
        self.directory = os.fspath(directory)
        self.keep = keep

    def sequences(self) -> list[int]:
        """Sequence numbers of the revision files present, newest first."""
        found = []
        for name in list_directory(self.directory):
            match = _NAME.match(name)
            if match and self._name(int(match.group(1))) == name:  # canonical only
                found.append(int(match.group(1)))
        return sorted(found, reverse=True)

    @staticmethod
    def _name(sequence: int) -> str:
        return f'rev-{sequence:08d}.json.gz'

    def _path(self, sequence: int) -> str:
        return os.path.join(self.directory, self._name(sequence))

    def _entry(self, sequence: int) -> Entry:
        path = self._path(sequence)
        try:
            data = read_bytes(path)
            if data is None:
                return DamagedRevision(sequence, path, 'removed while being read')
            return _decode(sequence, data)
        except (OSError, ValueError) as exc:
            return DamagedRevision(sequence, path, str(exc))

    def entries(self) -> list[Entry]:
        """Every revision, newest first; damaged ones in their place."""
        return [self._entry(sequence) for sequence in self.sequences()]

    list = entries

    def count(self) -> int:
        return len(self.sequences())

    def get(self, number: int) -> Revision:
        """Revision ``number`` (0 = newest); a damaged one is an error naming it."""
        sequences = self.sequences()
        if not 0 <= number < len(sequences):
            limit = (f'must be 0 to {len(sequences) - 1}' if sequences
                     else 'the archive is empty')
            raise RevisionError(f'Invalid revision number {number}: {limit}')
        entry = self._entry(sequences[number])
        if isinstance(entry, DamagedRevision):
            raise DamagedFileError(entry.path, entry.reason,
                                   f'revision {number} cannot be used; {SKIPPED}')
        return entry

    def newest(self) -> Revision | None:
        """The newest revision that can be read (damaged ones are skipped)."""
        for sequence in self.sequences():
            entry = self._entry(sequence)
            if isinstance(entry, Revision):
                return entry
        return None

    def stage(self, config: str, user: str, via: str, comment: str = '',
              stamp: float | None = None) -> StagedRevision:
        """Write the next revision under a temp name (OSError: nothing written)."""
        sequences = self.sequences()
        sequence = sequences[0] + 1 if sequences else 1
        payload = json.dumps({'sequence': sequence, 'time': time.time() if stamp is None else stamp,
                              'user': user, 'via': via, 'comment': comment, 'config': config})
        staged = StagedWrite(self._path(sequence), gzip.compress(payload.encode('utf-8'), mtime=0))
        return StagedRevision(self, sequence, staged)

    def record(self, config: str, user: str, via: str, comment: str = '',
               stamp: float | None = None) -> int | None:
        """Record a revision unless it equals the newest; returns its sequence."""
        newest = self.newest()
        if newest is not None and newest.config == config:
            return None
        return self.stage(config, user, via, comment, stamp).commit()

    def prune(self) -> None:
        """Drop revisions beyond the newest ``keep``; a failure only waits
        for the next commit."""
        for old in self.sequences()[self.keep:]:
            try:
                remove_durable(self._path(old))
            except OSError as exc:
                logger('vyflow.archive').warning('cannot remove old revision %s: %s',
                                                 self._path(old), exc)

    def recover_staged(self, running_text: str) -> int | None:
        """Under the commit lock: put in place a revision that a killed commit
        staged for ``running_text`` (its commit point passed), and remove
        every other left-over staged file. Returns the sequence recorded."""
        recorded = None
        for temp in stale_temps(self.directory, 'rev-'):
            if recorded is None:
                try:
                    revision = _decode(None, read_bytes(temp) or b'')
                except (OSError, ValueError):
                    revision = None
                if revision is not None and revision.config == running_text:
                    recorded = self.record(revision.config, revision.user, revision.via,
                                           revision.comment, revision.time)
            remove_durable(temp)
        return recorded
