"""vyflow's log file, opened like every file vyflow keeps.

``logging.FileHandler`` opens its file by name, following any link a local
user planted there; this handler opens it through atomicfile (no links,
checked directories, mode 0640), and only when the first record is written.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TextIO

from vyflow.atomicfile import open_for_append

FORMAT = '%(asctime)s %(name)s %(levelname)s %(message)s'


class SafeFileHandler(logging.FileHandler):
    """A FileHandler whose file is opened without following links."""

    def __init__(self, path: Path):
        super().__init__(path, mode='a', encoding='utf-8', delay=True)

    def _open(self) -> TextIO:
        return open(open_for_append(Path(self.baseFilename)), 'a', encoding='utf-8',
                    errors='backslashreplace')


def log_to(path: Path) -> None:
    """Send the ``vyflow`` logger to ``path`` (once per process)."""
    logger = logging.getLogger('vyflow')
    if not logger.handlers:
        handler = SafeFileHandler(path)
        handler.setFormatter(logging.Formatter(FORMAT))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
