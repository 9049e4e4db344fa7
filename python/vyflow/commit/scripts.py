"""Which conf_mode scripts a commit runs, in which order, and loading them.

Every definition node with an ``owner`` roots a subtree; a tag node's owner
gets one subtree per tag value (``VYOS_TAGNODE_VALUE``). A nested owner detaches
its subtree from the enclosing one. A subtree is affected when it differs
between running and proposed. Order is VyOS's: deleted subtrees first, highest
priority first; then the rest, lowest priority first.

Scripts are imported in-process (no interpreter start per script) and must
provide get_config(config), verify(c), generate(c) and apply(c).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType

from vyflow.configtree import ConfigNode
from vyflow.definitions.model import Definition, Definitions
from vyflow.records import dataclass
from vyflow.scriptload import import_script

PHASES = ('get_config', 'verify', 'generate', 'apply')


@dataclass(frozen=True)
class ScriptRun:
    """One owner script to run for one changed subtree."""

    script: str                 # owner attribute, variables expanded
    path: tuple[str, ...]       # config path of the subtree (tag value included)
    priority: int
    tag_value: str | None
    deleted: bool               # present in running, absent in proposed

    @property
    def label(self) -> str:
        return ' '.join(self.path)


def _owner_nodes(definition: Definition, path: tuple = ()) -> Iterator[tuple[tuple, Definition]]:
    for name, child in definition.children.items():
        child_path = path + (name,)
        if child.owner:
            yield child_path, child
        yield from _owner_nodes(child, child_path)


def _without_owned(node: ConfigNode | None, definition: Definition) -> ConfigNode | None:
    """The subtree minus nested owner subtrees, which are compared separately."""
    if node is None:
        return None
    clone = ConfigNode(node.name, is_tag=node.is_tag, values=node.values, comment=node.comment)
    for name, child in node.children.items():
        child_definition = definition.children.get(name) if not definition.is_tag else None
        if definition.is_tag:  # children of a tag node are its instances
            clone.children[name] = _without_owned(child, _Instance(definition))
        elif child_definition is not None and child_definition.owner:
            continue
        else:
            clone.children[name] = (_without_owned(child, child_definition)
                                    if child_definition is not None else child)
    return clone


class _Instance(Definition):
    """A tag instance has its tag node's children but is not itself a tag."""

    def __init__(self, tag: Definition):
        super().__init__(tag.name, dict(tag.entry, kind='node'))


def affected_runs(definitions: Definitions, running: ConfigNode, proposed: ConfigNode,
                  expand_variables: Callable[[str], str],
                  include_unchanged: bool = False) -> list[ScriptRun]:
    """The owner subtrees that differ (or, with ``include_unchanged``, exist on
    either side), in the order their scripts must run."""
    runs = []
    for def_path, definition in _owner_nodes(definitions.root):
        if definition.is_tag:
            old_tag, new_tag = running.find(def_path), proposed.find(def_path)
            values = set(old_tag.children if old_tag else ()) | set(new_tag.children if new_tag else ())
            instance = _Instance(definition)
            candidates = [(def_path + (value,), value, instance) for value in sorted(values)]
        else:
            candidates = [(def_path, None, definition)]
        for path, tag_value, subtree_definition in candidates:
            old = _without_owned(running.find(path), subtree_definition)
            new = _without_owned(proposed.find(path), subtree_definition)
            if old != new or (include_unchanged and old is not None):
                runs.append(ScriptRun(expand_variables(definition.owner), path,
                                      definition.priority, tag_value, new is None))
    deletions = sorted((r for r in runs if r.deleted), key=lambda r: -r.priority)
    others = sorted((r for r in runs if not r.deleted), key=lambda r: r.priority)
    return deletions + others


def load_script(owner: str) -> ModuleType:
    """The conf_mode module named by an (expanded) owner attribute."""
    return import_script(owner.split()[0], 'vyflow_conf_mode_', PHASES)
