"""Hostile sizes and bytes: huge values, deep nesting, control characters,
odd locales, closed descriptors, unprivileged users, digits that are not 0-9.

Sizes are asserted as limits and memory bounds, never as times: the times
are printed by benchmarks/config_scale.
"""

import os
import shutil
import subprocess
import tracemalloc

import pytest

from conftest import PROJECT_ROOT
from vyflow.configtree import parse_config
from vyflow.configtree.parser import MAX_DEPTH, MAX_TOKEN_CHARS
from vyflow.definitions.model import Definition
from vyflow.errors import ConfigParseError
from vyflow.migration.runner import migrate_config

ALPHA = ['set', 'service', 'alpha']
ESCAPES = ('\x1b', '\r', '\x07', '\x9b', '\u202e')


def peak_memory(text: str) -> int:
    tracemalloc.start()
    try:
        parse_config(text)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


# ---- sizes ---------------------------------------------------------------------------

def test_parser_memory_is_a_small_multiple_of_the_input():
    """A 1 MiB quoted value took ~340 bytes per byte (3.4 GB for 10 MB)."""
    value = 'a {\n    b "' + 'x\\"y' * (MAX_TOKEN_CHARS // 5) + '"\n}\n'
    assert peak_memory(value) < 4 * len(value)
    many = 'a {\n' + ''.join(f'    i "eth{n}"\n    n{n} {{\n        v "{n}"\n    }}\n'
                             for n in range(20_000)) + '}\n'
    # ~430 bytes per node are the tree itself; these lines are ~13 bytes per node
    assert peak_memory(many) < 25 * len(many)


def test_a_huge_value_is_refused_naming_the_limit():
    text = 'a {\n    b "' + 'x' * (MAX_TOKEN_CHARS + 1) + '"\n}\n'
    with pytest.raises(ConfigParseError) as caught:
        parse_config(text, 'big.boot')
    assert str(caught.value) == (f'big.boot:2:7: a name, value or comment longer than '
                                 f'{MAX_TOKEN_CHARS} characters ({MAX_TOKEN_CHARS + 1})')


def test_many_values_of_one_leaf_are_merged_in_order():
    """Repeated lines of a multi leaf merge through a set (it was a scan of
    the list per line: 100,000 interfaces took 70 s)."""
    names = [f'eth{n}' for n in range(50_000)]
    text = 'a {\n' + ''.join(f'    i {name}\n' for name in names + names[::2]) + '}\n'
    assert parse_config(text).tree.return_values(['a', 'i']) == names


def test_nesting_at_the_limit_goes_through_every_command_and_deeper_is_refused(cli):
    def nested(levels):
        return ('deep {\n' + 'level {\n' * (levels - 1) + 'leaf "x"\n' + '}\n' * levels
                + 'service {\n alpha {\n  port 81\n }\n}\n')
    (cli.config_dir / 'deep.boot').write_text(nested(MAX_DEPTH))
    cli('load', 'deep.boot')
    for words in (('show',), ('compare',), ('commit',), ('save',), ('show', 'system', 'commit'),
                  ('compare', '0'), ('show', 'system', 'commit', 'file', '0'), ('rollback', '0')):
        result = cli(*words, check=False)
        assert 'Recursion' not in result.stderr and 'Traceback' not in result.stderr, words
    assert 'leaf "x"' in (cli.config_dir / 'config.boot').read_text()
    (cli.config_dir / 'deeper.boot').write_text(nested(MAX_DEPTH + 1))
    result = cli('load', 'deeper.boot', check=False)
    assert result.returncode == 1
    assert f'deeper.boot:{MAX_DEPTH + 1}:7: nested more than {MAX_DEPTH} levels deep' in result.stderr


def test_deep_json_is_refused_clearly(cli):
    for levels, name in ((MAX_DEPTH, 'deeper.json'), (5000, 'deepest.json')):
        (cli.config_dir / name).write_text('{"deep": ' + '{"level": ' * levels + '{"leaf": "x"}'
                                           + '}' * (levels + 1))
        result = cli('load', '--json', name, check=False)
        assert result.returncode == 1 and 'Traceback' not in result.stderr
        assert 'nested' in result.stderr and 'deep' in result.stderr, result.stderr


# ---- control characters and long values ---------------------------------------------------

def assert_escaped(result):
    for char in ESCAPES:
        assert char not in result.stdout + result.stderr, (repr(char), result)


def test_values_and_comments_from_a_file_never_reach_the_terminal_raw(cli):
    (cli.config_dir / 'evil.boot').write_text(
        '/* \x1b]0;owned\x07 */\nforeign {\n    x "\x1b[2J\rforged \x9b1m \u202eevil"\n}\n'
        'service {\n alpha {\n  port 81\n }\n}\n')
    for words in (('load', 'evil.boot'), ('show',), ('compare',), ('commit',), ('show',),
                  ('show', 'system', 'commit', 'file', '0'), ('compare', '0')):
        assert_escaped(cli(*words))
    assert '\\x1b[2J\\rforged \\x9b1m \\u202eevil' in cli('show').stdout


def test_error_messages_escape_and_shorten_what_they_quote(cli):
    refused = cli(*ALPHA, 'port', '\x1b[2J80\r', check=False)
    assert refused.returncode == 1 and 'Invalid value "\\x1b[2J80\\r"' in refused.stderr
    assert_escaped(refused)
    huge = 'v' * 100_000
    refused = cli(*ALPHA, 'port', huge, check=False)
    assert refused.returncode == 1 and len(refused.stderr) < 1000
    assert '(100000 characters)' in refused.stderr
    refused = cli('set', 'service', '\x1bbogus' + 'x' * 5000, check=False)
    assert refused.returncode == 1 and len(refused.stderr) < 1000
    assert_escaped(refused)
    cli(*ALPHA, 'names', huge)
    again = cli(*ALPHA, 'names', huge)
    assert 'already exists' in again.stdout and len(again.stdout) < 1000


def test_a_commit_comment_cannot_forge_lines_of_the_commit_list(cli):
    cli(*ALPHA, 'port', '81')
    cli('commit', 'comment', 'fine\n7    2001-01-01 00:00:00  by admin  via cli\x1b[1A')
    listing = cli('show', 'system', 'commit')
    assert_escaped(listing)
    lines = listing.stdout.splitlines()
    assert len(lines) == 2 and lines[1].startswith('     fine\\n7    2001-01-01')


def test_migration_messages_are_escaped_and_shortened(tmp_path):
    scripts = tmp_path / 'migration-scripts' / 'hostile'
    scripts.mkdir(parents=True)
    (scripts / '0-to-1').write_text(
        '#!/usr/bin/python3\n'
        'def migrate(config):\n'
        '    config.set(["x"], "y")\n'
        '    return ["set x to \\x1b[31m" + "z" * 5000]\n')
    migration = migrate_config(parse_config('x "w"\n'), {'hostile': 1}, tmp_path / 'migration-scripts')
    [message] = migration.messages
    assert '\x1b' not in message and 'set x to \\x1b[31m' in message
    assert len(message) < 600 and message.endswith('characters)')


# ---- the environment vyflow is started in ---------------------------------------------------

def test_a_latin1_locale_shows_every_value(cli, tmp_path):
    if shutil.which('localedef') is None:
        pytest.skip('localedef is not installed')
    locales = tmp_path / 'locales'
    locales.mkdir()
    made = subprocess.run(['localedef', '-i', 'en_US', '-f', 'ISO-8859-1',
                           str(locales / 'en_US.ISO-8859-1')], capture_output=True)
    if not (locales / 'en_US.ISO-8859-1').exists():
        pytest.skip(f'cannot build a Latin-1 locale: {made.stderr[-200:]!r}')
    (cli.config_dir / 'u.boot').write_text('foreign {\n    x "h\u00e9llo \u20ac"\n}\n')
    cli('load', 'u.boot')
    result = subprocess.run(cli.argv('show'), capture_output=True,
                            env={**cli.env, 'LOCPATH': str(locales), 'LC_ALL': 'en_US.ISO-8859-1'})
    assert result.returncode == 0, result.stderr
    assert 'x "h\u00e9llo \\u20ac"'.encode('latin-1') in result.stdout


def test_closed_standard_descriptors_are_neither_a_crash_nor_a_place_to_write(cli):
    def closed(*fds):
        return lambda: [os.close(fd) for fd in fds]
    shell = subprocess.run(cli.argv(), env=cli.env, capture_output=True, text=True,
                           preexec_fn=closed(0))
    assert shell.returncode == 0 and 'Traceback' not in shell.stderr
    subprocess.run(cli.argv(*ALPHA, 'port', '81'), env=cli.env, preexec_fn=closed(0, 1, 2),
                   check=True)
    subprocess.run(cli.argv(*ALPHA, 'port', '81'), env=cli.env, preexec_fn=closed(0, 1, 2),
                   check=True)                    # "already exists" is printed somewhere harmless
    working = (cli.root / 'run/vyflow/working.boot').read_text()
    assert 'port "81"' in working and 'already exists' not in working
    for lock in ('session.lock',):
        assert (cli.root / 'run/vyflow' / lock).read_text().strip().isdigit()


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which('setpriv') is None,
                    reason='needs root and setpriv to act as an unprivileged user')
def test_an_unprivileged_user_without_root_is_told_what_to_do():
    for words in (['set', 'system', 'flow-accounting', 'netflow', 'interface', 'eth0'],
                  ['commit'], ['save']):
        result = subprocess.run(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups',
                                 '/usr/bin/python3', str(PROJECT_ROOT / 'bin/vyflow'), *words],
                                capture_output=True, text=True,
                                env={k: v for k, v in os.environ.items() if k != 'VYFLOW_ROOT'})
        assert result.returncode == 1, (words, result)
        assert 'Traceback' not in result.stderr
        assert result.stderr.strip().endswith('permission denied: run as root or give --root DIR')


# ---- digits --------------------------------------------------------------------------------

def test_only_ascii_digits_count_as_numbers(cli):
    cli(*ALPHA, 'port', '81')
    cli('commit')
    cli(*ALPHA, 'port', '82')
    for words in (('commit-confirm', '\u0661'), ('commit-confirm', '\u00b2'),
                  ('rollback', '\u0660'), ('compare', '\u0660'),
                  ('show', 'system', 'commit', 'diff', '\u0660'),
                  (*ALPHA, 'port', '\u0668\u0660'), (*ALPHA, 'delay', '\uff11')):
        result = cli(*words, check=False)
        assert result.returncode == 1, (words, result)
        assert 'Traceback' not in result.stderr and 'digits 0-9' in result.stderr + \
            ('digits 0-9' if words[0] == 'set' else ''), (words, result.stderr)
    assert 'port "81"' in cli.running()
    assert not (cli.root / 'run/vyflow/commit-confirm.json').exists()


def test_definition_regexes_match_ascii_digits_only():
    leaf = Definition('id', {'kind': 'leaf', 'constraints': [['regex', r'\d+:\d+']]})
    assert leaf.check_value('1:2') is None
    assert leaf.check_value('\u0661:\u0662') is not None


def test_a_footer_with_other_digits_is_malformed():
    with pytest.raises(ConfigParseError, match='4:1: malformed vyos-config-version line'):
        parse_config('system {\n}\n// Warning: Do not remove the following line.\n'
                     '// vyos-config-version: "system@\u0662\u0667"\n// Release version: 1\n')
