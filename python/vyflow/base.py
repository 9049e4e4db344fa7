"""What conf_mode scripts import: the error and warning types of a commit.

A script raises ``ConfigError`` to refuse a configuration (the commit fails,
nothing is applied) and calls ``warn`` to tell the operator something while
letting the commit go on.
"""

from __future__ import annotations

import warnings

from vyflow.errors import ConfigError

__all__ = ['ConfigError', 'ConfigWarning', 'warn']


class ConfigWarning(UserWarning):
    """A commit warning: printed, never fatal."""


def warn(message: str) -> None:
    """Record a warning for the running commit (printed as ``WARNING: …``)."""
    warnings.warn(message, ConfigWarning, stacklevel=2)
