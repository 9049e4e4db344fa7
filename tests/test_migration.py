"""Migration of older configs: every old file loads, says what changed, and commits.

The corpus in tests/data/migration/input holds configs written for VyOS 1.2
and 1.3 (version 0, both footer vintages), 1.4 (1), the 2025 rolling releases
(2) and 1.5 (3), footer-less files and whole routers. Each is migrated to
expected/<name>.boot (the rewritten file) with expected/<name>.messages (what
the steps said), then loaded and committed through the real CLI in a sandbox.

After a deliberate change to a rule, regenerate the goldens with
``VYFLOW_REGENERATE_GOLDEN=1 python3 -m pytest tests/test_migration.py -k golden``
and review the diff.
"""

import logging
import os
import re
import shutil
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vyflow.configtree import ConfigFile, ConfigNode, parse_config, render_config
from vyflow.configtree.version import Footer
from vyflow.definitions.model import Definitions
from vyflow.errors import ConfigError, ConfigParseError, MigrationError
from vyflow.loading import read_config
from vyflow.migration import migrate_config
from vyflow.migration.backup import SUFFIX
from vyflow.paths import Resources
from vyflow.validation import validate_tree

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA = PROJECT_ROOT / 'tests' / 'data' / 'migration'
CASES = sorted(path.stem for path in (DATA / 'input').glob('*.boot'))
SCRIPTS = PROJECT_ROOT / 'src' / 'migration-scripts'
FLOW = ['system', 'flow-accounting']
REGENERATE = os.environ.get('VYFLOW_REGENERATE_GOLDEN') == '1'
_RELEASE = re.compile(r'^// Release version: .*$', re.MULTILINE)
V1_FOOTER = ('// Warning: Do not remove the following line.\n'
             '// vyos-config-version: "flow-accounting@1:interfaces@32:system@27"\n'
             '// Release version: 1.4.0\n')


@pytest.fixture(scope='module')
def definitions() -> Definitions:
    return Definitions.load(Resources.locate().definitions)


def _without_release(text: str) -> str:
    """The release line names whoever wrote the file; it is not what we test."""
    return _RELEASE.sub('// Release version: (release)', text)


def _copy(case: str, directory: Path) -> Path:
    target = directory / f'{case}.boot'
    shutil.copyfile(DATA / 'input' / f'{case}.boot', target)
    return target


def _expected_messages(case: str) -> list[str]:
    return (DATA / 'expected' / f'{case}.messages').read_text().splitlines()


def _migrate_text(text: str, definitions: Definitions, source: str = '<test>'):
    parsed = parse_config(text, source)
    return migrate_config(parsed, definitions.component_versions, SCRIPTS, source)


def _backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(path.name + SUFFIX + '*'))


def test_the_corpus_covers_every_version_and_both_footer_vintages():
    assert len(CASES) >= 20
    texts = [(DATA / 'input' / f'{case}.boot').read_text() for case in CASES]
    found = set()
    for text in texts:
        footer = parse_config(text).footer
        if footer is None:
            found.add('no footer')
            continue
        found.add(footer.vintage)
        found.add(footer.versions.get('flow-accounting', 0))
    assert found >= {0, 1, 2, 3, 'vyos', 'vyatta', 'no footer'}


# ---- golden outputs --------------------------------------------------------

@pytest.mark.parametrize('case', CASES)
def test_golden_migration(case, definitions, tmp_path):
    original = (DATA / 'input' / f'{case}.boot').read_bytes()
    path = _copy(case, tmp_path)
    migration = _migrate_text(original.decode(), definitions)
    loaded = read_config(path, definitions)
    if REGENERATE:
        (DATA / 'expected' / f'{case}.boot').write_bytes(path.read_bytes())
        (DATA / 'expected' / f'{case}.messages').write_text(
            ''.join(f'{line}\n' for line in migration.messages))
    assert migration.messages == _expected_messages(case)
    expected = (DATA / 'expected' / f'{case}.boot').read_text()
    assert _without_release(path.read_text()) == _without_release(expected)
    assert parse_config(expected).tree == loaded.tree
    for message in migration.messages:
        assert f'  {message}' in loaded.notices
    if path.read_bytes() == original:
        assert _backups(path) == []
    else:
        assert _backups(path) == [path.with_name(path.name + SUFFIX)]
        assert _backups(path)[0].read_bytes() == original
        assert loaded.notices[len(migration.messages) + 1] == \
            f"The original file is kept as '{_backups(path)[0]}'"


@pytest.mark.parametrize('case', CASES)
def test_migrating_twice_changes_nothing(case, definitions):
    """Neither the migrated file nor its tree without a footer (which runs
    every step again, as VyOS does) changes in a second migration."""
    text = (DATA / 'expected' / f'{case}.boot').read_text()
    again = _migrate_text(text, definitions)
    assert not again.changed
    if parse_config(text).footer is not None:
        assert again.messages == []
    body = text.split('// Warning: Do not remove')[0]
    footerless = _migrate_text(body, definitions)
    assert not footerless.changed


# ---- through the real CLI ---------------------------------------------------

@pytest.mark.parametrize('case', CASES)
def test_migrated_config_loads_and_commits(case, flow_cli):
    path = _copy(case, flow_cli.config_dir)
    original = path.read_bytes()
    loaded = flow_cli('load', path.name).stdout
    for message in _expected_messages(case):
        assert message in loaded
    assert loaded.count('kept verbatim') <= 1
    committed = flow_cli('commit')
    assert 'failed' not in committed.stdout + committed.stderr
    running = parse_config(flow_cli.running()).tree
    expected = parse_config((DATA / 'expected' / f'{case}.boot').read_text()).tree
    assert running.find(FLOW) == expected.find(FLOW)
    assert running == expected
    assert path.read_bytes() == original and _backups(path) == []  # load never rewrites
    again = flow_cli('load', path.name).stdout
    assert 'No configuration changes to commit.' in again


def test_a_whole_vyos_config_announces_its_foreign_sections_once(flow_cli):
    loaded = flow_cli('load', _copy('v1-sagitta-whole-router', flow_cli.config_dir).name).stdout
    notices = [line for line in loaded.splitlines() if 'kept verbatim' in line]
    assert len(notices) == 1
    for section in ('firewall', 'interfaces', 'nat', 'protocols', 'service', 'system sflow'):
        assert section in notices[0]
    assert 'flow-accounting' not in notices[0]


def test_boot_migrates_the_saved_config_in_place(flow_cli):
    saved = flow_cli.root / 'etc/vyflow/config.boot'
    saved.parent.mkdir(parents=True)
    shutil.copyfile(DATA / 'input' / 'v1-sagitta-whole-router.boot', saved)
    result = flow_cli('boot')
    assert 'flow-accounting 1-to-2: sflow (collectors 192.0.2.22) removed' in result.stdout
    expected = (DATA / 'expected' / 'v1-sagitta-whole-router.boot').read_text()
    assert _without_release(saved.read_text()) == _without_release(expected)
    backup = saved.with_name('config.boot' + SUFFIX)
    assert backup.read_bytes() == (DATA / 'input' / 'v1-sagitta-whole-router.boot').read_bytes()
    assert f"The original file is kept as '{backup}'" in result.stdout
    assert 'Migrated' not in flow_cli('boot').stdout


# ---- failures leave the file untouched ---------------------------------------

def test_a_malformed_old_file_fails_with_line_and_column(flow_cli):
    path = flow_cli.config_dir / 'broken.boot'
    text = ('system {\n    flow-accounting {\n        interface eth0\n        netflow {\n'
            '            server 192.0.2.1 {\n                port 2055\n        }\n    }\n}\n'
            + V1_FOOTER)
    path.write_text(text)
    result = flow_cli('load', path.name, check=False)
    assert result.returncode == 1
    assert f'{path}:1:8: missing "}}" for "system" opened here' in result.stderr
    assert path.read_text() == text and _backups(path) == []
    assert not (flow_cli.root / 'run/vyflow/working.boot').exists()


def test_a_malformed_footer_fails_with_line_and_column(definitions, tmp_path):
    path = tmp_path / 'footer.boot'
    text = ('system {\n    flow-accounting {\n        interface eth0\n    }\n}\n'
            '/* Warning: Do not remove the following line. */\n'
            '/* === vyatta-config-version: "flow-accounting@x" === */\n'
            '/* Release version: 1.2.8 */\n')
    path.write_text(text)
    with pytest.raises(ConfigParseError, match=r'footer.boot:7:1: malformed component version'):
        read_config(path, definitions)
    assert path.read_text() == text and _backups(path) == []


def test_an_old_file_invalid_after_migration_is_not_rewritten(definitions, tmp_path):
    path = tmp_path / 'typo.boot'
    text = ('system {\n    flow-accounting {\n        interface eth0\n        netflow {\n'
            '            servr 192.0.2.1 {\n            }\n        }\n    }\n}\n' + V1_FOOTER)
    path.write_text(text)
    with pytest.raises(ConfigError, match=r'typo.boot:5:13: Configuration path: '
                                          r'\[system flow-accounting netflow servr'):
        read_config(path, definitions)
    assert path.read_text() == text and _backups(path) == []


def _scripts(tmp_path: Path, scripts: dict[str, str]) -> Path:
    directory = tmp_path / 'migration-scripts' / 'flow-accounting'
    directory.mkdir(parents=True)
    for name, body in scripts.items():
        (directory / name).write_text(body)
    return directory.parent


def _checkout_with(tmp_path: Path, monkeypatch, scripts: dict[str, str]) -> None:
    """A checkout-shaped tree with the real definitions and these scripts."""
    tree = tmp_path / 'checkout'
    (tree / 'src').mkdir(parents=True)
    (tree / 'build').symlink_to(PROJECT_ROOT / 'build')
    _scripts(tree, scripts).rename(tree / 'src' / 'migration-scripts')
    monkeypatch.setenv('VYFLOW_SOURCE_TREE', str(tree))


PASS = 'def migrate(config):\n    return []\n'


def test_a_failing_step_raises_migration_error_and_writes_nothing(definitions, tmp_path,
                                                                  monkeypatch):
    _checkout_with(tmp_path, monkeypatch, {
        '0-to-1': PASS,
        '1-to-2': ('def migrate(config):\n'
                   "    config.delete(['system', 'flow-accounting', 'interface'])\n"
                   "    raise ValueError('cannot cope')\n"),
        '2-to-3': PASS, '3-to-4': PASS})
    path = _copy('v1-pmacct-only-options', tmp_path)
    before = path.read_bytes()
    with pytest.raises(MigrationError, match=r'flow-accounting migration 1-to-2 failed: '
                                             r'ValueError: cannot cope'):
        read_config(path, definitions)
    assert path.read_bytes() == before and _backups(path) == []


def test_a_step_that_changes_the_tree_silently_is_refused(definitions, tmp_path):
    scripts = _scripts(tmp_path, {
        '0-to-1': "def migrate(config):\n    config.delete(['system', 'flow-accounting'])\n",
        '1-to-2': PASS, '2-to-3': PASS, '3-to-4': PASS})
    parsed = parse_config((DATA / 'input' / 'v0-imt-only.boot').read_text())
    with pytest.raises(MigrationError, match='changed the config without saying what'):
        migrate_config(parsed, definitions.component_versions, scripts)


def test_a_gap_in_the_scripts_is_an_incomplete_migration(definitions, tmp_path):
    scripts = _scripts(tmp_path, {'0-to-1': PASS, '1-to-2': PASS, '3-to-4': PASS})
    parsed = parse_config('system {\n}\n' + V1_FOOTER)
    with pytest.raises(MigrationError, match='incomplete migration of flow-accounting'):
        migrate_config(parsed, definitions.component_versions, scripts)


def test_a_file_from_a_newer_system_is_refused(definitions, tmp_path):
    path = tmp_path / 'newer.boot'
    path.write_text('system {\n}\n' + V1_FOOTER.replace('flow-accounting@1', 'flow-accounting@9'))
    with pytest.raises(MigrationError, match=r'flow-accounting@9, newer than this '
                                             r"system's flow-accounting@4"):
        read_config(path, definitions)


def test_unknown_and_missing_components(definitions):
    """Unknown components keep their versions; known ones absent from the
    footer start at 0; a component without scripts jumps to its version."""
    text = 'system {\n}\n' + V1_FOOTER.replace('flow-accounting@1:', '')
    migration = _migrate_text(text, definitions)
    assert [report.step.name for report in migration.reports] == \
        ['0-to-1', '1-to-2', '2-to-3', '3-to-4']
    assert migration.versions == {'flow-accounting': 4, 'interfaces': 32, 'system': 27}
    parsed = parse_config('system {\n}\n')
    assert migrate_config(parsed, {'other': 3}, SCRIPTS).versions == {'other': 3}


# ---- backups -------------------------------------------------------------------

def test_an_existing_backup_is_never_overwritten(definitions, tmp_path):
    path = _copy('v1-sampling-zero', tmp_path)
    original = path.read_bytes()
    first = path.with_name(path.name + SUFFIX)
    first.write_text('an older original\n')
    loaded = read_config(path, definitions)
    assert first.read_text() == 'an older original\n'
    second = path.with_name(path.name + SUFFIX + '.1')
    assert second.read_bytes() == original
    assert f"The original file is kept as '{second}'" in loaded.notices


def test_a_backup_holding_the_same_bytes_is_reused(definitions, tmp_path):
    path = _copy('v1-sampling-zero', tmp_path)
    backup = path.with_name(path.name + SUFFIX)
    backup.write_bytes(path.read_bytes())
    read_config(path, definitions)
    assert _backups(path) == [backup]


def test_the_rewritten_file_and_its_backup_are_0640_as_every_config(definitions, tmp_path):
    path = _copy('v1-sampling-zero', tmp_path)
    path.chmod(0o644)
    read_config(path, definitions)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert stat.S_IMODE(path.with_name(path.name + SUFFIX).stat().st_mode) == 0o640


def test_a_file_that_cannot_be_rewritten_still_loads(definitions, tmp_path, monkeypatch):
    import vyflow.migration.backup as backup

    def read_only(*args, **kwargs):
        raise OSError(30, 'Read-only file system')

    monkeypatch.setattr(backup, 'write_atomic', read_only)
    path = _copy('v1-sampling-zero', tmp_path)
    before = path.read_bytes()
    loaded = read_config(path, definitions)
    assert loaded.tree.find(FLOW + ['netflow', 'sampling-rate']) is None
    assert f'Warning: {path} was not rewritten (Read-only file system); it is unchanged and ' \
           'still holds the original' in loaded.notices
    assert path.read_bytes() == before and _backups(path) == []


def test_messages_are_logged(definitions, tmp_path, caplog):
    path = _copy('v1-sampling-zero', tmp_path)
    with caplog.at_level(logging.INFO, logger='vyflow.migration'):
        read_config(path, definitions)
    logged = [record.getMessage() for record in caplog.records
              if record.name == 'vyflow.migration']
    assert f'{path}: flow-accounting 3-to-4: netflow sampling-rate 0 removed' in \
        '\n'.join(logged)
    assert any('the original is kept as' in line for line in logged)


# ---- single rules the corpus meets only in passing ------------------------------

def _flow(text: str, version: int, definitions: Definitions) -> tuple[ConfigNode, list[str]]:
    footer = V1_FOOTER.replace('flow-accounting@1', f'flow-accounting@{version}')
    migration = _migrate_text(f'system {{\n flow-accounting {{\n{text}\n }}\n}}\n' + footer,
                              definitions)
    return migration.tree.find(FLOW), migration.messages


def test_source_ip_next_to_source_address_gives_way(definitions):
    tree, messages = _flow('netflow {\n source-ip 192.0.2.1\n source-address 192.0.2.2\n'
                           ' server 192.0.2.9 {\n }\n}\ninterface eth0', 0, definitions)
    assert tree.find(['netflow', 'server', '192.0.2.9', 'source-address']).values == ['192.0.2.2']
    assert any('source-ip 192.0.2.1 removed: netflow source-address 192.0.2.2 is also set'
               in message for message in messages)


def test_old_timeouts_next_to_new_ones_give_way(definitions):
    tree, messages = _flow('netflow {\n active-timeout 60\n timeout {\n max-active-life 90\n'
                           ' udp 5\n }\n}', 2, definitions)
    assert tree.find(['netflow', 'active-timeout']).values == ['60']
    assert tree.find(['netflow', 'inactive-timeout']).values == ['5']
    assert tree.find(['netflow', 'timeout']) is None
    assert any('max-active-life 90 removed: netflow active-timeout 60 is also set' in message
               for message in messages)


def test_unknown_old_timeouts_are_left_for_validation(definitions):
    tree, messages = _flow('netflow {\n timeout {\n udp 5\n tcp-syn 7\n }\n}', 2, definitions)
    assert tree.find(['netflow', 'timeout']).list_nodes([]) == ['tcp-syn']


def test_an_engine_id_that_is_no_number_is_removed(definitions):
    tree, messages = _flow('netflow {\n engine-id 1:2x\n version 10\n}', 3, definitions)
    assert tree.find(['netflow', 'engine-id']) is None
    assert messages == ['flow-accounting 3-to-4: netflow engine-id 1:2x removed: it is not a '
                        'number from 0 to 4294967295 that ipt_NETFLOW can send; the default, 0, '
                        'is used']


def test_comments_move_with_their_settings_or_are_reported(definitions):
    tree, messages = _flow('/* uplinks */\ninterface eth0\nnetflow {\n timeout {\n'
                           ' /* short */\n udp 10\n }\n}\n/* pmacct logging */\n'
                           'syslog-facility daemon', 1, definitions)
    assert tree.find(['netflow', 'interface']).comment == 'uplinks'
    assert 'flow-accounting 2-to-3: comment "short" on system flow-accounting netflow timeout ' \
           'udp was dropped with its node; the original file keeps it' in messages
    assert any('comment "pmacct logging"' in message for message in messages)


# ---- any config VyOS accepted ------------------------------------------------------

def _number(low: int, high: int):
    """What VyOS's numeric validator accepts in a range: leading zeros too."""
    return st.builds(lambda number, zeros: '0' * zeros + str(number),
                     st.integers(low, high), st.sampled_from([0, 0, 0, 1, 2]))


_ADDRESSES = st.ip_addresses().map(str)
# The generic interface regex, and any name present in /sys/class/net
_INTERFACES = st.one_of(
    st.from_regex(r'(bond|br|dum|eth|l2tp|peth|pppoe|tun|vti|vtun|vxlan|wg|wlan)[0-9]{1,3}'
                  r'(\.[0-9]{1,4})?', fullmatch=True),
    st.just('lo'), st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1,
                           max_size=20))
_TEXT = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=12)
_FACILITIES = st.sampled_from(['auth', 'cron', 'daemon', 'kern', 'local7', 'syslog', 'all'])
_OLD_TIMEOUTS = ('expiry-interval', 'flow-generic', 'icmp', 'max-active-life', 'tcp-fin',
                 'tcp-generic', 'tcp-rst', 'udp')


@st.composite
def vyos_configs(draw, version: int) -> ConfigNode:
    """A flow-accounting tree as VyOS's tree of ``version`` accepts it (§2 of the facts)."""
    tree = ConfigNode()

    def maybe(path, values) -> None:
        if draw(st.booleans()):
            tree.set(FLOW + path, draw(values))

    for name in draw(st.lists(_INTERFACES, max_size=3, unique=True)):
        tree.set(FLOW + (['netflow', 'interface'] if version == 3 else ['interface']), name,
                 replace=False)
    if draw(st.booleans()):
        tree.set(FLOW + ['enable-egress'])
    maybe(['vrf'], st.one_of(_TEXT, st.from_regex(r'[a-z][a-z0-9]{0,8}', fullmatch=True)))
    if version < 3:
        maybe(['buffer-size'], _number(0, 4294967295))
        if version > 0:
            maybe(['packet-length'], _number(128, 750))
        maybe(['syslog-facility'], _FACILITIES)
        if draw(st.booleans()):
            tree.set(FLOW + ['disable-imt'])
    if draw(st.booleans()) or version == 3:
        base = ['netflow']
        maybe(base + ['engine-id'], st.one_of(_number(0, 4294967295), st.builds(
            '{}:{}'.format, _number(0, 255), _number(0, 255))))
        maybe(base + ['max-flows'], _number(0, 4294967295))
        maybe(base + ['sampling-rate'], _number(0, 4294967295))
        maybe(base + ['version'], st.one_of(st.sampled_from(['5', '9', '10']), _TEXT))
        if version < 3:
            maybe(base + [('source-ip' if version == 0 else 'source-address')], _ADDRESSES)
            for name in draw(st.lists(st.sampled_from(_OLD_TIMEOUTS), unique=True)):
                tree.set(FLOW + base + ['timeout', name], draw(_number(0, 2147483647)))
        else:
            maybe(base + ['active-timeout'], _number(0, 2147483647))
            maybe(base + ['inactive-timeout'], _number(0, 2147483647))
        for server in draw(st.lists(_ADDRESSES, max_size=3, unique=True)):
            path = FLOW + base + ['server', server]
            tree.set(path)
            tree.set_tag(FLOW + base + ['server'])
            if draw(st.booleans()):
                tree.set(path + ['port'], draw(_number(1025, 65535)))
            if version == 3 and draw(st.booleans()):
                tree.set(path + ['source-interface'], draw(_INTERFACES))
    if version < 2 and draw(st.booleans()):
        tree.set(FLOW + ['sflow', 'agent-address'], '192.0.2.1')
        for server in draw(st.lists(_ADDRESSES, max_size=2, unique=True)):
            tree.set(FLOW + ['sflow', 'server', server, 'port'], draw(_number(1025, 65535)))
    return tree


def _leaves(node: ConfigNode, prefix: tuple = ()):
    for path, child in node.walk(prefix):
        if child.values is not None or child.is_bare():
            yield list(path), child.values


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 3).flatmap(lambda version: st.tuples(st.just(version),
                                                           vyos_configs(version))))
def test_any_config_vyos_accepted_migrates_to_a_valid_tree_and_says_what_changed(case):
    version, tree = case
    definitions = Definitions.load(Resources.locate().definitions)
    original = tree.copy()
    parsed = ConfigFile(tree, Footer({'flow-accounting': version, 'system': 27}))
    migration = migrate_config(parsed, definitions.component_versions, SCRIPTS)
    report = validate_tree(migration.tree, definitions)
    assert report.problems == [] and report.foreign_sections == []
    said = ' '.join(message for step in migration.reports for message in step.messages)
    words = set(re.findall(r'[^\s,:;()]+', said))
    for path, values in _leaves(original.find(FLOW) or ConfigNode(), tuple(FLOW)):
        now = migration.tree.find(path)
        if now is None or now.values != values:  # a changed leaf is named, or its subtree
            assert path[-1] in words or ('sflow' in path and 'sflow' in words) or \
                'system flow-accounting removed' in said, path
    text = render_config(migration.tree, migration.versions, 'test')
    again = migrate_config(parse_config(text), definitions.component_versions, SCRIPTS)
    assert not again.changed and again.messages == []


def test_the_scripts_are_executable_and_chain_to_the_system_version(definitions):
    directory = SCRIPTS / 'flow-accounting'
    names = sorted(path.name for path in directory.iterdir())
    version = definitions.component_versions['flow-accounting']
    assert names == [f'{n}-to-{n + 1}' for n in range(version)]
    for name in names:
        assert os.access(directory / name, os.X_OK), name
        assert (directory / name).read_text().startswith('#!/usr/bin/python3\n')


def test_foreign_component_versions_survive_load_commit_and_save(flow_cli):
    """A whole VyOS config keeps telling VyOS how old its other sections are."""
    source = _copy('v1-sagitta-whole-router', flow_cli.config_dir)
    foreign = {name: number for name, number in
               parse_config(source.read_text()).versions.items() if name != 'flow-accounting'}
    assert foreign
    flow_cli('load', source.name)
    flow_cli('commit')
    flow_cli('save')
    saved = parse_config((flow_cli.root / 'etc/vyflow/config.boot').read_text()).versions
    assert saved == {**foreign, 'flow-accounting': 4}
    flow_cli('set', 'system', 'flow-accounting', 'netflow', 'active-timeout', '60')
    flow_cli('commit')
    assert parse_config(flow_cli.running()).versions == saved
