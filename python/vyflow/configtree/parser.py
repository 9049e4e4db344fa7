"""Parse config.boot text into a ConfigNode tree plus its version footer.

Grammar (VyOS's, with newlines significant only after a name or value):
    name { ... }            node
    name value { ... }      tag node with one tag value
    name value              leaf (repeated lines accumulate: multi values)
    name                    valueless leaf or empty node
    /* text */              comment attached to the next node
    // text                 ignored line comment
Values may be bare words or single/double-quoted strings with backslash escapes.
Errors carry line:column.

Hostile input is bounded: tokens are produced one at a time (memory is the
text plus the tree), quoted strings are matched without backtracking, repeated
multi values are merged through a set, and nesting deeper than MAX_DEPTH or a
token longer than MAX_TOKEN_CHARS is refused with that limit, so no later
recursive walk of the tree (render, compare, equality) can overflow the stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Optional

from vyflow.configtree.node import ConfigNode
from vyflow.configtree.version import Footer, split_footer
from vyflow.errors import ConfigParseError
from vyflow.text import quoted

MAX_DEPTH = 64
"""Deepest nesting of blocks accepted (VyOS's deepest paths are ~12)."""
MAX_TOKEN_CHARS = 1024 * 1024
"""Longest name, value or comment accepted (certificates are a few kB)."""
MAX_TEXT_CHARS = 64 * 1024 * 1024
"""Largest text parsed at all (atomicfile reads no larger file)."""

# Leading blanks are consumed with each token, so a match is one token.
# Quoted strings use possessive loops: no backtracking however long they are.
_TOKEN = re.compile(r'''
    [ \t\r\f\v]*+
    (?:
        (?P<newline>\n)
      | (?P<comment>/\*.*?\*/)
      | (?P<linecomment>//[^\n]*+)
      | (?P<lbrace>\{)
      | (?P<rbrace>\})
      | (?P<dquoted>"[^"\\]*+(?:\\.[^"\\]*+)*+")
      | (?P<squoted>'[^'\\]*+(?:\\.[^'\\]*+)*+')
      | (?P<word>[^\s{}"']++)
      | (?P<end>\Z)
    )
''', re.VERBOSE | re.DOTALL)

_ESCAPES = {'\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r',
            't': '\t', "'": "'", '"': '"'}
_ESCAPE = re.compile(r'\\(.)', re.DOTALL)
# A section name at the top of a config file: "system", "interfaces", "high-availability".
_SECTION_NAME = re.compile(r'[a-z][a-z0-9-]*', re.ASCII)

# Token kinds
NAME, STRING, LBRACE, RBRACE, NEWLINE, COMMENT, EOF = range(7)
_KINDS = {'newline': NEWLINE, 'lbrace': LBRACE, 'rbrace': RBRACE, 'word': NAME,
          'dquoted': STRING, 'squoted': STRING, 'comment': COMMENT, 'end': EOF}

Token = tuple[int, str, int]  # (kind, text, offset)


@dataclass
class ConfigFile:
    """A parsed config file: the tree and what its footer said."""

    tree: ConfigNode
    footer: Optional[Footer] = None

    @property
    def versions(self) -> Optional[dict[str, int]]:
        return self.footer.versions if self.footer else None


def _unquote(token: str) -> str:
    body = token[1:-1]
    if '\\' not in body:
        return body
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), '\\' + m.group(1)), body)


class _Lexer:
    """Turns text into (kind, text, offset) tokens one at a time, dropping
    blanks and // lines, so memory stays that of the text and the tree."""

    def __init__(self, text: str, source: str):
        self.text = text
        self.source = source

    def error(self, message: str, offset: int) -> ConfigParseError:
        line = self.text.count('\n', 0, offset) + 1
        column = offset - (self.text.rfind('\n', 0, offset) + 1) + 1
        return ConfigParseError(message, line, column, self.source)

    def tokens(self) -> Iterator[Token]:
        text, pos = self.text, 0
        match_at = _TOKEN.match
        while True:
            match = match_at(text, pos)
            if match is None:
                start = len(text) - len(text[pos:].lstrip(' \t\r\f\v'))
                if text.startswith('/*', start):
                    raise self.error('unterminated comment', start)
                raise self.error('unterminated quoted string', start)
            kind = _KINDS.get(match.lastgroup)
            start = match.start(match.lastgroup)
            if kind is None:        # a // line comment
                pos = match.end()
                continue
            value = match.group(match.lastgroup)
            if len(value) > MAX_TOKEN_CHARS:
                raise self.error(f'a name, value or comment longer than {MAX_TOKEN_CHARS} '
                                 f'characters ({len(value)})', start)
            if kind == NAME and value.startswith('/*'):
                raise self.error('unterminated comment', start)
            if kind == STRING:
                value = _unquote(value)
            elif kind == COMMENT:
                value = value[2:-2].strip()
            yield kind, value, start
            if kind == EOF:
                return
            pos = match.end()


class _Parser:
    def __init__(self, text: str, source: str, sections_only: bool):
        self.lexer = _Lexer(text, source)
        self._stream = self.lexer.tokens()
        self._ahead: Optional[Token] = None
        self.sections_only = sections_only
        # Values already in each multi leaf (by id), so repeated lines are
        # merged in constant time instead of a scan of the leaf's list.
        self._seen: dict[int, set[str]] = {}
        # Offsets only grow while parsing, so positions are tracked incrementally.
        self._line, self._line_start = 1, 0
        first_newline = text.find('\n')
        self._next_line_offset = first_newline + 1 if first_newline >= 0 else len(text) + 1

    def next(self) -> Token:
        if self._ahead is not None:
            token, self._ahead = self._ahead, None
            return token
        return next(self._stream)

    def peek(self) -> Token:
        if self._ahead is None:
            self._ahead = next(self._stream)
        return self._ahead

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
        while True:
            kind, text, offset = self.next()
            if kind == NEWLINE:
                continue
            if kind == EOF:
                if len(stack) > 1:
                    raise self.error(f'missing "}}" for {quoted(stack[-1][0].name)} opened here',
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
            if len(stack) == 1 and self.sections_only:
                self._check_section(text, offset)
            opened = self._statement(stack[-1][0], text, offset, comment)
            comment = None
            if opened is not None:
                if len(stack) > MAX_DEPTH:
                    raise self.error(f'nested more than {MAX_DEPTH} levels deep', opened[1])
                stack.append(opened)

    def _check_section(self, name: str, offset: int) -> None:
        """A config file holds only sections ("system {", "interfaces {") at
        its top: anything else is not a config file, and what it holds is
        not echoed (it might be /etc/shadow)."""
        kind = self.peek()[0]
        if _SECTION_NAME.fullmatch(name) is None or kind not in (LBRACE, NEWLINE, RBRACE, EOF):
            raise self.error('not a configuration file: its top level must hold only '
                             'sections such as "system { ... }"', offset)

    def _statement(self, parent: ConfigNode, name: str, offset: int,
                   comment: Optional[str]) -> Optional[tuple[ConfigNode, int]]:
        """Parse what follows a name; return (node, offset) when a block opens."""
        kind, text, next_offset = self.peek()
        if kind == LBRACE:
            self.next()
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
            raise self.error(f'expected a value, "{{" or a new line after {quoted(name)}, '
                             f'found {_describe(kind, text)}', next_offset)
        self.next()
        after, after_text, after_offset = self.peek()
        if after == LBRACE:
            self.next()
            tag = self._child(parent, name, offset, as_tag=True, as_leaf=False)
            node = self._child(tag, text, next_offset, as_tag=False, as_leaf=False)
            node.comment = comment if comment is not None else node.comment
            return node, after_offset
        if after not in (NEWLINE, RBRACE, EOF):
            raise self.error(f'expected a new line or "{{" after the value of {quoted(name)}, '
                             f'found {_describe(after, after_text)}', after_offset)
        leaf = self._child(parent, name, offset, as_tag=False, as_leaf=True)
        seen = self._seen.get(id(leaf))
        if seen is None:
            seen = self._seen[id(leaf)] = set(leaf.values)
        if text not in seen:
            seen.add(text)
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
                raise self.error(f'{quoted(name)} has a value here but is a node elsewhere',
                                 offset)
            if node.values is None:
                node.values = []
        elif node.values is not None:
            raise self.error(f'{quoted(name)} is a node here but has a value elsewhere', offset)
        elif as_tag != node.is_tag:
            if node.children:
                shape = 'a tag node' if node.is_tag else 'a plain node'
                raise self.error(f'{quoted(name)} is {shape} elsewhere', offset)
            node.is_tag = as_tag
        return node


def _describe(kind: int, text: str) -> str:
    return {NAME: quoted(text), STRING: 'a quoted string', LBRACE: '"{"', RBRACE: '"}"',
            NEWLINE: 'a new line', COMMENT: 'a comment', EOF: 'the end of the file'}[kind]


def parse_config(text: str, source: str = '<config>', *,
                 sections_only: bool = False) -> ConfigFile:
    """Parse config.boot text; raises ConfigParseError with file:line:col.
    ``sections_only``: a file an operator names must hold config sections at
    its top (anything else is refused as "not a configuration file")."""
    if len(text) > MAX_TEXT_CHARS:
        raise ConfigParseError(f'larger than {MAX_TEXT_CHARS} characters ({len(text)})', 1, 1,
                               source)
    body, footer = split_footer(text, source)
    return ConfigFile(_Parser(body, source, sections_only).parse(), footer)
