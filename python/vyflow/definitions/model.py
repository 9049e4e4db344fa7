"""Runtime view of the compiled definitions (stdlib only, loaded once per process).

``Definitions.resolve`` turns the words an operator typed after ``set`` into a
config path, a value and the definition they hit, with VyOS-style messages;
``Definition.check_value`` applies a node's constraints (OR-ed, regexes must
match the whole value, validators run in-process).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from vyflow.definitions.cache import load_compiled
from vyflow.errors import ConfigPathError, ValueValidationError
from vyflow.records import dataclass, field
from vyflow.safepath import StrPath
from vyflow.text import bracketed, has_control, quoted

_regex_cache: dict[str, re.Pattern] = {}


def _fullmatch(pattern: str, value: str) -> bool:
    compiled = _regex_cache.get(pattern)
    if compiled is None:
        # ASCII: "[0-9]" and "\d" mean the digits a kernel or iptables reads, not "١".
        compiled = _regex_cache[pattern] = re.compile(pattern, re.ASCII)
    return compiled.fullmatch(value) is not None


class Definition:
    """One node of the definitions tree (a thin view over a cache entry)."""

    __slots__ = ('name', 'entry', '_children')

    def __init__(self, name: str, entry: dict):
        self.name = name
        self.entry = entry
        self._children: dict[str, Definition] | None = None

    kind = property(lambda self: self.entry['kind'])
    is_tag = property(lambda self: self.entry['kind'] == 'tag')
    is_leaf = property(lambda self: self.entry['kind'] == 'leaf')
    multi = property(lambda self: self.entry.get('multi', False))
    valueless = property(lambda self: self.entry.get('valueless', False))
    hidden = property(lambda self: self.entry.get('hidden', False))
    secret = property(lambda self: self.entry.get('secret', False))
    help = property(lambda self: self.entry.get('help', ''))
    value_help = property(lambda self: self.entry.get('value_help', []))
    default = property(lambda self: self.entry.get('default'))
    priority = property(lambda self: self.entry.get('priority'))
    owner = property(lambda self: self.entry.get('owner'))
    completion = property(lambda self: self.entry.get('completion', {}))
    source = property(lambda self: self.entry.get('source', '?'))

    @property
    def children(self) -> dict[str, Definition]:
        if self._children is None:
            self._children = {name: Definition(name, entry)
                              for name, entry in self.entry.get('children', {}).items()}
        return self._children

    def check_value(self, value: str) -> str | None:
        """None if ``value`` satisfies the constraints, else why not."""
        if has_control(value):
            return 'control characters (such as a new line) are not allowed'
        constraints = self.entry.get('constraints')
        if not constraints:
            return None
        reasons = []
        for constraint in constraints:
            if constraint[0] == 'regex':
                if _fullmatch(constraint[1], value):
                    return None
            else:
                from vyflow.validators import compile_validator
                reason = compile_validator(constraint[1], constraint[2])(value)
                if reason is None:
                    return None
                reasons.append(reason)
        detail = '; '.join(reasons)
        message = self.entry.get('constraint_error')
        if message and detail:
            return f'{message} ({detail})'
        return message or detail or 'Invalid value'

    def allowed(self) -> str:
        """What values are allowed, from valueHelp, for error messages."""
        return '; '.join(f'{fmt}: {description}' if description else fmt
                         for fmt, description in self.value_help)


@dataclass
class Resolved:
    """Words typed after set/delete/show, resolved against the definitions."""

    path: list[str]                 # config path: node names and tag values
    definition: Definition          # the node the path ends at
    tag_flags: list[bool] = field(default_factory=list)  # per word: a tag node name
    value: str | None = None   # a leaf value given after the path
    at_tag_value: bool = False      # the path ends at a tag value (an instance)


def _bracket(words: Sequence[str]) -> str:
    return bracketed(words)


class Definitions:
    """The whole compiled tree plus component versions."""

    def __init__(self, cache: dict):
        self.cache = cache
        self.root = Definition('', cache['tree'])
        self.component_versions: dict[str, int] = cache.get('component_versions', {})

    @classmethod
    def load(cls, path: StrPath) -> Definitions:
        return cls(load_compiled(path))

    def lookup(self, path: Sequence[str]) -> Definition | None:
        """The definition for a config path (tag values included), or None."""
        return self.locate(path)[0]

    def locate(self, path: Sequence[str]) -> tuple[Definition | None, bool]:
        """(definition, path ends at a tag value) for a config path; a path
        ending at ``server 192.0.2.1`` gives the ``server`` definition and True."""
        definition = self.root
        expect_tag_value = False
        for word in path:
            if expect_tag_value:
                expect_tag_value = False
                continue
            if definition.is_leaf:
                return None, False
            definition = definition.children.get(word)
            if definition is None:
                return None, False
            expect_tag_value = definition.is_tag
        ends_at_value = definition.is_tag and bool(path) and not expect_tag_value
        return definition, ends_at_value

    def resolve(self, words: Sequence[str], *, for_set: bool) -> Resolved:
        """Resolve typed words; ``for_set`` also demands a value where one is
        needed and validates it. Raises ConfigPathError/ValueValidationError."""
        definition = self.root
        path: list[str] = []
        flags: list[bool] = []
        index = 0
        while index < len(words):
            word = words[index]
            child = definition.children.get(word)
            if child is None:
                raise ConfigPathError(self._not_valid(path + [word], definition), path + [word])
            definition = child
            path.append(word)
            flags.append(child.is_tag)
            index += 1
            if child.is_leaf:
                return self._resolve_leaf(child, path, flags, words[index:], for_set)
            if child.is_tag and index < len(words):
                tag_value = words[index]
                problem = child.check_value(tag_value) or (
                    'tag values cannot contain spaces' if tag_value != tag_value.strip()
                    or ' ' in tag_value else None)
                if problem and for_set:
                    raise self._invalid_value(child, path, tag_value, problem)
                path.append(tag_value)
                flags.append(False)
                index += 1
                if index == len(words):
                    return Resolved(path, child, flags, at_tag_value=True)
        if for_set and definition.is_tag:
            raise ConfigPathError(f'Configuration path: {_bracket(path)} requires a value '
                                  f'({definition.allowed() or definition.help})', path)
        return Resolved(path, definition, flags)

    def _resolve_leaf(self, leaf: Definition, path: list[str], flags: list[bool],
                      rest: Sequence[str], for_set: bool) -> Resolved:
        if len(rest) > 1:
            raise ConfigPathError(f'Configuration path: {_bracket(path + list(rest))} is not '
                                  f'valid: {_bracket(path)} takes one value (quote values '
                                  'that contain spaces)', path)
        value = rest[0] if rest else None
        if leaf.valueless and value is not None:
            raise ConfigPathError(f'Configuration path: {_bracket(path)} takes no value, '
                                  f'but {quoted(value)} was given', path)
        if for_set and value is None and not leaf.valueless:
            allowed = leaf.allowed()
            raise ConfigPathError(f'Configuration path: {_bracket(path)} requires a value'
                                  + (f' ({allowed})' if allowed else ''), path)
        if for_set and value is not None:
            problem = leaf.check_value(value)
            if problem:
                raise self._invalid_value(leaf, path, value, problem)
        return Resolved(path, leaf, flags, value)

    @staticmethod
    def _not_valid(path: list[str], parent: Definition) -> str:
        choices = ', '.join(name for name, child in sorted(parent.children.items())
                            if not child.hidden)
        hint = f'; possible completions: {choices}' if choices else ''
        return f'Configuration path: {_bracket(path)} is not valid{hint}'

    @staticmethod
    def _invalid_value(definition: Definition, path: list[str], value: str,
                       problem: str) -> ValueValidationError:
        if definition.secret:  # never echo a key, even a wrong one
            from vyflow.definitions.masking import MASK
            value = MASK
        lines = [f'Invalid value {quoted(value)} for {_bracket(path)}: {problem}']
        if definition.value_help:
            lines.append('Allowed values: ' + definition.allowed())
        elif definition.help:
            lines.append(definition.help)
        return ValueValidationError('\n'.join(lines), path)
