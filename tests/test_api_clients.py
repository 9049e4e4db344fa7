"""Real clients against a real server: pyvyos from PyPI (in a throw-away venv,
cached between runs) drives a vyflow router exactly as it drives VyOS."""

import json
import os
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT, Cli
from helpers.apiserver import ApiServer, network_namespace

PYVYOS = 'pyvyos==0.4.1'
KEY = 'pyvyos-key-0123456789'
FIXTURES = PROJECT_ROOT / 'tests' / 'fixtures' / 'ipt-netflow' / 'proc'
CACHE = Path(os.environ.get('VYFLOW_TEST_CACHE', Path.home() / '.cache' / 'vyflow')) \
    / 'pyvyos-0.4.1-venv'


def pyvyos_python() -> Path:
    """The venv's python with pyvyos installed: built once under a temporary
    name and renamed into the cache (``bin/python`` works from anywhere)."""
    python = CACHE / 'bin' / 'python'
    if python.exists():
        return python
    building = CACHE.with_name(f'{CACHE.name}.building-{os.getpid()}')
    venv.EnvBuilder(with_pip=True, clear=True).create(building)
    result = subprocess.run([str(building / 'bin' / 'python'), '-m', 'pip', 'install', '-q',
                             '--disable-pip-version-check', PYVYOS],
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        pytest.skip(f'cannot install {PYVYOS} from PyPI: {result.stderr.strip()[-300:]}')
    os.rename(building, CACHE)
    return python


def test_pyvyos_drives_a_vyflow_router(tmp_path):
    python = pyvyos_python()
    cli = Cli(tmp_path / 'root')
    cli('set', 'service', 'https', 'api', 'keys', 'id', 'pyvyos', 'key', KEY)
    cli('commit')
    # the module's /proc files from a real capture, so "show flow-accounting" has a module
    proc = cli.root / 'proc/net/stat'
    proc.mkdir(parents=True)
    for name, capture in (('ipt_netflow', 'stat-v9-traffic.txt'),
                          ('ipt_netflow_flows', 'flows-v9-ipv4-ipv6-vlan.txt'),
                          ('ipt_netflow_snmp', 'snmp-v9-traffic.txt')):
        shutil.copy(FIXTURES / capture, proc / name)
    with network_namespace(f'api-pyvyos-{os.getpid()}'):
        server = ApiServer(cli.root, tmp_path / 'server.log').start()
        try:
            run = subprocess.run([str(python), str(PROJECT_ROOT / 'tests/helpers/pyvyos_client.py'),
                                  '127.0.0.1', KEY], capture_output=True, text=True, timeout=300,
                                 env=dict(os.environ, REQUESTS_CA_BUNDLE=str(server.certificate)))
            cli_show = cli('show', 'flow-accounting').stdout      # in the same namespace
            top = server.call('/show', {'op': 'show', 'key': KEY,
                                        'path': ['flow-accounting', 'flows', 'top', '10']})
            cli_top = cli('show', 'flow-accounting', 'flows', 'top', '10').stdout
        finally:
            server.stop()
    assert run.returncode == 0, run.stderr
    results = {line['call']: line for line in map(json.loads, run.stdout.splitlines())}
    for name in ('set', 'delete', 'multiple', 'save', 'save file', 'show commits'):
        assert (results[name]['status'], results[name]['error']) == (200, False), results[name]
    assert results['showConfig']['result'] == {'interface': 'eth0',
                                               'server': {'192.0.2.1': {'port': '2055'}}}
    assert 'system' in results['showConfig whole']['result']     # pyvyos sends no "path"
    assert results['returnValues']['result'] == ['eth0']
    assert results['bad value']['status'] == 400
    # pyvyos 0.4 reports any 4xx as "HTTP Error N" without the body (as against VyOS)
    assert results['bad value']['error'].startswith('HTTP Error 400')
    assert (cli.root / 'etc/vyflow/config.boot').read_text() == cli.running()
    assert (cli.root / 'etc/vyflow/pyvyos.boot').exists()
    shown = results['show flow-accounting']
    assert shown['status'] == 200 and 'ipt_NETFLOW 2.6' in shown['result']
    assert shown['result'] == cli_show.rstrip('\n')
    assert top == (200, {'success': True, 'data': cli_top.rstrip('\n'), 'error': None})
    assert len(cli_top.splitlines()) > 5
    assert 'by pyvyos  via api' in results['show commits']['result']
    assert results['reboot']['status'] == 400      # "not supported by vyflow" (pyvyos hides it)
    assert 'version "10"' in cli.running()
