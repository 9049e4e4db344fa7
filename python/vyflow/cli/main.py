"""Entry point: ``vyflow [--root DIR] [--dry-run] COMMAND [ARGS…]``.

Without a command it starts the interactive shell. Global options come before
the command; everything after it belongs to the command (so values such as
``-1`` or ``--x`` are never taken for options).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from vyflow.cli.context import Context
from vyflow.cli.dispatch import USAGE, describe_os_error, dispatch
from vyflow.errors import VyflowError
from vyflow.paths import Paths
from vyflow.text import shown, terminal_safe

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from typing import NoReturn


def _usage_error(message: str) -> NoReturn:
    print(f'vyflow: {message}\n{USAGE}', file=sys.stderr)
    sys.exit(2)


def parse_global(argv: Sequence[str]) -> tuple[str | None, bool, list[str]]:
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


def main(argv: Sequence[str] | None = None) -> int:
    standard_streams()
    root, dry_run, words = parse_global(sys.argv[1:] if argv is None else argv)
    context = None
    try:
        paths = Paths.from_root(root)
        # A sandbox root has no kernel of its own: commits there only plan.
        context = Context(paths, dry_run=dry_run or paths.sandboxed, recording=not dry_run)
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
