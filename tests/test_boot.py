"""The boot entry point: load the saved config, migrate, commit everything."""

A = ['set', 'service', 'alpha']


def test_boot_applies_the_saved_config_and_removes_stale_state(cli):
    cli(*A, 'port', '81')
    cli('set', 'service', 'beta', '1', 'size', '1')
    cli('commit')
    cli('delete', 'service', 'beta', '1')
    cli('commit')
    cli('save')
    cli('set', 'service', 'beta', '2', 'size', '2')   # committed but never saved
    cli('commit')
    for name in ('alpha', 'beta-2'):                   # "reboot": the system forgets
        (cli.root / f'var/lib/test/{name}.json').unlink()
    result = cli('boot')
    assert result.returncode == 0
    assert cli.state('alpha')['port'] == '81'          # applied although unchanged
    assert cli.state('beta-2') is None
    assert 'beta' not in cli.running()
    assert '"boot"' not in cli('show', 'system', 'commit').stdout
    assert 'via boot' in cli('show', 'system', 'commit').stdout


def test_boot_without_saved_config_is_harmless(cli):
    assert 'nothing to apply' in cli('boot').stdout
