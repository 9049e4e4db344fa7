#!/usr/bin/python3
"""Install a source directory tree for ``make install``.

    install-tree.py SOURCE DEST [--mode 0644] [--pattern '*.py']

Copies every regular file under SOURCE to the same relative path under DEST,
skipping byte-code caches and editor leftovers. Modes are normalised (never
copied from the checkout's umask): a file that starts with ``#!`` or is
executable in the checkout is installed 0755, anything else 0644, unless
``--mode`` forces one mode. Directories are 0755. A missing or empty SOURCE
installs nothing (subsystems land one by one).
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import shutil
import sys
from pathlib import Path

SKIP_DIRS = {'__pycache__', '.pytest_cache', '.mypy_cache', '.ruff_cache'}
SKIP_FILES = ('*.pyc', '*.pyo', '*~', '.*.swp', '.#*', '*.orig', '*.rej')


def wanted(name: str, pattern: str | None) -> bool:
    if any(fnmatch.fnmatch(name, skip) for skip in SKIP_FILES):
        return False
    return pattern is None or fnmatch.fnmatch(name, pattern)


def mode_for(path: Path, forced: int | None) -> int:
    if forced is not None:
        return forced
    with open(path, 'rb') as handle:
        shebang = handle.read(2) == b'#!'
    return 0o755 if shebang or os.access(path, os.X_OK) else 0o644


def install_tree(source: Path, dest: Path, forced: int | None, pattern: str | None) -> int:
    count = 0
    if not source.is_dir():
        return count
    for directory, subdirs, files in os.walk(source):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIP_DIRS)
        relative = Path(directory).relative_to(source)
        for name in sorted(files):
            src = Path(directory) / name
            if not src.is_file() or not wanted(name, pattern):
                continue
            target = dest / relative / name
            target.parent.mkdir(parents=True, exist_ok=True)
            for parent in [target.parent, *target.parent.parents]:
                if parent == dest.parent:
                    break
                parent.chmod(0o755)
            shutil.copyfile(src, target)
            target.chmod(mode_for(src, forced))
            count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('source', type=Path)
    parser.add_argument('dest', type=Path)
    parser.add_argument('--mode', type=lambda text: int(text, 8))
    parser.add_argument('--pattern')
    args = parser.parse_args()
    count = install_tree(args.source, args.dest, args.mode, args.pattern)
    print(f'  {args.source} -> {args.dest}: {count} file(s)', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
