"""``show [PATH]``: the working config with pending changes marked.

When the words are not a configuration path but are an operational ``show``
command (``show flow-accounting``, ``show system commit``), that command runs,
so scripts can use either without switching modes.
"""

from __future__ import annotations

from vyflow.cli.context import Context
from vyflow.errors import ConfigPathError


def run(context: Context, verb: str, args: list[str]) -> int:
    if '--json' in args or (args and args[0] not in context.definitions.root.children):
        from vyflow.cli.commands.run import execute
        return execute(context, ['show'] + args)
    try:
        context.say(context.session.show(args))
    except ConfigPathError:
        from vyflow.cli.commands.run import execute, load_op_tree, resolve
        if resolve(load_op_tree(context), ['show'] + args) is None:
            raise
        return execute(context, ['show'] + args)
    return 0
