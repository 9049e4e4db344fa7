"""``show [PATH]``: the working config with pending changes marked;
``show [PATH] | commands``: the same as ``set`` commands, relative to the
shell's edit level, as VyOS's configure mode prints them.

When the words are not a configuration path but are an operational ``show``
command (``show flow-accounting``, ``show configuration``, ``show system
commit``), that command runs, so scripts can use either without switching modes.
"""

from __future__ import annotations

from vyflow.cli.context import Context
from vyflow.errors import CommandUsageError, ConfigPathError

PIPES = ('commands',)


def run(context: Context, verb: str, args: list[str]) -> int:
    if '|' in args:
        return _piped(context, args)
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


def _piped(context: Context, args: list[str]) -> int:
    bar = args.index('|')
    words, pipe = args[:bar], args[bar + 1:]
    if pipe not in ([name] for name in PIPES):
        raise CommandUsageError(f'show [PATH] | {" | ".join(PIPES)}: '
                                f'"| {" ".join(pipe)}" is not supported')
    context.say(context.session.show_commands(words, context.edit_level))
    return 0
