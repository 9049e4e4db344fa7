"""``rollback N``: make archive revision N the running config again (no reboot).

The revision itself is committed (not written to the shared working config
first), so edits another session makes meanwhile are never swept into it.
"""

from __future__ import annotations

import os

from vyflow.cli.context import Context
from vyflow.errors import DamagedFileError, RevisionError, UncommittedChangesError
from vyflow.text import decimal


def run(context: Context, verb: str, args: list[str]) -> int:
    number = decimal(args[0]) if len(args) == 1 else None
    if number is None:
        raise RevisionError('usage: vyflow rollback N (a revision number from '
                            '"show system commit", in digits 0-9)')
    from vyflow.commit.archive import Archive
    from vyflow.configtree import parse_config
    from vyflow.errors import ConfigParseError
    revision = Archive(context.paths.archive_dir).get(number)
    store = context.session.store
    try:
        modified = store.has_changes()
    except DamagedFileError:
        modified = os.path.exists(context.paths.working_config)
    if modified:
        raise UncommittedChangesError('Cannot rollback: configuration modified. Commit or '
                                      'discard the changes first.')
    try:
        target = parse_config(revision.config, f'revision {number}')
    except ConfigParseError as exc:
        raise DamagedFileError(f'revision {number}', str(exc),
                               'roll back to another revision') from None
    context.engine().commit(target.tree, via='rollback', comment=f'rollback to revision {number}',
                            versions=target.versions or {})
    return 0
