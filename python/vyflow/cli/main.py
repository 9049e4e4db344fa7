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
from vyflow.cli.dispatch import USAGE, dispatch
from vyflow.errors import VyflowError
from vyflow.paths import Paths


def parse_global(argv: Sequence[str]) -> tuple[str | None, bool, list[str]]:
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


def main(argv: Sequence[str] | None = None) -> int:
    root, dry_run, words = parse_global(sys.argv[1:] if argv is None else argv)
    paths = Paths.from_root(root)
    # A sandbox root has no kernel of its own: commits there only plan.
    context = Context(paths, dry_run=dry_run or paths.sandboxed)
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
