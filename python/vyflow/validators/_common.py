"""Pieces every validator module shares: the error type, the check type, and
how a user's value is shown inside a reason.

Reasons end up on one terminal line (and in logs), while values come straight
from the user and may hold newlines, control characters or kilobytes of text,
so they are never echoed raw.
"""

from __future__ import annotations

from collections.abc import Callable

Check = Callable[[str], str | None]
"""A compiled validator: ``None`` when the value is valid, else a one-line reason."""

_SHOWN_CHARS = 64


class ValidatorDefinitionError(ValueError):
    """A ``<validator>`` in a definition file names an unknown validator or
    passes arguments it cannot take.

    This is a build error in the definitions, not a user error, which is why it
    is raised when compiling rather than when checking a value.
    """


def quote(value: str) -> str:
    """Show ``value`` double-quoted on one line, escaping anything unprintable.

    Long values are cut so a pasted blob cannot flood the message; the length
    is still reported so the user can tell.
    """
    shown = value[:_SHOWN_CHARS]
    parts = []
    for char in shown:
        if char in '"\\':
            parts.append('\\' + char)
        elif char.isprintable():
            parts.append(char)
        else:
            parts.append(char.encode('unicode_escape').decode('ascii'))
    text = '"' + ''.join(parts) + '"'
    if len(value) > _SHOWN_CHARS:
        text += f'... ({len(value)} characters)'
    return text


def no_arguments(args: list[str]) -> None:
    """Reject arguments for validators that have no options.

    Silently ignoring them would hide a typo such as ``port --range 1-10``,
    which the author expected to narrow the allowed values.
    """
    if args:
        raise ValidatorDefinitionError(f'takes no arguments, got {" ".join(args)!r}')
