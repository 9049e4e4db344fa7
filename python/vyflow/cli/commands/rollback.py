"""``rollback N``: make archive revision N the running config again (no reboot)."""

from __future__ import annotations

from vyflow.cli.context import Context
from vyflow.errors import RevisionError, UncommittedChangesError


def run(context: Context, verb: str, args: list[str]) -> int:
    if len(args) != 1 or not args[0].isdigit():
        raise RevisionError('usage: vyflow rollback N (a revision number from '
                            '"show system commit")')
    from vyflow.commit.archive import Archive
    from vyflow.configtree import parse_config
    number = int(args[0])
    revision = Archive(context.paths.archive_dir).get(number)
    if context.session.store.has_changes():
        raise UncommittedChangesError('Cannot rollback: configuration modified. Commit or '
                                      'discard the changes first.')
    target = parse_config(revision.config, f'revision {number}')
    store = context.session.store
    store.write_working(target.tree, store.foreign_versions(target.versions))
    context.engine().commit(via='rollback', comment=f'rollback to revision {number}')
    return 0
