"""``vyflow batch``: many edit commands, one process, one commit, all or nothing."""

import pytest

GOOD = """# alpha for the lab
set service alpha port 8080
set service alpha address 192.0.2.1

set service alpha user bob level admin
comment service alpha user bob 'on call'
set service beta 5 size 10
"""


def _revisions(cli):
    return cli('show', 'system', 'commit').stdout.count(' via ')


def test_a_batch_is_one_commit(cli):
    (cli.config_dir / 'lab.cmds').write_text(GOOD)   # FILE is found as load finds it
    result = cli('batch', 'lab.cmds', 'comment', 'lab', 'setup')
    assert cli.state('alpha')['port'] == '8080'                  # applied by the owner script
    assert '/* on call */\n        user bob {' in cli.running()
    assert 'beta 5 {\n        size "10"' in cli.running()
    listing = cli('show', 'system', 'commit').stdout
    assert _revisions(cli) == 1 and 'via batch' in listing and 'lab setup' in listing
    assert not (cli.root / 'run/vyflow/working.boot').exists()
    assert result.stderr == ''


def test_a_batch_reads_standard_input_and_notes_what_already_exists(cli):
    cli('set', 'service', 'alpha', 'port', '80')
    cli('commit')
    result = cli('batch', input='set service alpha port 80\nset service alpha mode slow\n')
    assert '<stdin>:1: Configuration path: [service alpha port 80] already exists' in result.stdout
    assert 'mode "slow"' in cli.running()


def test_refused_lines_are_all_named_and_nothing_changes(cli):
    cli('set', 'service', 'alpha', 'port', '80')
    cli('commit')
    running, journal = cli.running(), len(cli.journal())
    batch = cli.config_dir / 'bad.cmds'
    batch.write_text('set service alpha port 81\n'
                     'set service alpha mode medium\n'
                     '# a comment line\n'
                     'delete service alpha address 192.0.2.9\n'
                     'commit\n'
                     "set service alpha names 'unterminated\n"
                     'set service alpha bogus 1\n')
    result = cli('batch', '/etc/vyflow/bad.cmds', check=False)
    assert result.returncode == 1
    err = result.stderr
    assert f'{batch}:2: set service alpha mode medium\n    Invalid value "medium"' in err
    assert f'{batch}:4: delete service alpha address 192.0.2.9\n    Nothing to delete' in err
    assert f'{batch}:5: commit\n    "commit" cannot be used in a batch' in err
    assert f'{batch}:6: ' in err and 'No closing quotation' in err
    assert f'{batch}:7: set service alpha bogus 1\n    Configuration path: [service alpha ' \
           'bogus] is not valid' in err
    assert f'{batch}:1:' not in err and f'{batch}:3:' not in err
    assert err.rstrip().endswith('5 of 6 commands refused; nothing was changed.')
    assert cli.running() == running and len(cli.journal()) == journal   # no script ran
    assert not (cli.root / 'run/vyflow/working.boot').exists()
    assert _revisions(cli) == 1


def test_a_failed_commit_leaves_nothing_behind(cli):
    cli('set', 'service', 'alpha', 'port', '80')
    cli('commit')
    running = cli.running()
    result = cli('batch', input='set service alpha port 81\nset service alpha fail-verify\n',
                 check=False)
    assert result.returncode == 1 and 'fail-verify is set' in result.stdout + result.stderr
    assert cli.running() == running
    assert not (cli.root / 'run/vyflow/working.boot').exists()


def test_a_batch_refuses_to_sweep_in_uncommitted_changes(cli):
    cli('set', 'service', 'alpha', 'port', '80')
    result = cli('batch', input='set service alpha mode slow\n', check=False)
    assert result.returncode == 1 and 'uncommitted changes' in result.stderr
    assert cli.running() == ''


def test_no_commit_applies_the_batch_to_the_working_config(cli):
    cli('set', 'service', 'alpha', 'port', '80')                   # pending: kept
    result = cli('batch', '--no-commit', input='set service alpha mode slow\n')
    assert "Use 'compare' to review it" in result.stdout
    compare = cli('compare').stdout
    assert '+         mode slow\n' in compare and '+         port 80\n' in compare
    assert cli.running() == ''
    refused = cli('batch', '--no-commit', input='set service alpha mode medium\n', check=False)
    assert refused.returncode == 1 and cli('compare').stdout == compare


@pytest.mark.parametrize('args, message', [
    (('a.cmds', 'b.cmds'), 'usage: vyflow batch'),
    (('--now',), 'usage: vyflow batch'),
    (('--no-commit', '-', 'comment', 'x'), 'cannot go with --no-commit'),
    (('/nonexistent/x.cmds',), '/nonexistent/x.cmds: cannot read the batch: no such file'),
    (('../../../x.cmds',), 'leads out of the root'),
])
def test_batch_usage_errors(cli, args, message):
    result = cli('batch', *args, check=False, input='')
    assert result.returncode in (1, 2) and message in result.stderr
