#!/usr/bin/python3
"""Op mode: the running configuration (``show configuration [commands | json
[pretty]]``) and the commit archive (``show system commit [diff N | file N]``).

``show configuration`` is what operators copy a router's config with, so its
forms are VyOS's: the config as configure-mode ``show`` prints it, ``set``
commands (a valid ``vyflow batch``), and the JSON that ``load --json`` reads.
Revisions hold the real configuration; secret values (API keys, private keys)
are masked in every form shown (vyflow.definitions.masking).
"""

from __future__ import annotations

import datetime
import json

from vyflow.commit.archive import Archive
from vyflow.config import Config, RunEnvironment
from vyflow.configtree import ConfigNode, parse_config
from vyflow.configtree.diff import format_compare
from vyflow.configtree.render import render_display, set_commands
from vyflow.definitions.masking import mask_config_text, mask_secrets, redact, secret_values
from vyflow.definitions.model import Definitions
from vyflow.errors import DataUnavailable, VyflowError
from vyflow.text import shown

COMMENT_CHARS = 200
EMPTY = 'The running configuration is empty.'


def _running(environment: RunEnvironment) -> tuple[ConfigNode, Definitions]:
    """The running config with secrets masked, and the definitions."""
    from vyflow.atomicfile import read_text
    definitions = Definitions.load(environment.resources.definitions)
    path = environment.paths.running_config
    try:
        text = read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise DataUnavailable(f'{shown(str(path))}: cannot read the running configuration: '
                              f'{exc.strerror or exc}') from None
    try:
        tree = parse_config(text, str(path)).tree if text is not None else ConfigNode()
    except VyflowError as exc:
        raise DataUnavailable(f'the running configuration cannot be read: {exc}') from None
    return mask_secrets(tree, definitions), definitions


def _as_dict(tree: ConfigNode, definitions: Definitions) -> dict:
    """The JSON shape (as ``get_config_dict``, without defaults; ``load --json`` reads it)."""
    return Config(tree, tree, definitions).get_config_dict()


def show_configuration(environment: RunEnvironment, raw: bool):
    """The running configuration, as configure-mode ``show`` prints it."""
    tree, definitions = _running(environment)
    if raw:
        return _as_dict(tree, definitions)
    return render_display(tree).rstrip('\n') or EMPTY


def show_configuration_commands(environment: RunEnvironment, raw: bool):
    """The running configuration as ``set`` commands (then ``comment`` commands)."""
    tree, _ = _running(environment)
    lines = set_commands(tree)
    if raw:
        return lines
    return '\n'.join(lines) or EMPTY


def show_configuration_json(environment: RunEnvironment, raw: bool, pretty: bool = False):
    """The running configuration as JSON: one line, or indented with ``pretty``."""
    tree, definitions = _running(environment)
    data = _as_dict(tree, definitions)
    if raw:
        return data
    return json.dumps(data, indent=4 if pretty else None)


def _archive(environment: RunEnvironment) -> Archive:
    return Archive(environment.paths.archive_dir)


def _definitions(environment: RunEnvironment) -> Definitions:
    return Definitions.load(environment.resources.definitions)


def show_commit(environment: RunEnvironment, raw: bool):
    """The revisions, newest (0, the running config) first."""
    revisions = _archive(environment).list()
    data = [dict(revision=number, **revision.summary()) for number, revision in enumerate(revisions)]
    if raw:
        return data
    if not data:
        return 'No commits have been recorded yet.'
    lines = []
    for row in data:
        if 'damaged' in row:  # a revision file that cannot be read: shown, never used
            lines.append(f'{row["revision"]:<4} DAMAGED  {row["damaged"]}')
            continue
        when = datetime.datetime.fromtimestamp(row['timestamp']).strftime('%Y-%m-%d %H:%M:%S')
        lines.append(f'{row["revision"]:<4} {when}  by {shown(row["user"])}  '
                     f'via {shown(row["via"])}')
        if row['comment']:  # one line, escaped: a comment cannot forge a revision line
            lines.append(f'     {shown(row["comment"], COMMENT_CHARS)}')
    return '\n'.join(lines)


def show_commit_diff(environment: RunEnvironment, raw: bool, rev: int):
    """What revision ``rev`` changed compared with revision ``rev + 1``."""
    archive = _archive(environment)
    new = archive.get(rev)
    if rev + 1 >= archive.count():
        raise DataUnavailable(f'Revision {rev} is the oldest kept; there is nothing to compare '
                              'it with')
    old = archive.get(rev + 1)
    old_tree, new_tree = parse_config(old.config).tree, parse_config(new.config).tree
    definitions = _definitions(environment)
    # diff the real trees (a changed key still shows as changed), then hide the values
    text = redact(format_compare(old_tree, new_tree),
                  secret_values(old_tree, definitions) | secret_values(new_tree, definitions))
    if raw:
        return {'revision': rev, 'diff': text}
    return text or f'Revision {rev} made no changes compared with revision {rev + 1}.'


def show_commit_file(environment: RunEnvironment, raw: bool, rev: int):
    """The configuration text of revision ``rev``."""
    revision = _archive(environment).get(rev)
    config = mask_config_text(revision.config, _definitions(environment))
    if raw:
        return dict(revision=rev, config=config, **revision.summary())
    return config.rstrip('\n')
