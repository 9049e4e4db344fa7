"""The commit archive: names nobody can shadow, damaged revisions kept in
their place, and rollback committing exactly the revision asked for."""

import gzip
import json
import subprocess
import sys
from pathlib import Path

from vyflow.commit.archive import Archive

A = ['set', 'service', 'alpha']


def archive(cli):
    return Archive(cli.root / 'var/lib/vyflow/archive')


def commit_ports(cli, *ports):
    for port in ports:
        cli(*A, 'port', port)
        cli('commit', 'comment', f'port {port}')


def revision_file(config, sequence=None):
    payload = {'time': 1, 'user': 'x', 'via': 'cli', 'comment': 'planted', 'config': config}
    if sequence is not None:
        payload['sequence'] = sequence
    return gzip.compress(json.dumps(payload).encode())


def test_a_planted_high_revision_cannot_hide_later_ones(cli):
    commit_ports(cli, '81')
    directory = cli.root / 'var/lib/vyflow/archive'
    (directory / 'rev-99999999.json.gz').write_bytes(revision_file('planted\n'))
    (directory / 'rev-5.json.gz').write_bytes(revision_file('short name\n'))      # not canonical
    (directory / 'rev-000000007.json.gz').write_bytes(revision_file('padded\n'))  # not canonical
    commit_ports(cli, '82', '83')
    rows = json.loads(cli('show', 'system', 'commit', '--json').stdout)
    # Revision 0 is always the running config: the planted newest one was not,
    # so the running config was recorded again first.
    assert [row.get('comment') for row in rows] == [
        'port 83', 'port 82', 'running config found unarchived', 'planted', 'port 81']
    assert archive(cli).sequences()[:3] == [100000002, 100000001, 100000000]
    cli('rollback', '1')
    assert cli.state('alpha')['port'] == '82'
    assert json.loads(cli('show', 'system', 'commit', '--json').stdout)[0]['comment'] == \
        'rollback to revision 1'


def test_a_damaged_revision_keeps_its_place_and_is_reported(cli):
    commit_ports(cli, '81', '82', '83')
    damaged = Path(archive(cli)._path(archive(cli).sequences()[1]))
    damaged.write_bytes(damaged.read_bytes()[:20])                    # truncated gzip
    listing = cli('show', 'system', 'commit')
    assert listing.returncode == 0 and 'Traceback' not in listing.stderr
    assert f'1    DAMAGED  {damaged}' in listing.stdout
    assert 'port 81' in listing.stdout                               # the others still there
    bad = cli('rollback', '1', check=False)
    assert bad.returncode == 1 and str(damaged) in bad.stderr and 'Traceback' not in bad.stderr
    cli('rollback', '2')                                             # numbers did not shift
    assert cli.state('alpha')['port'] == '81'
    commit_ports(cli, '84')                                          # commits go on


def test_a_revision_claiming_another_sequence_is_damaged(cli):
    commit_ports(cli, '81')
    directory = cli.root / 'var/lib/vyflow/archive'
    (directory / 'rev-00000009.json.gz').write_bytes(revision_file('renamed\n', sequence=3))
    entry = archive(cli).entries()[0]
    assert entry.sequence == 9 and 'sequence 3' in entry.reason


CONCURRENT_SETS = '''
import subprocess, sys
argv = sys.argv[1:]
for number in range(10_000):
    subprocess.run(argv + [str(number)], capture_output=True)
'''


def test_rollback_commits_exactly_the_revision_despite_concurrent_sets(cli):
    commit_ports(cli, '81', '82')
    target = archive(cli).get(1).config
    for trial in range(12):
        setter = subprocess.Popen([sys.executable, '-c', CONCURRENT_SETS,
                                   *cli.argv('set', 'service', 'gamma', 'inner', 'value')],
                                  env=cli.env)
        try:
            result = cli('rollback', '1', check=False)
        finally:
            setter.kill()
            setter.wait()
        if result.returncode == 1 and 'configuration modified' in result.stderr:
            cli('discard')                                   # the setter was first: fine
            continue
        assert result.returncode == 0, result.stderr
        assert cli.running().split('// Warning')[0] == target.split('// Warning')[0], trial
        assert cli.state('inner') is None, trial             # never swept into the commit
        cli('discard')
        target = archive(cli).get(1).config
