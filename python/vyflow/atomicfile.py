"""Crash-safe file writes and removals.

Every persistent write is: temp file in the same directory -> write -> fsync ->
rename over the target -> fsync of the directory. A reader (or a process
killed at any instant) therefore sees the old file or the new one, never a mix,
and after a power cut the rename is durable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Optional


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class StagedWrite:
    """A new version of ``path`` written and fsynced under a temp name in the
    same directory, not yet in place: ``commit`` renames it over ``path``,
    ``abandon`` removes it. A commit stages every file it will record before
    it changes the system, so a full or read-only disk stops it while nothing
    has changed yet, and the renames left after the apply need no space."""

    def __init__(self, path: Path, data: bytes | str, mode: int = 0o644):
        if isinstance(data, str):
            data = data.encode('utf-8')
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.temp = path.with_name(f'.{path.name}.{secrets.token_hex(6)}.tmp')
        fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            self.temp.unlink(missing_ok=True)
            raise
        os.close(fd)

    def commit(self) -> None:
        """Put the staged file in place, durably."""
        try:
            os.replace(self.temp, self.path)
        except BaseException:
            self.abandon()
            raise
        fsync_directory(self.path.parent)

    def abandon(self) -> None:
        self.temp.unlink(missing_ok=True)


def stale_temps(directory: Path, name_prefix: str) -> list[Path]:
    """Temp files that staged writes of files named ``name_prefix…`` left
    behind when their process was killed (only meaningful under the lock that
    serialises those writes)."""
    try:
        return [entry for entry in directory.iterdir()
                if entry.name.startswith(f'.{name_prefix}') and entry.name.endswith('.tmp')]
    except FileNotFoundError:
        return []


def write_atomic(path: Path, data: bytes | str, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` atomically and durably."""
    StagedWrite(path, data, mode).commit()


def remove_durable(path: Path) -> bool:
    """Remove ``path`` if present, durably; True if something was removed."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    fsync_directory(path.parent)
    return True


def read_text(path: Path) -> Optional[str]:
    """The file's text, or None when it does not exist."""
    try:
        return path.read_text(encoding='utf-8')
    except FileNotFoundError:
        return None


def read_bytes(path: Path) -> Optional[bytes]:
    """The file's bytes, or None when it does not exist."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
