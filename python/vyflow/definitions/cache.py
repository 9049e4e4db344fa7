"""Compiled definitions as a marshal cache beside their JSON, for start-up speed.

Every ``vyflow`` command reads the definitions; parsing them from JSON costs
importing ``json`` on top of the parse, a noticeable part of a ``set``. The
build writes ``NAME.marshal`` next to each ``NAME.json`` (marshal is built into
the interpreter). The cache is used only when it is trustworthy and current:

- a regular file, owned by root or by the user running vyflow, writable by
  nobody else (marshal data must never come from someone else: like pickle,
  it is not meant for untrusted input);
- made from exactly this JSON (its size and CRC-32 are recorded in it), so a
  rebuilt or hand-edited JSON is never shadowed by a stale cache.

Anything else falls back to the JSON, silently: the cache only saves time.
"""

from __future__ import annotations

import marshal
import os
import stat
import zlib

from vyflow.paths import read_compiled
from vyflow.safepath import StrPath

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from typing import Any

FORMAT = 1


def cache_path(json_path: StrPath) -> str:
    return os.path.splitext(json_path)[0] + '.marshal'


def _read_bytes(path: StrPath) -> bytes:
    with open(path, 'rb') as handle:
        return handle.read()


def write_cache(json_path: StrPath, data: Any) -> None:
    """Write the cache of ``data``, the content of ``json_path`` (build time)."""
    raw = _read_bytes(json_path)
    blob = marshal.dumps((FORMAT, len(raw), zlib.crc32(raw), data))
    target = cache_path(json_path)
    if not os.path.exists(target) or _read_bytes(target) != blob:
        with open(target, 'wb') as handle:
            handle.write(blob)


def load_compiled(json_path: StrPath) -> Any:
    """The content of a compiled JSON file, from its cache when it is usable."""
    cached = _read_cache(json_path)
    return cached if cached is not None else read_compiled(json_path)


def _trusted(info: os.stat_result) -> bool:
    return (stat.S_ISREG(info.st_mode) and info.st_uid in (0, os.geteuid())
            and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def _read_cache(json_path: StrPath) -> Any:
    try:
        fd = os.open(cache_path(json_path), os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, 'rb') as handle:
        if not _trusted(os.fstat(handle.fileno())):
            return None
        blob = handle.read()
    try:
        raw = _read_bytes(json_path)
        form, size, crc, data = marshal.loads(blob)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if form != FORMAT or size != len(raw) or crc != zlib.crc32(raw):
        return None
    return data
