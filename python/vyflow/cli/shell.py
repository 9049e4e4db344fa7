"""The interactive shell: ``vyflow`` with no arguments.

Operational mode (``user@host:~$``) runs op-mode commands; ``configure`` enters
configuration mode (``[edit]`` / ``user@host#``) where set/delete/commit/…
work. Tab completes commands, node names, tag values and completionHelp
values; ``?`` lists the possibilities with their help, at once, like VyOS.
``exit`` refuses to leave configuration mode with uncommitted changes unless
``exit discard``. Commands run through the same dispatcher as the scripting CLI.
"""

from __future__ import annotations

import shlex
import socket
import sys
from typing import Optional

from vyflow.cli.commands.run import load_op_tree
from vyflow.cli.completion import Completer, format_help, split_line
from vyflow.cli.context import Context
from vyflow.cli.dispatch import dispatch
from vyflow.cli.editlevel import RELATIVE_VERBS, EditLevel
from vyflow.errors import ConfigError

# Tab offers these when nothing can be inserted but help exists, so readline
# shows the list without inserting anything (no common prefix).
_NOTHING_TO_INSERT = ['\x01', '\x02']


class Shell:
    def __init__(self, context: Context):
        self.context = context
        self.configure = False
        self.level = EditLevel(context.definitions)
        self.completer = Completer(context.definitions, load_op_tree(context),
                                   context.session.store.working,
                                   context.resources.expand_variables)
        self.host = socket.gethostname().split('.')[0]
        self._matches: list[str] = []
        self.failed = False  # a piped session exits non-zero if any command failed

    # ---- prompt and readline ---------------------------------------------

    @property
    def prompt(self) -> str:
        if self.configure:
            return f'{self.level.banner}\n{self.context.user}@{self.host}# '
        return f'{self.context.user}@{self.host}:~$ '

    def _line_completions(self, line: str):
        words, partial = split_line(line)
        if self.configure and words and words[0] in RELATIVE_VERBS + ('edit',):
            words = [words[0]] + self.level.absolute(words[1:])
        return self.completer.complete(words, self.configure), partial

    def readline_complete(self, text: str, state: int) -> Optional[str]:
        """readline's completer: called with state 0, 1, 2… until None."""
        import readline
        if state == 0:
            line = readline.get_line_buffer()[:readline.get_endidx()]
            completions, partial = self._line_completions(line)
            words = [c.word for c in completions.matching(partial)]
            if len(words) == 1:
                words = [words[0] + ' ']  # a unique match is complete: move on
            elif not words and completions.hints:
                words = list(_NOTHING_TO_INSERT)
            self._matches = words
        return self._matches[state] if state < len(self._matches) else None

    def show_matches(self, _substitution: str, _matches: list[str], _longest: int) -> None:
        """readline's display hook: print choices and hints with help text."""
        import readline
        line = readline.get_line_buffer()[:readline.get_endidx()]
        completions, partial = self._line_completions(line)
        print('\nPossible completions:\n' + format_help(completions, partial))
        sys.stdout.write(self.prompt.split('\n')[-1] + readline.get_line_buffer())
        sys.stdout.flush()

    def _setup_readline(self) -> None:
        import readline
        readline.set_completer(self.readline_complete)
        readline.set_completer_delims(' \t')
        readline.set_completion_display_matches_hook(self.show_matches)
        readline.parse_and_bind('tab: complete')
        readline.parse_and_bind('set show-all-if-ambiguous on')
        readline.parse_and_bind('"?": possible-completions')

    # ---- the loop ---------------------------------------------------------

    def loop(self) -> int:
        interactive = sys.stdin.isatty()
        if interactive:
            self._setup_readline()
        while True:
            try:
                line = input(self.prompt) if interactive else self._read_plain()
            except EOFError:
                print()
                return 1 if self.failed and not interactive else 0
            except KeyboardInterrupt:
                print()
                continue
            if line is None:
                return 1 if self.failed else 0
            if self.execute(line) == 'quit':
                return 1 if self.failed and not interactive else 0

    def _read_plain(self):
        """Non-terminal input (pipes, tests): print the prompt, read a line."""
        sys.stdout.write(self.prompt)
        sys.stdout.flush()
        line = sys.stdin.readline()
        return line.rstrip('\n') if line else None

    def execute(self, line: str) -> Optional[str]:
        """Run one line; 'quit' when the shell should end."""
        try:
            words = shlex.split(line)
        except ValueError as exc:
            print(f'Invalid command: {exc}')
            return None
        if not words:
            return None
        verb = words[0]
        if verb == 'exit':
            return self._exit(words)
        if not self.configure:
            if verb == 'configure':
                self.configure = True
                return None
            words = ['run'] + words
        elif verb in LEVEL_VERBS:
            return self._move(words)
        elif verb not in CONFIGURE_VERBS:
            print(f'Invalid command: [{verb}]; configuration-mode commands are: '
                  + ', '.join(sorted(CONFIGURE_VERBS)))
            self.failed = True
            return None
        if self.configure and verb in RELATIVE_VERBS:
            words = [verb] + self.level.absolute(words[1:])
        self.context.edit_level = list(self.level.path) if self.configure else []
        if dispatch(self.context, words) != 0:
            self.failed = True
        return None

    def _move(self, words: list[str]) -> None:
        """edit / up / top: change the edit level."""
        verb, rest = words[0], words[1:]
        try:
            if verb == 'edit':
                self.level.enter(rest)
            elif rest:
                raise ConfigError(f'"{verb}" takes no arguments')
            elif verb == 'up':
                self.level.up()
            else:
                self.level.top()
        except ConfigError as exc:
            print(exc)
            self.failed = True
        return None

    def _exit(self, words: list[str]) -> Optional[str]:
        if not self.configure:
            return 'quit'
        if self.level.path and not words[1:]:    # inside a level: back to the top (VyOS)
            self.level.top()
            return None
        if words[1:] == ['discard']:
            self.context.session.discard()
        elif self.context.session.store.has_changes():
            print("Cannot exit: configuration modified.\n"
                  "Use 'exit discard' to discard the changes and exit.")
            self.failed = True
            return None
        self.configure = False
        self.level.top()
        return None


LEVEL_VERBS = {'edit', 'up', 'top'}
CONFIGURE_VERBS = {'set', 'delete', 'copy', 'rename', 'comment', 'show', 'compare', 'commit',
                   'commit-confirm', 'confirm', 'rollback', 'discard', 'save', 'load', 'merge',
                   'run'}
