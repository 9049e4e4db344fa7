"""What operators read and copy: VyOS quoting in show and compare, ``[edit]``
headers, ``show | commands`` and op-mode ``show configuration [commands | json]``
with secret values masked (test definitions, through the real ``vyflow``)."""

import json

import pytest

from vyflow.definitions.masking import MASK

ALPHA = ['set', 'service', 'alpha']

# (value, as configure-mode show prints it); VyOS quotes only the empty value
# and values holding a space, tab, newline, "*", "{", "}" or ";".
SHOWN = [('plain', 'plain'), ('with space', '"with space"'), ('star*', '"star*"'),
         ('semi;colon', '"semi;colon"'), ('{brace', '"{brace"'), ('brace}', '"brace}"'),
         ('', '""'), ('10.0.0.1/24', '10.0.0.1/24'), ('a"b', '"a\\"b"')]


def test_show_and_compare_quote_only_what_needs_quotes_and_files_quote_everything(cli):
    for value, _ in SHOWN:
        cli(*ALPHA, 'names', value)
    shown = cli('show', 'service', 'alpha').stdout.splitlines()
    compare = cli('compare').stdout.splitlines()
    for _, text in SHOWN:
        assert f'+names {text}' in shown
        assert f'+         names {text}' in compare
    assert compare[0] == '[edit]'
    cli('commit')
    running = cli.running()
    for value, _ in SHOWN:
        assert f'names "{value}"' in running.replace('\\"', '"')   # files: every value quoted
    cli('delete', 'service', 'alpha', 'names', 'star*')
    assert cli('compare').stdout == '[edit service alpha]\n- names "star*"\n'


def test_legacy_unquoted_files_load_as_before(cli):
    legacy = cli.config_dir / 'legacy.boot'
    legacy.write_text('service {\n    alpha {\n        names "two words"\n        names one\n'
                      '        port 8080\n    }\n}\n')
    cli('load', legacy.name)
    cli('commit')
    assert 'names "one"\n' in cli.running() and 'port "8080"' in cli.running()


def _configured(cli):
    cli(*ALPHA, 'port', '8080')
    cli(*ALPHA, 'names', 'two words')
    cli(*ALPHA, 'names', "it's")
    cli(*ALPHA, 'password', 'hunter2')
    cli(*ALPHA, 'user', 'bob', 'level', 'admin')
    cli(*ALPHA, 'disable')
    cli('comment', 'service', 'alpha', 'user', 'bob', 'on call')
    cli('set', 'service', 'beta', '5', 'size', '10')


def test_show_pipe_commands_prints_set_commands_of_the_working_config(cli):
    _configured(cli)
    commands = cli('show', '|', 'commands').stdout
    assert commands == (
        "set service alpha disable\n"
        "set service alpha names 'two words'\n"
        "set service alpha names 'it'\\''s'\n"
        "set service alpha password 'hunter2'\n"              # configure mode: not masked
        "set service alpha port '8080'\n"
        "set service alpha user bob level 'admin'\n"
        "set service beta 5 size '10'\n"
        "comment service alpha user bob 'on call'\n")
    assert cli('show', 'service', 'alpha', 'user', '|', 'commands').stdout == (
        "set service alpha user bob level 'admin'\ncomment service alpha user bob 'on call'\n")
    assert cli('show', 'service', 'alpha', 'port', '|', 'commands').stdout == \
        "set service alpha port '8080'\n"
    refused = cli('show', '|', 'json', check=False)
    assert refused.returncode == 2 and '"| json" is not supported' in refused.stderr


def test_show_configuration_masks_secrets_in_every_form(cli):
    _configured(cli)
    assert cli('show', 'configuration').stdout.strip() == 'The running configuration is empty.'
    cli('commit')
    text = cli('show', 'configuration').stdout
    assert f'        password "{MASK}"\n' in text and 'hunter2' not in text
    assert '        names "two words"\n' in text and '        port 8080\n' in text
    assert '        /* on call */\n        user bob {\n' in text
    commands = cli('run', 'show', 'configuration', 'commands').stdout   # as from configure
    assert f"set service alpha password '{MASK}'\n" in commands and 'hunter2' not in commands
    assert "set service alpha port '8080'\n" in commands
    one_line = cli('show', 'configuration', 'json').stdout
    assert one_line.count('\n') == 1 and 'hunter2' not in one_line
    data = json.loads(one_line)
    assert data['service']['alpha']['password'] == MASK
    assert data['service']['alpha']['names'] == ['two words', "it's"]
    assert data['service']['alpha']['disable'] == {}
    assert data['service']['beta'] == {'5': {'size': '10'}}
    assert json.loads(cli('show', 'configuration', 'json', 'pretty').stdout) == data
    assert json.loads(cli('show', 'configuration', '--json').stdout) == data
    assert 'hunter2' in cli.running()                      # only the views are masked


def test_foreign_sections_are_masked_by_the_vyos_name_rule(cli):
    whole = cli.config_dir / 'whole.boot'
    whole.write_text('interfaces {\n    wireguard wg0 {\n        private-key "c2VjcmV0"\n'
                     '        port "51820"\n    }\n}\nservice {\n    alpha {\n'
                     '        port "80"\n    }\n}\n')
    cli('load', whole.name)
    cli('commit')
    commands = cli('show', 'configuration', 'commands').stdout
    assert f"set interfaces wireguard wg0 private-key '{MASK}'\n" in commands
    assert "set interfaces wireguard wg0 port '51820'\n" in commands
    assert 'c2VjcmV0' not in cli('show', 'configuration').stdout


def test_show_configuration_commands_and_json_read_back_to_the_same_config(cli):
    """The commands are a batch and the JSON is what ``load --json`` reads."""
    cli(*ALPHA, 'port', '8080')
    cli(*ALPHA, 'names', "it's two words")
    cli(*ALPHA, 'user', 'bob', 'level', 'admin')
    cli('comment', 'service', 'alpha', 'user', 'bob', 'on call')
    cli('commit')
    running = cli.running()
    commands = cli.config_dir / 'config.cmds'
    commands.write_text(cli('show', 'configuration', 'commands').stdout)
    as_json = cli.config_dir / 'config.json'
    as_json.write_text(cli('show', 'configuration', 'json').stdout)
    cli('delete', 'service', 'alpha')
    cli('commit')
    cli('batch', commands.name)
    assert cli.running() == running
    cli('delete', 'service', 'alpha')
    cli('commit')
    cli('load', '--json', as_json.name)
    cli('comment', 'service', 'alpha', 'user', 'bob', 'on call')   # JSON holds no comments
    cli('commit')
    assert cli.running() == running


@pytest.mark.parametrize('verb', ['show', 'compare'])
def test_views_of_an_empty_config_say_so(cli, verb):
    expected = {'show': 'Configuration under specified path is empty',
                'compare': 'No changes between working and active configurations.'}
    assert cli(verb).stdout.strip() == expected[verb]


def test_completion_offers_the_pipe_and_what_follows_it(cli, engine_tree):
    """In the shell, ``show`` offers ``|`` (bash completion does not: there it
    is the shell's own pipe), and after it, ``commands``."""
    from vyflow.cli.completion import Completer
    from vyflow.configtree import ConfigNode
    from vyflow.definitions.model import Definitions
    definitions = Definitions.load(engine_tree / 'build' / 'definitions.json')
    completer = Completer(definitions, {'children': {}}, ConfigNode, str)
    words = [choice.word for choice in completer.complete(['show', 'service'], True).choices]
    assert '|' in words and 'alpha' in words
    assert [c.word for c in completer.complete(['show', '|'], True).choices] == ['commands']
    assert completer.complete(['show', '|', 'commands'], True).choices == []
    assert cli('_complete', '--', 'show', '|', '').stdout.split() == ['commands']
    assert '|' not in cli('_complete', '--', 'show', '').stdout.split()
