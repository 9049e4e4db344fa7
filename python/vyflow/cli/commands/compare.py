"""``compare [N [M]]``: running vs working, revision N vs working, or M vs N."""

from __future__ import annotations

from vyflow.cli.context import Context
from vyflow.configtree import parse_config
from vyflow.configtree.diff import format_compare


def _revision_tree(context: Context, word: str):
    from vyflow.commit.archive import Archive
    from vyflow.errors import RevisionError
    from vyflow.text import decimal, quoted
    number = decimal(word)
    if number is None:
        raise RevisionError(f'Invalid revision number {quoted(word)}: must be a non-negative '
                            'integer in digits 0-9')
    revision = Archive(context.paths.archive_dir).get(number)
    return parse_config(revision.config, f'revision {word}').tree


def run(context: Context, verb: str, args: list[str]) -> int:
    if len(args) > 2:
        context.warn('usage: vyflow compare [N [M]]')
        return 2
    store = context.session.store
    if not args:
        context.say(context.session.compare())
        return 0
    if len(args) == 1:
        old, new = _revision_tree(context, args[0]), store.working()
        empty = f'No changes between revision {args[0]} and working configurations.'
    else:
        old, new = _revision_tree(context, args[1]), _revision_tree(context, args[0])
        empty = f'No changes between revision {args[1]} and revision {args[0]}.'
    context.say(format_compare(old, new) or empty)
    return 0
