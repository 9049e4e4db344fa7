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

Every path here is a plain ``str`` (joined with ``os.path``): ``pathlib``
costs ``set`` and ``commit`` about 3 ms to import (it brings urllib.parse and
ipaddress), more than any other module they could do without.
"""

from __future__ import annotations

import os

from vyflow.errors import ResourceError, UsageError
from vyflow.records import dataclass
from vyflow.safepath import OPERATOR, OPERATOR_IN_ROOT, OWN, Policy, StrPath
from vyflow.text import shown

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from typing import Any

ROOT_ENV = 'VYFLOW_ROOT'


@dataclass(frozen=True)
class Paths:
    """Runtime file locations under one root (given as a ``str`` or, from
    tests, a pathlib.Path: kept as a normalised ``str``)."""

    root: StrPath = '/'

    def __post_init__(self) -> None:
        object.__setattr__(self, 'root', os.path.realpath(self.root))

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
        return cls(root)

    @property
    def sandboxed(self) -> bool:
        """True when running under a root other than ``/`` (tests, demos)."""
        return self.root != '/'

    def under(self, absolute: str) -> str:
        """Map a system path such as ``/etc/modprobe.d/x`` under the root."""
        return os.path.join(self.root, absolute.lstrip('/'))

    config_dir = property(lambda self: self.under('/etc/vyflow'))
    saved_config = property(lambda self: os.path.join(self.config_dir, 'config.boot'))
    state_dir = property(lambda self: self.under('/var/lib/vyflow'))
    running_config = property(lambda self: os.path.join(self.state_dir, 'running.boot'))
    archive_dir = property(lambda self: os.path.join(self.state_dir, 'archive'))
    run_dir = property(lambda self: self.under('/run/vyflow'))
    working_config = property(lambda self: os.path.join(self.run_dir, 'working.boot'))
    session_lock = property(lambda self: os.path.join(self.run_dir, 'session.lock'))
    commit_lock = property(lambda self: os.path.join(self.run_dir, 'commit.lock'))
    confirm_state = property(lambda self: os.path.join(self.run_dir, 'commit-confirm.json'))
    log_dir = property(lambda self: self.under('/var/log/vyflow'))
    log_file = property(lambda self: os.path.join(self.log_dir, 'vyflow.log'))

    def operator_file(self, name: str | None) -> tuple[str, Policy]:
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
            path, policy = os.path.normpath(os.path.join(self.config_dir, name)), OPERATOR
        else:
            if name.startswith('/'):  # as in a chroot: "/.." is "/"
                path = os.path.normpath(self.under(os.path.normpath(name)))
            else:
                path = os.path.normpath(os.path.join(self.config_dir, name))
            if path == self.root or os.path.commonpath((self.root, path)) != self.root:
                raise UsageError(f'vyflow: {shown(name)} leads out of the root '
                                 f'{shown(str(self.root))}: under --root every file vyflow '
                                 'reads or writes stays in it')
            policy = OPERATOR_IN_ROOT
        # Next to the saved config is vyflow's own directory (created if need be).
        return path, OWN if os.path.dirname(path) == self.config_dir else policy


def library_dir() -> str:
    """The directory holding the ``vyflow`` package (``python`` in a checkout,
    ``dist-packages`` when installed): what a child process running vyflow
    needs on its ``PYTHONPATH``."""
    return os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


def _source_tree() -> str | None:
    """The checkout this library runs from, if any: it has the definitions'
    sources (built or not: an unbuilt checkout must say "run make", not look
    for an installation that is not there)."""
    candidate = os.path.dirname(library_dir())
    return candidate if os.path.isdir(os.path.join(candidate, 'interface-definitions')) else None


@dataclass(frozen=True)
class Resources:
    """Read-only files shipped with vyflow."""

    data_dir: str        # compiled definitions, templates, migration scripts
    conf_mode_dir: str
    op_mode_dir: str
    completion_dir: str
    templates_dir: str
    migration_dir: str

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
            source = override
        if source is not None:
            scripts = os.path.join(source, 'src')
            return cls(os.path.join(source, 'build'), os.path.join(scripts, 'conf_mode'),
                       os.path.join(scripts, 'op_mode'), os.path.join(scripts, 'completion'),
                       os.path.join(source, 'templates'),
                       os.path.join(scripts, 'migration-scripts'))
        # Installed: <prefix>/lib/python3/dist-packages/vyflow/paths.py
        prefix = os.path.dirname(os.path.dirname(os.path.dirname(library_dir())))
        data = os.path.join(prefix, 'share', 'vyflow')
        libexec = os.path.join(prefix, 'libexec', 'vyflow')
        return cls(data, os.path.join(libexec, 'conf_mode'), os.path.join(libexec, 'op_mode'),
                   os.path.join(libexec, 'completion'), os.path.join(data, 'templates'),
                   os.path.join(data, 'migration-scripts'))

    @property
    def definitions(self) -> str:
        return os.path.join(self.data_dir, 'definitions.json')

    @property
    def op_definitions(self) -> str:
        return os.path.join(self.data_dir, 'op-definitions.json')

    @property
    def config_schema(self) -> str:
        return os.path.join(self.data_dir, 'config.schema.json')

    def expand_variables(self, word: str) -> str:
        """Resolve the VyOS directory variables used in definitions."""
        return (word.replace('${vyos_conf_scripts_dir}', self.conf_mode_dir)
                    .replace('${vyos_op_scripts_dir}', self.op_mode_dir)
                    .replace('${vyos_completion_dir}', self.completion_dir))


def read_compiled(path: StrPath) -> Any:
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
