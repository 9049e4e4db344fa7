"""The shell's edit level: ``edit PATH``, ``up``, ``top``, as in VyOS.

Inside a level, ``set``, ``delete``, ``copy``, ``rename``, ``comment`` and
``show`` (and their completion) take paths relative to it, and the prompt
shows it (``[edit system flow-accounting]``). The level belongs to the interactive shell only:
scripted ``vyflow set …`` calls always take whole paths.
"""

from __future__ import annotations

from typing import Sequence

from vyflow.definitions.model import Definitions
from vyflow.errors import ConfigPathError

RELATIVE_VERBS = ('set', 'delete', 'copy', 'rename', 'comment', 'show')


class EditLevel:
    def __init__(self, definitions: Definitions):
        self.definitions = definitions
        self.path: list[str] = []

    @property
    def banner(self) -> str:
        """The line above the configure-mode prompt."""
        return '[edit' + ''.join(f' {word}' for word in self.path) + ']'

    def absolute(self, words: Sequence[str]) -> list[str]:
        return self.path + list(words)

    def enter(self, words: Sequence[str]) -> None:
        """Move down to a node or tag value below the level; the path is
        checked like ``set`` checks it (a tag value against its constraints)."""
        path = self.absolute(words)
        if not words:
            raise ConfigPathError('usage: edit PATH (a node below the current level)', path)
        if self.definitions.resolve(path, for_set=False).definition.is_leaf:
            raise ConfigPathError(f'Configuration path: [{" ".join(path)}] is a leaf: edit '
                                  'goes to nodes, set gives leaves their values', path)
        self.path = self.definitions.resolve(path, for_set=True).path

    def up(self) -> None:
        """One level up; from a tag value, past its tag node too."""
        path = self.path[:-1]
        definition, at_value = self.definitions.locate(path)
        if path and definition is not None and definition.is_tag and not at_value:
            path = path[:-1]
        self.path = path

    def top(self) -> None:
        self.path = []
