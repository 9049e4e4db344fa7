"""Where vyflow keeps things, relative to a root directory.

Everything the tool touches lives under ``root`` (``/`` on a router, any
directory in tests and demos: ``vyflow --root DIR`` or ``VYFLOW_ROOT``):

    etc/vyflow/config.boot         saved (boot) config, written by ``save``
    var/lib/vyflow/running.boot    running config, persisted on every commit
    var/lib/vyflow/archive/        commit revisions and their log
    run/vyflow/working.boot        the configure session's working config
    run/vyflow/*.lock, *.json      commit lock, session lock, commit-confirm state

The root is normalised once, here (``..``, ``//`` and links resolved), and
"sandboxed" is decided on that: ``--root /tmp/..`` is the real system. An
empty root (``--root ""``, ``VYFLOW_ROOT=``) is an error, never ``/``.

Installed resources (compiled definitions, scripts, templates) are found by
``Resources``: next to the source tree when run from a checkout, else under
the installation prefix (``/usr/share/vyflow``, ``/usr/libexec/vyflow``).
"""

from __future__ import annotations

import os
from pathlib import Path

from vyflow.errors import ResourceError, UsageError
from vyflow.records import dataclass
from vyflow.safepath import OPERATOR, OPERATOR_IN_ROOT, OWN, Policy
from vyflow.text import shown

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from typing import Any

ROOT_ENV = 'VYFLOW_ROOT'


@dataclass(frozen=True)
class Paths:
    """Runtime file locations under one root."""

    root: Path = Path('/')

    def __post_init__(self) -> None:
        object.__setattr__(self, 'root', Path(os.path.realpath(self.root)))

    @classmethod
    def from_root(cls, root: str | None = None) -> Paths:
        """The root given on the command line, else ``VYFLOW_ROOT``, else ``/``."""
        source = '--root'
        if root is None:
            root, source = os.environ.get(ROOT_ENV), ROOT_ENV
        if root is None:
            return cls()
        if not root.strip():
            raise UsageError(f'vyflow: {source} is empty: give the directory to keep every file '
                             'under, or leave it out to work on this system')
        return cls(Path(root))

    @property
    def sandboxed(self) -> bool:
        """True when running under a root other than ``/`` (tests, demos)."""
        return self.root != Path('/')

    def under(self, absolute: str) -> Path:
        """Map a system path such as ``/etc/modprobe.d/x`` under the root."""
        return self.root / absolute.lstrip('/')

    saved_config = property(lambda self: self.under('/etc/vyflow/config.boot'))
    state_dir = property(lambda self: self.under('/var/lib/vyflow'))
    running_config = property(lambda self: self.state_dir / 'running.boot')
    archive_dir = property(lambda self: self.state_dir / 'archive')
    run_dir = property(lambda self: self.under('/run/vyflow'))
    working_config = property(lambda self: self.run_dir / 'working.boot')
    session_lock = property(lambda self: self.run_dir / 'session.lock')
    commit_lock = property(lambda self: self.run_dir / 'commit.lock')
    confirm_state = property(lambda self: self.run_dir / 'commit-confirm.json')
    log_file = property(lambda self: self.under('/var/log/vyflow/vyflow.log'))

    def operator_file(self, name: str | None) -> tuple[Path, Policy]:
        """A file named after save/load/merge, and how to reach it safely.

        No name: the saved config. On the system, an absolute name as given
        and a bare one in /etc/vyflow (as VyOS's /config). Under ``--root``
        the file stays in the root: an absolute name is taken relative to the
        root, a bare one to DIR/etc/vyflow, and a name leading out is refused.
        """
        if name is None:
            return self.saved_config, OWN
        if not name.strip():
            raise UsageError('vyflow: the file name is empty')
        if not self.sandboxed:
            path, policy = Path(os.path.normpath(self.saved_config.parent / name)), OPERATOR
        else:
            if name.startswith('/'):  # as in a chroot: "/.." is "/"
                path = self.root / os.path.normpath(name).lstrip('/')
            else:
                path = Path(os.path.normpath(self.saved_config.parent / name))
            if self.root not in path.parents:
                raise UsageError(f'vyflow: {shown(name)} leads out of the root '
                                 f'{shown(str(self.root))}: under --root every file vyflow '
                                 'reads or writes stays in it')
            policy = OPERATOR_IN_ROOT
        # Next to the saved config is vyflow's own directory (created if need be).
        return path, OWN if path.parent == self.saved_config.parent else policy


def _source_tree() -> Path | None:
    """The checkout this library runs from, if any: it has the definitions'
    sources (built or not: an unbuilt checkout must say "run make", not look
    for an installation that is not there)."""
    candidate = Path(__file__).resolve().parents[2]
    return candidate if (candidate / 'interface-definitions').is_dir() else None


@dataclass(frozen=True)
class Resources:
    """Read-only files shipped with vyflow."""

    data_dir: Path        # compiled definitions, templates, migration scripts
    conf_mode_dir: Path
    op_mode_dir: Path
    completion_dir: Path
    templates_dir: Path
    migration_dir: Path

    @classmethod
    def locate(cls) -> Resources:
        """The source tree this library runs from, else the installation.

        ``VYFLOW_SOURCE_TREE`` (a checkout-shaped directory, as tests use)
        replaces the source tree only when this library itself runs from one:
        an installed vyflow, run by root, never lets the environment choose
        the conf_mode scripts it executes."""
        source = _source_tree()
        override = os.environ.get('VYFLOW_SOURCE_TREE')
        if source is not None and override:
            source = Path(override)
        if source is not None:
            return cls(source / 'build', source / 'src' / 'conf_mode', source / 'src' / 'op_mode',
                       source / 'src' / 'completion', source / 'templates',
                       source / 'src' / 'migration-scripts')
        # Installed: <prefix>/lib/python3/dist-packages/vyflow/paths.py
        prefix = Path(__file__).resolve().parents[4]
        data = prefix / 'share' / 'vyflow'
        libexec = prefix / 'libexec' / 'vyflow'
        return cls(data, libexec / 'conf_mode', libexec / 'op_mode', libexec / 'completion',
                   data / 'templates', data / 'migration-scripts')

    @property
    def definitions(self) -> Path:
        return self.data_dir / 'definitions.json'

    @property
    def op_definitions(self) -> Path:
        return self.data_dir / 'op-definitions.json'

    @property
    def config_schema(self) -> Path:
        return self.data_dir / 'config.schema.json'

    def expand_variables(self, word: str) -> str:
        """Resolve the VyOS directory variables used in definitions."""
        return (word.replace('${vyos_conf_scripts_dir}', str(self.conf_mode_dir))
                    .replace('${vyos_op_scripts_dir}', str(self.op_mode_dir))
                    .replace('${vyos_completion_dir}', str(self.completion_dir)))


def read_compiled(path: Path) -> Any:
    """A compiled resource (definitions, schema); a missing or unreadable one
    says how to get it instead of ending in a traceback."""
    import json
    try:
        with open(path, encoding='utf-8') as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        reason = 'is missing' if isinstance(exc, FileNotFoundError) else f'cannot be read ({exc})'
        raise ResourceError(f'{path} {reason}: run "make" in the source tree, or reinstall '
                            'the vyos-flow-accounting package') from None
