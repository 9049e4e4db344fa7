"""``discard``: drop every uncommitted change."""

from __future__ import annotations

from vyflow.cli.context import Context


def run(context: Context, verb: str, args: list[str]) -> int:
    context.say(context.session.discard())
    return 0
