"""Parse config.boot text into a ConfigNode tree plus its version footer.

Grammar (VyOS's, with newlines significant only after a name or value):
    name { ... }            node
    name value { ... }      tag node with one tag value
    name value              leaf (repeated lines accumulate: multi values)
    name                    valueless leaf or empty node
    /* text */              comment attached to the next node
    // text                 ignored line comment
Values may be bare words or single/double-quoted strings with backslash escapes.
Errors carry line:column. Parsing is iterative, so deep nesting cannot blow the stack.
"""

from __future__ import annotations

import re
from pathlib import Path

from vyflow.configtree.node import ConfigNode
from vyflow.configtree.version import Footer, split_footer
from vyflow.errors import ConfigParseError
from vyflow.records import dataclass

_TOKEN = re.compile(r'''
    (?P<space>[ \t\r\f\v]+)
  | (?P<newline>\n)
  | (?P<comment>/\*.*?\*/)
  | (?P<linecomment>//[^\n]*)
  | (?P<lbrace>\{)
  | (?P<rbrace>\})
  | (?P<dquoted>"(?:[^"\\]|\\.)*")
  | (?P<squoted>'(?:[^'\\]|\\.)*')
  | (?P<word>[^\s{}"']+)
''', re.VERBOSE | re.DOTALL)

_ESCAPES = {'\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r',
            't': '\t', "'": "'", '"': '"'}
_ESCAPE = re.compile(r'\\(.)', re.DOTALL)

# Token kinds
NAME, STRING, LBRACE, RBRACE, NEWLINE, COMMENT, EOF = range(7)


@dataclass
class ConfigFile:
    """A parsed config file: the tree and what its footer said."""

    tree: ConfigNode
    footer: Footer | None = None

    @property
    def versions(self) -> dict[str, int] | None:
        return self.footer.versions if self.footer else None


def _unquote(token: str) -> str:
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), '\\' + m.group(1)), token[1:-1])


class _Lexer:
    """Turns text into (kind, text, offset) tokens, dropping spaces and // lines."""

    def __init__(self, text: str, source: str):
        self.text = text
        self.source = source

    def error(self, message: str, offset: int) -> ConfigParseError:
        line = self.text.count('\n', 0, offset) + 1
        column = offset - (self.text.rfind('\n', 0, offset) + 1) + 1
        return ConfigParseError(message, line, column, self.source)

    def tokens(self) -> list[tuple[int, str, int]]:
        text, pos, out = self.text, 0, []
        match_at = _TOKEN.match
        while pos < len(text):
            match = match_at(text, pos)
            if match is None:
                if text.startswith('/*', pos):
                    raise self.error('unterminated comment', pos)
                raise self.error('unterminated quoted string', pos)
            kind = match.lastgroup
            value = match.group()
            if kind == 'word':
                if value.startswith('/*'):
                    raise self.error('unterminated comment', pos)
                out.append((NAME, value, pos))
            elif kind == 'newline':
                out.append((NEWLINE, value, pos))
            elif kind == 'lbrace':
                out.append((LBRACE, value, pos))
            elif kind == 'rbrace':
                out.append((RBRACE, value, pos))
            elif kind in ('dquoted', 'squoted'):
                out.append((STRING, _unquote(value), pos))
            elif kind == 'comment':
                out.append((COMMENT, value[2:-2].strip(), pos))
            pos = match.end()
        out.append((EOF, '', pos))
        return out


class _Parser:
    def __init__(self, text: str, source: str):
        self.lexer = _Lexer(text, source)
        self.tokens = self.lexer.tokens()
        self.index = 0
        # Offsets only grow while parsing, so positions are tracked incrementally.
        self._line, self._line_start = 1, 0
        first_newline = text.find('\n')
        self._next_line_offset = first_newline + 1 if first_newline >= 0 else len(text) + 1

    def error(self, message: str, offset: int) -> ConfigParseError:
        return self.lexer.error(message, offset)

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column) of an offset, counted from the last known newline."""
        text = self.lexer.text
        while self._next_line_offset <= offset:
            self._line += 1
            self._line_start = self._next_line_offset
            found = text.find('\n', self._line_start)
            self._next_line_offset = found + 1 if found >= 0 else len(text) + 1
        return self._line, offset - self._line_start + 1

    def parse(self) -> ConfigNode:
        root = ConfigNode()
        stack = [(root, None)]  # (node, offset of its opening brace)
        comment = None
        tokens = self.tokens
        while True:
            kind, text, offset = tokens[self.index]
            self.index += 1
            if kind == NEWLINE:
                continue
            if kind == EOF:
                if len(stack) > 1:
                    raise self.error(f'missing "}}" for "{stack[-1][0].name}" opened here',
                                     stack[-1][1])
                return root
            if kind == COMMENT:
                comment = text
                continue
            if kind == RBRACE:
                if len(stack) == 1:
                    raise self.error('unexpected "}"', offset)
                stack.pop()
                comment = None
                continue
            if kind not in (NAME, STRING):  # names needing quotes are rendered quoted
                raise self.error(f'expected a node name, found {_describe(kind, text)}', offset)
            opened = self._statement(stack[-1][0], text, offset, comment)
            comment = None
            if opened is not None:
                stack.append(opened)

    def _statement(self, parent: ConfigNode, name: str, offset: int,
                   comment: str | None) -> tuple[ConfigNode, int] | None:
        """Parse what follows a name; return (node, offset) when a block opens."""
        kind, text, next_offset = self.tokens[self.index]
        if kind == LBRACE:
            self.index += 1
            node = self._child(parent, name, offset, as_tag=False, as_leaf=False)
            node.comment = comment if comment is not None else node.comment
            return node, next_offset
        if kind in (NEWLINE, RBRACE, EOF):
            node = parent.children.get(name)
            if node is None:
                node = parent.children[name] = ConfigNode(name)
                node.origin = self.position(offset)
            node.comment = comment if comment is not None else node.comment
            return None
        if kind not in (NAME, STRING):
            raise self.error(f'expected a value, "{{" or a new line after "{name}", '
                             f'found {_describe(kind, text)}', next_offset)
        self.index += 1
        after, after_text, after_offset = self.tokens[self.index]
        if after == LBRACE:
            self.index += 1
            tag = self._child(parent, name, offset, as_tag=True, as_leaf=False)
            node = self._child(tag, text, next_offset, as_tag=False, as_leaf=False)
            node.comment = comment if comment is not None else node.comment
            return node, after_offset
        if after not in (NEWLINE, RBRACE, EOF):
            raise self.error(f'expected a new line or "{{" after the value of "{name}", '
                             f'found {_describe(after, after_text)}', after_offset)
        leaf = self._child(parent, name, offset, as_tag=False, as_leaf=True)
        if text not in leaf.values:
            leaf.values.append(text)
        leaf.comment = comment if comment is not None else leaf.comment
        return None

    def _child(self, parent: ConfigNode, name: str, offset: int, *,
               as_tag: bool, as_leaf: bool) -> ConfigNode:
        """Find or create a child, refusing to merge incompatible shapes."""
        node = parent.children.get(name)
        if node is None:
            node = ConfigNode(name, is_tag=as_tag, values=[] if as_leaf else None)
            node.origin = self.position(offset)
            parent.children[name] = node
            return node
        if as_leaf:
            if node.children:
                raise self.error(f'"{name}" has a value here but is a node elsewhere', offset)
            if node.values is None:
                node.values = []
        elif node.values is not None:
            raise self.error(f'"{name}" is a node here but has a value elsewhere', offset)
        elif as_tag != node.is_tag:
            if node.children:
                shape = 'a tag node' if node.is_tag else 'a plain node'
                raise self.error(f'"{name}" is {shape} elsewhere', offset)
            node.is_tag = as_tag
        return node


def _describe(kind: int, text: str) -> str:
    return {NAME: f'"{text}"', STRING: 'a quoted string', LBRACE: '"{"', RBRACE: '"}"',
            NEWLINE: 'a new line', COMMENT: 'a comment', EOF: 'the end of the file'}[kind]


def parse_config(text: str, source: str = '<config>') -> ConfigFile:
    """Parse config.boot text; raises ConfigParseError with file:line:col."""
    body, footer = split_footer(text, source)
    return ConfigFile(_Parser(body, source).parse(), footer)


def parse_config_file(path: Path | str) -> ConfigFile:
    """Read and parse a config file (UTF-8)."""
    path = Path(path)
    try:
        text = path.read_text(encoding='utf-8')
    except UnicodeDecodeError as exc:
        raise ConfigParseError(f'not UTF-8 text ({exc.reason})', 1, 1, str(path)) from None
    return parse_config(text, str(path))
