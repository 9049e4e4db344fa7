"""What a commit records is what it applied, whatever the disk and the output do.

* ``--dry-run`` changes nothing anywhere, under ``--root`` and on a real
  system (a chroot in private mount and network namespaces);
* a closed output pipe never touches the transaction;
* a full or read-only filesystem (a real small tmpfs in a mount namespace)
  stops the commit before the system changes, with a clear error; a rename
  that fails after the apply puts the system back.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT, PYTHON, VYFLOW

from vyflow.commit.archive import Archive

HELPERS = PROJECT_ROOT / 'tests' / 'helpers'
NETFLOW = ('system', 'flow-accounting', 'netflow')
A = ['set', 'service', 'alpha']
NAMESPACES = subprocess.run(['unshare', '--mount', '--net', 'true'],
                            capture_output=True).returncode == 0
needs_namespaces = pytest.mark.skipif(not NAMESPACES, reason='needs root (unshare --mount)')


def tree_snapshot(root: Path) -> dict:
    return {str(path.relative_to(root)): (path.read_bytes() if path.is_file() else None,
                                          path.stat().st_mode)
            for path in sorted(root.rglob('*'))}


@pytest.fixture
def flow(flow_cli):
    """Flow accounting committed twice and saved; one more change pending."""
    flow_cli('set', *NETFLOW, 'interface', 'eth0')
    flow_cli('set', *NETFLOW, 'server', '192.0.2.10')
    flow_cli('commit')
    flow_cli('set', *NETFLOW, 'max-flows', '5000')
    flow_cli('commit')
    flow_cli('save')
    flow_cli('set', *NETFLOW, 'active-timeout', '120')
    return flow_cli


DRY_RUNS = [('commit',), ('commit-confirm', '5'), ('discard',), ('boot',), ('confirm',)]
PLANS = ('commit', 'commit-confirm', 'rollback', 'boot')


def test_dry_run_records_nothing_under_a_root(flow):
    def dry_run(*words):
        before = tree_snapshot(flow.root)
        result = flow('--dry-run', *words)
        assert 'Traceback' not in result.stderr
        if words[0] in PLANS:
            assert 'Dry run: nothing was recorded' in result.stdout, words
            assert 'NOT applied' in result.stdout, words
        assert tree_snapshot(flow.root) == before, words

    for words in DRY_RUNS:
        dry_run(*words)
    assert '+ active-timeout 120' in flow('compare').stdout   # still to be committed
    flow('discard')
    dry_run('rollback', '1')
    assert 'max-flows' in flow.running()


@needs_namespaces
def test_dry_run_records_nothing_on_a_real_system(flow):
    commands = [[PYTHON, VYFLOW, '--dry-run', *words] for words in DRY_RUNS]
    commands += [[PYTHON, VYFLOW, 'compare'], [PYTHON, VYFLOW, 'discard'],
                 [PYTHON, VYFLOW, '--dry-run', 'rollback', '1']]
    done = subprocess.run(['unshare', '--mount', '--net', '--propagation', 'private', PYTHON,
                           str(HELPERS / 'realroot.py'), str(flow.root), json.dumps(commands)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    for result in results:
        assert result['code'] == 0 and 'Traceback' not in result['stderr'], result
        assert 'sandbox' not in result['stdout'], result['stdout']   # really the real system
        if '--dry-run' in result['argv']:
            assert result['before'] == result['after'], result['argv']
        if result['argv'][3:4] and result['argv'][3] in PLANS:
            assert 'Dry run: nothing was recorded' in result['stdout'], result
    assert '+ active-timeout 120' in results[len(DRY_RUNS)]['stdout']


def test_a_closed_output_pipe_never_touches_the_commit(flow):
    archived = Archive(flow.root / 'var/lib/vyflow/archive').count()
    reader, writer = os.pipe()
    os.close(reader)                                     # the reader is gone before any output
    try:
        done = subprocess.run(flow.argv('commit'), stdout=writer, stderr=subprocess.PIPE,
                              text=True, env=flow.env, timeout=120)
    finally:
        os.close(writer)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ''
    assert 'active-timeout "120"' in flow.running()
    assert Archive(flow.root / 'var/lib/vyflow/archive').count() == archived + 1
    assert flow('compare').stdout.startswith('No changes')


def in_full_fs(cli, directory: str, size: str, steps: list) -> list:
    argv = ['unshare', '--mount', '--propagation', 'private', PYTHON,
            str(HELPERS / 'fullfs.py'), str(cli.root / directory), size, json.dumps(steps)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, env=cli.env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def refused_cleanly(result: dict, reason: str) -> None:
    assert result['code'] == 1, result
    assert reason in result['stderr'] and 'nothing was changed' in result['stderr'], result
    assert 'Traceback' not in result['stderr'] and 'internal error' not in result['stderr']


def recorded_and_applied(step: dict) -> dict:
    """The running config, archive and the test scripts' system state (not
    their journal, which also logs the verify that did run)."""
    return {path: digest for path, digest in step['files'].items()
            if path.startswith('var/lib/') and not path.endswith('journal')}


FILES = '!files'


@needs_namespaces
def test_full_or_read_only_state_dir_changes_nothing(port_82_pending):
    cli = port_82_pending
    files = [FILES, str(cli.root)]
    results = in_full_fs(cli, 'var/lib/vyflow', '64k', [
        files, cli.argv('commit'), files,                       # 0-2 full: refused
        ['!free'], cli.argv('commit'), files,                   # 3-5 room again: committed
        ['!ro'], cli.argv(*A, 'port', '83'), cli.argv('commit'), files,  # 6-9 read-only
        ['!rw'], cli.argv('commit')])                           # 10-11
    refused_cleanly(results[1], 'No space left on device')
    assert recorded_and_applied(results[2]) == recorded_and_applied(results[0])
    assert results[4]['code'] == 0, results[4]
    assert recorded_and_applied(results[5]) != recorded_and_applied(results[0])
    refused_cleanly(results[8], 'Read-only file system')
    assert recorded_and_applied(results[9]) == recorded_and_applied(results[5])
    assert results[11]['code'] == 0, results[11]
    assert cli.state('alpha')['port'] == '83'                   # the host's view afterwards


@needs_namespaces
def test_full_run_dir_refuses_edits_and_commit_confirm_cleanly(port_82_pending):
    cli = port_82_pending
    files = [FILES, str(cli.root)]
    results = in_full_fs(cli, 'run/vyflow', '16k', [
        files, cli.argv(*A, 'port', '83'), cli.argv('commit-confirm', '--seconds', '60'), files,
        ['!free'], cli.argv('commit')])
    edit, armed = results[1], results[2]
    assert edit['code'] == 1 and 'No space left on device' in edit['stderr']
    assert 'the change was not made' in edit['stderr'] and 'Traceback' not in edit['stderr']
    refused_cleanly(armed, 'No space left on device')
    assert 'run/vyflow/commit-confirm.json' not in results[3]['files']
    assert recorded_and_applied(results[3]) == recorded_and_applied(results[0])
    assert results[5]['code'] == 0, results[5]
    assert cli.state('alpha')['port'] == '82'


def test_a_rename_failing_after_the_apply_puts_the_system_back(cli):
    cli(*A, 'port', '81')
    cli('commit')
    running = cli.running()
    cli(*A, 'port', '82')
    cli('set', 'service', 'beta', '3', 'size', '5')
    argv = [PYTHON, str(HELPERS / 'faultpoint.py'), 'rename', 'running.boot', 'EIO',
            VYFLOW, '--root', str(cli.root), 'commit']
    done = subprocess.run(argv, capture_output=True, text=True, env=cli.env, timeout=120)
    assert done.returncode == 1 and 'Traceback' not in done.stderr, done.stderr
    assert 'Input/output error' in done.stderr
    assert 'the commit was not made; the previous configuration was restored' in done.stderr
    assert cli.running() == running and cli.state('alpha')['port'] == '81'
    assert cli.state('beta-3') is None
    assert Archive(cli.root / 'var/lib/vyflow/archive').count() == 1
    assert not [path for path in (cli.root / 'var/lib/vyflow').rglob('.*.tmp')]
    cli('commit')                                                 # and then it works
    assert cli.state('alpha')['port'] == '82'
