"""``rollback N``: make archive revision N the running config again (no reboot)."""

from __future__ import annotations

from vyflow.cli.context import Context
from vyflow.errors import RevisionError, UncommittedChangesError
from vyflow.text import decimal


def run(context: Context, verb: str, args: list[str]) -> int:
    number = decimal(args[0]) if len(args) == 1 else None
    if number is None:
        raise RevisionError('usage: vyflow rollback N (a revision number from '
                            '"show system commit", in digits 0-9)')
    from vyflow.commit.archive import Archive
    from vyflow.configtree import parse_config
    revision = Archive(context.paths.archive_dir).get(number)
    if context.session.store.has_changes():
        raise UncommittedChangesError('Cannot rollback: configuration modified. Commit or '
                                      'discard the changes first.')
    target = parse_config(revision.config, f'revision {number}')
    store = context.session.store
    store.write_working(target.tree, store.foreign_versions(target.versions))
    context.engine().commit(via='rollback', comment=f'rollback to revision {number}')
    return 0
