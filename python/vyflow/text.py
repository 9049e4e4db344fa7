"""Untrusted text in messages, and numbers typed by people.

Values, comments, file names, commit comments and migration messages come from
users, from loaded files or from damaged ones. Echoed raw they could send
terminal escape sequences, overwrite a line with a carriage return, forge
lines of ``show system commit`` with a newline, reorder text with bidi
controls, or flood the screen with a 100 kB value. ``shown`` makes one piece
safe to embed in a message; ``terminal_safe`` is the last line of defence for
whole messages on their way out (it keeps the newlines and tabs that messages
use for layout).

``decimal`` reads a number a person typed: ASCII digits only, because
``str.isdigit`` and ``int`` also accept ``١`` (Arabic-Indic one) and
``int`` then silently turns it into 1.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

SHOWN_CHARS = 120
"""How much of one untrusted piece a message shows; the length is reported beyond."""

# C0 and C1 controls, DEL, the bidi embedding/override/isolate controls and the
# Unicode line separators: everything that moves the cursor or reorders text.
_OTHER_CONTROLS = '\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029'
# Compiled on first use (re caches them): these classes cost a new process a
# quarter of a millisecond each, and text that ``str.isprintable`` passes holds
# none of these characters, so most commands never need them.
_CONTROL = f'[\x00-\x1f{_OTHER_CONTROLS}]'
_CONTROL_BUT_LAYOUT = f'[\x00-\x08\x0b-\x1f{_OTHER_CONTROLS}]'  # keeps \t \n
_DECIMAL = re.compile(r'[0-9]{1,18}', re.ASCII)


def _escape_char(match: re.Match) -> str:
    char = match.group()
    code = ord(char)
    return {'\n': '\\n', '\t': '\\t', '\r': '\\r'}.get(
        char, f'\\x{code:02x}' if code < 0x100 else f'\\u{code:04x}')


def has_control(text: str) -> bool:
    """True if ``text`` holds a character ``shown`` would escape."""
    return not text.isprintable() and re.search(_CONTROL, text) is not None


def shown(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text`` on one line: control characters escaped (``\\x1b``, ``\\n``),
    cut after ``limit`` characters with the full length said."""
    cut = text[:limit]
    safe = cut if cut.isprintable() else re.sub(_CONTROL, _escape_char, cut)
    return safe if len(text) <= limit else f'{safe}... ({len(text)} characters)'


def quoted(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text`` double-quoted for a message, escaped and cut as by ``shown``."""
    cut = text[:limit].replace('\\', '\\\\').replace('"', '\\"')
    safe = '"' + (cut if cut.isprintable() else re.sub(_CONTROL, _escape_char, cut)) + '"'
    return safe if len(text) <= limit else f'{safe}... ({len(text)} characters)'


def terminal_safe(message: str) -> str:
    """A whole message with every control character but newline and tab escaped."""
    if message.isprintable() or re.search(_CONTROL_BUT_LAYOUT, message) is None:
        return message
    return re.sub(_CONTROL_BUT_LAYOUT, _escape_char, message)


def decimal(word: str) -> int | None:
    """The non-negative integer ``word`` spells in ASCII digits, else None."""
    return int(word) if _DECIMAL.fullmatch(word) else None


def bracketed(words: Sequence[str]) -> str:
    """A config path as messages show it, ``[system flow-accounting …]``,
    escaped and cut like any untrusted text (its words were typed or loaded)."""
    return '[' + shown(' '.join(words)) + ']'
