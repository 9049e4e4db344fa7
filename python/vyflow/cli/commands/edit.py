"""``set PATH [VALUE]`` and ``delete PATH [VALUE]`` on the working config."""

from __future__ import annotations

from vyflow.cli.context import Context


def run(context: Context, verb: str, args: list[str]) -> int:
    if not args:
        context.warn(f'usage: vyflow {verb} PATH [VALUE]')
        return 2
    session = context.session
    return context.edit(verb, lambda: session.set(args) if verb == 'set' else session.delete(args))
