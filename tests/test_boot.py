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


def reboot(cli):
    """What a reboot does to the test system: its state is forgotten."""
    for path in (cli.root / 'var/lib/test').glob('*.json'):
        path.unlink()


def test_boot_reads_a_byte_order_mark_as_what_it_is(cli):
    cli(*A, 'port', '81')
    cli('commit')
    cli('save')
    saved = cli.root / 'etc/vyflow/config.boot'
    saved.write_bytes(b'\xef\xbb\xbf' + saved.read_bytes())
    reboot(cli)
    result = cli('boot')
    assert 'not managed by vyflow' not in result.stdout       # no "\ufeffservice" section
    assert cli.state('alpha')['port'] == '81'
    assert '\ufeff' not in cli.running()


def test_boot_never_takes_an_empty_saved_config_for_a_wish_to_delete(cli):
    cli(*A, 'port', '81')
    cli('commit')
    cli('save')
    running = cli.running()
    saved = cli.root / 'etc/vyflow/config.boot'
    for content in (b'', b'\n  \n', b'\xef\xbb\xbf'):
        saved.write_bytes(content)
        reboot(cli)
        result = cli('boot', check=False)
        assert result.returncode == 1 and 'Traceback' not in result.stderr
        assert f'WARNING: {saved} is empty' in result.stderr
        assert 'Applying the running configuration' in result.stderr
        assert cli.state('alpha')['port'] == '81'             # kept, and applied again
        assert cli.running() == running


def test_boot_applies_an_empty_config_that_was_saved_on_purpose(cli):
    cli(*A, 'port', '81')
    cli('commit')
    cli('delete', 'service')
    cli('commit')
    cli('save')                                               # empty, with its footer
    cli(*A, 'port', '82')
    cli('commit')
    assert cli('boot').returncode == 0
    assert cli.state('alpha') is None and 'service' not in cli.running()


def test_boot_with_an_unreadable_saved_config_names_it(cli):
    cli(*A, 'port', '81')
    cli('commit')
    saved = cli.root / 'etc/vyflow/config.boot'
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_bytes(b'service {\n alpha {\n port "8\xff1"\n }\n}\n')
    result = cli('boot', check=False)
    assert result.returncode == 1 and 'Traceback' not in result.stderr
    assert str(saved) in result.stderr and 'not UTF-8' in result.stderr
    assert cli.state('alpha')['port'] == '81'
