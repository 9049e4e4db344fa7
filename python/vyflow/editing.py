"""The configure session: set, delete, copy, rename, comment, show, compare,
discard, save, load, merge on the working config.

An edit runs the ``Editor`` (vyflow.editor: checked against the definitions,
in memory) on the working config under the session lock, which is then
written back atomically, so concurrent ``vyflow set`` processes never lose
each other's edits. Operations return the text to show; problems raise
errors from vyflow.errors.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from vyflow.configtree import ConfigNode
from vyflow.configtree.diff import format_compare, format_marked
from vyflow.configtree.render import set_commands
from vyflow.definitions.model import Definitions
from vyflow.editor import Editor, check_usage
from vyflow.errors import UncommittedChangesError
from vyflow.locking import file_lock
from vyflow.paths import Paths
from vyflow.store import ConfigStore

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
        with file_lock(self.paths.session_lock, wait=-1, what='edit'), \
                self.store.editing_working() as tree:
            yield tree

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

    def save(self, name: str | None = None) -> str:
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
