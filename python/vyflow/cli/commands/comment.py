"""``comment PATH TEXT``: attach ``/* TEXT */`` to a node; ``""`` removes it."""

from __future__ import annotations

from vyflow.cli.context import Context


def run(context: Context, verb: str, args: list[str]) -> int:
    if len(args) < 2:
        context.warn('usage: vyflow comment PATH TEXT   (TEXT "" removes the comment)')
        return 2
    return context.edit(verb, lambda: context.session.comment(args[:-1], args[-1]))
