"""Render a ConfigNode tree as config.boot text (VyOS 1.4 style).

Four-space indent, names and tag values bare, every value double-quoted,
children in lexical-numeric order, multi values in stored order, comments as
``/* text */`` on the line before their node. ``node_lines`` is shared with the
diff views, which prefix each line with a change marker.
"""

from __future__ import annotations

import re
from typing import Iterator, Mapping, Optional

from vyflow.configtree.node import ConfigNode
from vyflow.configtree.version import render_footer

INDENT = '    '
_NEEDS_QUOTES = re.compile(r'[\s{}"\'\\]|^$|^/[/*]')
_ESCAPE = {'\\': '\\\\', '"': '\\"', '\n': '\\n', '\t': '\\t', '\r': '\\r',
           '\b': '\\b', '\f': '\\f'}
_TO_ESCAPE = re.compile(r'[\\"\n\t\r\b\f]')


def quote(value: str) -> str:
    """Double-quote a value, escaping what the parser unescapes."""
    return '"' + _TO_ESCAPE.sub(lambda m: _ESCAPE[m.group()], value) + '"'


def name_token(name: str) -> str:
    """A node name or tag value: bare unless it would not lex as one word."""
    return quote(name) if _NEEDS_QUOTES.search(name) else name


def _comment_line(comment: str) -> str:
    return '/* ' + comment.replace('*/', '* /') + ' */'


def node_lines(node: ConfigNode, depth: int = 0) -> Iterator[tuple[int, str]]:
    """(depth, text) lines rendering ``node`` itself, its values and subtree."""
    if node.is_tag:
        for value in node.sorted_children():
            if value.comment:
                yield depth, _comment_line(value.comment)
            yield depth, f'{name_token(node.name)} {name_token(value.name)} {{'
            yield from children_lines(value, depth + 1)
            yield depth, '}'
        return
    if node.comment:
        yield depth, _comment_line(node.comment)
    name = name_token(node.name)
    if node.values is not None:
        for value in node.values:
            yield depth, f'{name} {quote(value)}'
    elif node.children:
        yield depth, f'{name} {{'
        yield from children_lines(node, depth + 1)
        yield depth, '}'
    else:
        yield depth, name


def children_lines(node: ConfigNode, depth: int = 0) -> Iterator[tuple[int, str]]:
    for child in node.sorted_children():
        yield from node_lines(child, depth)


def render_tree(node: ConfigNode) -> str:
    """The children of ``node`` as config.boot text, without a footer."""
    return ''.join(f'{INDENT * depth}{text}\n' for depth, text in children_lines(node))


def render_config(tree: ConfigNode, versions: Optional[Mapping[str, int]] = None,
                  release: str = '') -> str:
    """A whole config file; the footer is added when versions are given."""
    text = render_tree(tree)
    if versions is not None:
        text += render_footer(versions, release)
    return text
