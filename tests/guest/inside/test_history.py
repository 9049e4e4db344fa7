"""On-box flow history (issue 16) on the real ipt_NETFLOW, through ``vyflow``.

The guest has no systemd, so commits run the collector under vyflow's
supervisor, as on any router without it. Traffic goes through the router's
namespaces; the module exports it to the local collector (and to a real
external nfcapd, which must get the same flows undisturbed); the history
commands must then show it.
"""

import json
import os
import socket
import time

import pytest

from guestlib import cmd, module, traffic
from guestlib.collectors import find
from guestlib.vyflow import Vyflow

NF = 'set system flow-accounting netflow'
HISTORY_DIR = '/var/lib/vyflow/history'


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def stop_history():
    """Whatever a failed test left running (the library stops only its own)."""
    from vyflow.history import service
    from vyflow.history.settings import HistoryPaths
    from vyflow.netflow.kernel import Kernel
    from vyflow.paths import Paths
    kernel = Kernel(Paths())
    service.apply(kernel, HistoryPaths(kernel.paths), None)


@pytest.fixture
def vyflow(netflow):
    tool = Vyflow()
    stop_history()
    tool.reset()
    yield tool
    stop_history()
    tool.reset()


def nfcapd_processes():
    found = []
    for entry in os.listdir('/proc'):
        try:
            with open(f'/proc/{entry}/cmdline', 'rb') as handle:
                argv = handle.read().split(b'\0')
        except OSError:
            continue
        if argv[0].endswith(b'nfcapd') and HISTORY_DIR.encode() in argv:
            found.append(int(entry))
    return found


def wait_for(predicate, what, timeout=90.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f'timed out waiting for {what}'
        time.sleep(1)


def history_rows(vyflow, *words):
    return json.loads(vyflow.run('show', 'flow-accounting', 'history', *words, '--json').out)


def test_history_records_the_traffic_and_the_commands_show_it(vyflow, topology, collectors):
    external = collectors.nfcapd()
    port = free_port()
    result = vyflow.configure(f'{NF} interface vr-h1', f'{NF} interface vr-h2',
                              f'{NF} server 127.0.0.1 port {external.port}',
                              f'{NF} inactive-timeout 600', f'{NF} history port {port}',
                              f'{NF} history rotation-interval 10')
    assert 'start the history collector' in result.out and 'module loaded' in result.out, result
    assert module.parameter('destination') == f'127.0.0.1:{external.port},127.0.0.1:{port}'
    assert nfcapd_processes()
    sent = traffic.tcp(topology.h1.netns, topology.h2.v4, nbytes=200000)
    key = dict(src=topology.h1.v4, dst=topology.h2.v4, proto=6, sport=sent['sport'])
    module.wait_steady(**key)
    vyflow.run('clear', 'flow-accounting', 'flows')

    def recorded():
        data = history_rows(vyflow, 'top', '5', 'last', '15m')
        return [row for row in data['rows'] if row['key'] == [topology.h1.v4]]
    rows = wait_for(recorded, 'the flows in the history')
    assert rows[0]['bytes'] >= 200000, rows
    flows = external.wait_flows(lambda fl: find(fl, **key))      # the real collector too
    assert sum(f['bytes'] for f in find(flows, **key)) >= 200000

    text = vyflow.run('show', 'flow-accounting', 'history', 'top', '3', 'of', 'conversation',
                      'last', '15m').out
    assert f'{topology.h1.v4}' in text and f'{topology.h2.v4}' in text and 'KB' in text, text
    interface = vyflow.run('show', 'flow-accounting', 'interface', 'vr-h1', 'top', '5').out
    assert 'conversations' in interface and topology.h1.v4 in interface, interface
    graph = vyflow.run('show', 'flow-accounting', 'history', 'graph', 'last', '15m',
                       env={'LC_ALL': 'C.UTF-8'}).out
    assert 'vr-h1' in graph and 'vr-h2' in graph and '█' in graph, graph
    status = vyflow.run('show', 'flow-accounting').out
    assert f'History:      running on 127.0.0.1:{port}' in status, status
    health = vyflow.show_json('flow-accounting')['history']
    assert health['collector']['running'] and health['files'] >= 1


def test_live_changes_keep_the_module_and_delete_stops_the_collector(vyflow):
    first, second = free_port(), free_port()
    vyflow.configure(f'{NF} interface vr-h1', f'{NF} history port {first}',
                     f'{NF} history rotation-interval 10')
    assert module.parameter('destination') == f'127.0.0.1:{first}'
    loaded_at = [line for line in open('/proc/modules') if line.startswith('ipt_NETFLOW ')]

    result = vyflow.configure(f'{NF} history port {second}')
    assert 'restart the history collector' in result.out and 'module' not in result.out, result
    assert module.parameter('destination') == f'127.0.0.1:{second}'
    assert [line for line in open('/proc/modules') if line.startswith('ipt_NETFLOW ')] == loaded_at
    running = nfcapd_processes()

    result = vyflow.configure(f'{NF} history retention 2d', f'{NF} history max-size 64')
    assert 'store new limits for the history collector' in result.out, result
    assert nfcapd_processes() == running                     # same nfcapd, new limits
    assert 'Max Size:  67108864' in cmd.out(['nfexpire', '-l', HISTORY_DIR])

    result = vyflow.configure('delete system flow-accounting netflow history')
    assert 'stop the history collector' in result.out, result
    assert module.is_loaded() and module.parameter('destination') == ''
    assert nfcapd_processes() == []
    assert not os.path.exists('/run/vyflow/history/supervisor.pid')


def test_retention_and_size_limits_are_enforced(vyflow):
    os.makedirs(HISTORY_DIR, exist_ok=True)
    now = time.time()
    old = [time.strftime('nfcapd.%Y%m%d%H%M', time.gmtime(now - hours * 3600)) for hours in (5, 4)]
    recent = [time.strftime('nfcapd.%Y%m%d%H%M', time.gmtime(now - minutes * 60))
              for minutes in range(30, 10, -1)]
    for name in old + recent:                                # 22 MiB, two files past 3 hours
        with open(os.path.join(HISTORY_DIR, name), 'wb') as handle:
            handle.write(os.urandom(1024 * 1024))
    vyflow.configure(f'{NF} interface vr-h1', f'{NF} history retention 3h',
                     f'{NF} history max-size 16', f'{NF} history rotation-interval 10')

    def expired():
        names = set(os.listdir(HISTORY_DIR))
        used = sum(os.stat(os.path.join(HISTORY_DIR, name)).st_blocks * 512
                   for name in names if name.startswith('nfcapd.2'))
        return not names & set(old) and used <= 16 * 1024 * 1024 and names
    names = wait_for(expired, 'the expiry at the next rotation', timeout=60)
    assert set(recent[-5:]) <= names                         # the newest are kept
    status = vyflow.show_json('flow-accounting')['history']
    assert status['disk']['used_bytes'] <= 16 * 1024 * 1024
