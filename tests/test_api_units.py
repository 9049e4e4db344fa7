"""The API's parts without a server: masking, keys, the failure limit, request
parsing, private sessions, the three-way rebase, showConfig shapes."""

import json
import time
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT
from vyflow.api.auth import FailureLimiter, identify
from vyflow.api.configfile import allowed_file
from vyflow.api.protocol import ApiError
from vyflow.configtree.merge import merge3
from vyflow.api.retrieve import EMPTY, show_config
from vyflow.api.sessions import apply_commands, parse_configure, submitted_secrets
from vyflow.api.settings import ServerSettings, key_digest
from vyflow.configtree import parse_config, render_config
from vyflow.definitions.model import Definitions
from vyflow.definitions.masking import MASK, mask_config_text, mask_secrets, redact, secret_values
from vyflow.paths import Paths

KEY = 'first-key-0123456789'
CONFIG = f'''
service {{
    https {{
        api {{
            keys {{
                id automation {{
                    key "{KEY}"
                }}
            }}
        }}
        port 8443
    }}
}}
pki {{
    certificate web {{
        certificate "MIIBcert"
        private {{
            key "MIIEprivatekeybody"
        }}
    }}
}}
interfaces {{
    wireguard wg0 {{
        private-key "wg-secret-value"
        description "uplink"
    }}
}}
system {{
    flow-accounting {{
        netflow {{
            interface eth0
            interface eth1
            server 192.0.2.1 {{
                port 2055
            }}
        }}
        enable-egress
    }}
}}
'''


@pytest.fixture(scope='module')
def definitions(project_build):
    return Definitions(json.loads((project_build / 'definitions.json').read_text()))


def tree(text=CONFIG):
    return parse_config(text).tree


def test_secret_leaves_and_foreign_key_names_are_masked(definitions):
    original = tree()
    masked = mask_secrets(original, definitions)
    text = render_config(masked)
    for secret in (KEY, 'MIIEprivatekeybody', 'wg-secret-value'):
        assert secret not in text
    assert text.count(MASK) == 3
    assert 'MIIBcert' in text and 'uplink' in text      # not secret: shown
    assert original.return_value(['service', 'https', 'api', 'keys', 'id', 'automation',
                                  'key']) == KEY        # the original is untouched
    assert secret_values(original, definitions) == {KEY, 'MIIEprivatekeybody', 'wg-secret-value'}
    shown = mask_config_text(render_config(original, {'flow-accounting': 4}, '1.0'), definitions)
    assert KEY not in shown and 'vyos-config-version' in shown


def test_redact_hides_the_longest_secret_whole():
    assert redact('a key abcdefgh-XYZ here', {'abcdefgh', 'abcdefgh-XYZ'}) == f'a key {MASK} here'


def test_an_invalid_key_is_never_echoed(definitions):
    with pytest.raises(Exception) as raised:
        definitions.resolve(['service', 'https', 'api', 'keys', 'id', 'a', 'key', 'short'],
                            for_set=True)
    assert 'short' not in str(raised.value) and MASK in str(raised.value)


def test_secret_is_a_leaf_property(tmp_path):
    from vyflow.definitions.compiler import compile_files
    from vyflow.errors import DefinitionError
    source = tmp_path / 'x.xml.in'
    source.write_text('<interfaceDefinition>\n<node name="a">\n<properties>\n<secret/>\n'
                      '</properties>\n</node>\n</interfaceDefinition>\n')
    with pytest.raises(DefinitionError, match='does not match the schema'):
        compile_files([source], PROJECT_ROOT / 'schema' / 'interface_definition.rng')


def test_identify_finds_the_key_id():
    digests = {'one': key_digest('key-number-one'), 'two': key_digest('key-number-two')}
    assert identify('key-number-two', digests) == 'two'
    for wrong in ('key-number-thr', '', None, 'key-number-one ', 'KEY-NUMBER-ONE'):
        assert identify(wrong, digests) is None


def _fastest_pair(first, second, repeat=41, number=5):
    """The best time of each of two functions, measured alternately, so a
    loaded machine slows both alike and the minimum filters the spikes."""
    best = [float('inf'), float('inf')]
    for _ in range(repeat):
        for index, function in enumerate((first, second)):
            start = time.perf_counter()
            for _ in range(number):
                function()
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def test_identify_takes_as_long_for_a_nearly_right_key_as_for_a_wrong_one():
    """A timing probe: with ``==`` on the key, a candidate sharing all but its
    last byte with a 1 MB key costs a 1 MB memcmp more than one differing at
    the first byte (a ratio of several hundred, measured); hashed and compared
    with compare_digest, both cost the same hashing (a ratio near 1). The
    bounds leave room for a loaded machine, not for a leak."""
    key = 'k' * 1_000_000
    digests = {'big': key_digest(key)}
    close, far = key[:-1] + 'x', 'x' + key[1:]
    slow, fast = _fastest_pair(lambda: identify(close, digests), lambda: identify(far, digests))
    assert 0.5 < slow / fast < 2, slow / fast


def test_failures_are_limited_per_address():
    limiter = FailureLimiter(allowed=3, window=0.5)
    for _ in range(3):
        assert limiter.retry_after('192.0.2.1') == 0
        limiter.failed('192.0.2.1')
    assert 0 < limiter.retry_after('192.0.2.1') <= 0.5
    assert limiter.retry_after('192.0.2.2') == 0        # another address is not affected
    time.sleep(0.6)
    assert limiter.retry_after('192.0.2.1') == 0        # the window moved on


def test_the_failure_table_is_bounded():
    limiter = FailureLimiter(allowed=2, window=60, tracked=100)
    for number in range(1000):
        limiter.failed(f'10.0.{number // 256}.{number % 256}')
    assert len(limiter._failures) == 100


def test_parse_configure_shapes():
    single = parse_configure({'op': 'set', 'path': ['a', 'b'], 'value': 'c', 'url': 'ignored'})
    assert [(c.op, c.words) for c in single.commands] == [('set', ['a', 'b', 'c'])]
    listed = parse_configure({'commands': [{'op': 'delete', 'path': ['a']},
                                           {'op': 'set', 'path': ['a', 'b'], 'value': 5}],
                              'confirm_time': 2})
    assert [c.words for c in listed.commands] == [['a'], ['a', 'b', '5']]
    assert listed.confirm_minutes == 2
    first = parse_configure({'commands': [{'op': 'set', 'path': ['a'], 'confirm_time': 1}]})
    assert first.confirm_minutes == 1                   # as mcp-server-vyos sends it
    assert parse_configure({'op': 'confirm', 'path': []}).confirm_only
    for bad, message in (({'op': 'sett', 'path': ['a']}, "'sett' is not a valid operation"),
                         ({'op': 'set'}, 'needs a non-empty "path"'),
                         ({'op': 'set', 'path': 'a b'}, 'must be a list of strings'),
                         ({'commands': []}, 'non-empty list'),
                         ({'op': 'set', 'path': ['a'], 'value': ['x']}, 'must be a string'),
                         ({'op': 'set', 'path': ['a'], 'confirm_time': -1}, 'confirm_time')):
        with pytest.raises(ApiError, match=message):
            parse_configure(bad)


def test_commands_apply_to_a_private_copy_with_the_cli_messages(definitions):
    base = tree()
    request = parse_configure({'commands': [
        {'op': 'set', 'path': ['system', 'flow-accounting', 'netflow', 'version', '10']},
        {'op': 'delete', 'path': ['system', 'flow-accounting', 'netflow', 'interface', 'eth1']},
        {'op': 'delete', 'path': ['system', 'flow-accounting', 'netflow', 'sampling-rate']},
        {'op': 'comment', 'path': ['system', 'flow-accounting'], 'value': 'by the API'}]})
    changed = apply_commands(base.copy(), request.commands, definitions, strict=False)
    netflow = changed.find(['system', 'flow-accounting', 'netflow'])
    assert netflow.children['version'].values == ['10']
    assert netflow.children['interface'].values == ['eth0']
    assert changed.find(['system', 'flow-accounting']).comment == 'by the API'
    strict = parse_configure({'op': 'delete', 'path': ['system', 'flow-accounting', 'vrf']})
    with pytest.raises(ApiError, match=r'Cannot delete \[system flow-accounting vrf\]'):
        apply_commands(base.copy(), strict.commands, definitions, strict=True)
    bad = parse_configure({'op': 'set', 'path': ['system', 'flow-accounting', 'netflow',
                                                 'version', '7']})
    with pytest.raises(ApiError) as raised:
        apply_commands(base.copy(), bad.commands, definitions, strict=False)
    assert str(raised.value).startswith('Invalid value "7" for [system flow-accounting '
                                        'netflow version]')
    assert str(raised.value).endswith('\n\nSet failed')


def test_submitted_secrets_are_found(definitions):
    request = parse_configure({'commands': [
        {'op': 'set', 'path': ['service', 'https', 'api', 'keys', 'id', 'x', 'key', 'new-key-1234']},
        {'op': 'set', 'path': ['service', 'https', 'port', '443']}]})
    assert submitted_secrets(request.commands, definitions) == {'new-key-1234'}


def test_show_config_shapes(definitions):
    view = tree()
    netflow = ['system', 'flow-accounting', 'netflow']
    assert show_config(view, netflow + ['server'], 'json') == {'192.0.2.1': {'port': '2055'}}
    assert show_config(view, netflow + ['interface'], 'json') == {'interface': ['eth0', 'eth1']}
    assert show_config(view, netflow + ['server', '192.0.2.1', 'port'], 'json') == {'port': '2055'}
    assert show_config(view, ['system', 'flow-accounting', 'enable-egress'], 'json') == \
        {'enable-egress': {}}
    assert 'server 192.0.2.1 {' in show_config(view, netflow, 'raw')
    for missing in (netflow + ['vrf'], ['nothing'], ['service', 'https', 'nope']):
        with pytest.raises(ApiError) as raised:
            show_config(view, missing, 'json')
        assert str(raised.value) == EMPTY == 'Configuration under specified path is empty\n'
    with pytest.raises(ApiError, match=EMPTY):
        show_config(tree(''), [], 'json')
    with pytest.raises(ApiError, match='json_ast'):
        show_config(view, [], 'json_ast')


def test_rebase_keeps_both_sides():
    base = tree('a {\n    x 1\n    y 1\n}\nb {\n    z 1\n}\n')
    session = tree('a {\n    x 2\n    y 1\n}\nb {\n    z 1\n}\nc 1\n')      # edited x, added c
    committed = tree('a {\n    x 1\n    y 3\n}\n')                            # edited y, deleted b
    merged = merge3(base, session, committed)
    assert render_config(merged) == 'a {\n    x "2"\n    y "3"\n}\nc "1"\n'
    conflict = merge3(tree('a 1\n'), tree('a 2\n'), tree('a 3\n'))
    assert render_config(conflict) == 'a "2"\n'                               # the session's value
    emptied = merge3(tree('t {\n    p 1\n    q 1\n}\n'), tree('t {\n    q 1\n}\n'),
                     tree('t {\n    p 1\n}\n'))
    assert emptied is None                                      # nothing left below the root


def test_files_only_in_the_config_directory(tmp_path):
    paths = Paths(tmp_path)
    directory = Path(paths.config_dir)
    assert allowed_file(paths, None) == Path(paths.saved_config)
    assert allowed_file(paths, 'other.boot') == directory / 'other.boot'
    assert allowed_file(paths, '/etc/vyflow/x.boot') == directory / 'x.boot'
    for bad in ('../x', '/etc/passwd', 'sub/x', '/etc/vyflow/../shadow', 5, 'a\0b'):
        with pytest.raises(ApiError):
            allowed_file(paths, bad)


def test_settings_round_trip():
    settings = ServerSettings(keys={'a': key_digest('k' * 8)}, port=8443,
                              allow_clients=('192.0.2.0/24',), tls_versions=('1.3',))
    assert ServerSettings.from_json(settings.to_json()) == settings
    assert 'k' * 8 not in settings.to_json()


def test_listening_sockets_are_tcp_by_protocol():
    """asyncio sets TCP_NODELAY on accepted connections only for sockets made
    with IPPROTO_TCP; without it every answer waits for a delayed ACK."""
    import socket
    from vyflow.api.server import listening_sockets
    sockets = listening_sockets(ServerSettings(keys={}, port=0, listen=('127.0.0.1',)))
    try:
        assert [sock.proto for sock in sockets] == [socket.IPPROTO_TCP]
    finally:
        for sock in sockets:
            sock.close()
