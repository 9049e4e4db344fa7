"""Check a whole tree against the definitions (used by load, merge and boot).

The same rules as ``set``, applied to every node of a file: the path must be
defined, leaves need values (valueless ones refuse them), single-value leaves
hold one value, every value and tag value passes its constraints. Problems
point at file:line:col when the tree came from a file. Sections the
definitions do not know, outside any subsystem this system owns (``interfaces``,
``system host-name`` of a whole VyOS config), are not errors: they are kept
verbatim and reported once as foreign; inside an owned subtree an unknown node
is an error. Tag shapes are normalised from the definitions as a side effect,
so ``server { 192.0.2.1 { … } }`` written without tag syntax still loads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vyflow.configtree import ConfigNode
from vyflow.definitions.model import Definition, Definitions
from vyflow.text import bracketed, quoted


@dataclass
class TreeReport:
    problems: list[str] = field(default_factory=list)
    foreign_sections: list[str] = field(default_factory=list)


def _where(source: str, node: ConfigNode) -> str:
    if node.origin is None:
        return ''
    return f'{source}:{node.origin[0]}:{node.origin[1]}: '


def validate_tree(tree: ConfigNode, definitions: Definitions, source: str = '<config>') -> TreeReport:
    report = TreeReport()
    _Walker(source, report).children(tree, definitions.root, [], owned=False)
    return report


class _Walker:
    def __init__(self, source: str, report: TreeReport):
        self.source = source
        self.report = report
        self.problems = report.problems

    def node(self, node: ConfigNode, definition: Definition, path: list[str], owned: bool) -> None:
        where = _where(self.source, node)
        shown = bracketed(path)
        owned = owned or bool(definition.owner)
        if definition.is_leaf:
            _check_leaf(node, definition, shown, where, self.problems)
            return
        if node.values is not None:
            self.problems.append(f'{where}{shown} is a node and takes no value')
            return
        if definition.is_tag:
            node.is_tag = True
            for value, instance in node.children.items():
                problem = definition.check_value(value)
                if problem:
                    self.problems.append(f'{_where(self.source, instance)}Invalid value '
                                         f'{quoted(value)} for {shown}: {problem}')
                self.children(instance, definition, path + [value], owned)
        else:
            node.is_tag = False
            self.children(node, definition, path, owned)

    def children(self, node: ConfigNode, definition: Definition, path: list[str],
                 owned: bool) -> None:
        for name, child in node.children.items():
            child_definition = definition.children.get(name)
            if child_definition is not None:
                self.node(child, child_definition, path + [name], owned)
            elif owned:
                self.problems.append(f'{_where(self.source, child)}Configuration path: '
                                     f'{bracketed(path + [name])} is not valid')
            else:
                self.report.foreign_sections.append(' '.join(path + [name]))


def _check_leaf(node: ConfigNode, definition: Definition, shown: str, where: str,
                problems: list[str]) -> None:
    if node.children or node.is_tag:
        problems.append(f'{where}{shown} is a leaf and cannot contain other nodes')
        return
    if definition.valueless:
        if node.values:
            problems.append(f'{where}{shown} takes no value')
        return
    if not node.values:
        problems.append(f'{where}{shown} requires a value')
        return
    if len(node.values) > 1 and not definition.multi:
        problems.append(f'{where}{shown} takes one value, found {len(node.values)}')
    for value in node.values:
        problem = definition.check_value(value)
        if problem:
            if definition.secret:  # never echo a key, even a wrong one
                from vyflow.definitions.masking import MASK
                value = MASK
            problems.append(f'{where}Invalid value {quoted(value)} for {shown}: {problem}')
