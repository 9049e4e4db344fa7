"""What conf_mode scripts import: the error and warning types of a commit.

A script raises ``ConfigError`` to refuse a configuration (the commit fails,
nothing is applied) and calls ``warn`` to tell the operator something while
letting the commit go on.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Callable, Iterator, Optional, TextIO

from vyflow.errors import ConfigError

__all__ = ['ConfigError', 'ConfigWarning', 'warn']


class ConfigWarning(UserWarning):
    """A commit warning: printed, never fatal."""


def warn(message: str) -> None:
    """Record a warning for the running commit (printed as ``WARNING: …``)."""
    warnings.warn(message, ConfigWarning, stacklevel=2)


@contextmanager
def printed_warnings(out: TextIO, other: Optional[Callable[[warnings.WarningMessage], None]]
                     = None) -> Iterator[None]:
    """Print the block's ConfigWarnings as ``WARNING: …`` lines (a commit, and
    ``restart flow-accounting``, which runs verify too), not as Python's
    ``file.py:199: ConfigWarning: …``. Other warnings go to ``other``, by
    default Python's usual report."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always', ConfigWarning)
        try:
            yield
        finally:
            for item in caught:
                if issubclass(item.category, ConfigWarning):
                    print(f'WARNING: {item.message}', file=out)
                elif other is not None:
                    other(item)
                else:
                    warnings.showwarning(item.message, item.category, item.filename, item.lineno)
