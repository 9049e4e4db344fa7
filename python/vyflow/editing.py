"""Configure-mode editing: set, delete, copy, rename, comment, show, compare,
discard, save, load, merge.

Each operation checks paths and values against the definitions before it
touches the working config, then writes it back atomically under the session
lock, so concurrent ``vyflow set`` processes never lose each other's edits.
Operations return the text to show; problems raise errors from vyflow.errors.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Optional, Sequence

from vyflow.configtree import ConfigNode
from vyflow.configtree.diff import format_compare, format_marked
from vyflow.definitions.model import Definitions
from vyflow.errors import ConfigPathError, UncommittedChangesError, ValueValidationError
from vyflow.locking import file_lock
from vyflow.paths import Paths
from vyflow.store import ConfigStore
from vyflow.text import bracketed, quoted


def _bracket(words: Sequence[str]) -> str:
    return bracketed(words)


class Session:
    """One configure session over the working config under ``paths``."""

    def __init__(self, paths: Paths, definitions: Definitions):
        self.paths = paths
        self.definitions = definitions
        self.store = ConfigStore(paths, definitions.component_versions)

    @contextmanager
    def editing(self) -> Iterator[ConfigNode]:
        """Yield the working tree under the session lock and persist it after."""
        with file_lock(self.paths.session_lock, wait=-1, what='edit'):
            tree = self.store.working()
            yield tree
            self.store.write_working(tree)

    # ---- set / delete ----------------------------------------------------

    def set(self, words: Sequence[str]) -> str:
        resolved = self.definitions.resolve(words, for_set=True)
        with self.editing() as tree:
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

    def delete(self, words: Sequence[str]) -> str:
        resolved = self.definitions.resolve(words, for_set=False)
        with self.editing() as tree:
            if resolved.value is not None:
                removed = tree.delete_value(resolved.path, resolved.value)
            else:
                removed = tree.delete(resolved.path)
            if not removed:
                what = 'value' if resolved.value is not None else 'node'
                return f'Nothing to delete (the specified {what} does not exist)'
            _prune_empty_tags(tree, resolved.path[:-1])
        return ''

    # ---- copy / rename / comment ------------------------------------------

    def copy(self, source: Sequence[str], target: Sequence[str]) -> str:
        """Duplicate a tag value with everything below it (``copy server A to
        server B``): the quick way to add a second, similar collector."""
        return self._duplicate(source, target, keep_source=True)

    def rename(self, source: Sequence[str], target: Sequence[str]) -> str:
        """Give a tag value a new value, keeping what is below it."""
        return self._duplicate(source, target, keep_source=False)

    def _duplicate(self, source: Sequence[str], target: Sequence[str], *,
                   keep_source: bool) -> str:
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
        with self.editing() as tree:
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

    def comment(self, words: Sequence[str], text: str) -> str:
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
        with self.editing() as tree:
            node = tree.find(resolved.path)
            if node is None:
                raise ConfigPathError(f'Configuration path: {_bracket(resolved.path)} '
                                      'does not exist', resolved.path)
            node.comment = text or None
        return ''

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

    def compare(self) -> str:
        text = format_compare(self.store.running(), self.store.working())
        return text or 'No changes between working and active configurations.'

    def discard(self) -> str:
        with file_lock(self.paths.session_lock, wait=-1, what='edit'):
            dropped = self.store.discard()
        return 'Changes have been discarded' if dropped else 'No changes have been discarded'

    # ---- files -----------------------------------------------------------

    def save(self, name: Optional[str] = None) -> str:
        """Write the running config to the saved config, or to the file
        ``name`` (see Paths.operator_file for where it may be)."""
        from vyflow.atomicfile import write_atomic
        target, policy = self.paths.operator_file(name)
        lines = []
        if self.store.has_changes():
            lines.append('Warning: you have uncommitted changes that will not be saved.')
        write_atomic(target, self.store.render(self.store.running(),
                                               self.store.running_foreign_versions()),
                     policy=policy)
        lines.append(f"Saving configuration to '{target}'... Done")
        return '\n'.join(lines)

    def replace_working(self, tree: ConfigNode, versions: Optional[dict] = None) -> str:
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


def _wrap(leaf: Optional[ConfigNode]) -> Optional[ConfigNode]:
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
