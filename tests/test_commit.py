"""Commit semantics through the real ``vyflow`` command and test conf_mode scripts."""

from vyflow.commit.archive import Archive

A = ['set', 'service', 'alpha']


def phases(cli, since=0):
    return [line for line in cli.journal()[since:] if not line.split()[1] == 'get_config']


def test_defaults_apply_only_under_existing_nodes(cli):
    cli(*A, 'user', 'bob')
    cli('commit')
    alpha = cli.state('alpha')
    assert alpha['port'] == '80' and alpha['mode'] == 'fast' and alpha['names'] == ['red', 'green']
    assert alpha['options'] == {'retries': '3'}          # recursive defaults fill absent nodes
    assert alpha['user'] == {'bob': {'level': 'operator'}}  # defaults inside tag instances
    assert cli.state('gamma') is None                     # nothing for absent subtrees
    assert 'port' not in cli.running()                    # defaults never written


def test_order_deletions_first_highest_priority_then_lowest_first(cli):
    cli(*A, 'port', '81')
    cli('set', 'service', 'beta', '1', 'size', '10')
    cli('set', 'service', 'gamma', 'inner', 'value', 'x')
    cli('commit')
    # alpha (500) and gamma (700) share a script, which runs once per owner subtree
    assert phases(cli) == [
        'test_tagged verify 1', 'test_service verify -', 'test_service verify -',
        'test_inner verify -',
        'test_tagged generate 1', 'test_tagged apply 1',       # 300
        'test_service generate -', 'test_service apply -',     # 500 alpha
        'test_service generate -', 'test_service apply -',     # 700 gamma
        'test_inner generate -', 'test_inner apply -']         # 800
    mark = len(cli.journal())
    cli('delete', 'service', 'beta', '1')
    cli('delete', 'service', 'gamma', 'inner')
    cli('set', 'service', 'beta', '2', 'size', '5')
    cli(*A, 'port', '82')
    cli('commit')
    applied = [line for line in phases(cli, mark) if ' apply ' in line]
    assert applied == ['test_inner apply -', 'test_tagged apply 1',   # deletions 800, 300
                       'test_tagged apply 2', 'test_service apply -']  # then 300, 500
    assert cli.state('beta-1') is None and cli.state('beta-2') == {'size': '5'}
    assert cli.state('inner') is None


def test_nested_owner_subtrees_run_only_their_own_script(cli):
    cli('set', 'service', 'gamma', 'level', '1')
    cli('set', 'service', 'gamma', 'inner', 'value', 'x')
    cli('commit')
    mark = len(cli.journal())
    cli('set', 'service', 'gamma', 'inner', 'value', 'y')
    cli('commit')
    assert {line.split()[0] for line in cli.journal()[mark:]} == {'test_inner'}
    mark = len(cli.journal())
    cli('set', 'service', 'gamma', 'level', '2')
    cli('commit')
    assert {line.split()[0] for line in cli.journal()[mark:]} == {'test_service'}


def test_verify_failure_applies_nothing_and_keeps_working_config(cli):
    cli(*A, 'port', '81')
    cli('commit')
    mark = len(cli.journal())
    cli('set', 'service', 'beta', '2', 'size', '5')
    cli(*A, 'fail-verify')
    result = cli('commit', check=False)
    assert result.returncode == 1
    assert result.stderr == ('[service alpha fail-verify]\nalpha refuses to run: fail-verify is '
                             'set\n\nCommit failed\n')
    assert [line for line in cli.journal()[mark:] if 'generate' in line or 'apply' in line] == []
    assert cli.state('beta-2') is None
    assert 'fail-verify' not in cli.running()
    assert '+        fail-verify' in cli('show').stdout  # still pending
    assert Archive(cli.root / 'var/lib/vyflow/archive').count() == 1


def test_apply_failure_restores_everything_touched(cli):
    cli(*A, 'port', '81')
    cli('commit')
    running_before = cli.running()
    cli('set', 'service', 'beta', '3', 'size', '5')   # priority 300: applied first
    cli(*A, 'port', '82')
    cli(*A, 'fail-apply')                              # 500: fails after writing state
    result = cli('commit', check=False)
    assert result.returncode == 1
    assert result.stderr.startswith('[service alpha]\nalpha could not start (fail-apply is set)\n')
    assert 'Commit failed: the previous configuration was restored' in result.stderr
    assert cli.state('alpha')['port'] == '81'          # re-run against the old config
    assert cli.state('beta-3') is None                 # what this commit created is gone
    assert cli.running() == running_before
    assert 'fail-apply' in cli('show').stdout          # working config kept for a retry


def test_warnings_print_and_do_not_fail(cli):
    cli(*A, 'warn')
    result = cli('commit')
    assert 'WARNING: alpha: you asked for a warning' in result.stdout
    assert 'warn' in cli.running()


def test_no_changes_writes_nothing(cli):
    result = cli('commit')
    assert result.stdout.strip() == 'No configuration changes to commit'
    assert not (cli.root / 'var/lib/vyflow/running.boot').exists()
    cli(*A, 'port', '81')
    cli('commit')
    cli(*A, 'port', '81')
    assert cli('commit').stdout.strip() == 'No configuration changes to commit'
    assert Archive(cli.root / 'var/lib/vyflow/archive').count() == 1


def test_archive_show_diff_compare_and_rollback(cli):
    for port in ('81', '82', '83'):
        cli(*A, 'port', port)
        cli('commit', 'comment', f'port {port}')
    listing = cli('show', 'system', 'commit').stdout.splitlines()
    assert listing[0].startswith('0 ') and 'via cli' in listing[0]
    assert listing[1].strip() == 'port 83'
    assert len([line for line in listing if 'via cli' in line]) == 3
    raw = cli('run', 'show', 'system', 'commit', '--json').stdout
    import json
    rows = json.loads(raw)
    assert [row['comment'] for row in rows] == ['port 83', 'port 82', 'port 81']
    assert set(rows[0]) == {'revision', 'timestamp', 'user', 'via', 'comment'}
    assert cli('show', 'system', 'commit', 'diff', '0').stdout == (
        '[edit service alpha]\n- port 82\n+ port 83\n')
    assert cli('compare', '0', '2').stdout == '[edit service alpha]\n- port 81\n+ port 83\n'
    assert 'No changes between revision 0' in cli('compare', '0').stdout
    bad = cli('rollback', '7', check=False)
    assert bad.returncode == 1 and 'Invalid revision number 7: must be 0 to 2' in bad.stderr
    cli('rollback', '2')
    assert cli.state('alpha')['port'] == '81'
    rows = json.loads(cli('run', 'show', 'system', 'commit', '--json').stdout)
    assert rows[0]['via'] == 'rollback' and rows[0]['comment'] == 'rollback to revision 2'


def test_archive_keeps_the_last_hundred_compressed(tmp_path):
    archive = Archive(tmp_path / 'archive')
    for number in range(105):
        archive.record(f'config {number}\n', 'u', 'cli', f'c{number}')
    assert archive.count() == 100
    assert archive.get(0).config == 'config 104\n' and archive.get(99).config == 'config 5\n'
    assert archive.record('config 104\n', 'u', 'cli') is None  # unchanged: no revision
    files = sorted((tmp_path / 'archive').iterdir())
    assert len(files) == 100 and files[0].read_bytes()[:2] == b'\x1f\x8b'


def test_op_mode_typed_function_with_tag_value(cli):
    cli('set', 'service', 'beta', '4', 'size', '9')
    cli('commit')
    assert cli('run', 'show', 'test', 'beta', '4').stdout.strip() == "beta-4: {'size': '9'}"
    assert cli('show', 'test', 'beta', '4', '--json').stdout.strip().startswith('{')
    bad = cli('run', 'show', 'test', 'beta', 'x', check=False)
    assert bad.returncode == 1 and 'instance must be a non-negative number' in bad.stderr
