"""commit-confirm: the revert outlives the CLI and its timer; confirm, commit and
rollback end it; nothing is ever signalled; no later commit is lost.

Pending is a function of the running config (vyflow.commit.confirm): these
tests look at it the way every reader does (``pending``), never at whether
the state file happens to exist.
"""

import json
import os
import signal
import subprocess
import time

import pytest
from helpers.confirm import (kill_timer, lock_file, pending, timer_lock_held, timer_pid,
                             wait_for)

A = ['set', 'service', 'alpha']


def port(cli):
    state = cli.state('alpha')
    return state and state['port']


def running_port(cli):
    for line in cli.running().splitlines():
        if line.strip().startswith('port '):
            return line.split('"')[1]
    return None


def past_deadline(pending_now) -> None:
    """Sleep until a second after the deadline of ``pending_now``."""
    time.sleep(max(0.0, pending_now.deadline + 1 - time.time()))


def archived(cli, number):
    return json.loads(cli('show', 'system', 'commit', '--json').stdout)[number]


def test_revert_happens_after_the_cli_is_sigkilled(port_82_pending):
    cli = port_82_pending
    process = subprocess.Popen(cli.argv('commit-confirm', '--seconds', '3'), env=cli.env,
                               stdout=subprocess.PIPE, text=True, start_new_session=True)
    first_line = process.stdout.readline()
    assert first_line.startswith('Initialized commit-confirm; 3 seconds to confirm')
    os.killpg(process.pid, signal.SIGKILL)             # the CLI and its whole process group
    process.wait()
    # The revert and the end of "pending" are one step: the running config's rename.
    assert wait_for(lambda: running_port(cli) == '81', timeout=20), 'no revert after the deadline'
    assert pending(cli.root) is None
    assert port(cli) == '81'
    assert archived(cli, 0)['comment'] == 'commit-confirm: not confirmed in time, reverted'
    assert archived(cli, 1)['via'] == 'commit-confirm'       # it had been committed
    assert 'port "82"' in cli('show', 'system', 'commit', 'file', '1').stdout
    assert cli('confirm').stdout.strip() == 'No confirm pending'


def test_revert_happens_after_the_terminal_is_closed(port_82_pending, tmp_path):
    cli = port_82_pending
    session = f'vyflow-cc-{os.getpid()}'
    command = ' '.join(cli.argv('commit-confirm', '--seconds', '10'))
    env = ' '.join(f'{k}={v}' for k, v in cli.env.items() if k == 'VYFLOW_SOURCE_TREE')
    subprocess.run(['tmux', 'new-session', '-d', '-s', session,
                    f'env {env} {command}; sleep 30'], check=True)
    try:
        assert wait_for(lambda: timer_pid(cli.root), timeout=15)
    finally:
        subprocess.run(['tmux', 'kill-session', '-t', session], check=True)  # SIGHUP
    assert wait_for(lambda: running_port(cli) == '81' and port(cli) == '81', timeout=20)
    assert archived(cli, 1)['via'] == 'commit-confirm'


def test_confirm_ends_it_and_the_timer_exits_by_itself(port_82_pending):
    cli = port_82_pending
    cli('commit-confirm', '--seconds', '8')
    armed = pending(cli.root)
    assert timer_pid(cli.root) and armed
    assert cli('confirm').stdout.startswith('Confirmed: the configuration is kept')
    assert pending(cli.root) is None
    assert wait_for(lambda: timer_pid(cli.root) is None, timeout=5)  # no signal: it saw it
    past_deadline(armed)
    assert port(cli) == '82'
    assert cli('confirm').stdout.strip() == 'No confirm pending'


def test_new_commit_confirm_rearms_and_keeps_the_confirmed_target(port_82_pending):
    cli = port_82_pending
    cli('commit-confirm', '--seconds', '120')
    first, armed = timer_pid(cli.root), pending(cli.root)
    cli(*A, 'port', '83')
    result = cli('commit-confirm', '--seconds', '2')    # a new deadline, long before the first
    assert 'the running timer follows the new deadline' in result.stdout
    assert timer_pid(cli.root) == first                 # one timer, following the new state
    assert wait_for(lambda: port(cli) == '81', timeout=30)  # back to the last confirmed config
    assert time.time() < armed.deadline                 # at the new deadline, not the first


def test_plain_commit_confirms_a_pending_commit_confirm(port_82_pending):
    cli = port_82_pending
    cli('commit-confirm', '--seconds', '8')
    armed = pending(cli.root)
    cli(*A, 'port', '83')
    result = cli('commit')
    assert 'This commit ended the pending commit-confirm' in result.stdout
    assert pending(cli.root) is None
    assert wait_for(lambda: timer_pid(cli.root) is None, timeout=5)
    past_deadline(armed)
    assert port(cli) == '83' and running_port(cli) == '83'


def test_plain_commit_without_changes_confirms(port_82_pending):
    cli = port_82_pending
    cli('commit-confirm', '--seconds', '8')
    armed = pending(cli.root)
    result = cli('commit')
    assert 'No configuration changes to commit' in result.stdout
    assert 'The pending commit-confirm is confirmed' in result.stdout
    past_deadline(armed)
    assert port(cli) == '82'


def test_rollback_ends_it_and_a_later_commit_survives_the_next_revert(port_82_pending):
    cli = port_82_pending
    cli('commit-confirm', '--seconds', '60')
    result = cli('rollback', '1')                       # back to 81: replaces the pending one
    assert 'This commit ended the pending commit-confirm' in result.stdout
    assert pending(cli.root) is None and port(cli) == '81'
    cli(*A, 'port', '84')
    cli('commit')                                       # an unrelated, confirmed commit
    cli(*A, 'port', '85')
    cli('commit-confirm', '--seconds', '2')
    assert wait_for(lambda: running_port(cli) == '84', timeout=30)  # reverts to 84, not further
    assert wait_for(lambda: timer_pid(cli.root) is None, timeout=10)
    assert port(cli) == '84' and running_port(cli) == '84'


def test_killed_timer_is_restarted_by_the_next_command(port_82_pending):
    cli = port_82_pending
    cli('commit-confirm', '--seconds', '10')
    kill_timer(cli.root)
    result = cli('show')                                # any command
    assert 'timer restarted' in result.stderr
    assert timer_pid(cli.root)
    assert wait_for(lambda: port(cli) == '81', timeout=30)


def test_overdue_revert_happens_before_a_commit_which_is_then_refused(port_82_pending):
    cli = port_82_pending
    with timer_lock_held(cli.root):                      # as if its timer had died at once
        cli('commit-confirm', '--seconds', '1')
        time.sleep(1.5)
        cli(*A, 'port', '83')
        result = cli('commit', check=False)
    assert result.returncode == 1
    assert 'has just been reverted' in result.stderr and 'Traceback' not in result.stderr
    assert port(cli) == '81' and running_port(cli) == '81'
    assert '+ port 83' in cli('compare').stdout        # the edit is kept, uncommitted
    assert pending(cli.root) is None


def test_nothing_is_ever_signalled(port_82_pending, tmp_path):
    cli = port_82_pending
    victim = subprocess.Popen(['sleep', '60'])
    try:
        run_dir = cli.root / 'run/vyflow'
        run_dir.mkdir(parents=True, exist_ok=True)
        planted = [json.dumps({'deadline': time.time() + 60, 'token': 'x', 'revert_to': '',
                               'timer_pid': victim.pid}),                  # the old format
                   json.dumps({'format': 1, 'revert_to': '', 'seconds': 60, 'token': 'x',
                               'armed': [{'config': 'y', 'deadline': time.time() + 60}],
                               'timer_pid': victim.pid})]
        for text in planted:
            (run_dir / 'commit-confirm.json').write_text(text)
            lock_file(cli.root).write_text(f'{victim.pid}\n')
            result = cli('confirm', check=False)
            assert 'Traceback' not in result.stderr
            cli(*A, 'port', '83')
            cli('commit')
            cli(*A, 'port', '82')
            cli('commit')
        time.sleep(1)
        assert victim.poll() is None, 'an unrelated process was signalled'
    finally:
        victim.kill()
        victim.wait()


def test_dry_run_commit_confirm_arms_nothing(port_82_pending):
    cli = port_82_pending
    result = cli('--dry-run', 'commit-confirm', '--seconds', '2')
    assert 'no revert timer was armed' in result.stdout
    assert not (cli.root / 'run/vyflow/commit-confirm.json').exists()
    assert timer_pid(cli.root) is None and running_port(cli) == '81'


def test_commit_confirm_minutes_are_validated(port_82_pending):
    for word in ('0', '1441', '\u0661'):                  # \u0661: ARABIC-INDIC DIGIT ONE
        bad = port_82_pending('commit-confirm', word, check=False)
        assert bad.returncode == 1, word
    assert 'MINUTES must be 1 to 1440' in port_82_pending('commit-confirm', '0', check=False).stderr
    assert port(port_82_pending) == '81'
