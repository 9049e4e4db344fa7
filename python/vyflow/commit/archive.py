"""The commit archive: one compressed file per committed revision.

Revision 0 is the newest (the running config), and the last 100 are kept.
Each file holds the config text with its metadata (time, user, via, comment),
so recording a revision is a single atomic write and a crash can never leave
metadata without its config or the reverse. Files are named by a monotonically
increasing sequence number; revision numbers are positions from the newest.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from vyflow.atomicfile import list_directory, read_bytes, remove_durable, write_atomic
from vyflow.errors import RevisionError

KEEP = 100
_NAME = re.compile(r'^rev-([0-9]{8})\.json\.gz$')


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


class Archive:
    def __init__(self, directory: Path, keep: int = KEEP):
        self.directory = directory
        self.keep = keep

    def _sequences(self) -> list[int]:
        """Sequence numbers present, newest first."""
        names = [match.group(1) for match in map(_NAME.match, list_directory(self.directory))
                 if match]
        return sorted((int(n) for n in names), reverse=True)

    def _path(self, sequence: int) -> Path:
        return self.directory / f'rev-{sequence:08d}.json.gz'

    def _read(self, sequence: int) -> Revision:
        data = json.loads(gzip.decompress(read_bytes(self._path(sequence)) or b'').decode('utf-8'))
        return Revision(sequence, data['time'], data['user'], data['via'], data['comment'],
                        data['config'])

    def count(self) -> int:
        return len(self._sequences())

    def get(self, number: int) -> Revision:
        """Revision ``number`` (0 = newest)."""
        sequences = self._sequences()
        if not 0 <= number < len(sequences):
            limit = (f'must be 0 to {len(sequences) - 1}' if sequences
                     else 'the archive is empty')
            raise RevisionError(f'Invalid revision number {number}: {limit}')
        return self._read(sequences[number])

    def newest(self) -> Optional[Revision]:
        sequences = self._sequences()
        return self._read(sequences[0]) if sequences else None

    def list(self) -> list[Revision]:
        return [self._read(sequence) for sequence in self._sequences()]

    def record(self, config: str, user: str, via: str, comment: str = '') -> Optional[int]:
        """Record a revision unless it equals the newest; returns its sequence."""
        sequences = self._sequences()
        if sequences and self._read(sequences[0]).config == config:
            return None
        sequence = sequences[0] + 1 if sequences else 1
        payload = json.dumps({'time': time.time(), 'user': user, 'via': via,
                              'comment': comment, 'config': config})
        write_atomic(self._path(sequence), gzip.compress(payload.encode('utf-8'), mtime=0))
        for old in sequences[self.keep - 1:]:
            remove_durable(self._path(old))
        return sequence
