"""The flow files: which time slot each holds, which are damaged, how much disk they use.

nfcapd names each finished file by the start of its slot (``nfcapd.YYYYMMDDhhmm``,
with seconds when the interval is under a minute; UTC, because our collector
runs with TZ=UTC) and writes the one in progress as ``nfcapd.current.PID``,
which queries leave alone. A file holds the flows the collector *received*
in its slot, i.e. flows exported then: a window selects whole files.

nfdump stops reading a list of files at the first one it cannot open as a flow
file, silently dropping all the rest from the answer; so every file of a
window is checked first, cheaply, by walking its block headers (nfdump's
version 2 layout: a 40-byte file header, then blocks of a 12-byte header and
``size`` bytes, up to the end of the file), and damaged ones are left out and
named.
"""

from __future__ import annotations

import calendar
import os
import re
import struct
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from vyflow.safepath import StrPath

_NAME = re.compile(r'nfcapd\.(\d{12}|\d{14})')
_MAGIC = 0xA50C
_HEADER = 40
_BLOCK_HEADER = 12


@dataclass(frozen=True)
class FlowFile:
    path: Path
    start: float          # slot start, seconds since the epoch
    disk_bytes: int       # allocated on disk (what nfexpire counts)


def slot_start(name: str) -> Optional[float]:
    """The UTC slot start a finished file's name says; None for other names."""
    match = _NAME.fullmatch(name)
    if not match:
        return None
    digits = match.group(1)
    try:
        parsed = time.strptime(digits, '%Y%m%d%H%M%S' if len(digits) == 14 else '%Y%m%d%H%M')
    except ValueError:
        return None
    return float(calendar.timegm(parsed))


def list_files(flow_dir: StrPath) -> list[FlowFile]:
    """Finished flow files, oldest first ([] when the directory is missing)."""
    found = []
    try:
        entries = list(os.scandir(flow_dir))
    except OSError:
        return []
    for entry in entries:
        start = slot_start(entry.name)
        if start is None:
            continue
        try:
            blocks = entry.stat(follow_symlinks=False).st_blocks
        except OSError:
            continue  # expired while we looked
        found.append(FlowFile(Path(entry.path), start, blocks * 512))
    found.sort(key=lambda item: (item.start, item.path.name))
    return found


def in_window(files: list[FlowFile], start: float, end: float) -> list[FlowFile]:
    return [item for item in files if start <= item.start < end]


def damage(path: Path) -> Optional[str]:
    """Why nfdump cannot read ``path`` as a whole, or None when its structure
    is sound (a file of another layout version is left to nfdump)."""
    try:
        with open(path, 'rb') as handle:
            size = os.fstat(handle.fileno()).st_size
            header = handle.read(_HEADER)
            if len(header) < 4:
                return f'it is too short to be a flow file ({size} bytes)'
            order = '<' if struct.unpack('<H', header[:2])[0] == _MAGIC else '>'
            magic, version = struct.unpack(order + 'HH', header[:4])
            if magic != _MAGIC:
                return 'it is not an nfdump flow file (wrong magic number)'
            if version != 2:
                return None
            if len(header) < _HEADER:
                return f'its header is cut short ({size} bytes)'
            appendix, data = struct.unpack(order + 'H', header[18:20])[0], \
                struct.unpack(order + 'I', header[36:40])[0]
            return _walk(handle, order, size, data + appendix)
    except OSError as exc:
        return f'it cannot be read: {exc.strerror}'


def _walk(handle, order: str, size: int, expected_blocks: int) -> Optional[str]:
    offset, blocks = _HEADER, 0
    while offset < size:
        handle.seek(offset)
        header = handle.read(_BLOCK_HEADER)
        if len(header) < _BLOCK_HEADER:
            return f'it ends inside block {blocks + 1} (at byte {offset} of {size})'
        length = struct.unpack(order + 'I', header[4:8])[0]
        offset += _BLOCK_HEADER + length
        blocks += 1
    if offset != size:
        return f'block {blocks} runs past the end of the file ({offset} > {size} bytes)'
    if blocks != expected_blocks:
        return f'it has {blocks} blocks where its header says {expected_blocks}'
    return None


def disk_bytes(files: list[FlowFile]) -> int:
    return sum(item.disk_bytes for item in files)


@dataclass
class Selection:
    """The sound files of a window, the directory listing they came from, and
    the damaged ones left out (file name -> why)."""

    files: list[FlowFile]
    listed: list[FlowFile]
    skipped: dict[str, str]


def select(flow_dir: StrPath, start: float, end: float) -> Selection:
    listed = list_files(flow_dir)
    sound, skipped = [], {}
    for item in in_window(listed, start, end):
        problem = damage(item.path)
        if problem is None:
            sound.append(item)
        else:
            skipped[item.path.name] = problem
    return Selection(sound, listed, skipped)
