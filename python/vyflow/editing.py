"""Configure-mode editing: set, delete, copy, rename, comment, show, compare,
discard, save, load, merge.

``Editor`` changes one tree in memory, checking paths and values against the
definitions first; ``Session`` runs an edit on the working config under the
session lock and writes it back atomically, so concurrent ``vyflow set``
processes never lose each other's edits. A batch (``vyflow batch``) runs many
edits through the same ``Editor`` on one tree. Operations return the text to
show; problems raise errors from vyflow.errors.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from vyflow.configtree import ConfigNode
from vyflow.configtree.diff import format_compare, format_marked
from vyflow.configtree.render import set_commands
from vyflow.definitions.model import Definitions
from vyflow.errors import (CommandUsageError, ConfigPathError, NothingToDeleteError,
                           UncommittedChangesError, ValueValidationError)
from vyflow.locking import file_lock
from vyflow.paths import Paths
from vyflow.store import ConfigStore

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
    return '[' + ' '.join(words) + ']'


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
        detail = f'; its values are: {", ".join(values)}' if values else ''
        from vyflow.validators._common import quote
        return NothingToDeleteError('Nothing to delete (the specified value does not exist): '
                                    f'{_bracket(path)} has no value {quote(value)}{detail}', path)

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
                                  f'not its value "{resolved.value}"', resolved.path)
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


class Session:
    """One configure session over the working config under ``paths``."""

    def __init__(self, paths: Paths, definitions: Definitions):
        self.paths = paths
        self.definitions = definitions
        self.editor = Editor(definitions)
        self.store = ConfigStore(paths, definitions.component_versions)

    @contextmanager
    def editing(self) -> Iterator[ConfigNode]:
        """Yield the working tree under the session lock and persist it after
        (not when the edit raised: a refused edit changes nothing)."""
        with file_lock(self.paths.session_lock, wait=-1, what='edit'):
            tree = self.store.working()
            yield tree
            self.store.write_working(tree)

    def edit(self, verb: str, args: Sequence[str]) -> str:
        """One edit command on the working config; see ``Editor.apply``."""
        check_usage(verb, args)
        with self.editing() as tree:
            return self.editor.apply(tree, verb, args)

    def set(self, words: Sequence[str]) -> str:
        return self.edit('set', words)

    def delete(self, words: Sequence[str]) -> str:
        return self.edit('delete', words)

    # ---- views -----------------------------------------------------------

    def show(self, words: Sequence[str] = ()) -> str:
        """The working config (or a subtree) with pending changes marked."""
        if words:
            resolved = self.definitions.resolve(words, for_set=False)
            path = resolved.path
        else:
            path = []
        working, running = self.store.working(), self.store.running()
        new, old = working.find(path), running.find(path)
        if new is None and old is None:
            return 'Configuration under specified path is empty'
        if path and ((new is not None and new.values is not None)
                     or (old is not None and old.values is not None)):
            # A leaf: show its values, marked.
            return format_marked(_wrap(old), _wrap(new))
        return format_marked(old, new) or 'Configuration under specified path is empty'

    def show_commands(self, words: Sequence[str] = (), level: Sequence[str] = ()) -> str:
        """``show [PATH] | commands``: the working config (or a subtree) as
        ``set`` commands, with paths relative to the edit level ``level``."""
        path = self.definitions.resolve(words, for_set=False).path if words else []
        node = self.store.working().find(path)
        if node is None:
            return 'Configuration under specified path is empty'
        relative = path[len(level):] if path[:len(level)] == list(level) else path
        if relative:   # the shown node itself belongs in the commands
            node = _wrap(node)
        return ('\n'.join(set_commands(node, relative[:-1]))
                or 'Configuration under specified path is empty')

    def compare(self) -> str:
        text = format_compare(self.store.running(), self.store.working())
        return text or 'No changes between working and active configurations.'

    def discard(self) -> str:
        with file_lock(self.paths.session_lock, wait=-1, what='edit'):
            dropped = self.store.discard()
        return 'Changes have been discarded' if dropped else 'No changes have been discarded'

    # ---- files -----------------------------------------------------------

    def resolve_file(self, name: str | None) -> Path:
        """A file named on the command line: absolute as given, a bare name
        relative to the saved-config directory (like VyOS's /config)."""
        if not name:
            return self.paths.saved_config
        path = Path(name)
        return path if path.is_absolute() else self.paths.saved_config.parent / path

    def save(self, name: str | None = None) -> str:
        from vyflow.atomicfile import write_atomic
        target = self.resolve_file(name)
        lines = []
        if self.store.has_changes():
            lines.append('Warning: you have uncommitted changes that will not be saved.')
        write_atomic(target, self.store.render(self.store.running(),
                                               self.store.running_foreign_versions()))
        lines.append(f"Saving configuration to '{target}'... Done")
        return '\n'.join(lines)

    def replace_working(self, tree: ConfigNode, versions: dict | None = None) -> str:
        """Make ``tree`` the working config (load); report what changed.
        ``versions`` is the loaded file's footer (foreign components are kept)."""
        with file_lock(self.paths.session_lock, wait=-1, what='edit'):
            if self.store.has_changes():
                raise UncommittedChangesError('Cannot load: configuration modified. Commit or '
                                              'discard the changes before loading a config file.')
            self.store.write_working(tree, self.store.foreign_versions(versions))
        diff = format_compare(self.store.running(), tree)
        if not diff:
            return 'No configuration changes to commit.'
        return f"{diff}\nLoad complete. Use 'commit' to make changes effective."

    def merge_tree(self, incoming: ConfigNode) -> str:
        """Add what ``incoming`` sets to the working config; never deletes."""
        with self.editing() as tree:
            before = tree.copy()
            _merge_into(tree, incoming, self.definitions)
        diff = format_compare(before, tree)
        if not diff:
            return 'Nothing new to merge.'
        return f"{diff}\nMerge complete. Use 'commit' to make changes effective."


def _wrap(leaf: ConfigNode | None) -> ConfigNode | None:
    """A parentless leaf wrapped so the marked view can render it."""
    if leaf is None:
        return None
    holder = ConfigNode()
    holder.children[leaf.name] = leaf
    return holder


def _prune_empty_tags(tree: ConfigNode, parent_path: Sequence[str]) -> None:
    """Deleting the last instance of a tag node removes the tag node itself."""
    for length in range(len(parent_path), 0, -1):
        node = tree.find(parent_path[:length])
        if node is not None and node.is_tag and not node.children:
            tree.delete(parent_path[:length])


def _merge_into(target: ConfigNode, incoming: ConfigNode, definitions: Definitions,
                path: tuple = ()) -> None:
    """Merge like a series of ``set``s: multi leaves gain values, single
    leaves take the incoming value, nodes merge recursively."""
    for name, child in incoming.children.items():
        existing = target.children.get(name)
        child_path = path + (name,)
        if existing is None or (existing.values is None) != (child.values is None):
            target.children[name] = child.copy()
        elif child.values is not None:
            definition = definitions.lookup(child_path)
            if definition is not None and definition.multi:
                existing.values += [v for v in child.values if v not in existing.values]
            else:
                existing.values = list(child.values)
        else:
            existing.is_tag = existing.is_tag or child.is_tag
            _merge_into(existing, child, definitions, child_path)
