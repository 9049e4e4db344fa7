"""``/retrieve``: read the running config (secrets masked).

``showConfig`` gives the node's children as nested JSON, the shape VyOS's
config tree produces: a leaf is ``{name: value}`` (a list when it holds
several values), a valueless leaf ``{name: {}}``, a tag node maps its values
to their subtrees. A path that is absent or has nothing under it is an error
whose text is exactly ``Configuration under specified path is empty\\n``:
the Terraform provider maps that string to "not found". ``configFormat: raw``
gives config.boot text instead.
"""

from __future__ import annotations

from typing import Any, Union

from vyflow.api.protocol import ApiError, operation, words
from vyflow.api.state import RunningView
from vyflow.configtree import ConfigNode, render_tree

EMPTY = 'Configuration under specified path is empty\n'
OPS = ('showConfig', 'returnValue', 'returnValues', 'exists')


def retrieve(view: RunningView, data: dict) -> Any:
    op = operation(data, OPS)
    path = words(data.get('path'))
    tree = view.masked
    if op == 'exists':
        return tree.exists(path)
    if op == 'returnValues':
        return tree.return_values(path)
    if op == 'returnValue':
        value = tree.return_value(path)
        if value is None:
            raise ApiError(f'Configuration path: [{" ".join(path)}] has no value')
        return value
    return show_config(tree, path, data.get('configFormat', 'json'))


def show_config(tree: ConfigNode, path: list[str], config_format: Any) -> Union[dict, str]:
    if config_format not in ('json', 'raw'):
        raise ApiError(f'configFormat {config_format!r} is not supported by vyflow: '
                       'use "json" or "raw"')
    node = tree.find(path)
    if node is None:
        raise ApiError(EMPTY)
    if path and (node.values is not None or node.is_bare()):
        holder = ConfigNode()       # a leaf is shown as itself, {name: value}
        holder.children[node.name] = node
        node = holder
    if not node.children:
        raise ApiError(EMPTY)
    return render_tree(node) if config_format == 'raw' else children_json(node)


def children_json(node: ConfigNode) -> dict:
    return {child.name: (child.values[0] if len(child.values) == 1 else list(child.values))
            if child.values is not None else children_json(child)
            for child in node.sorted_children()}
