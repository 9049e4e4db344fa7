"""Differences between two trees, in the two forms operators read.

- ``compare_sections``: VyOS ``compare`` style, an ``[edit parent path]`` header
  per changed parent (``[edit]`` at the top), then rendered lines prefixed
  ``- `` (old) and ``+ `` (new).
- ``marked_lines``: configure-mode ``show``: the new tree rendered in full with a
  marker column, ``+`` added, ``-`` deleted, ``>`` changed value, space unchanged.

Both are displays, so values are quoted only where needed (``display_lines``),
as VyOS's configure mode shows them.
"""

from __future__ import annotations

from collections.abc import Iterator

from vyflow.configtree.node import ConfigNode, natural_key
from vyflow.configtree.render import INDENT, display_lines

Line = tuple[str, int, str]  # (marker, depth, text)


def _union(old: ConfigNode, new: ConfigNode) -> list[str]:
    return sorted(set(old.children) | set(new.children), key=natural_key)


def _single_tag_value(tag: ConfigNode, value: ConfigNode) -> ConfigNode:
    """A tag node holding only ``value``, to render one tag instance."""
    shell = ConfigNode(tag.name, is_tag=True)
    shell.children[value.name] = value
    return shell


def _marked(marker: str, node: ConfigNode, depth: int) -> list[Line]:
    return [(marker, d, text) for d, text in display_lines(node, depth)]


def _leaf_value_lines(old: ConfigNode, new: ConfigNode, depth: int, full: bool) -> list[Line]:
    """Lines for a leaf whose values changed. ``full`` (the ``show`` view)
    lists unchanged values too and marks a replaced single value with ``>``."""
    if full and len(old.values) == 1 and len(new.values) == 1:
        return [('>', depth, text) for _, text in display_lines(new, depth)]
    old_values, new_values = set(old.values), set(new.values)  # a leaf may hold 100,000
    added = [v for v in new.values if v not in old_values]
    removed = [v for v in old.values if v not in new_values]
    if not added and not removed:  # same values, new order or comment
        return _marked('-', old, depth) + _marked('+', new, depth)
    lines = _marked('-', ConfigNode(old.name, values=removed), depth) if removed else []
    for value in new.values if full else added:
        marker = ' ' if value in old_values else '+'
        lines += _marked(marker, ConfigNode(new.name, values=[value]), depth)
    return lines


def _same_shape(old: ConfigNode, new: ConfigNode) -> bool:
    return (old.is_tag == new.is_tag and (old.values is None) == (new.values is None))


def compare_sections(old: ConfigNode, new: ConfigNode,
                     path: tuple = ()) -> list[tuple[tuple, list[Line]]]:
    """[(parent path, lines)] for every parent whose direct children changed."""
    lines: list[Line] = []
    deeper: list[tuple[tuple, list[Line]]] = []
    for name in _union(old, new):
        o, n = old.children.get(name), new.children.get(name)
        if o == n:
            continue
        if o is None:
            lines += _marked('+', n, 0)
        elif n is None:
            lines += _marked('-', o, 0)
        elif not _same_shape(o, n):
            lines += _marked('-', o, 0) + _marked('+', n, 0)
        elif o.values is not None:
            lines += _leaf_value_lines(o, n, 0, full=False)
        elif o.is_tag:
            for value in _union(o, n):
                ov, nv = o.children.get(value), n.children.get(value)
                if ov == nv:
                    continue
                if ov is None:
                    lines += _marked('+', _single_tag_value(n, nv), 0)
                elif nv is None:
                    lines += _marked('-', _single_tag_value(o, ov), 0)
                else:
                    deeper += _node_sections(ov, nv, path + (name, value))
        else:
            deeper += _node_sections(o, n, path + (name,))
    return ([(path, lines)] if lines else []) + deeper


def _node_sections(old: ConfigNode, new: ConfigNode, path: tuple) -> list[tuple[tuple, list[Line]]]:
    """Sections for two versions of the same node, including a comment change."""
    sections = compare_sections(old, new, path)
    if old.comment != new.comment:
        comment_lines = [('-', 0, f'/* {old.comment} */')] if old.comment else []
        comment_lines += [('+', 0, f'/* {new.comment} */')] if new.comment else []
        sections.insert(0, (path, comment_lines))
    return sections


def format_compare(old: ConfigNode, new: ConfigNode) -> str:
    """The text of ``compare``; empty when the trees are equal."""
    blocks = []
    for path, lines in compare_sections(old, new):
        body = ''.join(f'{marker} {INDENT * depth}{text}\n' for marker, depth, text in lines)
        blocks.append(f'[{" ".join(("edit",) + path)}]\n{body}')
    return '\n'.join(blocks)


def marked_lines(old: ConfigNode | None, new: ConfigNode | None,
                 depth: int = 0) -> Iterator[Line]:
    """Configure-mode ``show`` of the children of ``new`` against ``old``."""
    old = old if old is not None else ConfigNode()
    new = new if new is not None else ConfigNode()
    for name in _union(old, new):
        o, n = old.children.get(name), new.children.get(name)
        if o is None:
            yield from _marked('+', n, depth)
        elif n is None:
            yield from _marked('-', o, depth)
        elif o == n:
            yield from _marked(' ', n, depth)
        elif not _same_shape(o, n):
            yield from _marked('-', o, depth)
            yield from _marked('+', n, depth)
        elif n.values is not None:
            yield from _leaf_value_lines(o, n, depth, full=True)
        elif n.is_tag:
            for value in _union(o, n):
                ov, nv = o.children.get(value), n.children.get(value)
                if ov is None:
                    yield from _marked('+', _single_tag_value(n, nv), depth)
                elif nv is None:
                    yield from _marked('-', _single_tag_value(o, ov), depth)
                elif ov == nv:
                    yield from _marked(' ', _single_tag_value(n, nv), depth)
                else:
                    yield from _open_block(ov, nv, f'{n.name} {value}', depth)
        else:
            yield from _open_block(o, n, n.name, depth)


def _open_block(old: ConfigNode, new: ConfigNode, header: str, depth: int) -> Iterator[Line]:
    if old.comment != new.comment:
        if old.comment:
            yield '-', depth, f'/* {old.comment} */'
        if new.comment:
            yield '+', depth, f'/* {new.comment} */'
    elif new.comment:
        yield ' ', depth, f'/* {new.comment} */'
    yield ' ', depth, f'{header} {{'
    yield from marked_lines(old, new, depth + 1)
    yield ' ', depth, '}'


def format_marked(old: ConfigNode | None, new: ConfigNode | None) -> str:
    return ''.join(f'{marker}{INDENT * depth}{text}\n'
                   for marker, depth, text in marked_lines(old, new))
