"""Entry point: ``vyflow [--root DIR] [--dry-run] COMMAND [ARGS…]``.

Without a command it starts the interactive shell. Global options come before
the command; everything after it belongs to the command (so values such as
``-1`` or ``--x`` are never taken for options).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Optional, Sequence

from vyflow.cli.context import Context
from vyflow.errors import VyflowError
from vyflow.paths import Paths

# Subcommand -> module under vyflow.cli.commands (imported only when used).
COMMANDS = {
    'set': 'edit', 'delete': 'edit', 'copy': 'copy', 'rename': 'copy', 'comment': 'comment',
    'show': 'show', 'compare': 'compare',
    'discard': 'discard', 'save': 'save', 'load': 'load', 'merge': 'load',
    'commit': 'commit', 'commit-confirm': 'commit', 'confirm': 'confirm',
    'rollback': 'rollback', 'boot': 'boot', 'run': 'run',
    'clear': 'run', 'restart': 'run', 'reset': 'run',
    '_confirm-timer': 'confirm_timer',
    '_complete': 'complete',
}

# Commands that never restart a missing commit-confirm timer (the timer itself,
# and completion, which runs on every Tab).
UNMANAGED = ('_confirm-timer', '_complete')

USAGE = """usage: vyflow [--root DIR] [--dry-run] [COMMAND [ARGS...]]

Configure mode:  set PATH [VALUE] | delete PATH [VALUE] | show [PATH] | compare [N [M]]
                 copy|rename PATH TAG VALUE to TAG NEW-VALUE | comment PATH TEXT
                 commit [comment TEXT] | commit-confirm [MINUTES] [comment TEXT] | confirm
                 rollback N | discard | save [FILE] | load [--json] [FILE] | merge FILE
Operational:     run show ... | show flow-accounting ... | show system commit [diff N]
                 clear flow-accounting ... | restart flow-accounting
Boot:            boot (load the saved config, migrate, commit)
No command:      the interactive shell (configure, exit, Tab and ? help)

--root DIR (or VYFLOW_ROOT) keeps every file vyflow touches under DIR.
--dry-run shows what a commit would do to the system without doing it."""


def parse_global(argv: Sequence[str]) -> tuple[Optional[str], bool, list[str]]:
    root, dry_run, rest = None, False, list(argv)
    while rest and rest[0].startswith('-'):
        option = rest.pop(0)
        if option == '--root' and rest:
            root = rest.pop(0)
        elif option.startswith('--root='):
            root = option.split('=', 1)[1]
        elif option == '--dry-run':
            dry_run = True
        elif option in ('-h', '--help'):
            print(USAGE)
            sys.exit(0)
        else:
            print(f'vyflow: unknown option {option}\n{USAGE}', file=sys.stderr)
            sys.exit(2)
    return root, dry_run, rest


def dispatch(context: Context, words: Sequence[str]) -> int:
    """Run one command line (also used by the shell); returns the exit code."""
    module_name = COMMANDS.get(words[0])
    if module_name is None:
        context.warn(f'vyflow: unknown command "{words[0]}"\n{USAGE}')
        return 2
    if context.recording and words[0] not in UNMANAGED and context.paths.confirm_state.exists():
        from vyflow.commit.timer import resume  # a commit-confirm without its timer
        context.warn(resume(context.paths) or '')
    module = importlib.import_module(f'vyflow.cli.commands.{module_name}')
    try:
        return module.run(context, words[0], list(words[1:]))
    except VyflowError as exc:
        context.warn(str(exc))
        return exc.exit_code


def main(argv: Optional[Sequence[str]] = None) -> int:
    root, dry_run, words = parse_global(sys.argv[1:] if argv is None else argv)
    paths = Paths.from_root(root)
    # A sandbox root has no kernel of its own: commits there only plan.
    context = Context(paths, dry_run=dry_run or paths.sandboxed, recording=not dry_run)
    try:
        if not words:
            from vyflow.cli.shell import Shell
            return Shell(context).loop()
        return dispatch(context, words)
    except VyflowError as exc:        # before any command runs: the tool itself is not ready
        context.warn(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:           # `vyflow show … | head`: the reader has gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return 141
