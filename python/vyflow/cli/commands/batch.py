"""``batch [--no-commit] [FILE|-] [comment TEXT]``: edit commands from a file
or standard input, checked together, then one commit (see vyflow.batch).
FILE is found as ``load`` finds it; ``-`` or no FILE reads standard input.

The batch starts from the running config and commits exactly its own lines,
so it refuses to run over uncommitted changes of the configure session (they
would be swept into its commit). With ``--no-commit`` the lines are applied
to the working config instead (all or nothing), for review with ``compare``.
"""

from __future__ import annotations

import sys

from vyflow.batch import apply_batch
from vyflow.cli.context import Context
from vyflow.errors import CommandUsageError, ConfigError, UncommittedChangesError
from vyflow.text import shown

USAGE = 'usage: vyflow batch [--no-commit] [FILE|-] [comment TEXT]'


def parse_arguments(args: list[str]) -> tuple[bool, str | None, str]:
    """(commit, file name or None for standard input, commit comment)."""
    args = list(args)
    commit = '--no-commit' not in args
    args = [word for word in args if word != '--no-commit']
    comment = ''
    if 'comment' in args:
        at = args.index('comment')
        comment = ' '.join(args[at + 1:])
        if not comment or not commit:
            raise CommandUsageError(USAGE + '\n(comment TEXT names the commit; it needs a '
                                    'text and cannot go with --no-commit)')
        args = args[:at]
    if len(args) > 1 or (args and args[0].startswith('-') and args[0] != '-'):
        raise CommandUsageError(USAGE)
    name = args[0] if args and args[0] != '-' else None
    return commit, name, comment


def _read(context: Context, name: str | None) -> tuple[str, str]:
    """(text, name used in messages). FILE is found as ``load`` finds it
    (Paths.operator_file: under ``--root`` it stays in the root)."""
    if name is None:
        if sys.stdin is None or sys.stdin.isatty():
            raise CommandUsageError(USAGE + '\n(without FILE the commands are read from '
                                    'standard input: a pipe or a redirected file)')
        return sys.stdin.read(), '<stdin>'
    from vyflow.atomicfile import read_text
    path, policy = context.paths.operator_file(name)
    try:
        text = read_text(path, policy)
    except UnicodeDecodeError:
        raise ConfigError(f'{shown(str(path))}: cannot read the batch: it is not UTF-8 text') \
            from None
    if text is None:
        raise ConfigError(f'{shown(str(path))}: cannot read the batch: no such file')
    return text, str(path)


def run(context: Context, verb: str, args: list[str]) -> int:
    commit, name, comment = parse_arguments(args)
    text, source = _read(context, name)
    session = context.session
    if not commit:
        with session.editing() as tree:
            notes = apply_batch(session.editor, tree, text, source)
        context.say('\n'.join(notes))
        context.say("Batch applied to the working config. Use 'compare' to review it, "
                    "'commit' to make it effective.")
        return 0
    if session.store.has_changes():
        raise UncommittedChangesError('Cannot run a batch: the working configuration has '
                                      'uncommitted changes, which its commit would include. '
                                      'Commit or discard them first (or use --no-commit).')
    tree = session.store.running()
    context.say('\n'.join(apply_batch(session.editor, tree, text, source)))
    context.engine().commit(tree, via='batch', comment=comment)
    return 0
