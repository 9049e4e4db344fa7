"""Render a ConfigNode tree as text, in the three forms VyOS uses.

- config.boot (VyOS 1.4+ files): four-space indent, names and tag values bare,
  every value double-quoted (``quote``), children in lexical-numeric order,
  multi values in stored order, comments as ``/* text */`` on the line before
  their node.
- The display form of configure-mode ``show`` and ``compare`` (and op-mode
  ``show configuration``): the same layout, but a value is quoted only when it
  must be (``show_quote``), as VyOS's configure mode shows it. Both forms parse
  back to the same tree.
- Set commands (``show configuration commands``, ``show | commands``): one
  ``set PATH 'VALUE'`` line per value (``set_commands``).

``node_lines`` is shared with the diff views, which prefix each line with a
change marker.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from vyflow.configtree.node import ConfigNode
from vyflow.configtree.version import render_footer

INDENT = '    '
_NEEDS_QUOTES = re.compile(r'[\s{}"\'\\]|^$|^/[/*]')
# VyOS quotes a shown value that is empty or holds a space, tab, newline, "*",
# "{", "}" or ";". Quotes, backslashes and control characters are added here:
# shown bare, they would not read back as the same value.
_SHOW_NEEDS_QUOTES = re.compile(r'[\s*{};"\'\\\x00-\x1f\x7f]|^$|^//')
_ESCAPE = {'\\': '\\\\', '"': '\\"', '\n': '\\n', '\t': '\\t', '\r': '\\r',
           '\b': '\\b', '\f': '\\f'}
_TO_ESCAPE = re.compile(r'[\\"\n\t\r\b\f]')
# A word of a set command that a shell (and vyflow's own shell) reads as itself.
_SHELL_SAFE = re.compile(r'[\w@%+=:,./-]+')

ValueText = Callable[[str], str]


def quote(value: str) -> str:
    """Double-quote a value, escaping what the parser unescapes."""
    return '"' + _TO_ESCAPE.sub(lambda m: _ESCAPE[m.group()], value) + '"'


def show_quote(value: str) -> str:
    """A value as configure-mode ``show`` prints it: bare unless it must be quoted."""
    return quote(value) if _SHOW_NEEDS_QUOTES.search(value) else value


def name_token(name: str) -> str:
    """A node name or tag value: bare unless it would not lex as one word."""
    return quote(name) if _NEEDS_QUOTES.search(name) else name


def _comment_line(comment: str) -> str:
    return '/* ' + comment.replace('*/', '* /') + ' */'


def node_lines(node: ConfigNode, depth: int = 0,
               value_text: ValueText = quote) -> list[tuple[int, str]]:
    """(depth, text) lines rendering ``node`` itself, its values and subtree;
    ``value_text`` writes a leaf value (``quote`` for files, ``show_quote``
    for display)."""
    lines: list[tuple[int, str]] = []
    _node_lines(node, depth, value_text, lines)
    return lines


def children_lines(node: ConfigNode, depth: int = 0,
                   value_text: ValueText = quote) -> list[tuple[int, str]]:
    lines: list[tuple[int, str]] = []
    for child in node.sorted_children():
        _node_lines(child, depth, value_text, lines)
    return lines


def _node_lines(node: ConfigNode, depth: int, value_text: ValueText,
                lines: list[tuple[int, str]]) -> None:
    """Appends to one list: a whole config is a thousand lines, and nested
    generators would pass each of them up through every level."""
    if node.is_tag:
        name = name_token(node.name)
        for value in node.sorted_children():
            if value.comment:
                lines.append((depth, _comment_line(value.comment)))
            lines.append((depth, f'{name} {name_token(value.name)} {{'))
            for child in value.sorted_children():
                _node_lines(child, depth + 1, value_text, lines)
            lines.append((depth, '}'))
        return
    if node.comment:
        lines.append((depth, _comment_line(node.comment)))
    name = name_token(node.name)
    if node.values is not None:
        lines.extend((depth, f'{name} {value_text(value)}') for value in node.values)
    elif node.children:
        lines.append((depth, f'{name} {{'))
        for child in node.sorted_children():
            _node_lines(child, depth + 1, value_text, lines)
        lines.append((depth, '}'))
    else:
        lines.append((depth, name))


def display_lines(node: ConfigNode, depth: int = 0) -> list[tuple[int, str]]:
    """``node_lines`` in the display form (values quoted only when needed)."""
    return node_lines(node, depth, show_quote)


def render_tree(node: ConfigNode) -> str:
    """The children of ``node`` as config.boot text, without a footer."""
    return ''.join([f'{INDENT * depth}{text}\n' for depth, text in children_lines(node)])


def render_display(node: ConfigNode) -> str:
    """The children of ``node`` as configure-mode ``show`` prints them."""
    return ''.join([f'{INDENT * depth}{text}\n'
                    for depth, text in children_lines(node, 0, show_quote)])


def render_config(tree: ConfigNode, versions: Mapping[str, int] | None = None,
                  release: str = '') -> str:
    """A whole config file; the footer is added when versions are given."""
    text = render_tree(tree)
    if versions is not None:
        text += render_footer(versions, release)
    return text


# ---- set commands -----------------------------------------------------------

def command_word(word: str) -> str:
    """A path word of a set command: bare when a shell reads it as itself."""
    return word if _SHELL_SAFE.fullmatch(word) else _single_quote(word)


def _single_quote(value: str) -> str:
    """Single quotes as VyOS writes set commands; a ``'`` inside is written
    the POSIX shell way (``'\\''``), so the line still reads back exactly."""
    return "'" + value.replace("'", "'\\''") + "'"


def set_commands(node: ConfigNode, prefix: Sequence[str] = ()) -> list[str]:
    """``set`` lines (then ``comment`` lines) that build the children of
    ``node``; paths are written relative to ``node``, after ``prefix``."""
    sets: list[str] = []
    comments: list[str] = []
    _command_lines(node, [command_word(word) for word in prefix], sets, comments)
    return sets + comments


def _command_lines(node: ConfigNode, path: list[str], sets: list[str],
                   comments: list[str]) -> None:
    for child in node.sorted_children():
        child_path = path + [command_word(child.name)]
        if child.is_tag:
            for instance in child.sorted_children():
                instance_path = child_path + [command_word(instance.name)]
                _node_commands(instance, instance_path, sets, comments)
            continue
        _node_commands(child, child_path, sets, comments)


def _node_commands(node: ConfigNode, path: list[str], sets: list[str],
                   comments: list[str]) -> None:
    words = ' '.join(path)
    if node.comment:
        comments.append(f'comment {words} {_single_quote(node.comment)}')
    if node.values is not None:
        sets.extend(f'set {words} {_single_quote(value)}' for value in node.values)
    elif node.children:
        _command_lines(node, path, sets, comments)
    else:
        sets.append(f'set {words}')
