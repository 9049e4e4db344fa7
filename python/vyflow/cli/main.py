"""Entry point: ``vyflow [--root DIR] [--dry-run] COMMAND [ARGS…]``.

Without a command it starts the interactive shell. Global options come before
the command; everything after it belongs to the command (so values such as
``-1`` or ``--x`` are never taken for options).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import NoReturn, Optional, Sequence

from vyflow.cli.context import Context
from vyflow.errors import VyflowError
from vyflow.paths import Paths
from vyflow.text import quoted, shown, terminal_safe

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

USAGE = """usage: vyflow [--root DIR] [--dry-run] [COMMAND [ARGS...]]

Configure mode:  set PATH [VALUE] | delete PATH [VALUE] | show [PATH] | compare [N [M]]
                 copy|rename PATH TAG VALUE to TAG NEW-VALUE | comment PATH TEXT
                 commit [comment TEXT] | commit-confirm [MINUTES] [comment TEXT] | confirm
                 rollback N | discard | save [FILE] | load [--json] [FILE] | merge FILE
Operational:     run show ... | show flow-accounting ... | show system commit [diff N]
                 clear flow-accounting ... | restart flow-accounting
Boot:            boot (load the saved config, migrate, commit)
No command:      the interactive shell (configure, exit, Tab and ? help)

--root DIR (or VYFLOW_ROOT) keeps every file vyflow touches under DIR; it must
  not be empty. There, save/load/merge FILE stay in DIR too: /x.boot is
  DIR/x.boot, a bare x.boot is DIR/etc/vyflow/x.boot, and a FILE leading out
  of DIR is refused. Without --root, a bare FILE is in /etc/vyflow.
--dry-run shows what a commit would do to the system without doing it.
Without --root, changing the system needs root."""


def _usage_error(message: str) -> NoReturn:
    print(f'vyflow: {message}\n{USAGE}', file=sys.stderr)
    sys.exit(2)


def parse_global(argv: Sequence[str]) -> tuple[Optional[str], bool, list[str]]:
    """(--root value or None, --dry-run, the command's words)."""
    root, dry_run, rest = None, False, list(argv)
    while rest and rest[0].startswith('-'):
        option = rest.pop(0)
        if option == '--root':
            if not rest:
                _usage_error('--root needs a directory')
            root = rest.pop(0)
        elif option.startswith('--root='):
            root = option.split('=', 1)[1]
        elif option == '--dry-run':
            dry_run = True
        elif option in ('-h', '--help'):
            print(USAGE)
            sys.exit(0)
        else:
            _usage_error(f'unknown option {shown(option)}')
    return root, dry_run, rest


def standard_streams() -> None:
    """Make stdin, stdout and stderr usable whatever vyflow was started with.

    A closed descriptor (``vyflow <&-``) is reopened on /dev/null: left
    closed, the next file vyflow opens would take its number, and a print
    would land in a lock or config file. Output that the locale cannot
    encode (a Latin-1 terminal, a UTF-8 value) is escaped, not a crash.
    """
    for fd, name, mode in ((0, 'stdin', 'r'), (1, 'stdout', 'w'), (2, 'stderr', 'w')):
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)  # the lowest free descriptor: this one
        if getattr(sys, name) is None:
            setattr(sys, name, open(fd, mode, closefd=False))
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, 'reconfigure'):
            stream.reconfigure(errors='backslashreplace')


def describe_os_error(exc: OSError, paths: Optional[Paths]) -> str:
    """An operating-system error as one line for the operator."""
    where = f'{shown(str(exc.filename))}: ' if exc.filename else ''
    if isinstance(exc, PermissionError) and os.geteuid() != 0 and (
            paths is None or not paths.sandboxed):
        return f'vyflow: {where}permission denied: run as root or give --root DIR'
    return f'vyflow: {where}{exc.strerror or exc}'


def dispatch(context: Context, words: Sequence[str]) -> int:
    """Run one command line (also used by the shell); returns the exit code."""
    module_name = COMMANDS.get(words[0])
    if module_name is None:
        context.warn(f'vyflow: unknown command {quoted(words[0])}\n{USAGE}')
        return 2
    module = importlib.import_module(f'vyflow.cli.commands.{module_name}')
    try:
        return module.run(context, words[0], list(words[1:]))
    except VyflowError as exc:
        context.warn(str(exc))
        return exc.exit_code
    except BrokenPipeError:
        raise
    except OSError as exc:  # permissions, a full or read-only disk: said, not a traceback
        context.warn(describe_os_error(exc, context.paths))
        return 1


def main(argv: Optional[Sequence[str]] = None) -> int:
    standard_streams()
    root, dry_run, words = parse_global(sys.argv[1:] if argv is None else argv)
    context = None
    try:
        paths = Paths.from_root(root)
        # A sandbox root has no kernel of its own: commits there only plan.
        context = Context(paths, dry_run=dry_run or paths.sandboxed)
        if not words:
            from vyflow.cli.shell import Shell
            return Shell(context).loop()
        return dispatch(context, words)
    except VyflowError as exc:        # before any command runs: the tool itself is not ready
        print(terminal_safe(str(exc)), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:           # `vyflow show … | head`: the reader has gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return 141
    except OSError as exc:
        print(describe_os_error(exc, context.paths if context else None), file=sys.stderr)
        return 1
