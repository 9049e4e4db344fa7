"""Shared pytest setup.

The library is imported from the source tree. ``engine_tree`` builds the test
definitions (tests/data/engine, every XML feature, test conf_mode scripts that
record what they do under the commit's root) into a checkout-shaped temp dir;
``cli`` runs the real ``vyflow`` command against it under a temp ``--root``.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT / 'python'))

PYTHON = '/usr/bin/python3'
VYFLOW = str(PROJECT_ROOT / 'bin' / 'vyflow')
ENGINE_DATA = PROJECT_ROOT / 'tests' / 'data' / 'engine'


ENGINE_OP_FILES = [('op-mode-definitions', 'config-mgmt.xml.in'), ('src/op_mode', 'config_mgmt.py')]


def _link_all(source: Path, destination: Path) -> None:
    destination.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if not (destination / item.name).exists():
            (destination / item.name).symlink_to(item)


def build_tree(source: Path, destination: Path) -> Path:
    """A checkout-shaped dir: links to the sources plus a compiled build/.
    The engine's own op-mode commands (``show system commit``) are always
    linked in from the project, as they ship with every installation."""
    from vyflow.definitions.build import build
    for name in ('interface-definitions', 'templates', 'src/conf_mode', 'src/completion',
                 'src/migration-scripts'):
        if (source / name).exists() and not (destination / name).exists():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            (destination / name).symlink_to(source / name)
    for name in ('op-mode-definitions', 'src/op_mode'):
        if (source / name).exists():
            _link_all(source / name, destination / name)
    for folder, name in ENGINE_OP_FILES:
        target = destination / folder / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(PROJECT_ROOT / folder / name)
    build(destination / 'interface-definitions', destination / 'op-mode-definitions',
          PROJECT_ROOT / 'schema', destination / 'build')
    return destination


def _timers_under(directory: Path) -> list[int]:
    """Pids of commit-confirm timers serving a root under ``directory``."""
    found = []
    for entry in Path('/proc').iterdir():
        try:
            words = (entry / 'cmdline').read_bytes().split(b'\0')
        except OSError:
            continue
        if b'_confirm-timer' in words and any(word.startswith(str(directory).encode())
                                              for word in words):
            found.append(int(entry.name))
    return found


@pytest.fixture
def port_82_pending(cli):
    """Test definitions: service alpha on port 81 committed, port 82 in the
    working config (the simplest change to commit, confirm or lose)."""
    cli('set', 'service', 'alpha', 'port', '81')
    cli('commit')
    cli('set', 'service', 'alpha', 'port', '82')
    return cli


@pytest.fixture(scope='session', autouse=True)
def no_timer_left_behind(tmp_path_factory):
    """A commit-confirm timer outlives its command by design; every test must
    end the ones it starts (confirm, or a revert), or it would run on for up
    to an hour after the suite. Those still alive 15 s after the last test
    are killed and reported."""
    yield
    base = tmp_path_factory.getbasetemp()
    deadline = time.monotonic() + 15    # a timer looks at its state every second
    while (left := _timers_under(base)) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in left:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
    assert not left, f'commit-confirm timers left running under {base}: {left}'


@pytest.fixture(scope='session')
def project_build(tmp_path_factory) -> Path:
    """The project's own definitions compiled from the current sources."""
    from vyflow.definitions.build import build
    out = tmp_path_factory.mktemp('project-build')
    build(PROJECT_ROOT / 'interface-definitions', PROJECT_ROOT / 'op-mode-definitions',
          PROJECT_ROOT / 'schema', out)
    return out


@pytest.fixture(scope='session')
def engine_tree(tmp_path_factory) -> Path:
    return build_tree(ENGINE_DATA, tmp_path_factory.mktemp('engine-tree'))


class Cli:
    """Runs ``vyflow --root ROOT …`` as a real process."""

    def __init__(self, root: Path, source_tree: Path = None):
        self.root = root
        self.env = dict(os.environ)
        if source_tree is not None:
            self.env['VYFLOW_SOURCE_TREE'] = str(source_tree)
        self.env.pop('VYFLOW_ROOT', None)

    def argv(self, *words) -> list:
        return [PYTHON, VYFLOW, '--root', str(self.root), *map(str, words)]

    def __call__(self, *words, check=True, input=None, timeout=60) -> subprocess.CompletedProcess:
        result = subprocess.run(self.argv(*words), capture_output=True, text=True,
                                env=self.env, input=input, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f'vyflow {" ".join(map(str, words))} failed '
                                 f'({result.returncode}):\n{result.stdout}\n{result.stderr}')
        return result

    @property
    def config_dir(self) -> Path:
        """DIR/etc/vyflow: a bare FILE after save/load/merge is found there
        (under --root every file stays in the root)."""
        directory = self.root / 'etc/vyflow'
        directory.mkdir(parents=True, exist_ok=True)
        return directory

    def state(self, name: str):
        import json
        path = self.root / 'var/lib/test' / f'{name}.json'
        return json.loads(path.read_text()) if path.exists() else None

    def journal(self) -> list:
        path = self.root / 'var/lib/test/journal'
        return path.read_text().splitlines() if path.exists() else []

    def running(self) -> str:
        path = self.root / 'var/lib/vyflow/running.boot'
        return path.read_text() if path.exists() else ''


@pytest.fixture
def cli(tmp_path, engine_tree) -> Cli:
    """vyflow over the test definitions, in a fresh root."""
    return Cli(tmp_path / 'root', engine_tree)


@pytest.fixture
def flow_cli(tmp_path) -> Cli:
    """vyflow over the real project definitions, in a fresh root."""
    return Cli(tmp_path / 'root')
