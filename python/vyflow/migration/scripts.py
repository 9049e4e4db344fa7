"""Finding and choosing the migration scripts of a component.

Scripts are ``<scripts_dir>/<component>/<from>-to-<to>`` (VyOS naming: no
``.py``). The choice follows VyOS: every script whose ``from`` is at least the
file's version, in numeric order. Unlike VyOS we insist that they chain from
the file's version to the system's: a gap would otherwise label a half-migrated
tree as current.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from vyflow.errors import MigrationError
from vyflow.safepath import StrPath

_NAME = re.compile(r'(\d+)-to-(\d+)')


@dataclass(frozen=True)
class Step:
    component: str
    from_version: int
    to_version: int
    path: Path

    @property
    def name(self) -> str:
        return f'{self.from_version}-to-{self.to_version}'


def component_steps(scripts_dir: StrPath, component: str) -> list[Step]:
    """Every script of ``component``, ordered by (from, to)."""
    directory = Path(scripts_dir) / component
    if not directory.is_dir():
        return []
    steps = []
    for entry in directory.iterdir():
        match = _NAME.fullmatch(entry.name)
        if match and entry.is_file():
            steps.append(Step(component, int(match.group(1)), int(match.group(2)), entry))
    return sorted(steps, key=lambda step: (step.from_version, step.to_version))


def select_steps(steps: list[Step], component: str, file_version: int,
                 system_version: int) -> list[Step]:
    """The steps taking ``component`` from ``file_version`` to ``system_version``.

    A component without any script has never changed syntax: nothing to run.
    """
    if file_version > system_version:
        raise MigrationError(f'the file was written for {component}@{file_version}, newer than '
                             f'this system\'s {component}@{system_version}; it cannot be '
                             'migrated back')
    if not steps:
        return []
    chosen = [step for step in steps if step.from_version >= file_version]
    version = file_version
    for step in chosen:
        if step.from_version != version or step.to_version <= version:
            break
        version = step.to_version
    else:
        if version == system_version:
            return chosen
    raise MigrationError(f'incomplete migration of {component}: the scripts '
                         f'({", ".join(step.name for step in steps)}) do not lead from '
                         f'version {file_version} to {system_version}')
