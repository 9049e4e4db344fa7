"""vyflow's log file: opened like every file vyflow keeps, and only when used.

``logging.FileHandler`` opens its file by name, following any link a local
user planted there; the handler here opens it through atomicfile (no links,
checked directories, mode 0640), and only when the first record is written.

``logging`` itself costs several milliseconds to import, more than the rest
of a small commit's work, and a commit that goes well logs nothing. So a
command that may log names the file with ``log_to`` (no import), and
``logger`` imports logging and attaches the handler when something is about
to be logged. Commands whose modules log through ``logging.getLogger`` at
import time (migrations, the commit-confirm timer) attach it at once with
``logger('vyflow')``.
"""

from __future__ import annotations

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    import logging

FORMAT = '%(asctime)s %(name)s %(levelname)s %(message)s'
_destination: list[str] = []


def log_to(path: str) -> None:
    """Send vyflow's log to ``path`` from the first record on (once per process)."""
    if not _destination:
        _destination.append(path)


def logger(name: str) -> logging.Logger:
    """The logger ``name`` (under ``vyflow``), the log file attached when named."""
    import logging
    root = logging.getLogger('vyflow')
    if _destination and not root.handlers:
        root.addHandler(_file_handler(_destination[0], logging))
        root.setLevel(logging.INFO)
    return logging.getLogger(name)


def _file_handler(path: str, logging) -> logging.Handler:
    from vyflow.atomicfile import open_for_append

    class SafeFileHandler(logging.FileHandler):
        """A FileHandler whose file is opened without following links."""

        def _open(self):
            return open(open_for_append(self.baseFilename), 'a', encoding='utf-8',
                        errors='backslashreplace')

    handler = SafeFileHandler(path, mode='a', encoding='utf-8', delay=True)
    handler.setFormatter(logging.Formatter(FORMAT))
    return handler
