"""The API contract against a real server (temp --root, loopback in a private
network namespace): request encodings, envelope and status codes, retrieve,
configure as one all-or-nothing commit, config-file, show, info, the CLI's
configure session left alone, commit-confirm, the Terraform providers' and
curl's exact request shapes."""

import json
import os
import subprocess
import time

import pytest

from conftest import VYFLOW, Cli
from helpers.apiserver import ApiServer, form, network_namespace
from helpers.confirm import wait_for

KEY = 'automation-key-0123456789'
OTHER_KEY = 'ops-key-9876543210'
NETFLOW = ['system', 'flow-accounting', 'netflow']
EMPTY = 'Configuration under specified path is empty\n'


@pytest.fixture(scope='module')
def api(tmp_path_factory):
    """A router root with two keys and its API server, in a namespace of its own."""
    base = tmp_path_factory.mktemp('api')
    cli = Cli(base / 'root')
    for words in (['api', 'keys', 'id', 'automation', 'key', KEY],
                  ['api', 'keys', 'id', 'ops', 'key', OTHER_KEY]):
        cli('set', 'service', 'https', *words)
    cli('set', *NETFLOW, 'interface', 'eth0')         # flow accounting to change in tests
    cli('set', *NETFLOW, 'server', '192.0.2.1')
    cli('commit')
    with network_namespace(f'api-test-{os.getpid()}'):
        server = ApiServer(cli.root, base / 'server.log').start()
        server.cli = cli
        try:
            yield server
        finally:
            server.stop()


def call(api, endpoint, key=KEY, **data):
    return api.call(endpoint, dict(data, key=key))


def archive(api):
    """Revisions, newest first, as show system commit --json lists them."""
    return json.loads(api.cli('show', 'system', 'commit', '--json').stdout)


def test_json_form_and_curl_bodies_are_all_understood(api):
    request = {'op': 'exists', 'path': ['service', 'https']}
    assert api.call('/retrieve', dict(request, key=KEY)) == \
        (200, {'success': True, 'data': True, 'error': None})
    assert api.call('/retrieve', form=form(request, KEY))[1]['data'] is True
    curl = subprocess.run(['curl', '-s', '--cacert', str(api.certificate),
                           'https://127.0.0.1/retrieve', '-d',
                           json.dumps(dict(request, key=KEY))],
                          capture_output=True, text=True, timeout=60)
    assert json.loads(curl.stdout) == {'success': True, 'data': True, 'error': None}
    unknown = dict(request, key=KEY, url='https://127.0.0.1/retrieve', extra=[1])
    assert api.call('/retrieve', unknown)[1]['data'] is True       # unknown fields ignored


def test_envelope_and_status_codes(api):
    assert api.call('/retrieve', {'op': 'exists', 'path': []}) == \
        (401, {'success': False, 'data': None, 'error': 'Valid API key is required'})
    assert api.call('/retrieve', form={'key': KEY}) == \
        (422, {'success': False, 'data': None, 'error': 'Non-empty data field is required'})
    status, body = api.call('/retrieve', form={'key': KEY, 'data': '{"op": '})
    assert status == 400 and body['error'].startswith('Failed to parse JSON')
    status, body = call(api, '/retrieve', op='dump', path=[])
    assert status == 400 and body['error'].startswith("'dump' is not a valid operation")
    status, body = call(api, '/nowhere', op='x')
    assert (status, body['success'], body['error']) == (404, False, 'Not Found')
    for endpoint in ('/generate', '/reset', '/reboot', '/poweroff'):
        status, body = call(api, endpoint, op=endpoint[1:], path=['now'])
        assert status == 400 and 'not supported by vyflow' in body['error'], endpoint
        assert body['success'] is False
    status, body = api.call('/reboot', {'op': 'reboot', 'path': ['now'], 'key': 'wrong-key'})
    assert status == 401                                  # the key is checked first


def test_retrieve_operations(api):
    assert call(api, '/configure', commands=[
        {'op': 'set', 'path': NETFLOW + ['interface', 'eth0']},
        {'op': 'set', 'path': NETFLOW + ['interface', 'eth1']},
        {'op': 'set', 'path': NETFLOW + ['server', '192.0.2.1', 'port'], 'value': '2055'}])[0] == 200
    assert call(api, '/retrieve', op='showConfig', path=NETFLOW + ['server'])[1]['data'] == \
        {'192.0.2.1': {'port': '2055'}}
    assert call(api, '/retrieve', op='showConfig', path=NETFLOW + ['interface'])[1]['data'] == \
        {'interface': ['eth0', 'eth1']}
    whole = api.call('/retrieve', {'op': 'showConfig', 'key': KEY})[1]['data']   # pyvyos 0.4
    assert whole['system']['flow-accounting']['netflow']['interface'] == ['eth0', 'eth1']
    assert call(api, '/retrieve', op='returnValues', path=NETFLOW + ['interface'])[1]['data'] == \
        ['eth0', 'eth1']
    assert call(api, '/retrieve', op='returnValues', path=NETFLOW + ['nothing'])[1]['data'] == []
    assert call(api, '/retrieve', op='returnValue',
                path=NETFLOW + ['server', '192.0.2.1', 'port'])[1]['data'] == '2055'
    assert call(api, '/retrieve', op='exists', path=NETFLOW + ['interface', 'eth1'])[1]['data']
    assert not call(api, '/retrieve', op='exists', path=NETFLOW + ['interface', 'eth9'])[1]['data']
    assert call(api, '/retrieve', op='showConfig', path=NETFLOW + ['vrf']) == \
        (400, {'success': False, 'data': None, 'error': EMPTY})
    raw = call(api, '/retrieve', op='showConfig', path=NETFLOW, configFormat='raw')[1]['data']
    assert 'server 192.0.2.1 {' in raw


def test_a_list_is_one_commit_and_all_or_nothing(api):
    before = archive(api)
    running = api.cli.running()
    status, body = call(api, '/configure', commands=[
        {'op': 'set', 'path': NETFLOW + ['interface', 'eth5']},
        {'op': 'set', 'path': NETFLOW + ['version', '7']},
        {'op': 'set', 'path': NETFLOW + ['interface', 'eth6']}])
    assert status == 400 and body['success'] is False
    assert body['error'] == ('Invalid value "7" for [system flow-accounting netflow version]: '
                             'NetFlow version must be 5, 9 or 10\nAllowed values: 5: NetFlow '
                             'version 5 (IPv4 only); 9: NetFlow version 9; 10: IPFIX (NetFlow '
                             'version 10)\n\nSet failed')
    cli_error = api.cli('set', *NETFLOW, 'version', '7', check=False).stderr
    assert body['error'] == cli_error.rstrip('\n')        # exactly what the CLI says
    assert api.cli.running() == running and archive(api) == before
    status, body = call(api, '/configure', commands=[
        {'op': 'set', 'path': NETFLOW + ['interface', 'eth5']},
        {'op': 'set', 'path': NETFLOW + ['interface', 'eth6']},
        {'op': 'delete', 'path': NETFLOW + ['interface', 'eth5']}], key=OTHER_KEY)
    assert status == 200 and body['success'] is True
    after = archive(api)
    assert len(after) == len(before) + 1                  # one commit for the list
    assert (after[0]['via'], after[0]['user']) == ('api', 'ops')   # the key ID, never the key
    interfaces = call(api, '/retrieve', op='returnValues', path=NETFLOW + ['interface'])[1]
    assert 'eth6' in interfaces['data'] and 'eth5' not in interfaces['data']


def test_the_cli_session_is_never_committed_and_keeps_its_edits(api):
    cli = api.cli
    cli('set', *NETFLOW, 'sampling-rate', '100')          # pending in the CLI's session
    assert call(api, '/configure', op='set', path=NETFLOW + ['active-timeout', '600'])[0] == 200
    running = cli.running()
    assert 'active-timeout "600"' in running and 'sampling-rate' not in running
    compare = cli('compare').stdout
    assert '+ sampling-rate 100' in compare and 'active-timeout' not in compare
    cli('commit')                                         # the CLI keeps the API's change
    running = cli.running()
    assert 'active-timeout "600"' in running and 'sampling-rate "100"' in running


def test_terraform_request_shapes(api):
    """thomasfinstad/vyos-rolling: one form-encoded list per resource, deletes
    (some of absent paths) then sets; reads with exists, then showConfig."""
    resource = NETFLOW + ['server', '198.51.100.7']
    commands = [{'op': 'delete', 'path': resource + ['source-address']},
                {'op': 'delete', 'path': resource + ['port']},
                {'op': 'set', 'path': resource + ['port', '4739']},
                {'op': 'set', 'path': resource + ['source-address', '127.0.0.1']}]
    status, body = api.call('/configure', form=form(commands, KEY))
    assert (status, body['success'], body['error']) == (200, True, None), body
    assert api.call('/retrieve', form=form({'op': 'exists', 'path': resource}, KEY))[1]['data']
    shown = api.call('/retrieve', form=form({'op': 'showConfig', 'path': resource}, KEY))[1]
    assert shown['data'] == {'port': '4739', 'source-address': '127.0.0.1'}
    deleted = api.call('/configure', form=form([{'op': 'delete', 'path': resource}], KEY))
    assert deleted[0] == 200
    assert not api.call('/retrieve', form=form({'op': 'exists', 'path': resource}, KEY))[1]['data']
    gone = api.call('/retrieve', form=form({'op': 'showConfig', 'path': resource}, KEY))
    assert gone == (400, {'success': False, 'data': None, 'error': EMPTY})   # "not found"


def test_foltik_provider_request_shapes(api):
    """foltik/vyos (vyos-client-go): lists with a separate "value", showConfig
    of a leaf unwrapped from {leaf: value}, save with no path and no file."""
    leaf = NETFLOW + ['hash-size']
    commands = [{'op': 'set', 'path': leaf, 'value': '65536'}]
    assert api.call('/configure', form=form(commands, KEY))[0] == 200
    assert api.call('/retrieve', form=form({'op': 'showConfig', 'path': leaf}, KEY))[1]['data'] \
        == {'hash-size': '65536'}
    whole = api.call('/retrieve', form=form({'op': 'showConfig', 'path': []}, KEY))[1]['data']
    assert whole['system']['flow-accounting']['netflow']['hash-size'] == '65536'
    assert api.call('/config-file', form=form({'op': 'save'}, KEY))[1]['success'] is True
    deleted = [{'op': 'delete', 'path': leaf, 'value': '65536'}]
    assert api.call('/configure', form=form(deleted, KEY))[0] == 200
    assert api.call('/retrieve', form=form({'op': 'showConfig', 'path': leaf}, KEY))[1] == \
        {'success': False, 'data': None, 'error': EMPTY}


def test_config_file_operations(api):
    saved = api.cli.root / 'etc/vyflow/config.boot'
    status, body = api.call('/config-file', form=form({'op': 'save', 'path': []}, KEY))
    assert status == 200 and body['data'] == f"Saving configuration to '{saved}'... Done"
    assert saved.read_text() == api.cli.running()
    assert call(api, '/config-file', op='save', file='copy.boot')[0] == 200
    status, body = call(api, '/config-file', op='save', file='/etc/passwd')
    assert status == 400 and 'only there' in body['error']
    merged = ('system {\n    flow-accounting {\n        netflow {\n'
              '            interface eth7\n        }\n    }\n}\n')
    status, body = call(api, '/config-file', op='merge', string=merged)
    assert status == 200
    assert 'eth7' in call(api, '/retrieve', op='returnValues', path=NETFLOW + ['interface'])[1]['data']
    status, body = call(api, '/config-file', op='load', file='copy.boot')
    assert status == 200
    assert 'eth7' not in call(api, '/retrieve', op='returnValues',
                              path=NETFLOW + ['interface'])[1]['data']
    assert archive(api)[0]['via'] == 'api'
    status, body = call(api, '/config-file', op='merge',
                        string='system {\n    flow-accounting {\n        bogus 1\n    }\n}\n')
    assert status == 400
    assert body['error'] == ('<string> cannot be loaded:\n<string>:3:9: Configuration path: '
                             '[system flow-accounting bogus] is not valid')
    assert call(api, '/config-file', op='confirm')[1]['data'] == 'No confirm pending'


def test_show_answers_with_the_cli_text(api):
    assert call(api, '/configure', op='set', path=NETFLOW + ['interface', 'eth3'])[0] == 200
    status, body = call(api, '/show', op='show', path=['system', 'commit'])
    assert status == 200
    assert body['data'] == api.cli('show', 'system', 'commit').stdout.rstrip('\n')
    assert 'by automation  via api' in body['data']
    status, body = call(api, '/show', op='show', path=['flow-accounting'])
    cli = api.cli('show', 'flow-accounting', check=False)
    if cli.returncode == 0:
        assert (status, body['data']) == (200, cli.stdout.rstrip('\n'))
    else:                                   # no module on this host: the same message
        assert (status, body['error']) == (400, cli.stderr.rstrip('\n'))
    status, body = call(api, '/show', op='show', path=['nonsense'])
    assert status == 400 and body['error'].startswith('Invalid command: show nonsense')


def test_info_needs_no_key(api):
    status, body = api.call('/info', method='GET')
    assert status == 200 and body['success']
    assert body['data']['version'].startswith('vyflow ') and body['data']['hostname']
    assert api.call('/info?hostname=false', method='GET')[1]['data']['hostname'] == ''
    status, body = api.call('/info?version=perhaps', method='GET')
    assert status == 400 and body['error'].startswith('Invalid query: query.version')


def test_commit_confirm_reverts_unless_confirmed(api):
    path = NETFLOW + ['inactive-timeout']
    value = lambda: call(api, '/retrieve', op='returnValues', path=path)[1]['data']  # noqa: E731
    assert value() == []
    status, body = call(api, '/configure', op='set', path=path + ['30'], confirm_time=0.05)
    assert status == 200 and 'Initialized commit-confirm' in body['data']
    assert value() == ['30']
    assert wait_for(lambda: value() == [], timeout=30), 'not reverted'
    assert archive(api)[0]['comment'] == 'commit-confirm: not confirmed in time, reverted'
    status, body = call(api, '/configure', op='set', path=path + ['40'], confirm_time=0.05)
    assert status == 200
    assert call(api, '/configure', op='confirm', path=[])[1]['data'].startswith('Confirmed')
    time.sleep(5)                                         # past the deadline
    assert value() == ['40']
    pending = api.cli.root / 'run/vyflow/commit-confirm.json'
    assert not pending.exists()


def test_bad_paths_and_values_give_the_cli_message(api):
    cases = [(NETFLOW + ['nope', '1'], 'set'), (NETFLOW + ['server', 'not-an-ip'], 'set'),
             (NETFLOW + ['interface'], 'set'), (['system', 'nothing'], 'delete')]
    for path, op in cases:
        status, body = call(api, '/configure', op=op, path=path)
        cli = subprocess.run(['/usr/bin/python3', VYFLOW, '--root', str(api.cli.root), op,
                              *path], capture_output=True, text=True, env=api.cli.env)
        assert status == 400 and body['error'] == cli.stderr.rstrip('\n'), path
        assert 'Traceback' not in body['error']
