"""``discard``: drop every uncommitted change (also a damaged working config)."""

from __future__ import annotations

import os

from vyflow.cli.context import Context


def run(context: Context, verb: str, args: list[str]) -> int:
    if not context.recording:
        exists = os.path.exists(context.paths.working_config)
        context.say('Dry run: nothing discarded' + (' (there are uncommitted changes)'
                                                    if exists else ''))
        return 0
    context.say(context.session.discard())
    return 0
