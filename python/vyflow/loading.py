"""Reading a config file the operator names (load, merge, boot).

The file is parsed, migrated from older versions, and checked against the
definitions; every problem is listed with file:line:col and nothing is
accepted until all are fixed. Sections this system does not define are kept
verbatim and announced once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vyflow.configtree import ConfigNode, parse_config_file
from vyflow.definitions.model import Definitions
from vyflow.errors import ConfigError
from vyflow.validation import validate_tree


@dataclass
class LoadedConfig:
    tree: ConfigNode
    notices: list[str] = field(default_factory=list)


def foreign_notice(sections: list[str]) -> str:
    return ('Notice: sections not managed by vyflow are kept verbatim in the config, '
            f'but neither validated nor applied: {", ".join(sorted(sections))}')


def read_config(path: Path, definitions: Definitions) -> LoadedConfig:
    """Parse, migrate and validate a config file."""
    if not path.is_file():
        raise ConfigError(f'{path}: no such file')
    parsed = parse_config_file(path)
    loaded = LoadedConfig(parsed.tree)
    report = validate_tree(loaded.tree, definitions, str(path))
    if report.problems:
        raise ConfigError(f'{path} cannot be loaded:\n' + '\n'.join(report.problems))
    if report.foreign_sections:
        loaded.notices.append(foreign_notice(report.foreign_sections))
    return loaded
