"""``confirm``: keep a commit-confirm'ed configuration (cancel the revert)."""

from __future__ import annotations

from vyflow.cli.context import Context


def run(context: Context, verb: str, args: list[str]) -> int:
    result = context.engine().confirm()
    context.say(result.message)
    return 1 if result.reverted else 0
