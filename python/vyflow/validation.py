"""Check a whole tree against the definitions (used by load, merge and boot).

The same rules as ``set``, applied to every node of a file: the path must be
defined, leaves need values (valueless ones refuse them), single-value leaves
hold one value, every value and tag value passes its constraints. Problems
point at file:line:col when the tree came from a file. Top-level sections the
definitions do not know are not errors: they are kept verbatim and reported
once as foreign. Tag shapes are normalised from the definitions as a side
effect, so ``server { 192.0.2.1 { … } }`` written without tag syntax still loads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vyflow.configtree import ConfigNode
from vyflow.definitions.model import Definition, Definitions


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
    for name, child in tree.children.items():
        definition = definitions.root.children.get(name)
        if definition is None:
            report.foreign_sections.append(name)
        else:
            _check(child, definition, [name], source, report.problems)
    return report


def _check(node: ConfigNode, definition: Definition, path: list[str], source: str,
           problems: list[str]) -> None:
    where = _where(source, node)
    shown = '[' + ' '.join(path) + ']'
    if definition.is_leaf:
        _check_leaf(node, definition, shown, where, problems)
        return
    if node.values is not None:
        problems.append(f'{where}{shown} is a node and takes no value')
        return
    if definition.is_tag:
        node.is_tag = True
        for value, instance in node.children.items():
            problem = definition.check_value(value)
            if problem:
                problems.append(f'{_where(source, instance)}Invalid value "{value}" for '
                                f'{shown}: {problem}')
            _check_children(instance, definition, path + [value], source, problems)
    else:
        node.is_tag = False
        _check_children(node, definition, path, source, problems)


def _check_children(node: ConfigNode, definition: Definition, path: list[str], source: str,
                    problems: list[str]) -> None:
    for name, child in node.children.items():
        child_definition = definition.children.get(name)
        if child_definition is None:
            problems.append(f'{_where(source, child)}Configuration path: '
                            f'[{" ".join(path + [name])}] is not valid')
        else:
            _check(child, child_definition, path + [name], source, problems)


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
            problems.append(f'{where}Invalid value "{value}" for {shown}: {problem}')
