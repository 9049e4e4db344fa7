"""Output that can never fail a commit.

A commit's messages go to a terminal or a pipe that may go away mid-commit
(``vyflow commit | head -1``, a closed SSH session). Losing a message must
not turn into an exception inside apply, which would undo a good commit and
then claim the restore failed. Everything a commit prints — its own lines,
warnings, and what conf_mode scripts print — goes through ``TolerantOutput``:
the first write that fails silences the stream for the rest of the process
(its descriptor is pointed at /dev/null, so nothing fails at exit either).
"""

from __future__ import annotations

import io
import os
from typing import TextIO


class TolerantOutput(io.TextIOBase):
    """Forwards text to ``stream``; a failed write is dropped, never raised."""

    def __init__(self, stream: TextIO):
        super().__init__()
        self.stream = stream
        self.lost = False

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not self.lost:
            try:
                self.stream.write(text)
                self.stream.flush()
            except (OSError, ValueError):
                self.lost = True
                self._silence()
        return len(text)

    def flush(self) -> None:
        if not self.lost:
            try:
                self.stream.flush()
            except (OSError, ValueError):
                self.lost = True
                self._silence()

    def _silence(self) -> None:
        """Point the stream's descriptor at /dev/null, so what is still
        buffered (and the interpreter's flush at exit) goes nowhere quietly."""
        try:
            target = self.stream.fileno()
        except (OSError, ValueError, AttributeError):
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, target)
        finally:
            os.close(devnull)
        try:
            self.stream.flush()
        except (OSError, ValueError):
            pass


def tolerant(stream: TextIO) -> TolerantOutput:
    return stream if isinstance(stream, TolerantOutput) else TolerantOutput(stream)
