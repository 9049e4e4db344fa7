"""commit-confirm: the revert outlives the CLI; confirm stops it; re-arming extends it."""

import os
import signal
import subprocess
import time

import pytest

A = ['set', 'service', 'alpha']


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def port(cli):
    state = cli.state('alpha')
    return state and state['port']


@pytest.fixture
def confirmed(cli):
    """A confirmed baseline: alpha on port 81."""
    cli(*A, 'port', '81')
    cli('commit')
    cli(*A, 'port', '82')
    return cli


def timer_pid(cli):
    import json
    path = cli.root / 'run/vyflow/commit-confirm.json'
    return json.loads(path.read_text())['timer_pid'] if path.exists() else None


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f'/proc/{pid}/stat') as handle:  # a zombie is not alive
        return handle.read().split(')')[-1].split()[0] != 'Z'


def test_revert_happens_after_the_cli_is_sigkilled(confirmed):
    cli = confirmed
    process = subprocess.Popen(cli.argv('commit-confirm', '--seconds', '3'), env=cli.env,
                               stdout=subprocess.PIPE, text=True, start_new_session=True)
    first_line = process.stdout.readline()
    assert first_line.startswith('Initialized commit-confirm; 3 seconds to confirm')
    os.killpg(process.pid, signal.SIGKILL)             # the CLI and its whole process group
    process.wait()
    assert port(cli) == '82'
    assert wait_for(lambda: port(cli) == '81', timeout=15), 'no revert after the deadline'
    assert not (cli.root / 'run/vyflow/commit-confirm.json').exists()
    rows = cli('show', 'system', 'commit').stdout
    assert 'commit-confirm: not confirmed in time, reverted' in rows
    assert 'port "81"' in cli.running()


def test_revert_happens_after_the_terminal_is_closed(confirmed, tmp_path):
    cli = confirmed
    session = f'vyflow-cc-{os.getpid()}'
    command = ' '.join(cli.argv('commit-confirm', '--seconds', '3'))
    env = ' '.join(f'{k}={v}' for k, v in cli.env.items() if k == 'VYFLOW_SOURCE_TREE')
    subprocess.run(['tmux', 'new-session', '-d', '-s', session,
                    f'env {env} {command}; sleep 30'], check=True)
    assert wait_for(lambda: port(cli) == '82' and timer_pid(cli), timeout=15)
    subprocess.run(['tmux', 'kill-session', '-t', session], check=True)  # SIGHUP to the shell
    assert wait_for(lambda: port(cli) == '81', timeout=15)


def test_confirm_stops_the_timer(confirmed):
    cli = confirmed
    cli('commit-confirm', '--seconds', '2')
    pid = timer_pid(cli)
    assert pid and alive(pid)
    assert cli('confirm').stdout.startswith('Confirmed')
    assert wait_for(lambda: not alive(pid), timeout=5)
    time.sleep(2.5)
    assert port(cli) == '82'
    assert cli('confirm').stdout.strip() == 'No confirm pending'


def test_new_commit_confirm_rearms_and_keeps_the_confirmed_target(confirmed):
    cli = confirmed
    cli('commit-confirm', '--seconds', '2')
    first = timer_pid(cli)
    cli(*A, 'port', '83')
    cli('commit-confirm', '--seconds', '6')          # slack for a loaded machine
    assert wait_for(lambda: not alive(first), timeout=5)
    time.sleep(2.5)                                   # past the first deadline
    assert port(cli) == '83'
    assert wait_for(lambda: port(cli) == '81', timeout=15)  # back to the last confirmed config


def test_commit_confirm_minutes_are_validated(confirmed):
    bad = confirmed('commit-confirm', '0', check=False)
    assert bad.returncode == 1 and 'MINUTES must be 1 to 1440' in bad.stderr
    assert port(confirmed) == '81'
