"""``set PATH [VALUE]`` and ``delete PATH [VALUE]`` on the working config."""

from __future__ import annotations

from vyflow.cli.context import Context
from vyflow.errors import ConfigError


def run(context: Context, verb: str, args: list[str]) -> int:
    if not args:
        context.warn(f'usage: vyflow {verb} PATH [VALUE]')
        return 2
    session = context.session
    try:
        message = session.set(args) if verb == 'set' else session.delete(args)
    except ConfigError as exc:
        context.warn(f'{exc}\n\n{verb.capitalize()} failed')
        return 1
    context.say(message)
    return 0
