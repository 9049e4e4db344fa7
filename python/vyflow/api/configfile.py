"""``/config-file``: save, load, merge, confirm.

As in VyOS's API, ``load`` and ``merge`` commit at once (there is no session
to leave them in), optionally as a commit-confirm. Files are read and written
only in the saved-config directory (``/etc/vyflow``): a relative name is taken
there, an absolute one must point there. VyOS lets an API key read or write
any file as root; here a key cannot overwrite ``/etc/cron.d`` or read
``/etc/shadow`` back through a parser error.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from vyflow.api.committer import Committer
from vyflow.api.protocol import ApiError, operation
from vyflow.api.sessions import PrivateSession, confirm_minutes
from vyflow.atomicfile import write_atomic
from vyflow.configtree import ConfigNode
from vyflow.definitions.model import Definitions
from vyflow.loading import LoadedConfig, read_config, read_config_text
from vyflow.paths import Paths
from vyflow.store import ConfigStore

OPS = ('save', 'load', 'merge', 'confirm')


def config_file(data: dict, key_id: str, paths: Paths, definitions: Definitions,
                committer: Committer) -> Any:
    op = operation(data, OPS)
    if op == 'confirm':
        return committer.confirm()
    if op == 'save':
        return save(allowed_file(paths, data.get('file')), paths, definitions,
                    committer.confirm_pending())
    minutes = confirm_minutes(data.get('confirm_time'))
    if data.get('destructive'):
        raise ApiError('"destructive" merge is not supported by vyflow: use "load" to replace '
                       'the whole configuration')
    text = data.get('string')
    if op == 'merge' and text is not None:
        if not isinstance(text, str):
            raise ApiError('"string" must be configuration text')
        loaded = read_config_text(text, '<string>', definitions)
    else:
        loaded = read_config(allowed_file(paths, data.get('file')), definitions, rewrite=False)
    build = (lambda base: loaded.tree) if op == 'load' else _merging(loaded, paths, definitions)
    output = committer.commit(build, key_id, confirm_minutes=minutes, versions=loaded.versions)
    return '\n'.join(loaded.notices + [output.rstrip('\n')]).strip('\n') or None


def _merging(loaded: LoadedConfig, paths: Paths, definitions: Definitions):
    def build(base: ConfigNode) -> ConfigNode:
        PrivateSession(base, paths, definitions).merge_tree(loaded.tree)
        return base
    return build


def allowed_file(paths: Paths, name: Any) -> Path:
    """The file a request names, if it lies in the saved-config directory."""
    directory = Path(paths.config_dir)
    if name is None or name == '':
        return Path(paths.saved_config)
    if not isinstance(name, str) or '\0' in name:
        raise ApiError('"file" must be a file name')
    given = Path(name)
    candidate = paths.under(name) if given.is_absolute() else directory / given
    candidate = Path(os.path.normpath(candidate))
    if candidate.parent != directory:
        raise ApiError(f'"file" must name a file in {directory} (the API reads '
                       'and writes configuration files only there)')
    return candidate


def save(target: Path, paths: Paths, definitions: Definitions, unconfirmed: bool) -> str:
    store = ConfigStore(paths, definitions.component_versions)
    write_atomic(target, store.render(store.running(), store.running_foreign_versions()))
    warning = ('Warning: a commit-confirm is pending; you are saving an unconfirmed '
               'configuration.\n' if unconfirmed else '')
    return f"{warning}Saving configuration to '{target}'... Done"
