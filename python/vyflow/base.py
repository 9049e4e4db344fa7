"""What conf_mode scripts import: the error and warning types of a commit.

A script raises ``ConfigError`` to refuse a configuration (the commit fails,
nothing is applied) and calls ``warn`` to tell the operator something while
letting the commit go on.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Iterator, TextIO

from vyflow.errors import ConfigError

__all__ = ['ConfigError', 'ConfigWarning', 'warn']


class ConfigWarning(UserWarning):
    """A commit warning: printed, never fatal."""


def warn(message: str) -> None:
    """Record a warning for the running commit (printed as ``WARNING: …``)."""
    warnings.warn(message, ConfigWarning, stacklevel=2)


@contextmanager
def printed_warnings(out: TextIO) -> Iterator[None]:
    """Outside a commit (``restart flow-accounting`` runs verify too): print
    the block's ConfigWarnings as ``WARNING: …`` lines, as a commit does,
    instead of Python's ``file.py:199: ConfigWarning: …``; other warnings
    keep Python's usual report."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always', ConfigWarning)
        try:
            yield
        finally:
            for item in caught:
                if issubclass(item.category, ConfigWarning):
                    print(f'WARNING: {item.message}', file=out)
                else:
                    warnings.showwarning(item.message, item.category, item.filename, item.lineno)
