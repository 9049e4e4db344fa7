"""Batches: many edit commands checked together and applied as one change.

A script that calls ``vyflow set`` a hundred times pays for a hundred
processes and, if it commits after each, a hundred commits. A batch is the
text of the commands, one per line, exactly as typed in configure mode (``set
…``, ``delete …``, ``copy``/``rename … to …``, ``comment …``); blank lines and
lines starting with ``#`` are skipped, so the output of ``show configuration
commands`` is a valid batch. Every line is checked and applied to one tree in
memory; a batch with any refused line changes nothing, and every refused line
is reported with its number.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from vyflow.configtree import ConfigNode
from vyflow.editor import EDIT_VERBS, Editor
from vyflow.errors import CommandUsageError, ConfigError, VyflowError


class BatchError(ConfigError):
    """Lines of a batch were refused (each named with its number): fix them
    and run the whole batch again; nothing was changed."""

    def __init__(self, problems: Sequence[str], total: int):
        plural = 's' if total != 1 else ''
        super().__init__('\n'.join(problems) + f'\n\n{len(problems)} of {total} command{plural} '
                         'refused; nothing was changed.')
        self.problems = list(problems)


def _shown(line: str, limit: int = 200) -> str:
    """A line as it may be echoed: control characters escaped, long lines cut."""
    text = ''.join(char if char.isprintable() else repr(char)[1:-1] for char in line[:limit])
    return text + (f'… ({len(line)} characters)' if len(line) > limit else '')


def is_command(line: str) -> bool:
    """False for the blank and ``#`` comment lines a batch skips."""
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith('#')


def split_command(line: str) -> list[str]:
    """The words of one command line (shell quoting, as in the interactive shell)."""
    try:
        words = shlex.split(line)
    except ValueError as exc:       # an unterminated quote
        raise CommandUsageError(f'cannot split the line into words: {exc}') from None
    if words[0] not in EDIT_VERBS:
        raise CommandUsageError(f'"{words[0]}" cannot be used in a batch; a batch holds '
                                + ', '.join(EDIT_VERBS) + ' commands (one commit follows '
                                'the whole batch)')
    return words


def apply_batch(editor: Editor, tree: ConfigNode, text: str, source: str) -> list[str]:
    """Apply every command line of ``text`` to ``tree``; returns the messages
    of the lines that had one (``already exists``). Raises BatchError naming
    every refused line as ``source:N``; ``tree`` must then be thrown away."""
    problems: list[str] = []
    notes: list[str] = []
    total = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not is_command(line):
            continue
        total += 1
        try:
            words = split_command(line)
            note = editor.apply(tree, words[0], words[1:])
        except VyflowError as exc:
            problems.append(f'{source}:{number}: {_shown(line.strip())}\n'
                            + '\n'.join(f'    {part}' for part in str(exc).splitlines()))
            continue
        if note:
            notes.append(f'{source}:{number}: {note}')
    if problems:
        raise BatchError(problems, total)
    return notes
