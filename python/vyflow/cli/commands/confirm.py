"""``confirm``: keep a commit-confirm'ed configuration (stop the revert timer)."""

from __future__ import annotations

from vyflow.cli.context import Context
from vyflow.locking import file_lock


def run(context: Context, verb: str, args: list[str]) -> int:
    from vyflow.commit.confirm import clear_pending, load_pending
    with file_lock(context.paths.commit_lock, wait=30):
        if load_pending(context.paths) is None:
            context.say('No confirm pending')
            return 0
        clear_pending(context.paths)
    context.say('Confirmed: the revert timer was stopped and the configuration is kept.')
    return 0
