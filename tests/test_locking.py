"""One commit at a time across processes; read-only commands never block."""

import subprocess
import time

A = ['set', 'service', 'alpha']


def test_second_committer_fails_fast_and_readers_do_not_block(cli, tmp_path):
    cli(*A, 'delay', '3')
    first = subprocess.Popen(cli.argv('commit'), env=cli.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    journal = cli.root / 'var/lib/test/journal'
    deadline = time.monotonic() + 20
    while 'apply' not in (journal.read_text() if journal.exists() else ''):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    started = time.monotonic()
    second = cli('commit', check=False)
    assert time.monotonic() - started < 2
    assert second.returncode == 3
    assert 'Another commit is in progress' in second.stderr
    for reader in (['show'], ['compare'], ['show', 'system', 'commit']):
        started = time.monotonic()
        cli(*reader)
        assert time.monotonic() - started < 2, f'{reader} blocked on the commit lock'
    assert first.wait(timeout=30) == 0
    assert 'delay "3"' in cli.running()
    assert cli('commit').stdout.strip() == 'No configuration changes to commit'


def test_lock_is_released_when_the_holder_is_killed(cli):
    cli(*A, 'delay', '10')
    holder = subprocess.Popen(cli.argv('commit'), env=cli.env)
    journal = cli.root / 'var/lib/test/journal'
    deadline = time.monotonic() + 20
    while 'apply' not in (journal.read_text() if journal.exists() else ''):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    holder.kill()
    holder.wait()
    cli(*A, 'delay', '0')
    cli('commit')  # no stale lock
    assert 'delay "0"' in cli.running()
