"""Reading a config file the operator names (load, merge, boot).

The file is parsed, migrated from older versions, and checked against the
definitions; every problem is listed with file:line:col and nothing is
accepted until all are fixed. Sections this system does not define are kept
verbatim and announced once.

At boot, a migration that changed the tree is written back to config.boot,
so the next boot starts from the migrated text, and the original bytes are
kept next to it. That happens only after the migrated tree passed
validation: a file that cannot be loaded is never touched. A file that cannot
be rewritten (a read-only medium) still loads, with a warning: refusing it
would leave a router without its config. ``load`` and ``merge`` migrate in
memory only, as VyOS does: the operator's file is input and stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vyflow import __version__
from vyflow.atomicfile import OWN, Policy, read_bytes
from vyflow.configtree import ConfigNode, parse_config, render_config
from vyflow.definitions.model import Definitions
from vyflow.errors import ConfigError, ConfigParseError, MigrationError
from vyflow.migration import Migration, migrate_config, replace_keeping_backup
from vyflow.paths import Resources
from vyflow.safepath import StrPath
from vyflow.store import decode_config
from vyflow.text import shown
from vyflow.validation import validate_tree


@dataclass
class LoadedConfig:
    tree: ConfigNode
    notices: list[str] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)  # the (migrated) footer's
    foreign: list[str] = field(default_factory=list)        # sections not managed here


def foreign_notice(sections: list[str]) -> str:
    return ('Notice: sections not managed by vyflow are kept verbatim in the config, '
            f'but neither validated nor applied: {", ".join(shown(s) for s in sorted(sections))}')


def _migration_notices(path: StrPath, migration: Migration, footer: bool) -> list[str]:
    """A header naming the versions crossed, then what each step changed."""
    spans: dict[str, list[int]] = {}
    for report in migration.reports:
        step = report.step
        spans.setdefault(step.component, [step.from_version, 0])[1] = step.to_version
    if not spans:
        return []
    crossed = ', '.join(f'{name}@{first} to @{last}' for name, (first, last) in spans.items())
    if not footer:
        crossed = f'no version footer, so every step ran: {crossed}'
    if not migration.messages:
        return [f"Migrated '{path}' ({crossed}): nothing needed changing"]
    return [f"Migrated '{path}' ({crossed}):"] + [f'  {text}' for text in migration.messages]


def _refuse_bare_sections(tree: ConfigNode, definitions: Definitions, path: StrPath) -> None:
    """A section this system does not know that holds nothing ("router1",
    the whole of /etc/hostname) means the file is not a config file."""
    for name, section in tree.children.items():
        if name not in definitions.root.children and section.is_bare():
            line, column = section.origin or (1, 1)
            raise ConfigParseError('not a configuration file: its top level must hold only '
                                   'sections such as "system { ... }"', line, column, str(path))


def read_config(path: StrPath, definitions: Definitions, rewrite: bool = True,
                policy: Policy = OWN) -> LoadedConfig:
    """Parse, migrate and validate a config file; with ``rewrite``, a migrated
    file is written back with the original kept as a backup. ``policy``
    says how the file may be reached (atomicfile): the saved config is
    vyflow's own, a file named after ``load`` the operator's.

    A file that is not a config file (binary, or no config sections at its
    top, such as /etc/shadow) is refused without echoing what it holds."""
    original = read_bytes(path, policy)
    if original is None:
        raise ConfigError(f'{shown(str(path))}: no such file')
    if b'\0' in original:
        raise ConfigParseError('not a configuration file (binary data)', 1, 1, str(path))
    try:
        text = decode_config(original)  # a leading byte-order mark is only that
    except ValueError as exc:
        raise ConfigParseError(str(exc), 1, 1, str(path)) from None
    parsed, migration, loaded = _load(text, str(path), definitions)
    if migration.changed and not rewrite:
        loaded.notices.append(f"'{path}' itself was left as it was (it still holds "
                              'whatever the migration removed)')
    elif migration.changed:
        try:
            backup = replace_keeping_backup(
                path, original, render_config(parsed.tree, migration.versions, __version__))
        except MigrationError as exc:  # e.g. a read-only medium: the migrated tree still loads
            loaded.notices.append(f'Warning: {exc}')
        else:
            loaded.notices.append(f"The original file is kept as '{backup}'")
    _notice_foreign(loaded)
    return loaded


def read_config_text(text: str, source: str, definitions: Definitions) -> LoadedConfig:
    """The same checks for config text that comes with a request (the API's
    ``merge`` of a ``string``)."""
    loaded = _load(text, source, definitions)[2]
    _notice_foreign(loaded)
    return loaded


def _load(text: str, source: str, definitions: Definitions) -> tuple:
    parsed = parse_config(text, source, sections_only=True)
    _refuse_bare_sections(parsed.tree, definitions, source)
    migration = migrate_config(parsed, definitions.component_versions,
                               Resources.locate().migration_dir, source)
    report = validate_tree(parsed.tree, definitions, source)
    if report.problems:
        raise ConfigError(f'{source} cannot be loaded:\n' + '\n'.join(report.problems))
    loaded = LoadedConfig(parsed.tree,
                          _migration_notices(source, migration, parsed.footer is not None),
                          dict(migration.versions), report.foreign_sections)
    return parsed, migration, loaded


def _notice_foreign(loaded: LoadedConfig) -> None:
    if loaded.foreign:
        loaded.notices.append(foreign_notice(loaded.foreign))
