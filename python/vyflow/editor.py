"""Edits of a config tree as typed in configure mode: ``set``, ``delete``,
``copy``/``rename … to …`` and ``comment``.

Each edit checks paths and values against the definitions before it changes
the tree, and changes nothing when it refuses. No I/O: the configure session
(vyflow.editing) runs an edit on the working config under its lock, and a
batch (vyflow.batch) runs many on one tree before a single commit.
"""

from __future__ import annotations

from collections.abc import Sequence

from vyflow.configtree import ConfigNode
from vyflow.definitions.model import Definitions
from vyflow.errors import (CommandUsageError, ConfigPathError, NothingToDeleteError,
                           ValueValidationError)
from vyflow.text import bracketed, quoted, shown

EDIT_VERBS = ('set', 'delete', 'copy', 'rename', 'comment')
USAGE = {
    'set': 'usage: set PATH [VALUE]',
    'delete': 'usage: delete PATH [VALUE]',
    'copy': ('usage: copy PATH TAG VALUE to TAG NEW-VALUE\n'
             '  e.g. copy system flow-accounting netflow server 192.0.2.10 to server 192.0.2.11'),
    'rename': ('usage: rename PATH TAG VALUE to TAG NEW-VALUE\n'
               '  e.g. rename system flow-accounting netflow server 192.0.2.10 to server 192.0.2.11'),
    'comment': 'usage: comment PATH TEXT   (TEXT "" removes the comment)',
}


def _bracket(words: Sequence[str]) -> str:
    return bracketed(words)


def check_usage(verb: str, args: Sequence[str]) -> None:
    """Refuse a malformed edit command line before anything is read."""
    if verb not in USAGE:
        raise CommandUsageError(f'"{verb}" is not an edit command; edits are: '
                                + ', '.join(EDIT_VERBS))
    # The target of copy/rename is always two words, so a path word "to" stays harmless.
    if (not args or (verb in ('copy', 'rename') and (len(args) < 5 or args[-3] != 'to'))
            or (verb == 'comment' and len(args) < 2)):
        raise CommandUsageError(USAGE[verb])


class Editor:
    """Edits of one config tree, checked against the definitions; no I/O."""

    def __init__(self, definitions: Definitions):
        self.definitions = definitions

    def apply(self, tree: ConfigNode, verb: str, args: Sequence[str]) -> str:
        """Run one edit command (``set``, ``delete``, ``copy``, ``rename``,
        ``comment`` with its words) on ``tree``; returns its message."""
        check_usage(verb, args)
        if verb == 'set':
            return self.set(tree, args)
        if verb == 'delete':
            return self.delete(tree, args)
        if verb == 'comment':
            return self.comment(tree, args[:-1], args[-1])
        return self.duplicate(tree, args[:-3], args[-2:], keep_source=verb == 'copy')

    # ---- set / delete ----------------------------------------------------

    def set(self, tree: ConfigNode, words: Sequence[str]) -> str:
        resolved = self.definitions.resolve(words, for_set=True)
        existed = tree.find(resolved.path)
        node = tree.ensure(resolved.path, resolved.tag_flags)
        if resolved.value is None:
            if resolved.definition.is_leaf:
                node.values = None  # valueless leaf
            return (f'Configuration path: {_bracket(resolved.path)} already exists'
                    if existed is not None else '')
        values = node.values or []
        if resolved.value in values:
            return f'Configuration path: {_bracket(list(words))} already exists'
        node.values = values + [resolved.value] if resolved.definition.multi else [resolved.value]
        return ''

    def delete(self, tree: ConfigNode, words: Sequence[str]) -> str:
        """Remove a node with its subtree, or one value of a leaf. Deleting
        what is not there fails, as in VyOS: a script that deletes the wrong
        thing hears about it."""
        resolved = self.definitions.resolve(words, for_set=False)
        if resolved.value is not None:
            if not tree.delete_value(resolved.path, resolved.value):
                raise self._nothing_to_delete(tree, resolved.path, resolved.value)
        elif not resolved.path or not tree.delete(resolved.path):
            raise self._nothing_to_delete(tree, resolved.path, None)
        _prune_empty_tags(tree, resolved.path[:-1])
        return ''

    @staticmethod
    def _nothing_to_delete(tree: ConfigNode, path: list[str],
                           value: str | None) -> NothingToDeleteError:
        if value is None:
            return NothingToDeleteError('Nothing to delete (the specified node does not '
                                        f'exist): {_bracket(path)}', path)
        present = tree.find(path)
        values = present.values if present is not None and present.values else []
        detail = f'; its values are: {", ".join(map(shown, values))}' if values else ''
        return NothingToDeleteError('Nothing to delete (the specified value does not exist): '
                                    f'{_bracket(path)} has no value {quoted(value)}{detail}', path)

    # ---- copy / rename / comment ------------------------------------------

    def duplicate(self, tree: ConfigNode, source: Sequence[str], target: Sequence[str], *,
                  keep_source: bool) -> str:
        """``copy server A to server B`` (the quick way to add a second,
        similar collector) or ``rename`` (give a tag value a new value,
        keeping what is below it)."""
        verb = 'copy' if keep_source else 'rename'
        resolved = self.definitions.resolve(source, for_set=False)
        if not resolved.at_tag_value:
            raise ConfigPathError(f'Configuration path: {_bracket(source)} is not a tag node '
                                  f'value: {verb} works on values such as "server 192.0.2.10"',
                                  source)
        level, tag = resolved.path[:-2], resolved.path[-2]
        if len(target) != 2 or target[0] != tag:
            raise ConfigPathError(f'{verb} {_bracket(resolved.path)} needs "to {tag} NEW-VALUE" '
                                  '(a new value of the same tag node)', resolved.path)
        destination = self.definitions.resolve(level + list(target), for_set=True).path
        node = tree.find(resolved.path)
        if node is None:
            raise ConfigPathError(f'Configuration path: {_bracket(resolved.path)} '
                                  'does not exist', resolved.path)
        if tree.find(destination) is not None:
            raise ConfigPathError(f'Configuration path: {_bracket(destination)} '
                                  'already exists', destination)
        instances = tree.find(level + [tag]).children
        clone = node.copy()
        clone.name = destination[-1]
        instances[clone.name] = clone
        if not keep_source:
            del instances[node.name]
        return ''

    def comment(self, tree: ConfigNode, words: Sequence[str], text: str) -> str:
        """Attach ``/* text */`` to a node (an empty text removes it); kept
        through commit, save and load, and shown by compare."""
        resolved = self.definitions.resolve(words, for_set=False)
        if resolved.value is not None:
            raise ConfigPathError(f'Comments belong to nodes: name {_bracket(resolved.path)}, '
                                  f'not its value {quoted(resolved.value)}', resolved.path)
        if not resolved.path or (resolved.definition.is_tag and not resolved.at_tag_value):
            raise ConfigPathError(f'Configuration path: {_bracket(resolved.path)} cannot carry '
                                  'a comment: name a node or a tag value', resolved.path)
        if '*/' in text or any(ord(char) < 32 for char in text):
            raise ValueValidationError(f'Comment for {_bracket(resolved.path)} must be one line '
                                       'of text without "*/"', resolved.path)
        node = tree.find(resolved.path)
        if node is None:
            raise ConfigPathError(f'Configuration path: {_bracket(resolved.path)} '
                                  'does not exist', resolved.path)
        node.comment = text or None
        return ''


def _prune_empty_tags(tree: ConfigNode, parent_path: Sequence[str]) -> None:
    """Deleting the last instance of a tag node removes the tag node itself."""
    for length in range(len(parent_path), 0, -1):
        node = tree.find(parent_path[:length])
        if node is not None and node.is_tag and not node.children:
            tree.delete(parent_path[:length])
