"""The API's defences against a real server: keys, the failure limit, bodies,
TLS versions and suites, allow-client, and keys absent from every output.

The server runs with a permissive OpenSSL configuration (TLS 1.0, SECLEVEL 0)
so that what refuses old protocols and CBC/SHA-1 suites is the server's own
TLS context, not Debian's system defaults; openssl s_client probes it with
the same permissive configuration."""

import http.client
import json
import os
import subprocess

import pytest

from conftest import Cli
from helpers.apiserver import ApiServer, form, network_namespace

KEY = 'security-key-0123456789'
NEW_KEY = 'added-by-api-key-42'
WRONG_KEYS = ['security-key-012345678X', 'k9#q', 'Security-key-0123456789', 'guess-number-0001']
PERMISSIVE = """openssl_conf = default_conf
[default_conf]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MinProtocol = TLSv1
CipherString = ALL:@SECLEVEL=0
"""
answers = []          # every answer body this module received, checked for keys at the end


@pytest.fixture(scope='module')
def api(tmp_path_factory):
    base = tmp_path_factory.mktemp('api-security')
    cli = Cli(base / 'root')
    cli('set', 'service', 'https', 'api', 'keys', 'id', 'sec', 'key', KEY)
    cli('commit')
    openssl_conf = base / 'openssl-permissive.cnf'
    openssl_conf.write_text(PERMISSIVE)
    with network_namespace(f'api-sec-{os.getpid()}'):
        server = ApiServer(cli.root, base / 'server.log',
                           extra_env={'OPENSSL_CONF': str(openssl_conf)}).start()
        server.cli, server.openssl_conf = cli, openssl_conf
        try:
            yield server
        finally:
            server.stop()


def call(api, endpoint, body=None, **options):
    status, answer = api.call(endpoint, body, **options)
    answers.append(json.dumps(answer))
    return status, answer


def test_missing_and_wrong_keys_are_refused(api):
    request = {'op': 'exists', 'path': ['service']}
    for body in (request, dict(request, key=''), dict(request, key=None), dict(request, key=5),
                 dict(request, key=['security-key-0123456789'])):
        assert call(api, '/retrieve', body, source='127.0.0.2') == \
            (401, {'success': False, 'data': None, 'error': 'Valid API key is required'})
    for wrong in WRONG_KEYS:
        assert call(api, '/retrieve', form=form(request, wrong), source='127.0.0.3')[0] == 401
    assert call(api, '/retrieve', dict(request, key=KEY))[1]['data'] is True


def test_a_flood_of_bad_keys_is_limited_per_address(api):
    request = {'op': 'exists', 'path': ['service']}
    statuses = [call(api, '/retrieve', dict(request, key=f'bad-key-{n:04d}'),
                     source='127.0.0.9')[0] for n in range(25)]
    assert statuses[:10] == [401] * 10 and set(statuses[10:]) == {429}
    status, body = call(api, '/retrieve', dict(request, key=KEY), source='127.0.0.9')
    assert status == 429 and 'Too many failed authentications' in body['error']
    connection = api.connection('127.0.0.9')
    connection.request('POST', '/retrieve', body=json.dumps(dict(request, key=KEY)))
    response = connection.getresponse()
    response.read()
    assert 0 < int(response.getheader('Retry-After')) <= 60
    connection.close()
    assert call(api, '/retrieve', dict(request, key=KEY), source='127.0.0.1')[0] == 200


def raw_exchange(api, head: bytes, body: bytes) -> tuple[int, dict]:
    """Send a request as bytes, stopping quietly if the server hangs up
    mid-body (as it may when it refuses one), and read the answer."""
    import socket
    with socket.create_connection(('127.0.0.1', 443), timeout=60) as plain:
        with api.context().wrap_socket(plain, server_hostname='localhost') as tls:
            tls.sendall(head)
            try:
                for start in range(0, len(body), 65536):
                    tls.sendall(body[start:start + 65536])
            except OSError:
                pass
            received = b''
            try:
                while chunk := tls.recv(65536):
                    received += chunk
            except OSError:
                pass
    header, _, payload = received.partition(b'\r\n\r\n')
    answers.append(payload.decode())
    return int(header.split()[1]), json.loads(payload)


def test_oversized_bodies_are_refused_before_they_are_read(api):
    big = json.dumps({'op': 'exists', 'path': ['service'], 'key': KEY,
                      'padding': 'x' * (1024 * 1024 + 1)}).encode()
    declared = (f'POST /retrieve HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json'
                f'\r\nContent-Length: {len(big)}\r\n\r\n').encode()
    status, body = raw_exchange(api, declared, b'')          # the body is never sent
    assert status == 413 and 'request-body-size-limit' in body['error']
    chunked = (b'POST /retrieve HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json'
               b'\r\nTransfer-Encoding: chunked\r\n\r\n')
    chunks = b''.join(b'%x\r\n%s\r\n' % (len(big[i:i + 65536]), big[i:i + 65536])
                      for i in range(0, len(big), 65536)) + b'0\r\n\r\n'
    status, body = raw_exchange(api, chunked, chunks)
    assert status == 413 and 'request-body-size-limit' in body['error']
    fits = json.dumps({'op': 'exists', 'path': ['service'], 'key': KEY,
                       'padding': 'x' * 900_000}).encode()
    assert call(api, '/retrieve', raw=fits)[0] == 200


def test_malformed_bodies_get_a_400_and_no_traceback(api):
    cases = [dict(raw=b'{"op": "exists", "key": '),
             dict(raw=b'\xff\xfe{not json'),
             dict(raw=b'[1, 2]'),
             dict(raw=b'"just a string"'),
             dict(form={'data': 'not json', 'key': KEY}),
             dict(form={'data': '42', 'key': KEY}),
             dict(raw=b'--xyz\r\nContent-Disposition: form-data; name="data"\r\n\r\n{"op"',
                  content_type='multipart/form-data; boundary=xyz')]
    for case in cases:
        status, body = call(api, '/retrieve', **case)
        # a multipart body cut short holds no complete "data" field: the 422 of a form without it
        assert status == (422 if 'multipart' in case.get('content_type', '') else 400)
        assert body['success'] is False, (case, body)
        assert 'Traceback' not in body['error']
    for data in ({'commands': 'set x'}, {'op': 'set', 'path': [1, 2]},
                 {'op': 'set', 'path': ['system'], 'value': {'a': 1}}):
        status, body = call(api, '/configure', dict(data, key=KEY))
        assert status == 400 and body['success'] is False, data


def s_client(api, *options):
    return subprocess.run(['openssl', 's_client', '-connect', '127.0.0.1:443', '-servername',
                           'localhost', *options], input='', capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, OPENSSL_CONF=str(api.openssl_conf)))


def negotiated(result) -> bool:
    return result.returncode == 0 and 'Cipher is (NONE)' not in result.stdout \
        and 'Cipher is ' in result.stdout


def test_tls_1_0_and_1_1_and_cbc_or_sha1_suites_are_refused(api):
    for option in ('-tls1', '-tls1_1'):
        result = s_client(api, option, '-cipher', 'ALL:@SECLEVEL=0')
        assert not negotiated(result), result.stdout
    for suite in ('ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA384',
                  'ECDHE-ECDSA-AES128-SHA256', 'ECDHE-RSA-AES128-SHA', 'AES128-GCM-SHA256'):
        result = s_client(api, '-tls1_2', '-cipher', suite + ':@SECLEVEL=0')
        assert not negotiated(result), suite
    good = s_client(api, '-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256')
    assert negotiated(good) and 'ECDHE-ECDSA-AES128-GCM-SHA256' in good.stdout
    assert negotiated(s_client(api, '-tls1_3'))


def test_allow_client_refuses_other_addresses(api):
    base = ['service', 'https', 'allow-client', 'address']
    assert call(api, '/configure', {'op': 'set', 'path': base + ['127.0.0.0/30'],
                                    'key': KEY})[0] == 200
    request = {'op': 'exists', 'path': ['service'], 'key': KEY}
    assert call(api, '/retrieve', request, source='127.0.0.5') == \
        (403, {'success': False, 'data': None, 'error': 'Client address not allowed'})
    assert call(api, '/retrieve', request, source='127.0.0.2')[0] == 200
    assert call(api, '/configure', {'op': 'delete', 'path': base[:-1], 'key': KEY})[0] == 200
    assert call(api, '/retrieve', request, source='127.0.0.5')[0] == 200


def test_keys_never_appear_in_any_output(api):
    """Set a key through the API, try a bad one, read everything back every
    way there is; then look for the keys in every answer, the log, the
    settings file and the CLI's views of the archive."""
    keys = ['service', 'https', 'api', 'keys', 'id']
    assert call(api, '/configure', {'op': 'set', 'path': keys + ['new', 'key', NEW_KEY],
                                    'key': KEY})[0] == 200
    status, body = call(api, '/configure', {'op': 'set', 'path': keys + ['bad', 'key', 'has space'],
                                            'key': NEW_KEY})
    assert status == 400 and 'has space' not in body['error']
    for op, path in (('showConfig', []), ('showConfig', keys), ('returnValue', keys + ['new', 'key']),
                     ('returnValues', keys + ['sec', 'key'])):
        status, body = call(api, '/retrieve', {'op': op, 'path': path, 'key': NEW_KEY})
        assert status == 200 and '****************' in json.dumps(body['data']), op
    for words in (['system', 'commit'], ['system', 'commit', 'file', '0'],
                  ['system', 'commit', 'diff', '0']):
        status, body = call(api, '/show', {'op': 'show', 'path': words, 'key': KEY})
        assert status == 200, body
    assert '****************' in answers[-1]              # the diff shows the key changed
    cli_views = [api.cli('show', 'system', 'commit', 'file', '0').stdout,
                 api.cli('show', 'system', 'commit', 'diff', '0').stdout,
                 api.cli('show', 'system', 'commit', 'file', '0', '--json').stdout]
    files = [api.log.read_text(), (api.root / 'run/vyflow/https/api.json').read_text()]
    vyflow_log = api.root / 'var/log/vyflow/vyflow.log'
    files += [vyflow_log.read_text()] if vyflow_log.exists() else []
    for text in answers + cli_views + files:
        for secret in [KEY, NEW_KEY, 'has space'] + WRONG_KEYS:
            assert secret not in text
    assert 'sec' in api.cli('show', 'system', 'commit').stdout      # the key ID is shown
    assert json.loads(api.cli('show', 'system', 'commit', '--json').stdout)[0]['user'] == 'sec'


def test_only_tls_is_spoken(api):
    connection = http.client.HTTPConnection('127.0.0.1', 443, timeout=30)
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        connection.request('POST', '/retrieve', body=json.dumps({'key': KEY, 'op': 'exists'}))
        connection.getresponse().read()
    connection.close()


def test_a_damaged_running_config_is_a_500_that_shows_nothing_of_it(api):
    running = api.root / 'var/lib/vyflow/running.boot'
    original = running.read_bytes()
    running.write_text('service {\n    https {\n        key "damaged-secret-value\n')
    try:
        status, body = call(api, '/retrieve', {'op': 'showConfig', 'path': [], 'key': KEY})
        assert (status, body['error']) == (500, 'An internal error occurred. Check the logs '
                                                'for details.')
    finally:
        running.write_bytes(original)
    assert call(api, '/retrieve', {'op': 'exists', 'path': [], 'key': KEY})[0] == 200
    assert 'damaged-secret-value' not in api.log.read_text()
    assert 'cannot read the running configuration (ConfigParseError' in api.log.read_text()
