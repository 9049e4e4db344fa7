"""Expand ``#include <include/…>`` lines, remembering where every line came from.

An include path is relative to the directory of the top-level ``.xml.in`` file,
as in VyOS. The origin map lets errors found in the expanded XML point at the
fragment file and line the author actually wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from vyflow.errors import DefinitionError

_INCLUDE = re.compile(r'^\s*#include\s+<([^>]+)>\s*$')


@dataclass
class Expanded:
    """Expanded text and, per line (0-based), the (file, line) it came from."""

    text: str
    origins: list[tuple[str, int]]

    def origin(self, line: int) -> str:
        """``file:line`` for a 1-based line of the expanded text."""
        if 1 <= line <= len(self.origins):
            source, number = self.origins[line - 1]
            return f'{source}:{number}'
        return f'{self.origins[0][0]}:?' if self.origins else '?:?'


def expand(path: Path, base_dir: Path | None = None, _stack: tuple = ()) -> Expanded:
    """Expand includes recursively; a missing or cyclic include is an error
    naming the including file and line."""
    base_dir = base_dir if base_dir is not None else path.parent
    lines: list[str] = []
    origins: list[tuple[str, int]] = []
    try:
        source_lines = path.read_text(encoding='utf-8').splitlines()
    except OSError as exc:
        raise DefinitionError(f'{path}: cannot read: {exc.strerror}') from None
    for number, line in enumerate(source_lines, 1):
        match = _INCLUDE.match(line)
        if match is None:
            lines.append(line)
            origins.append((str(path), number))
            continue
        target = base_dir / match.group(1)
        if target.resolve() in _stack:
            raise DefinitionError(f'{path}:{number}: include cycle through {match.group(1)}')
        if not target.is_file():
            raise DefinitionError(f'{path}:{number}: included file {match.group(1)} not found '
                                  f'(looked in {base_dir})')
        inner = expand(target, base_dir, _stack + (path.resolve(),))
        lines.extend(inner.text.splitlines())
        origins.extend(inner.origins)
    return Expanded('\n'.join(lines) + '\n', origins)
