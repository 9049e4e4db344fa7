"""``_confirm-timer TOKEN`` (internal): the detached commit-confirm timer.

Started by commit-confirm in its own session. It waits for the deadline and,
unless confirmed or re-armed meanwhile, commits the last confirmed config.
"""

from __future__ import annotations

import logging

from vyflow.cli.context import Context
from vyflow.locking import file_lock

log = logging.getLogger('vyflow.commit-confirm')


def run(context: Context, verb: str, args: list[str]) -> int:
    from vyflow.commit.confirm import clear_pending, load_pending, wait_for_deadline
    from vyflow.configtree import parse_config
    if len(args) != 1:
        return 2
    token = args[0]
    context.open_log()
    if not wait_for_deadline(context.paths, token):
        return 0
    engine = context.engine()
    with file_lock(context.paths.commit_lock, wait=-1):
        pending = load_pending(context.paths)
        if pending is None or pending.token != token:
            return 0  # confirmed at the last moment
        target = parse_config(pending.revert_to, 'commit-confirm revert target')
    log.warning('commit-confirm not confirmed in time: reverting')
    engine.commit(target.tree, via='commit-confirm', lock_wait=-1, versions=target.versions or {},
                  comment='commit-confirm: not confirmed in time, reverted',
                  after_success=lambda: clear_pending(context.paths))
    return 0
