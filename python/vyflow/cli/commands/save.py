"""``save [FILE]``: write the running config to the boot config (or FILE)."""

from __future__ import annotations

from vyflow.cli.context import Context


def run(context: Context, verb: str, args: list[str]) -> int:
    if len(args) > 1:
        context.warn('usage: vyflow save [FILE]')
        return 2
    from vyflow.commit.confirm import load_pending
    if load_pending(context.paths) is not None:
        context.warn('Warning: a commit-confirm is pending; you are saving an unconfirmed '
                     'configuration.')
    context.say(context.session.save(args[0] if args else None))
    return 0
