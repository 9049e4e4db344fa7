"""``/configure`` requests: parsed, then applied to a private copy of running.

Each request gets its own copy of the running config and applies its
commands there with the CLI's own editing code, so paths and values are
checked exactly as ``vyflow set`` checks them and errors read the same. The
shared configure session (the CLI's working config) is never read or
written: a request cannot commit somebody's half-finished edits, and nothing
of a failed request is left anywhere.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Optional

from vyflow.api.protocol import ApiError, operation, words
from vyflow.configtree import ConfigNode
from vyflow.definitions.model import Definitions
from vyflow.editing import Session
from vyflow.editor import Editor
from vyflow.errors import ConfigError, ConfigPathError
from vyflow.paths import Paths

EDIT_OPS = ('set', 'delete', 'comment')
MAX_CONFIRM_MINUTES = 1440


@dataclass(frozen=True)
class Command:
    op: str
    words: list[str]          # the path, with the value (if any) as the last word
    comment: str = ''


@dataclass(frozen=True)
class ConfigureRequest:
    commands: list[Command]
    confirm_minutes: Optional[float] = None     # commit-confirm
    confirm_only: bool = False                  # {"op": "confirm"}


class PrivateSession(Session):
    """The CLI's session logic over an in-memory tree instead of the working file."""

    def __init__(self, tree: ConfigNode, paths: Paths, definitions: Definitions):
        super().__init__(paths, definitions)
        self.tree = tree

    @contextmanager
    def editing(self) -> Iterator[ConfigNode]:
        yield self.tree


def confirm_minutes(value: Any) -> Optional[float]:
    """``confirm_time`` in minutes (fractions allowed); 0 or absent: none."""
    if value is None or value == 0:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not 1 / 60 <= value <= MAX_CONFIRM_MINUTES:
        raise ApiError(f'"confirm_time" must be a number of minutes from 1/60 to '
                       f'{MAX_CONFIRM_MINUTES}')
    return float(value)


def _value(item: dict) -> Optional[str]:
    value = item.get('value')
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ApiError('"value" must be a string')


def parse_configure(data: dict) -> ConfigureRequest:
    items = data.get('commands', [data])
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise ApiError('"commands" must be a non-empty list of objects')
    # mcp-server-vyos puts confirm_time into the first command
    minutes = confirm_minutes(data.get('confirm_time', items[0].get('confirm_time')))
    if len(items) == 1 and items[0].get('op') == 'confirm':
        return ConfigureRequest([], confirm_only=True)
    commands = []
    for item in items:
        op = operation(item, EDIT_OPS)
        path = words(item.get('path'))
        if not path:
            raise ApiError(f'"{op}" needs a non-empty "path"')
        value = _value(item)
        if op == 'comment':
            commands.append(Command(op, path, value or ''))
        else:
            commands.append(Command(op, path + ([value] if value is not None else [])))
    return ConfigureRequest(commands, minutes)


def apply_commands(tree: ConfigNode, commands: list[Command], definitions: Definitions,
                   strict: bool) -> ConfigNode:
    """Apply ``commands`` to ``tree`` (changed in place and returned); the
    first bad one raises ApiError with the CLI's message."""
    editor = Editor(definitions)
    for command in commands:
        try:
            if command.op == 'set':
                editor.set(tree, command.words)
            elif command.op == 'comment':
                editor.comment(tree, command.words, command.comment)
            elif _present(tree, command.words, definitions):
                editor.delete(tree, command.words)
            elif strict:
                raise ConfigPathError(f'Cannot delete [{" ".join(command.words)}]: '
                                      'path/value does not exist', command.words)
        except ConfigError as exc:
            raise ApiError(f'{exc}\n\n{command.op.capitalize()} failed') from None
    return tree


def _present(tree: ConfigNode, typed: list[str], definitions: Definitions) -> bool:
    """Whether a delete has something to delete (VyOS's API ignores a delete
    of what is absent unless ``rest strict``)."""
    resolved = definitions.resolve(typed, for_set=False)
    node = tree.find(resolved.path)
    if resolved.value is None:
        return node is not None
    return node is not None and resolved.value in (node.values or [])


def submitted_secrets(commands: list[Command], definitions: Definitions) -> set[str]:
    """Secret values a request carries (a key being set), to scrub from its answer."""
    found = set()
    for command in commands:
        if command.op == 'set' and len(command.words) > 1:
            definition = definitions.lookup(command.words[:-1])
            if definition is not None and definition.is_leaf and definition.secret:
                found.add(command.words[-1])
    return found
