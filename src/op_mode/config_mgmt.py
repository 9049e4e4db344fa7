#!/usr/bin/python3
"""Op mode: the commit archive (``show system commit [diff N | file N]``).

Revisions hold the real configuration; what is shown has its secret values
(API keys, private keys) masked, like every configuration output.
"""

from __future__ import annotations

import datetime

from vyflow.commit.archive import Archive
from vyflow.config import RunEnvironment
from vyflow.configtree import parse_config
from vyflow.configtree.diff import format_compare
from vyflow.definitions.masking import mask_config_text, redact, secret_values
from vyflow.definitions.model import Definitions
from vyflow.errors import DataUnavailable
from vyflow.text import shown

COMMENT_CHARS = 200


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
