"""Crash safety: SIGKILL a committing ``vyflow commit`` at hundreds of points.

Each run restores the same starting root, kills the real commit process at
its Nth profiled event (every call into vyflow code plus every file-touching
os call), then asserts that the running config is parseable and is either the
old or the new config, and that the next commit converges: running config,
applied state and archive all end up at the new config.
"""

import shutil
import subprocess
from pathlib import Path

from conftest import PROJECT_ROOT, PYTHON, VYFLOW
from vyflow.commit.archive import Archive
from vyflow.configtree import parse_config

KILLPOINT = str(PROJECT_ROOT / 'tests' / 'helpers' / 'killpoint.py')
POINTS = 240


def commit_under_killpoint(cli, kill_at: int, count_file: Path) -> int:
    argv = [PYTHON, KILLPOINT, str(kill_at), str(count_file), VYFLOW, '--root', str(cli.root),
            'commit']
    return subprocess.run(argv, env=cli.env, capture_output=True, timeout=60).returncode


def running_tree(cli):
    return parse_config(cli.running()).tree


def test_sigkill_anywhere_in_commit_leaves_old_or_new_and_converges(cli, tmp_path):
    cli('set', 'service', 'alpha', 'port', '81')
    cli('set', 'service', 'beta', '1', 'size', '1')
    cli('commit')
    cli('set', 'service', 'alpha', 'port', '82')
    cli('delete', 'service', 'beta', '1')
    cli('set', 'service', 'beta', '2', 'size', '2')
    cli('set', 'service', 'gamma', 'inner', 'value', 'v')
    old = running_tree(cli)
    start = tmp_path / 'start'
    shutil.copytree(cli.root, start, symlinks=True)

    count_file = tmp_path / 'count'
    assert commit_under_killpoint(cli, 0, count_file) == 0
    total = int(count_file.read_text())
    new = running_tree(cli)
    assert new != old and total > POINTS
    expected_state = {name: cli.state(name) for name in ('alpha', 'beta-1', 'beta-2', 'inner')}

    points = sorted({1 + (total - 1) * i // (POINTS - 1) for i in range(POINTS)})
    outcomes = {'old': 0, 'new': 0}
    for point in points:
        shutil.rmtree(cli.root)
        shutil.copytree(start, cli.root, symlinks=True)
        code = commit_under_killpoint(cli, point, count_file)
        assert code == -9, f'point {point}: the commit was not killed (exit {code})'
        tree = running_tree(cli)                      # always parseable
        assert tree in (old, new), f'point {point}: running config is neither old nor new'
        outcomes['old' if tree == old else 'new'] += 1
        result = cli('commit', check=False)           # the next commit converges
        assert result.returncode == 0, f'point {point}: {result.stderr}'
        assert running_tree(cli) == new
        assert {name: cli.state(name) for name in expected_state} == expected_state, point
        newest = Archive(cli.root / 'var/lib/vyflow/archive').newest()
        assert parse_config(newest.config).tree == new, point
        assert cli('compare').stdout.strip().startswith('No changes')
    assert len(points) >= 200 and outcomes['old'] and outcomes['new'], outcomes
