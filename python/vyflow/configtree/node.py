"""ConfigNode: one node of a configuration tree.

Shapes, as in config.boot:
- a plain node (``netflow { ... }``) has children and ``values is None``;
- a tag node (``server 192.0.2.1 { ... }``) is a node with ``is_tag`` set whose
  children are the tag values, each an ordinary node;
- a leaf (``port "2055"``) has ``values`` (one, or several for multi leaves);
- a bare name (``enable-egress``) has neither: a valueless leaf or an empty node,
  which the text form cannot tell apart (definitions can).

Paths are word lists that include tag values, exactly as typed after ``set``.
The method names follow VyOS's ConfigTree so migration scripts read familiarly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache

_DIGIT_RUNS = re.compile(r'(\d+)')


@lru_cache(maxsize=4096)
def natural_key(name: str) -> tuple:
    """Sort key giving lexical-numeric order: eth2 before eth10, then bytewise.
    Cached: a config repeats its names (``address`` under every interface),
    and every render sorts every node's children."""
    parts = _DIGIT_RUNS.split(name)
    # Odd positions are digit runs, so the tuple alternates str/int and always
    # compares without mixing types.
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts)), name


class ConfigNode:
    """A configuration node; see the module docstring for the shapes."""

    __slots__ = ('name', 'children', 'values', 'is_tag', 'comment', 'origin')

    def __init__(self, name: str = '', *, is_tag: bool = False,
                 values: list[str] | None = None, comment: str | None = None):
        self.name = name
        self.children: dict[str, ConfigNode] = {}
        self.values = values
        self.is_tag = is_tag
        self.comment = comment
        # (line, column) where a parsed node was first written; not part of equality.
        self.origin: tuple[int, int] | None = None

    # ---- structure -------------------------------------------------------

    def find(self, path: Sequence[str]) -> ConfigNode | None:
        """The node at ``path``, or None."""
        node = self
        for word in path:
            node = node.children.get(word)
            if node is None:
                return None
        return node

    def ensure(self, path: Sequence[str], tag_flags: Sequence[bool] | None = None) -> ConfigNode:
        """The node at ``path``, creating missing nodes; ``tag_flags[i]`` marks
        the node created for ``path[i]`` as a tag node."""
        node = self
        for index, word in enumerate(path):
            child = node.children.get(word)
            if child is None:
                child = ConfigNode(word, is_tag=bool(tag_flags and tag_flags[index]))
                node.children[word] = child
            node = child
        return node

    def sorted_children(self) -> list[ConfigNode]:
        """Children in lexical-numeric order, the order config.boot uses."""
        return sorted(self.children.values(), key=lambda n: natural_key(n.name))

    def is_leaf(self) -> bool:
        return self.values is not None

    def is_bare(self) -> bool:
        """A name with no value and no children (valueless leaf or empty node)."""
        return self.values is None and not self.children

    def walk(self, prefix: tuple = ()) -> Iterator[tuple[tuple, ConfigNode]]:
        """Every descendant as (path, node), parents before children."""
        for child in self.sorted_children():
            path = prefix + (child.name,)
            yield path, child
            yield from child.walk(path)

    def copy(self) -> ConfigNode:
        """A deep copy."""
        clone = ConfigNode(self.name, is_tag=self.is_tag,
                           values=None if self.values is None else list(self.values),
                           comment=self.comment)
        for name, child in self.children.items():
            clone.children[name] = child.copy()
        return clone

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ConfigNode):
            return NotImplemented
        return (self.name == other.name and self.values == other.values
                and self.is_tag == other.is_tag and self.comment == other.comment
                and self.children == other.children)

    __hash__ = None  # mutable

    def __repr__(self) -> str:
        kind = 'tag' if self.is_tag else ('leaf' if self.values is not None else 'node')
        return f'<ConfigNode {self.name!r} {kind} values={self.values} children={len(self.children)}>'

    # ---- VyOS ConfigTree-style operations (used by migration scripts) ----

    def exists(self, path: Sequence[str]) -> bool:
        """True if ``path`` names a node, or a node followed by one of its values."""
        if self.find(path) is not None:
            return True
        if not path:
            return False
        parent = self.find(path[:-1])
        return parent is not None and parent.values is not None and path[-1] in parent.values

    def return_value(self, path: Sequence[str], default: str | None = None) -> str | None:
        node = self.find(path)
        if node is None or not node.values:
            return default
        return node.values[0]

    def return_values(self, path: Sequence[str]) -> list[str]:
        node = self.find(path)
        return list(node.values) if node is not None and node.values else []

    def list_nodes(self, path: Sequence[str]) -> list[str]:
        node = self.find(path)
        return [child.name for child in node.sorted_children()] if node is not None else []

    def is_tag_node(self, path: Sequence[str]) -> bool:
        node = self.find(path)
        return node is not None and node.is_tag

    def set(self, path: Sequence[str], value: str | None = None, replace: bool = True) -> None:
        """Create ``path``; with a value, make it a leaf holding it (appended
        to a multi leaf when ``replace`` is false)."""
        node = self.ensure(path)
        if value is None:
            return
        if replace or node.values is None:
            node.values = [value]
        elif value not in node.values:
            node.values.append(value)

    def set_tag(self, path: Sequence[str], is_tag: bool = True) -> None:
        self.ensure(path).is_tag = is_tag

    def delete(self, path: Sequence[str]) -> bool:
        """Remove the node at ``path`` with its subtree; False if absent."""
        if not path:
            raise ValueError('cannot delete the root node')
        parent = self.find(path[:-1])
        if parent is None or path[-1] not in parent.children:
            return False
        del parent.children[path[-1]]
        return True

    def delete_value(self, path: Sequence[str], value: str) -> bool:
        """Remove one value of a leaf; the leaf goes when its last value does."""
        node = self.find(path)
        if node is None or not node.values or value not in node.values:
            return False
        node.values.remove(value)
        if not node.values:
            self.delete(path)
        return True

    def rename(self, path: Sequence[str], new_name: str) -> None:
        parent = self.find(path[:-1])
        if parent is None or path[-1] not in parent.children:
            raise KeyError(' '.join(path))
        if new_name in parent.children:
            raise KeyError(f'{" ".join(path[:-1] + [new_name])} already exists')
        node = parent.children.pop(path[-1])
        node.name = new_name
        parent.children[new_name] = node
