"""Config: how conf_mode and op_mode scripts read configuration.

A script sees the *proposed* config (what the commit will make running) and,
through the ``*_effective`` methods, the running one. It never writes.
``get_config_dict`` gives the VyOS dict shape: nodes and tag nodes are dicts
(tag values as keys), a valueless leaf is ``{}``, a multi leaf is a list.
Defaults come from ``defaultValue`` and are applied only under nodes that exist
(``with_recursive_defaults`` also fills absent non-tag child nodes); they are
never written to config.boot.
"""

from __future__ import annotations

from collections.abc import Sequence

from vyflow.configtree import ConfigNode
from vyflow.definitions.model import Definition, Definitions
from vyflow.paths import Paths, Resources
from vyflow.records import dataclass

Path = str | Sequence[str]


@dataclass(frozen=True)
class RunEnvironment:
    """Where scripts act: the root for every file, shipped resources, and
    whether system changes are only planned (dry run)."""

    paths: Paths
    resources: Resources
    dry_run: bool = False


def _words(path: Path) -> list[str]:
    return path.split() if isinstance(path, str) else list(path)


class Config:
    """Read access to the proposed and running configs."""

    def __init__(self, proposed: ConfigNode, running: ConfigNode, definitions: Definitions,
                 environment: RunEnvironment | None = None):
        self.proposed = proposed
        self.running = running
        self.definitions = definitions
        self.environment = environment or RunEnvironment(Paths(), Resources.locate())

    def _tree(self, effective: bool) -> ConfigNode:
        return self.running if effective else self.proposed

    def exists(self, path: Path, effective: bool = False) -> bool:
        return self._tree(effective).exists(_words(path))

    def exists_effective(self, path: Path) -> bool:
        return self.exists(path, effective=True)

    def return_value(self, path: Path, default: str | None = None,
                     effective: bool = False) -> str | None:
        return self._tree(effective).return_value(_words(path), default)

    def return_effective_value(self, path: Path, default: str | None = None) -> str | None:
        return self.return_value(path, default, effective=True)

    def return_values(self, path: Path, effective: bool = False) -> list[str]:
        return self._tree(effective).return_values(_words(path))

    def return_effective_values(self, path: Path) -> list[str]:
        return self.return_values(path, effective=True)

    def list_nodes(self, path: Path, effective: bool = False) -> list[str]:
        return self._tree(effective).list_nodes(_words(path))

    def list_effective_nodes(self, path: Path) -> list[str]:
        return self.list_nodes(path, effective=True)

    def is_node_changed(self, path: Path) -> bool:
        words = _words(path)
        return self.proposed.find(words) != self.running.find(words)

    def get_config_dict(self, path: Path = (), effective: bool = False,
                        key_mangling: tuple[str, str] | None = None,
                        get_first_key: bool = False, no_tag_node_value_mangle: bool = False,
                        with_defaults: bool = False,
                        with_recursive_defaults: bool = False) -> dict:
        """The subtree at ``path`` as a dict; {} when the path does not exist."""
        words = _words(path)
        node = self._tree(effective).find(words)
        if node is None:
            return {}
        definition, at_tag_value = self.definitions.locate(words)
        converter = _DictBuilder(key_mangling, not no_tag_node_value_mangle,
                                 with_defaults or with_recursive_defaults, with_recursive_defaults)
        if definition is not None and definition.is_tag and not at_tag_value:
            value = converter.tag(node, definition)
        else:
            value = converter.node(node, definition)
        if get_first_key or not words:
            return value if isinstance(value, dict) else {}
        return {converter.key(words[-1]): value}


class _DictBuilder:
    """Converts tree nodes to dicts with mangling and defaults."""

    def __init__(self, mangling: tuple[str, str] | None, mangle_tags: bool,
                 defaults: bool, recursive: bool):
        self.mangling = mangling
        self.mangle_tags = mangle_tags
        self.defaults = defaults
        self.recursive = recursive

    def key(self, name: str) -> str:
        return name.replace(*self.mangling) if self.mangling else name

    def leaf(self, node: ConfigNode, definition: Definition | None) -> dict | str | list:
        if node.values is None:
            return {}
        if definition is not None and definition.multi or len(node.values) > 1:
            return list(node.values)
        return node.values[0]

    def tag(self, node: ConfigNode, definition: Definition | None) -> dict:
        return {(self.key(name) if self.mangle_tags else name): self.node(child, definition)
                for name, child in node.children.items()}

    def node(self, node: ConfigNode, definition: Definition | None) -> dict | str | list:
        if definition is not None and definition.is_leaf or node.values is not None:
            return self.leaf(node, definition)
        result: dict = {}
        children = definition.children if definition is not None else {}
        for name, child in node.children.items():
            child_definition = children.get(name)
            if child_definition is not None and child_definition.is_tag or child.is_tag:
                result[self.key(name)] = self.tag(child, child_definition)
            else:
                result[self.key(name)] = self.node(child, child_definition)
        if self.defaults and definition is not None:
            self._add_defaults(result, definition)
        return result

    def _add_defaults(self, result: dict, definition: Definition) -> None:
        for name, child in definition.children.items():
            key = self.key(name)
            if key in result:
                continue
            if child.is_leaf and child.default is not None:
                result[key] = list(child.default) if child.multi else child.default
            elif self.recursive and not child.is_leaf and not child.is_tag:
                filled = self.node(ConfigNode(name), child)
                if filled:
                    result[key] = filled
