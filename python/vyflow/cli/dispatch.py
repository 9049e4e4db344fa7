"""The command table: which module runs each ``vyflow`` subcommand.

Shared by the scripting CLI (``cli.main``) and the interactive shell
(``cli.shell``), so neither imports the other to run a command. Command
modules are imported only when used, which keeps cheap commands cheap.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence

from vyflow.cli.context import Context
from vyflow.errors import VyflowError
from vyflow.paths import Paths
from vyflow.text import quoted, shown

# Subcommand -> module under vyflow.cli.commands.
COMMANDS = {
    'set': 'edit', 'delete': 'edit', 'copy': 'edit', 'rename': 'edit', 'comment': 'edit',
    'show': 'show', 'compare': 'compare',
    'discard': 'discard', 'save': 'save', 'load': 'load', 'merge': 'load',
    'commit': 'commit', 'commit-confirm': 'commit', 'confirm': 'confirm',
    'rollback': 'rollback', 'boot': 'boot', 'run': 'run', 'batch': 'batch',
    'clear': 'run', 'restart': 'run', 'reset': 'run',
    '_confirm-timer': 'confirm_timer',
    '_complete': 'complete',
}

# Commands that never restart a missing commit-confirm timer (the timer itself,
# and completion, which runs on every Tab).
UNMANAGED = ('_confirm-timer', '_complete')

USAGE = """usage: vyflow [--root DIR] [--dry-run] [COMMAND [ARGS...]]

Configure mode:  set PATH [VALUE] | delete PATH [VALUE] | show [PATH] [| commands]
                 compare [N [M]] | comment PATH TEXT
                 copy|rename PATH TAG VALUE to TAG NEW-VALUE
                 commit [comment TEXT] | commit-confirm [MINUTES] [comment TEXT] | confirm
                 rollback N | discard | save [FILE] | load [--json] [FILE] | merge FILE
Scripts:         batch [--no-commit] [FILE|-] [comment TEXT]: set/delete/copy/rename/
                 comment lines from FILE (or standard input), all checked, then one
                 commit; any bad line changes nothing
Operational:     run show ... | show flow-accounting ... | show system commit [diff N]
                 show configuration [commands | json [pretty]]
                 clear flow-accounting ... | restart flow-accounting
Boot:            boot (load the saved config, migrate, commit)
No command:      the interactive shell (configure, exit, Tab and ? help)

--root DIR (or VYFLOW_ROOT) keeps every file vyflow touches under DIR; it must
  not be empty. There, save/load/merge/batch FILE stay in DIR too: /x.boot is
  DIR/x.boot, a bare x.boot is DIR/etc/vyflow/x.boot, and a FILE leading out
  of DIR is refused. Without --root, a bare FILE is in /etc/vyflow.
--dry-run shows what a commit would do to the system without doing it.
Without --root, changing the system needs root."""


def describe_os_error(exc: OSError, paths: Paths | None) -> str:
    """An operating-system error as one line for the operator."""
    where = f'{shown(str(exc.filename))}: ' if exc.filename else ''
    if isinstance(exc, PermissionError) and os.geteuid() != 0 and (
            paths is None or not paths.sandboxed):
        return f'vyflow: {where}permission denied: run as root or give --root DIR'
    return f'vyflow: {where}{exc.strerror or exc}'


def dispatch(context: Context, words: Sequence[str]) -> int:
    """Run one command line; returns the exit code."""
    module_name = COMMANDS.get(words[0])
    if module_name is None:
        context.warn(f'vyflow: unknown command {quoted(words[0])}\n{USAGE}')
        return 2
    if (context.recording and words[0] not in UNMANAGED
            and os.path.exists(context.paths.confirm_state)):
        from vyflow.commit.timer import resume  # a commit-confirm without its timer
        context.warn(resume(context.paths) or '')
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
