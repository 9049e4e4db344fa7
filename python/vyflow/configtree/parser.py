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
from vyflow.configtree.node import ConfigNode
from vyflow.configtree.version import Footer, split_footer
from vyflow.errors import ConfigParseError
from vyflow.records import dataclass
from vyflow.text import has_control, quoted, shown

MAX_DEPTH = 64
"""Deepest nesting of blocks accepted (VyOS's deepest paths are ~12)."""
MAX_TOKEN_CHARS = 1024 * 1024
"""Longest name, value or comment accepted (certificates are a few kB)."""
MAX_TEXT_CHARS = 64 * 1024 * 1024
"""Largest text parsed at all (atomicfile reads no larger file)."""

# Leading blanks are consumed with each token, so a match is one token; the
# group number is the token's kind. Quoted strings use possessive loops: no
# backtracking however long they are. Anything else (a lone quote, a Unicode
# space) is the last group, an error.
_TOKEN = re.compile(r'''
    [ \t\r\f\v]*+
    (?:
        (\n)
      | (/\*.*?\*/)
      | (//[^\n]*+)
      | (\{)
      | (\})
      | ("[^"\\]*+(?:\\.[^"\\]*+)*+")
      | ('[^'\\]*+(?:\\.[^'\\]*+)*+')
      | ([^\s{}"']++)
      | (.)
    )
''', re.VERBOSE | re.DOTALL)

# A line vyflow writes: ``name``, ``name value`` or either with `` {``, or a
# lone ``}``. Names and bare values are as the NAME token (not starting with
# "/", which could open a comment), a quoted value holds no escape or line
# break, and each part is far below MAX_TOKEN_CHARS, so such a line means
# exactly what its tokens would.
_PLAIN_LINE = re.compile(r'''
    [ \t]*+
    (?:
        ([^\s{}"'/][^\s{}"']{0,4095}+)
        (?:[ \t]++([^\s{}"'/][^\s{}"']{0,4095}+|"[^"\\\n]{0,4096}+"))?+
        (?:[ \t]*+(\{))?+
      | (\})
    )
    [ \t]*+(?:\n|\Z)
''', re.VERBOSE)

_ESCAPES = {'\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r',
            't': '\t', "'": "'", '"': '"'}
# Both compiled on first use (re caches them): few commands parse a value with
# a NUL and an escape, or a file an operator named.
_ESCAPE = r'\\(.)'
# A section name at the top of a config file: "system", "interfaces", "high-availability".
_SECTION_NAME = r'[a-z][a-z0-9-]*'

# Token kinds
NAME, STRING, LBRACE, RBRACE, NEWLINE, COMMENT, EOF, LINECOMMENT, BAD = range(9)
_KIND_OF_GROUP = (None, NEWLINE, COMMENT, LINECOMMENT, LBRACE, RBRACE, STRING, STRING, NAME, BAD)

Token = tuple[int, str, int]  # (kind, text, offset)


@dataclass
class ConfigFile:
    """A parsed config file: the tree and what its footer said."""

    tree: ConfigNode
    footer: Footer | None = None

    @property
    def versions(self) -> dict[str, int] | None:
        return self.footer.versions if self.footer else None


def _unquote(token: str) -> str:
    body = token[1:-1]
    if '\\' not in body:
        return body
    if '\0' in body:  # no free placeholder: the general (but piecewise) substitution
        return re.sub(_ESCAPE, lambda m: _ESCAPES.get(m.group(1), '\\' + m.group(1)), body,
                      flags=re.DOTALL)
    # Whole-string replacements keep memory to a few copies of the value
    # however many escapes it holds; "\\" is set aside first so "\\n" stays.
    body = body.replace('\\\\', '\0')
    for escape, char in _ESCAPES.items():
        if escape != '\\':
            body = body.replace('\\' + escape, char)
    return body.replace('\0', '\\')


class _Lexer:
    """Reads one token at a given offset, skipping blanks and // lines, so
    memory stays that of the text and the tree."""

    def __init__(self, text: str, source: str):
        self.text = text
        self.source = source

    def error(self, message: str, offset: int) -> ConfigParseError:
        line = self.text.count('\n', 0, offset) + 1
        column = offset - (self.text.rfind('\n', 0, offset) + 1) + 1
        return ConfigParseError(message, line, column, self.source)

    def token(self, offset: int) -> tuple[int, str, int, int]:
        """(kind, text, offset of the token, offset after it) of the next
        token at or after ``offset``; EOF at the end."""
        text = self.text
        while True:
            match = _TOKEN.match(text, offset)
            if match is None:  # the end, perhaps after blanks
                return EOF, '', len(text), len(text)
            group = match.lastindex
            kind = _KIND_OF_GROUP[group]
            value = match.group(group)
            start, offset = match.start(group), match.end()
            if kind == NAME:
                if value.startswith('/*'):
                    raise self.error('unterminated comment', start)
            elif kind == NEWLINE or kind == LBRACE or kind == RBRACE:
                return kind, value, start, offset
            elif kind == LINECOMMENT:
                continue
            elif kind == BAD:
                raise self._bad(value, start)
            length = len(value) if kind == NAME else len(value) - 2 - (kind == COMMENT) * 2
            if length > MAX_TOKEN_CHARS:
                raise self.error(f'a name, value or comment longer than {MAX_TOKEN_CHARS} '
                                 f'characters ({length})', start)
            if kind == STRING:
                value = _unquote(value)
            elif kind == COMMENT:
                value = value[2:-2].strip()
            return kind, value, start, offset

    def _bad(self, char: str, offset: int) -> ConfigParseError:
        if char in '"\'':
            return self.error('unterminated quoted string', offset)
        return self.error(f'unexpected character {shown(char) if has_control(char) else repr(char)}'
                          f' (U+{ord(char):04X})', offset)


class _Parser:
    """One pass over the tokens; a statement (one or two words) is complete
    at "{", a new line, "}" or the end."""

    def __init__(self, text: str, source: str, sections_only: bool):
        self.lexer = _Lexer(text, source)
        self.sections_only = sections_only
        # Values already in each multi leaf (by id), so repeated lines are
        # merged in constant time instead of a scan of the leaf's list.
        self._seen: dict[int, set[str]] = {}
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
        text = self.lexer.text
        root = ConfigNode()
        stack: list[tuple[ConfigNode, int]] = [(root, 0)]  # (node, offset of its "{")
        comment: str | None = None
        words: list[tuple[str, int]] = []  # the statement so far: (text, offset)
        offset = 0
        while True:
            # A whole line as vyflow writes it, taken in one match; anything
            # else (comments, escapes, odd blanks, a file's top level) goes
            # token by token below, with the same meaning.
            if not words and not (self.sections_only and len(stack) == 1):
                line = _PLAIN_LINE.match(text, offset)
                if line is not None:
                    offset = line.end()
                    name, value, brace = line.group(1, 2, 3)
                    if name is None:
                        self._end_block(stack, line.start(4))
                        comment = None
                        continue
                    words = [(name, line.start(1))]
                    if value is not None:
                        words.append((value[1:-1] if value[0] == '"' else value,
                                      line.start(2)))
                    if brace:
                        self._begin_block(stack, words, comment, line.start(3))
                    else:
                        self._close(stack[-1][0], words, comment)
                    words, comment = [], None
                    continue
            kind, token, start, offset = self.lexer.token(offset)
            if kind == NAME or kind == STRING:  # names needing quotes are rendered quoted
                if len(words) == 2:
                    raise self.error('expected a new line or "{" after the value of '
                                     f'{quoted(words[0][0])}, found {_describe(kind, token)}',
                                     start)
                if self.sections_only and len(stack) == 1:
                    self._check_section(words, token, start)
                words.append((token, start))
            elif kind == COMMENT:
                if words:
                    raise self._unexpected(words, kind, token, start)
                comment = token
            elif kind == LBRACE:
                if not words:
                    raise self.error(f'expected a node name, found {_describe(kind, token)}',
                                     start)
                self._begin_block(stack, words, comment, start)
                words, comment = [], None
            else:  # a new line, "}" or the end completes a statement
                if words:
                    self._close(stack[-1][0], words, comment)
                    words, comment = [], None
                if kind == RBRACE:
                    self._end_block(stack, start)
                    comment = None
                elif kind == EOF:
                    if len(stack) > 1:
                        raise self.error(f'missing "}}" for {quoted(stack[-1][0].name)} '
                                         'opened here', stack[-1][1])
                    return root

    def _begin_block(self, stack: list[tuple[ConfigNode, int]], words: list[tuple[str, int]],
                     comment: str | None, offset: int) -> None:
        if len(stack) > MAX_DEPTH:
            raise self.error(f'nested more than {MAX_DEPTH} levels deep', offset)
        stack.append((self._open(stack[-1][0], words, comment), offset))

    def _end_block(self, stack: list[tuple[ConfigNode, int]], offset: int) -> None:
        if len(stack) == 1:
            raise self.error('unexpected "}"', offset)
        stack.pop()

    def _unexpected(self, words: list[tuple[str, int]], kind: int, text: str,
                    offset: int) -> ConfigParseError:
        name = quoted(words[0][0])
        if len(words) == 1:
            return self.error(f'expected a value, "{{" or a new line after {name}, '
                              f'found {_describe(kind, text)}', offset)
        return self.error(f'expected a new line or "{{" after the value of {name}, '
                          f'found {_describe(kind, text)}', offset)

    def _check_section(self, words: list[tuple[str, int]], name: str, offset: int) -> None:
        """A config file holds only sections ("system {", "interfaces {") at
        its top: anything else is not a config file, and what it holds is
        not echoed (it might be /etc/shadow)."""
        if words or re.fullmatch(_SECTION_NAME, name, re.ASCII) is None:
            raise self.error('not a configuration file: its top level must hold only '
                             'sections such as "system { ... }"', words[0][1] if words else offset)

    def _open(self, parent: ConfigNode, words: list[tuple[str, int]],
              comment: str | None) -> ConfigNode:
        """The node a "{" opens: ``name {`` or a tag value, ``name value {``."""
        (name, offset), *value = words
        node = self._child(parent, name, offset, as_tag=bool(value), as_leaf=False)
        if value:
            node = self._child(node, value[0][0], value[0][1], as_tag=False, as_leaf=False)
        if comment is not None:
            node.comment = comment
        return node

    def _close(self, parent: ConfigNode, words: list[tuple[str, int]],
               comment: str | None) -> None:
        """A statement without a block: a bare name, or ``name value``."""
        (name, offset), *value = words
        if not value:
            node = parent.children.get(name)
            if node is None:
                node = parent.children[name] = ConfigNode(name)
                node.origin = self.position(offset)
        else:
            node = self._child(parent, name, offset, as_tag=False, as_leaf=True)
            text = value[0][0]
            if not node.values:
                node.values.append(text)
            else:  # a multi leaf's next line: the set is made only for these
                seen = self._seen.get(id(node))
                if seen is None:
                    seen = self._seen[id(node)] = set(node.values)
                if text not in seen:
                    seen.add(text)
                    node.values.append(text)
        if comment is not None:
            node.comment = comment

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
            COMMENT: 'a comment'}[kind]


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
