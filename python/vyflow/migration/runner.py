"""Run the migration scripts a parsed config file needs.

Each script exposes ``migrate(config)``: it edits the ConfigNode tree in place
(the VyOS ConfigTree-style operations) and returns one message per change it
made, so the operator learns what became of every setting. A step that changes
the tree but says nothing is refused, as is any exception: the caller then
writes nothing, leaving the file as it was. Comments (``/* … */``) that a step
drops along with their nodes are reported for it, since scripts reason about
settings and would otherwise lose them silently. Messages are shown escaped
and cut (text.shown): they quote values from the file being migrated.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Mapping

from vyflow.configtree import ConfigFile, ConfigNode
from vyflow.errors import MigrationError, VyflowError
from vyflow.migration.scripts import Step, component_steps, select_steps
from vyflow.safepath import StrPath
from vyflow.scriptload import import_script
from vyflow.text import quoted, shown

log = logging.getLogger('vyflow.migration')

MESSAGE_CHARS = 400  # a script's message is one line; values in it may be long or hostile


@dataclass
class StepReport:
    step: Step
    messages: list[str]


@dataclass
class Migration:
    """The outcome of migrating one file.

    ``tree`` is the parsed tree, migrated in place (node positions survive, so
    later problems still point at file:line:col). ``versions`` is the footer
    to write: the file's own, with every component this system knows raised to
    its version; components this system does not know are kept as they were.
    ``changed`` is true when the tree differs from what the file holds.
    """

    tree: ConfigNode
    versions: dict[str, int]
    changed: bool = False
    reports: list[StepReport] = field(default_factory=list)

    @property
    def messages(self) -> list[str]:
        return [f'{report.step.component} {report.step.name}: {message}'
                for report in self.reports for message in report.messages]


def migrate_config(parsed: ConfigFile, system_versions: Mapping[str, int], scripts_dir: StrPath,
                   source: str = '<config>') -> Migration:
    """Migrate ``parsed.tree`` in place to ``system_versions``; raises MigrationError.

    Versions come from the footer; a component it does not name is at version
    0, and a file without a footer runs every script (VyOS's rules).
    """
    file_versions = parsed.footer.versions if parsed.footer else {}
    original = parsed.tree.copy()
    migration = Migration(parsed.tree, dict(file_versions))
    for component in sorted(system_versions):
        try:
            steps = select_steps(component_steps(scripts_dir, component), component,
                                 file_versions.get(component, 0), system_versions[component])
        except MigrationError as exc:
            raise MigrationError(f'{source}: {exc}') from None
        for step in steps:
            messages = _run(step, parsed.tree, source)
            for message in messages:
                log.info('%s: %s %s: %s', source, component, step.name, message)
            migration.reports.append(StepReport(step, messages))
        migration.versions[component] = system_versions[component]
    migration.changed = parsed.tree != original
    return migration


def _run(step: Step, tree: ConfigNode, source: str) -> list[str]:
    """Apply one script; its messages, checked."""
    what = f'{source}: {step.component} migration {step.name}'
    prefix = 'vyflow_migration_' + re.sub(r'\W', '_', step.component) + '_'
    before = tree.copy()
    try:
        module = import_script(step.path, prefix, required=('migrate',))
        messages = module.migrate(tree)
    except VyflowError as exc:
        raise MigrationError(f'{what} failed: {exc}') from exc
    except Exception as exc:  # a script bug must not escape as a traceback
        raise MigrationError(f'{what} failed: {type(exc).__name__}: {exc}') from exc
    messages = [] if messages is None else messages
    if not isinstance(messages, list) or not all(isinstance(m, str) for m in messages):
        raise MigrationError(f'{what} returned {type(messages).__name__}, not a list of messages')
    if tree == before:
        return [shown(message, MESSAGE_CHARS) for message in messages]
    if not messages:
        raise MigrationError(f'{what} changed the config without saying what it changed')
    return [shown(message, MESSAGE_CHARS) for message in messages] + _dropped_comments(before, tree)


def _dropped_comments(before: ConfigNode, after: ConfigNode) -> list[str]:
    kept = Counter(node.comment for _, node in after.walk() if node.comment)
    dropped = []
    for path, node in before.walk():
        if node.comment and kept[node.comment] > 0:
            kept[node.comment] -= 1
        elif node.comment:
            dropped.append(f'comment {quoted(node.comment)} on {shown(" ".join(path))} was '
                           'dropped with its node; the original file keeps it')
    return dropped
