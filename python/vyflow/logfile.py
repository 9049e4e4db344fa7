"""vyflow's log file (internal errors, commit-confirm reverts, migrations).

``logging`` costs several milliseconds to import, more than the rest of a
small commit's work, and a commit that goes well logs nothing. So a command
names the file with ``log_to`` (no import), and ``logger`` imports logging and
attaches the file handler only when something is about to be logged.
"""

from __future__ import annotations

from pathlib import Path

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    import logging

_destination: list[Path] = []


def log_to(path: Path) -> None:
    """Send vyflow's log to ``path`` from the first message on."""
    _destination[:] = [path]


def logger(name: str) -> logging.Logger:
    """The logger ``name`` (under ``vyflow``), its file attached when named."""
    import logging
    root = logging.getLogger('vyflow')
    if _destination and not root.handlers:
        _destination[0].parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(_destination[0], delay=True)
        handler.setFormatter(logging.Formatter('%(asctime)s %(name)s %(levelname)s %(message)s'))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    return logging.getLogger(name)
