"""Configure-mode editing through the real ``vyflow`` command (test definitions)."""

import json

import pytest

from conftest import Cli

ALPHA = ['set', 'service', 'alpha']


def test_set_show_compare_delete(cli):
    cli(*ALPHA, 'port', '8080')
    cli(*ALPHA, 'address', '192.0.2.1')
    cli(*ALPHA, 'address', 'any')                      # multi accumulates
    cli(*ALPHA, 'user', 'bob', 'level', 'admin')
    cli(*ALPHA, 'disable')
    shown = cli('show').stdout
    assert '+        address 192.0.2.1\n+        address any' in shown
    assert '+        user bob {\n+            level admin\n+        }' in shown
    assert '+        disable' in shown
    compare = cli('compare').stdout
    assert compare.startswith('[edit]\n+ service {')
    cli('delete', 'service', 'alpha', 'address', 'any')  # one value of a multi leaf
    assert cli('show', 'service', 'alpha', 'address').stdout == '+address 192.0.2.1\n'
    cli('delete', 'service', 'alpha', 'user', 'bob')   # last tag instance removes the tag node
    assert 'user' not in cli('show').stdout


def test_single_value_leaf_is_replaced_and_marked_changed(cli):
    cli(*ALPHA, 'port', '8080')
    cli('commit')
    cli(*ALPHA, 'port', '9090')
    assert cli('show', 'service', 'alpha').stdout == '>port 9090\n'
    assert cli('compare').stdout == '[edit service alpha]\n- port 8080\n+ port 9090\n'
    cli(*ALPHA, 'mode', 'slow')
    assert cli('show', 'service', 'alpha').stdout == '+mode slow\n>port 9090\n'


def test_set_time_errors_name_path_and_what_is_allowed(cli):
    result = cli(*ALPHA, 'mode', 'medium', check=False)
    assert result.returncode == 1
    assert result.stderr == ('Invalid value "medium" for [service alpha mode]: Mode must be fast or '
                             'slow\nAllowed values: fast: Go fast; slow: Go slow\n\nSet failed\n')
    result = cli(*ALPHA, 'nope', check=False)
    assert 'Configuration path: [service alpha nope] is not valid' in result.stderr
    assert cli(*ALPHA, 'disable', 'now', check=False).returncode == 1
    assert 'requires a value' in cli(*ALPHA, 'port', check=False).stderr
    assert cli('show').stdout.strip() == 'Configuration under specified path is empty'


def test_copy_and_rename_move_a_tag_value_with_its_subtree(cli):
    cli(*ALPHA, 'user', 'bob', 'level', 'admin')
    cli(*ALPHA, 'user', 'bob', 'peer', 'x')
    cli('commit')
    cli('copy', 'service', 'alpha', 'user', 'bob', 'to', 'user', 'carol')
    cli('rename', 'service', 'alpha', 'user', 'bob', 'to', 'user', 'dave')
    assert cli('compare').stdout == (
        '[edit service alpha]\n'
        '- user bob {\n-     level admin\n-     peer x\n- }\n'
        '+ user carol {\n+     level admin\n+     peer x\n+ }\n'
        '+ user dave {\n+     level admin\n+     peer x\n+ }\n')


@pytest.mark.parametrize('words, message', [
    (('copy', 'service', 'alpha', 'user', 'zed', 'to', 'user', 'carol'),
     'Configuration path: [service alpha user zed] does not exist\n\nCopy failed\n'),
    (('rename', 'service', 'alpha', 'user', 'bob', 'to', 'user', 'Carol'),
     'Invalid value "Carol" for [service alpha user]: User name must be lower-case letters'),
    (('copy', 'service', 'alpha', 'user', 'bob', 'to', 'user', 'eve'),
     'Configuration path: [service alpha user eve] already exists\n\nCopy failed\n'),
    (('rename', 'service', 'alpha', 'user', 'bob', 'to', 'beta', '7'),
     'rename [service alpha user bob] needs "to user NEW-VALUE" (a new value of the same '
     'tag node)'),
    (('copy', 'service', 'alpha', 'port', '80', 'to', 'port', '81'),
     'Configuration path: [service alpha port 80] is not a tag node value'),
    (('rename', 'service', 'alpha', 'user', 'bob', 'user', 'carol'),
     'usage: rename PATH TAG VALUE to TAG NEW-VALUE'),
])
def test_copy_and_rename_refuse_and_change_nothing(cli, words, message):
    cli(*ALPHA, 'user', 'bob', 'level', 'admin')
    cli(*ALPHA, 'user', 'eve')
    before = cli('show').stdout
    result = cli(*words, check=False)
    assert result.returncode in (1, 2) and message in result.stderr, result.stderr
    assert cli('show').stdout == before


def test_completion_of_copy_rename_and_comment(cli):
    cli(*ALPHA, 'user', 'bob', 'level', 'admin')

    def complete(*words):
        return cli('_complete', '--', *words, '').stdout.split()
    assert complete('copy', 'service', 'alpha', 'user') == ['bob']       # existing values
    assert complete('rename', 'service', 'alpha', 'user', 'bob') == ['to']
    assert complete('rename', 'service', 'alpha', 'user', 'bob', 'to') == ['user']
    assert complete('comment', 'service', 'alpha', 'user', 'bob') == ['level', 'peer']
    assert complete('comment', 'service', 'alpha', 'user', 'bob', 'level') == []  # the text


def test_comment_is_kept_through_commit_and_save_and_removed_by_empty_text(cli, tmp_path):
    cli(*ALPHA, 'port', '8080')
    cli(*ALPHA, 'user', 'bob', 'level', 'admin')
    cli('comment', 'service', 'alpha', 'user', 'bob', 'on call until May')
    cli('comment', 'service', 'alpha', 'port', 'behind the proxy')
    cli('commit')
    cli('save', 'saved.boot')
    saved = (cli.config_dir / 'saved.boot').read_text()
    assert '/* behind the proxy */\n        port "8080"' in saved
    assert '/* on call until May */\n        user bob {' in saved
    cli('comment', 'service', 'alpha', 'port', '')
    assert cli('compare').stdout == ('[edit service alpha]\n- /* behind the proxy */\n'
                                     '- port 8080\n+ port 8080\n')
    for words, message in (
            (('service', 'alpha', 'user', 'bob', 'a */ b'), 'must be one line of text without "*/"'),
            (('service', 'alpha', 'user', 'x'), '[service alpha user] cannot carry a comment'),
            (('service', 'alpha', 'port', '8080', 'x'), 'Comments belong to nodes'),
            (('service', 'alpha', 'mode', 'x'), '[service alpha mode] does not exist')):
        result = cli('comment', *words, check=False)
        assert result.returncode == 1 and message in result.stderr, result.stderr


def test_a_closed_pipe_ends_output_quietly(cli):
    """`vyflow show | head`: no BrokenPipeError traceback, the shell's SIGPIPE code."""
    import subprocess
    cli(*ALPHA, 'port', '8080')
    process = subprocess.Popen(cli.argv('show'), env=cli.env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdout.close()                            # before vyflow writes anything
    assert process.wait(timeout=60) == 141
    assert process.stderr.read() == b''


def test_completion_help_never_restricts(cli):
    cli(*ALPHA, 'names', 'blue')                      # not in the completion list
    cli(*ALPHA, 'user', 'bob', 'peer', 'anything')    # path completion: suggestion only
    assert 'names blue' in cli('show').stdout


def test_working_config_persists_between_invocations_until_discard(cli):
    cli(*ALPHA, 'port', '81')
    cli(*ALPHA, 'mode', 'slow')
    assert 'port 81' in cli('compare').stdout
    assert cli('discard').stdout.strip() == 'Changes have been discarded'
    assert cli('compare').stdout.strip() == 'No changes between working and active configurations.'
    assert cli('discard').stdout.strip() == 'No changes have been discarded'


def test_save_load_merge(cli, tmp_path):
    cli(*ALPHA, 'port', '81')
    cli('commit')
    saved = cli('save').stdout
    assert "Saving configuration to '" in saved and saved.strip().endswith('Done')
    saved_file = cli.root / 'etc/vyflow/config.boot'
    assert 'port "81"' in saved_file.read_text()
    assert '// vyos-config-version: "test@2"' in saved_file.read_text()
    other = cli.config_dir / 'other.boot'
    other.write_text('service {\n alpha {\n  port 82\n  mode slow\n }\n}\n'
                     'interfaces {\n ethernet eth0 {\n  address dhcp\n }\n}\n')
    loaded = cli('load', other.name).stdout
    assert 'kept verbatim' in loaded and 'interfaces' in loaded
    assert '[edit service alpha]\n+ mode slow\n- port 81\n+ port 82' in loaded
    assert "Load complete. Use 'commit' to make changes effective." in loaded
    refused = cli('load', '/etc/vyflow/other.boot', check=False)  # the same file
    assert refused.returncode == 1 and 'Cannot load: configuration modified' in refused.stderr
    cli('discard')
    extra = cli.config_dir / 'extra.boot'
    extra.write_text('service {\n alpha {\n  address 192.0.2.7\n  names blue\n }\n}\n')
    cli(*ALPHA, 'names', 'red')
    merged = cli('merge', extra.name).stdout
    assert '+ address 192.0.2.7' in merged and '+ names blue' in merged
    assert 'names red' in cli('show').stdout  # merge never deletes


def test_load_reports_every_problem_with_file_line_column(cli, tmp_path):
    bad = cli.config_dir / 'bad.boot'
    bad.write_text('service {\n    alpha {\n        port 70000\n        mode medium\n'
                   '        bogus 1\n    }\n}\n')
    result = cli('load', bad.name, check=False)
    assert result.returncode == 1
    assert f'{bad}:3:9: Invalid value "70000" for [service alpha port]' in result.stderr
    assert f'{bad}:4:9: Invalid value "medium"' in result.stderr
    assert f'{bad}:5:9: Configuration path: [service alpha bogus] is not valid' in result.stderr
    syntax = cli.config_dir / 'syntax.boot'
    syntax.write_text('service {\n  alpha {\n')
    result = cli('load', syntax.name, check=False)
    assert result.returncode == 1 and f'{syntax}:2:9: missing "}}" for "alpha"' in result.stderr
    assert not (cli.root / 'run/vyflow/working.boot').exists()


def test_load_json_is_checked_against_the_schema(cli, tmp_path):
    good = cli.config_dir / 'good.json'
    good.write_text(json.dumps({'service': {'alpha': {'port': '8081', 'address': ['192.0.2.1', 'any'],
                                                      'disable': {}, 'user': {'bob': {'level': 'admin'}}},
                                            'beta': {'5': {'size': '10'}},
                                            'other': {'kept': ['a', 'b'], 'x': {}}},
                                'interfaces': {'ethernet': {'eth0': {'address': 'dhcp'}}}}))
    cli('load', '--json', good.name)
    shown = cli('show').stdout
    assert '+        kept a' in shown and '+        eth0 {' in shown  # foreign: kept (JSON has no tag syntax)
    assert '+        port 8081' in shown and '+    beta 5 {' in shown
    assert '+        disable' in shown and '+        user bob {' in shown
    cli('discard')
    bad = cli.config_dir / 'bad.json'
    bad.write_text(json.dumps({'service': {'alpha': {'port': '0', 'mode': 'medium', 'zzz': '1'},
                                           'beta': {'500': {}}}}))
    result = cli('load', '--json', bad.name, check=False)
    assert result.returncode == 1
    assert '[service alpha port] "0" is not a port number' in result.stderr
    assert "[service alpha mode] 'medium' is not one of ['fast', 'slow']" in result.stderr
    assert "'zzz' was unexpected" in result.stderr
    assert '"500" is not in any allowed range' in result.stderr


def test_concurrent_setters_do_not_lose_edits(cli):
    import subprocess
    processes = [subprocess.Popen(cli.argv(*ALPHA, 'address', f'192.0.2.{n}'), env=cli.env)
                 for n in range(1, 9)]
    assert all(p.wait(timeout=60) == 0 for p in processes)
    shown = cli('show').stdout
    assert all(f'address 192.0.2.{n}\n' in shown for n in range(1, 9))


@pytest.mark.parametrize('words, missing', [(('show',), 'definitions.json'),
                                            (('run', 'show', 'version'), 'op-definitions.json'),
                                            ((), 'definitions.json')])
def test_unbuilt_tree_says_run_make_instead_of_a_traceback(tmp_path, words, missing):
    """A checkout (or a broken installation) without its compiled definitions."""
    unbuilt = tmp_path / 'checkout'
    (unbuilt / 'build').mkdir(parents=True)
    result = Cli(tmp_path / 'root', unbuilt)(*words, check=False, input='')
    assert result.returncode == 1
    assert result.stderr.strip() == (f'{unbuilt}/build/{missing} is missing: run "make" in the '
                                      'source tree, or reinstall the vyos-flow-accounting package')


@pytest.mark.parametrize('words, what', [
    (('service', 'alpha', 'mode'), 'node'),                     # a leaf that is not set
    (('service', 'alpha', 'port', '81'), 'value'),              # a different value
    (('service', 'alpha', 'address', '192.0.2.9'), 'value'),    # not one of a multi's values
    (('service', 'alpha', 'disable'), 'node'),                  # a valueless leaf
    (('service', 'alpha', 'user', 'carol'), 'node'),            # a tag value
    (('service', 'alpha', 'user', 'carol', 'level'), 'node'),   # below a missing tag value
    (('service', 'alpha', 'options'), 'node'),                  # a plain node
    (('service', 'beta', '7'), 'node'),                         # a top-level tag value
    (('service', 'beta'), 'node'),                              # a tag node without values
    (('service', 'gamma'), 'node'),                             # a whole section
])
def test_deleting_what_is_not_there_fails_and_changes_nothing(cli, words, what):
    """Every delete form: VyOS's "Nothing to delete", "Delete failed", exit 1."""
    cli(*ALPHA, 'port', '80')
    cli(*ALPHA, 'address', '192.0.2.1')
    cli(*ALPHA, 'user', 'bob', 'level', 'admin')
    cli('commit')
    result = cli('delete', *words, check=False)
    assert result.returncode == 1
    assert result.stderr.startswith(f'Nothing to delete (the specified {what} does not exist)')
    assert result.stderr.endswith('\n\nDelete failed\n')
    assert not (cli.root / 'run/vyflow/working.boot').exists()   # no session was started
    if words[-1] == '81':
        assert '[service alpha port] has no value "81"; its values are: 80' in result.stderr


def test_deleting_what_is_not_there_fails_in_the_shell_too(cli):
    """A piped shell session exits non-zero when a delete found nothing, also
    relative to an edit level."""
    cli(*ALPHA, 'port', '80')
    result = cli(input='configure\nedit service alpha\ndelete mode\ndelete port\n'
                       'exit\nexit discard\nexit\n', check=False)
    assert result.returncode == 1
    assert 'Nothing to delete (the specified node does not exist): [service alpha mode]' \
        in result.stdout + result.stderr
