"""``_confirm-timer --lock-fd N`` (internal): the detached commit-confirm timer.

Started (by commit-confirm, or by any command that finds a state without a
timer) in its own session, holding the timer lock on descriptor N. It waits
for the deadline and lets the commit engine revert, unless confirmed, ended
or re-armed meanwhile (see vyflow.commit.timer).
"""

from __future__ import annotations

import logging

from vyflow.cli.context import Context

log = logging.getLogger('vyflow.commit-confirm')


def run(context: Context, verb: str, args: list[str]) -> int:
    from vyflow.commit import timer
    if len(args) != 2 or args[0] != '--lock-fd' or not args[1].isdigit():
        return 2
    fd = int(args[1])
    context.open_log()
    if not timer.adopt_lock(context.paths, fd):
        log.error('commit-confirm timer: descriptor %s is not the timer lock; exiting', fd)
        return 2
    engine = None

    def settle():
        nonlocal engine
        if engine is None:
            engine = context.engine()
        return engine.settle_confirm()

    timer.serve(context.paths, fd, settle)
    return 0
