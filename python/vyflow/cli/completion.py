"""What may come next on a command line, with help text (Tab and ``?``).

Pure functions over the definitions, the op-mode tree and the working
config, so they are tested without a terminal. A ``Choice`` is something Tab
can insert; a ``Hint`` (a valueHelp format such as ``<ipv4>``) only explains
what to type. completionHelp suggests values; it never restricts them.
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass
from typing import Callable

from vyflow.configtree import ConfigNode, natural_key
from vyflow.definitions.model import Definition, Definitions

CONFIGURE_COMMANDS = {
    'set': 'Set the value of a parameter or create a new element',
    'delete': 'Delete a configuration element',
    'copy': 'Copy a tag node value with its subtree to a new value',
    'rename': 'Rename a tag node value, keeping its subtree',
    'comment': 'Add a comment to a configuration node ("" removes it)',
    'show': 'Show the configuration (pending changes marked)',
    'compare': 'Compare configurations',
    'commit': 'Commit the current set of changes',
    'commit-confirm': 'Commit, and revert unless confirmed in time',
    'confirm': 'Confirm a commit-confirm',
    'rollback': 'Roll back to a committed revision',
    'discard': 'Discard uncommitted changes',
    'save': 'Save the running configuration to a file',
    'load': 'Load a configuration file into the working configuration',
    'merge': 'Merge a configuration file into the working configuration',
    'run': 'Run an operational-mode command',
    'edit': 'Go down to a configuration level (set, delete and show become relative)',
    'up': 'Go up one configuration level',
    'top': 'Go to the top configuration level',
    'exit': 'Exit configuration mode (from a level: go to the top)',
}
OPERATIONAL_EXTRA = {'configure': 'Enter configuration mode', 'exit': 'Exit the shell'}
PIPE_HELP = 'commands: show as set commands'


@dataclass(frozen=True)
class Choice:
    word: str
    help: str = ''


@dataclass(frozen=True)
class Hint:
    format: str
    help: str = ''


@dataclass
class Completions:
    choices: list[Choice]
    hints: list[Hint]

    def matching(self, prefix: str) -> list[Choice]:
        return [c for c in self.choices if c.word.startswith(prefix)]


def _script_values(command: str, expand: Callable[[str], str]) -> list[str]:
    """Run a completionHelp script (argv, no shell); suggestions only."""
    try:
        argv = [expand(word) for word in shlex.split(command)]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=5, check=False)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return []
    return result.stdout.split()


class Completer:
    """Completions for configure-mode and operational-mode lines."""

    def __init__(self, definitions: Definitions, op_tree: dict,
                 working: Callable[[], ConfigNode], expand: Callable[[str], str]):
        self.definitions = definitions
        self.op_tree = op_tree
        self.working = working
        self.expand = expand

    def complete(self, words: list[str], configure: bool) -> Completions:
        """Completions for the word after ``words`` (all complete words)."""
        if not words:
            commands = CONFIGURE_COMMANDS if configure else {
                **{name: entry.get('help', '') for name, entry in self.op_tree['children'].items()},
                **OPERATIONAL_EXTRA}
            return Completions([Choice(n, h) for n, h in sorted(commands.items())], [])
        verb, rest = words[0], words[1:]
        if configure and verb == 'show':
            return self.show_path(rest)
        if configure and verb in ('set', 'delete', 'edit'):
            return self.config_path(rest, verb)
        if configure and verb == 'comment':
            return self.comment_path(rest)
        if configure and verb in ('copy', 'rename'):
            return self.duplicate_path(rest)
        if configure and verb == 'run':
            return self.op_path(rest)
        if configure and verb == 'exit' and not rest:
            return Completions([Choice('discard', 'Discard uncommitted changes and exit')], [])
        if not configure:
            return self.op_path(words)
        return Completions([], [])

    # ---- configuration paths ---------------------------------------------

    def _values(self, definition: Definition, path: list[str], verb: str) -> list[Choice]:
        existing = self.working().find(path)
        present = []
        if existing is not None:
            present = (list(existing.values or []) if definition.is_leaf
                       else sorted(existing.children, key=natural_key))
        if verb not in ('set', 'edit'):
            return [Choice(v, 'existing value') for v in present]
        suggested: list[str] = []
        completion = definition.completion
        suggested += completion.get('list', [])
        for target in completion.get('path', []):
            node = self.working().find(target.split())
            suggested += sorted(node.children, key=natural_key) if node is not None else []
        for script in completion.get('script', []):
            suggested += _script_values(script, self.expand)
        words = sorted(set(present) | {s for s in suggested if not s.startswith('<')},
                       key=natural_key)
        return [Choice(w, 'existing value' if w in present else '') for w in words]

    @staticmethod
    def _hints(definition: Definition, choices: list[Choice]) -> list[Hint]:
        """valueHelp formats not already offered as choices, shown as <format>."""
        offered = {c.word for c in choices}
        return [Hint(fmt if fmt.startswith('<') else f'<{fmt}>', desc)
                for fmt, desc in definition.value_help if fmt not in offered]

    def _value_completions(self, definition: Definition, path: list[str], verb: str) -> Completions:
        described = dict(definition.value_help)
        choices = [Choice(c.word, c.help or described.get(c.word, ''))
                   for c in self._values(definition, path, verb)]
        return Completions(choices, self._hints(definition, choices)
                           if verb in ('set', 'edit') else [])

    def config_path(self, words: list[str], verb: str) -> Completions:
        definition = self.definitions.root
        path: list[str] = []
        index = 0
        while index < len(words):
            child = definition.children.get(words[index])
            if child is None:
                return Completions([], [])
            definition = child
            path.append(words[index])
            index += 1
            if child.is_leaf:
                if index < len(words) or verb in ('edit', 'comment'):
                    return Completions([], [])
                return self._value_completions(child, path, verb)
            if child.is_tag:
                if index == len(words):
                    return self._value_completions(child, path, verb)
                path.append(words[index])
                index += 1
        choices = [Choice(name, child.help) for name, child in sorted(definition.children.items())
                   if not child.hidden and not (verb in ('edit', 'copy') and child.is_leaf)]
        return Completions(choices, [])

    def show_path(self, words: list[str]) -> Completions:
        """``show [PATH] [| commands]``: the path, then the pipe and what follows it."""
        if '|' in words:
            after = words[words.index('|') + 1:]
            return Completions([] if after else [Choice('commands', PIPE_HELP)], [])
        found = self.config_path(words, 'show')
        return Completions(found.choices + [Choice('|', f'Pipe the output ({PIPE_HELP})')],
                           found.hints)

    def comment_path(self, words: list[str]) -> Completions:
        """An existing node, then the comment text."""
        completions = self.config_path(words, 'comment')
        definition, at_value = self.definitions.locate(words)
        if words and definition is not None and (at_value or not definition.is_tag):
            completions.hints.append(Hint('<text>', 'The comment ("" removes it)'))
        return completions

    def duplicate_path(self, words: list[str]) -> Completions:
        """copy/rename: an existing tag value, "to", the same tag, a new value."""
        for index, word in enumerate(words):
            definition, at_value = self.definitions.locate(words[:index])
            if word == 'to' and at_value:
                tag, target = words[index - 2], words[index + 1:]
                if not target:
                    return Completions([Choice(tag, definition.help)], [])
                if target == [tag]:
                    return Completions([], self._hints(definition, []))
                return Completions([], [])
        completions = self.config_path(words, 'copy')
        if self.definitions.locate(words)[1]:
            completions.choices.insert(0, Choice('to', 'The new value (of the same tag node)'))
        return completions

    # ---- operational commands --------------------------------------------

    def _tag_values(self, node: dict) -> Completions:
        values = node.get('completion', {})
        choices = [Choice(v) for v in values.get('list', []) if not v.startswith('<')]
        for script in values.get('script', []):
            choices += [Choice(v) for v in _script_values(script, self.expand)]
        hints = [Hint(v, node.get('help', '')) for v in values.get('list', []) if v.startswith('<')]
        return Completions(choices, hints or [Hint('<value>', node.get('help', ''))])

    def _options(self, entry: dict, typed: list[str]) -> Completions:
        """After a command that takes options: unused option names, or the
        value of the option just typed."""
        options = entry.get('children', {})
        if len(typed) % 2:
            node = options.get(typed[-1])
            return self._tag_values(node) if node else Completions([], [])
        used = set(typed[0::2])
        choices = [Choice(name, node.get('help', '')) for name, node in sorted(options.items())
                   if name not in used and not (typed and 'command' in node)]  # sub-commands first
        choices.append(Choice('--json', 'Output as JSON'))
        return Completions(choices, [Hint('<Enter>', 'Execute the current command')])

    def op_path(self, words: list[str]) -> Completions:
        entry, index = self.op_tree, 0
        while index < len(words):
            child = entry.get('children', {}).get(words[index])
            if entry.get('options') and 'command' not in (child or {}):
                return self._options(entry, words[index:])
            if child is None:
                return Completions([], [])
            entry = child
            index += 1
            if child['kind'] == 'tag':
                if index == len(words):
                    return self._tag_values(child)
                index += 1
        if entry.get('options'):
            return self._options(entry, [])
        choices = [Choice(name, child.get('help', ''))
                   for name, child in sorted(entry.get('children', {}).items())]
        if entry.get('command') and entry is not self.op_tree:
            choices.append(Choice('--json', 'Output as JSON'))
        return Completions(choices, [Hint('<Enter>', 'Execute the current command')]
                           if entry.get('command') else [])


def split_line(line: str) -> tuple[list[str], str]:
    """(complete words, partial last word) of a line being typed."""
    try:
        words = shlex.split(line)
    except ValueError:  # an open quote: complete the quoted word as typed
        words = shlex.split(line + '"')
    if line and not line[-1].isspace() and words:
        return words[:-1], words[-1]
    return words, ''


def format_help(completions: Completions, prefix: str = '') -> str:
    """The ``?`` listing: choices and value hints with their help."""
    rows = [(c.word, c.help) for c in completions.matching(prefix)]
    rows += [(h.format, h.help) for h in completions.hints]
    if not rows:
        return '  (no completions)'
    width = max(len(word) for word, _ in rows) + 2
    return '\n'.join(f'  {word:<{width}}{text}'.rstrip() for word, text in rows)
