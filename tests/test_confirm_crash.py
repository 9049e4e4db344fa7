"""commit-confirm survives SIGKILL of the CLI or of the timer at every step.

The CLI (``commit-confirm``) and the timer are run under tests/helpers/
killpoint.py and killed at each step of the protocol (every call of the
functions that write the state, start the timer, stage, apply, rename, record
and clean up, plus evenly spread points in between), one fresh root per point.
After each kill the only help is what an operator does anyway — run another
command — and the test checks the guarantees:

* the running config is the old (confirmed) or the new one, and if it is the
  new one it is reverted by the deadline (or at once by the timer the next
  command restarts, when the deadline has passed);
* then nothing is pending, and a later plain commit is applied, archived and
  never reverted: no state and no timer is left that could revert it.
"""

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT, PYTHON, VYFLOW, Cli
from helpers.confirm import pending, timer_lock_held, timer_pid, wait_for

from vyflow.commit.archive import Archive
from vyflow.configtree import parse_config

KILLPOINT = str(PROJECT_ROOT / 'tests' / 'helpers' / 'killpoint.py')
SECONDS = 2
# Steps of the protocol: a kill at each call of these (and just after) is tried.
CLI_STEPS = ('confirm.write_state', 'timer.ensure_timer', 'timer.spawn', 'timer.take_lock',
             'staging._arm', 'staging.prepare', 'staging.commit_point', 'atomicfile.commit',
             'staging.record_revision', 'engine._clear_session', 'engine._report',
             'runner.apply_all', 'engine._record_unarchived', 'engine._settle')
TIMER_STEPS = ('timer.adopt_lock', 'timer._follow', 'engine.settle_confirm', 'engine._settle',
               'staging.prepare', 'runner.apply_all', 'staging.commit_point',
               'atomicfile.commit', 'staging.record_revision', 'engine._drop_state_quietly',
               'confirm.remove_state', 'timer.serve')
SPREAD = 12
BATCH = 6


def tree(cli):
    return parse_config(cli.running()).tree


def choose_points(trace: Path, steps, total: int) -> list:
    """Each step's calls and the two events after each, plus a spread."""
    points = set()
    for line in trace.read_text().splitlines():
        number, name = line.split(' ', 1)
        if name in steps:
            points.update(range(int(number), int(number) + 3))
    points.update(1 + (total - 1) * i // (SPREAD - 1) for i in range(SPREAD))
    return sorted(point for point in points if 1 <= point <= total)


def killpoint(kill_at: int, count_file: Path, *words, env, trace=None, pass_fds=()):
    environment = dict(env, **({'KILLPOINT_TRACE': str(trace)} if trace else {}))
    argv = [PYTHON, KILLPOINT, str(kill_at), str(count_file), VYFLOW, *map(str, words)]
    return subprocess.run(argv, env=environment, capture_output=True, timeout=120,
                          pass_fds=pass_fds).returncode


def repaired_by_next_command(cli) -> None:
    result = cli('show', 'system', 'commit')           # "any later command"
    assert 'Traceback' not in result.stderr


def settles_to(cli, old, state_old, later_port: str) -> None:
    """After a kill and a later command: the old config is (back) in place
    (a revert not before the deadline), and a later commit stays."""
    unconfirmed = pending(cli.root)
    assert wait_for(lambda: tree(cli) == old, timeout=SECONDS + 20), 'no revert'
    if unconfirmed is not None:
        revert = Archive(cli.root / 'var/lib/vyflow/archive').newest()
        assert revert.comment.startswith('commit-confirm: not confirmed') and \
            revert.time >= unconfirmed.deadline, (revert, unconfirmed.deadline)
    assert wait_for(lambda: pending(cli.root) is None, timeout=5)
    assert wait_for(lambda: cli.state('alpha') == state_old, timeout=10), cli.state('alpha')
    assert wait_for(lambda: timer_pid(cli.root) is None, timeout=10)  # its work done, it left
    cli('set', 'service', 'alpha', 'port', later_port)
    cli('commit')
    assert cli.state('alpha')['port'] == later_port
    newest = Archive(cli.root / 'var/lib/vyflow/archive').newest()
    assert f'port "{later_port}"' in newest.config
    assert not (cli.root / 'run/vyflow/commit-confirm.json').exists()  # nothing left to revert
    shutil.rmtree(cli.root)


def sweep(cli, start, baseline, points, run, later_port: str) -> dict:
    """For each point, a fresh root where ``run(case, point)`` is killed
    there, then the checks. Kills (CPU-bound) go one at a time, checks by
    batch: the deadlines of a batch run out together, not one after another.
    Returns how often the old and the new config were running after the kill."""
    _, old, state_old = baseline
    outcomes = {'old': 0, 'new': 0}
    for first in range(0, len(points), BATCH):
        cases = []
        for point in points[first:first + BATCH]:
            case = fresh(cli, start, f'case-{point}')
            code = run(case, point)
            assert code == -9, f'point {point}: not killed (exit {code})'
            outcomes['old' if tree(case) == old else 'new'] += 1
            repaired_by_next_command(case)
            cases.append(case)
        for case in cases:
            settles_to(case, old, state_old, later_port)
    return outcomes


@pytest.fixture
def baseline(cli, tmp_path):
    """A confirmed config (alpha 81, beta 1) and pending edits; the root copied."""
    cli('set', 'service', 'alpha', 'port', '81')
    cli('set', 'service', 'beta', '1', 'size', '1')
    cli('commit')
    old, state_old = tree(cli), cli.state('alpha')
    cli('set', 'service', 'alpha', 'port', '82')
    cli('delete', 'service', 'beta', '1')
    cli('set', 'service', 'beta', '2', 'size', '2')
    start = tmp_path / 'start'
    shutil.copytree(cli.root, start, symlinks=True)
    return start, old, state_old


def fresh(cli, start: Path, name: str) -> Cli:
    root = start.parent / name
    shutil.copytree(start, root, symlinks=True)
    return Cli(root, Path(cli.env['VYFLOW_SOURCE_TREE']))


def test_sigkill_of_commit_confirm_at_every_step(cli, tmp_path, baseline):
    start, old, _ = baseline
    probe = fresh(cli, start, 'probe')
    count, trace = tmp_path / 'count', tmp_path / 'trace'
    assert killpoint(0, count, '--root', probe.root, 'commit-confirm', '--seconds', SECONDS,
                     env=probe.env, trace=trace) == 0
    total = int(count.read_text())
    points = choose_points(trace, CLI_STEPS, total)
    assert wait_for(lambda: tree(probe) == old, timeout=SECONDS + 20)

    def run_cli(case, point):
        return killpoint(point, count, '--root', case.root, 'commit-confirm', '--seconds',
                         SECONDS, env=case.env)

    outcomes = sweep(cli, start, baseline, points, run_cli, '85')
    assert len(points) >= 40 and outcomes['old'] and outcomes['new'], (len(points), outcomes)


def test_sigkill_of_the_timer_at_every_step(cli, tmp_path, baseline):
    start, old, state_old = baseline
    with timer_lock_held(start):                        # armed, but no timer of its own
        armed = Cli(start, Path(cli.env['VYFLOW_SOURCE_TREE']))
        armed('commit-confirm', '--seconds', '1')
    new_state = armed.state('alpha')
    assert new_state['port'] == '82'
    time.sleep(1.2)                                     # overdue: the timer acts at once
    count, trace = tmp_path / 'count', tmp_path / 'trace'

    def run_timer(case, point, trace=None):  # handed the lock, as a starter does
        with timer_lock_held(case.root) as fd:
            return killpoint(point, count, '--root', case.root, '_confirm-timer', '--lock-fd',
                             fd, env=case.env, trace=trace, pass_fds=(fd,))

    probe = fresh(cli, start, 'probe')
    assert run_timer(probe, 0, trace) == 0
    assert tree(probe) == old and probe.state('alpha') == state_old
    points = choose_points(trace, TIMER_STEPS, int(count.read_text()))
    outcomes = sweep(cli, start, baseline, points, run_timer, '86')
    assert len(points) >= 30 and outcomes['old'] and outcomes['new'], (len(points), outcomes)
