"""On-box flow history (issue 16) with a real nfcapd, real nfdump and real export.

The collector runs the way a commit starts it where systemd is absent (our
supervisor, under a temp root), on a free loopback port, rotating every 2 s.
It is fed the module's captured export (tests/fixtures/ipt-netflow/export/*.pcap,
replayed as UDP) or made-up IPFIX with known counts; every answer is checked
against nfdump's own figures over the same files, and against what the real
collector logged when the captures were made.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT
from vyflow.errors import ApplyError, ConfigError, IncorrectValue, UnconfiguredSubsystem
from vyflow.history import checks, collector, files, graph, health, query, service, top, window
from vyflow.history.names import InterfaceNames
from vyflow.history.settings import HistoryConfig, HistoryPaths
from vyflow.netflow.kernel import Kernel
from vyflow.netflow.model import Collector, FlowConfig
from vyflow.paths import Paths
from vyflow.records import replace  # records are not stdlib dataclasses

sys.path.insert(0, str(PROJECT_ROOT / 'tests' / 'helpers'))
from netflow_wire import Flow, IpfixWriter, export_payloads, send  # noqa: E402

EXPORT = PROJECT_ROOT / 'tests' / 'fixtures' / 'ipt-netflow' / 'export'
# What the real nfcapd logged when the captures were made (the *.nfcapd.log files).
CAPTURED = {'v5': (15, 63, 73741), 'v9': (22, 87, 115970), 'ipfix': (22, 88, 116022)}
NAMES = {1: 'lo', 2: 'vr-h1', 3: 'vr-h2', 4: 'vr-h3', 5: 'vr-h3.100'}

pytestmark = pytest.mark.skipif(shutil.which('nfcapd') is None, reason='needs nfdump (nfcapd)')


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@dataclass
class Running:
    kernel: Kernel
    paths: HistoryPaths
    config: HistoryConfig
    spec: collector.CollectorSpec

    def context(self, names=NAMES) -> query.Context:
        return query.Context(self.paths, InterfaceNames(system=names), self.config)

    def nfdump(self, *arguments: str) -> str:
        listed = files.list_files(self.paths.flow_dir)
        return subprocess.run(['nfdump', '-R', f'{listed[0].path}:{listed[-1].path.name}',
                               *arguments], capture_output=True, text=True, check=True,
                              env={**os.environ, 'TZ': 'UTC'}).stdout

    def recorded(self) -> int:
        listed = files.list_files(self.paths.flow_dir)
        return int(self.nfdump('-I').split('Flows: ')[1].split()[0]) if listed else 0

    def wait_for(self, flows: int, seconds: float = 20) -> None:
        """Until the finished files hold ``flows`` flows (the next rotation)."""
        deadline = time.monotonic() + seconds
        while self.recorded() < flows:
            assert time.monotonic() < deadline, f'{self.recorded()} of {flows} flows recorded'
            time.sleep(0.3)


def start(root: Path, sampling_rate=None, **settings) -> Running:
    kernel = Kernel(Paths(root))
    paths = HistoryPaths(kernel.paths)
    config = HistoryConfig(**{'port': free_port(), 'rotation_interval': 2, **settings})
    spec = collector.desired(config, sampling_rate, paths)
    service.apply(kernel, paths, spec)
    return Running(kernel, paths, config, spec)


def leftovers(running: Running) -> list[int]:
    """Processes still working on this collector's directory (nfcapd, its launcher)."""
    found = []
    for entry in Path('/proc').iterdir():
        if entry.name.isdigit() and str(running.paths.flow_dir) in ' '.join(service._cmdline(int(entry.name))):
            found.append(int(entry.name))
    return found


def stop(running: Running) -> None:
    service.apply(running.kernel, running.paths, None)
    assert service.read_current(running.kernel, running.paths) is None
    assert leftovers(running) == []


@pytest.fixture
def history(tmp_path):
    running = start(tmp_path / 'root')
    yield running
    stop(running)


def replay_captures(running: Running) -> Running:
    """The three captures (v5, v9, IPFIX) sent to the collector and recorded."""
    for name in CAPTURED:
        send(export_payloads(EXPORT / f'{name}.pcap'), running.config.port)
    running.wait_for(sum(flows for flows, _, _ in CAPTURED.values()))
    return running


@pytest.fixture(scope='module')
def replayed(tmp_path_factory):
    """Recorded captures for the tests that only read them."""
    running = replay_captures(start(tmp_path_factory.mktemp('history') / 'root'))
    yield running
    stop(running)


def nfdump_statistic(running: Running, element: str, order: str, count: int = 10,
                     *expression: str) -> list:
    rows = []
    for line in running.nfdump('-s', f'{element}/{order}', '-n', str(count), '-o', 'csv',
                               *expression).splitlines():
        cells = line.split(',')
        if len(cells) == 14 and cells[0] != 'ts':
            rows.append((cells[4], int(cells[5]), int(cells[7]), int(cells[9])))
    return rows


def last_hour() -> window.Window:
    return window.build('1h', None, None)


# ---- the collector as a commit runs it -----------------------------------------------


def test_collector_runs_as_specified_and_reads_back(history):
    current = service.read_current(history.kernel, history.paths)
    assert current == history.spec          # argv and nfexpire limits, read back
    assert current.limits == collector.Limits(256 * 1024 * 1024, 7 * 86400)
    pids = service.collector_pids(history.kernel, history.paths)
    assert pids and all(Path(f'/proc/{pid}/comm').read_text().strip() == 'nfcapd' for pid in pids)
    assert Path(history.paths.flow_dir, '.nfstat').exists()
    assert service.sampling_periods(history.paths)[-1][1] == 1


def test_captured_export_totals_match_nfdump_and_the_capture(replayed):
    context = replayed.context()
    data = top.run(context, top.TopQuery(10, 'bytes', 'src-ip'), last_hour(), query.Filters())
    flows = sum(f for f, _, _ in CAPTURED.values())
    packets = sum(p for _, p, _ in CAPTURED.values())
    octets = sum(b for _, _, b in CAPTURED.values())
    assert data['totals'] == {'flows': flows, 'packets': packets, 'bytes': octets}
    expected = nfdump_statistic(replayed, 'srcip', 'bytes')
    assert [(row['key'][0], row['flows'], row['packets'], row['bytes'])
            for row in data['rows']] == expected
    assert data['sampling'] == {'rates': [1], 'scaled': False, 'flows_scaled': False}
    assert data['files']['read'] >= 1 and data['files']['skipped_damaged'] == {}


@pytest.mark.parametrize('of, element', [('dst-ip', 'dstip'), ('host', 'ip'),
                                         ('src-port', 'srcport'), ('dst-port', 'dstport')])
@pytest.mark.parametrize('by', ['bytes', 'packets', 'flows'])
def test_every_ranking_is_nfdumps_own(replayed, of, element, by):
    data = top.run(replayed.context(), top.TopQuery(5, by, of), last_hour(), query.Filters())
    assert [(row['key'][0], row['flows'], row['packets'], row['bytes'])
            for row in data['rows']] == nfdump_statistic(replayed, element, by, 5)


def test_interfaces_and_protocols_are_named(replayed):
    context = replayed.context()
    data = top.run(context, top.TopQuery(10, 'bytes', 'interface'), last_hour(), query.Filters())
    by_index = {key: value for key, *value in nfdump_statistic(replayed, 'if', 'bytes')}
    named = {row['key'][0]: [row['flows'], row['packets'], row['bytes']] for row in data['rows']}
    assert named == {('local' if index == '65535' else NAMES.get(int(index), f'#{index}')): value
                     for index, value in by_index.items()}
    assert {'vr-h1', 'vr-h2'} <= set(named)
    text = top.render(data)
    assert 'vr-h1' in text and 'interfaces (traffic in or out)' in text
    protocols = top.run(context, top.TopQuery(10, 'packets', 'protocol'), last_hour(),
                        query.Filters())
    assert {row['key'][0] for row in protocols['rows']} >= {'tcp', 'udp', 'icmp', 'ipv6-icmp'}


def test_interface_and_host_filters(replayed):
    context = replayed.context()
    filters = query.build_filters(context.names, 'vr-h1', '10.1.1.0/24')
    assert filters.expression == 'if 2 and net 10.1.1.0/24'
    data = top.run(context, top.TopQuery(10, 'bytes', 'conversation'), last_hour(), filters)
    own = replayed.nfdump('-A', 'srcip,dstip', '-O', 'bytes', '-n', '10', '-N', '-o',
                          'fmt:%sa|%da|%fl|%pkt|%byt', 'if 2 and net 10.1.1.0/24')
    expected = [tuple(cell.strip() for cell in line.split('|')) for line in own.splitlines()
                if line.count('|') == 4 and line.split('|')[2].strip().isdigit()]
    assert [(*row['key'], str(row['flows']), str(row['packets']), str(row['bytes']))
            for row in data['rows']] == expected
    assert expected and all('10.1.1.' in key[0] + key[1] for key in expected)
    text = top.render(data)
    assert 'Filter:   interface vr-h1 (in or out), network 10.1.1.0/24' in text
    with pytest.raises(IncorrectValue, match='interface nope0 does not exist'):
        query.build_filters(context.names, 'nope0', None)
    with pytest.raises(IncorrectValue, match='address or prefix'):
        query.build_filters(context.names, None, '10.1.1.1; rm -rf /')


def test_made_up_ipfix_window_and_counts(history):
    base = [Flow('192.0.2.1', '198.51.100.7', 40000, 443, 6, 10, 9000),
            Flow('192.0.2.1', '198.51.100.8', 40001, 53, 17, 1, 80),
            Flow('192.0.2.2', '198.51.100.7', 40002, 443, 6, 300, 450000)]
    send(IpfixWriter(domain=7).messages_for(base * 40), history.config.port)
    history.wait_for(120)
    data = top.run(history.context(), top.TopQuery(2, 'bytes', 'src-ip'), last_hour(),
                   query.Filters())
    assert [(row['key'], row['flows'], row['bytes']) for row in data['rows']] == \
        [(['192.0.2.2'], 40, 450000 * 40), (['192.0.2.1'], 80, 9080 * 40)]
    long_ago = window.build(None, '2020-01-01T00:00', '2020-01-02')
    empty = top.run(history.context(), top.TopQuery(), long_ago, query.Filters())
    assert empty['rows'] == [] and empty['files']['read'] == 0
    assert 'no files recorded in it' in top.render(empty)


def test_sampling_scales_counts_and_says_so(tmp_path):
    running = start(tmp_path / 'root', sampling_rate=4)
    try:
        assert running.spec.argv[-2:] == ('-s', '4')
        for name in ('v9', 'ipfix'):
            send(export_payloads(EXPORT / f'{name}.pcap'), running.config.port)
        running.wait_for(44)
        data = top.run(running.context(), top.TopQuery(), last_hour(), query.Filters())
        assert data['totals'] == {'flows': 44 * 4, 'packets': (87 + 88) * 4,
                                  'bytes': (115970 + 116022) * 4}
        assert data['sampling'] == {'rates': [4], 'scaled': True, 'flows_scaled': True}
        assert 'Sampling: 1 flow in 4: packets, bytes and flows are estimates' in top.render(data)
    finally:
        service.apply(running.kernel, running.paths, None)


# ---- faults ---------------------------------------------------------------------------


def test_damaged_files_are_left_out_and_named(history):
    replayed = replay_captures(history)
    context = replayed.context()
    expected = top.run(context, top.TopQuery(), last_hour(), query.Filters())
    good = files.list_files(replayed.paths.flow_dir)[-1]
    slot = time.strftime('%Y%m%d%H%M%S', time.gmtime(good.start - 1))
    Path(replayed.paths.flow_dir, f'nfcapd.{slot}').write_bytes(os.urandom(600))
    truncated = Path(replayed.paths.flow_dir, f'nfcapd.{time.strftime("%Y%m%d%H%M%S", time.gmtime(good.start - 3))}')
    truncated.write_bytes(good.path.read_bytes()[:100])
    # nfdump alone, over the same range, stops at the damaged file: no answer, or a short one
    listed = files.list_files(replayed.paths.flow_dir)
    alone = subprocess.run(['nfdump', '-R', f'{listed[0].path}:{listed[-1].path.name}', '-s',
                            'srcip/bytes', '-o', 'csv'], capture_output=True, text=True)
    assert alone.returncode != 0 or \
        int(alone.stdout.strip().splitlines()[-1].split(',')[0]) < expected['totals']['flows']
    data = top.run(context, top.TopQuery(), last_hour(), query.Filters())
    assert data['totals'] == expected['totals'] and data['rows'] == expected['rows']
    assert set(data['files']['skipped_damaged']) == {f'nfcapd.{slot}', truncated.name}
    text = top.render(data)
    assert f'Skipped damaged file nfcapd.{slot}: it is not an nfdump flow file' in text
    assert f'Skipped damaged file {truncated.name}: block 1 runs past the end' in text


def test_a_taken_port_is_a_config_error_and_an_apply_error(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as squatter:
        squatter.bind(('127.0.0.1', 0))
        port = squatter.getsockname()[1]
        kernel = Kernel(Paths(tmp_path))
        config = FlowConfig(netflow=True, interfaces=['eth0'], history=HistoryConfig(port=port))
        facts = checks.gather(config, kernel)
        assert f'(pid {os.getpid()})' in facts.port_holder
        with pytest.raises(ConfigError, match=f'UDP port {port} on 127.0.0.1 is taken by') as caught:
            checks.verify(config, facts)
        assert caught.value.path == ['system', 'flow-accounting', 'netflow', 'history', 'port']
        paths = HistoryPaths(kernel.paths)
        with pytest.raises(ApplyError, match='taken by'):
            service.apply(kernel, paths, collector.desired(config.history, None, paths))
        assert service.read_current(kernel, paths) is None


def test_other_config_errors():
    clash = FlowConfig(netflow=True, interfaces=['eth0'], collectors=[Collector('127.0.0.1', 2058)],
                       history=HistoryConfig())
    with pytest.raises(ConfigError, match='so does server 127.0.0.1'):
        checks.verify(clash, checks.HistoryFacts())
    long = replace(clash, collectors=[], history=HistoryConfig(retention='53w'))
    with pytest.raises(ConfigError, match='longer than 366 days'):
        checks.verify(long, checks.HistoryFacts())
    with pytest.raises(ConfigError, match='install the nfdump package'):
        checks.verify(replace(long, history=HistoryConfig()), checks.HistoryFacts(nfcapd_installed=False))


def test_a_dead_collector_is_restarted_and_a_dead_supervisor_takes_it_along(history):
    (killed,) = service.collector_pids(history.kernel, history.paths)
    os.kill(killed, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while True:
        pids = service.collector_pids(history.kernel, history.paths)
        if pids and killed not in pids and service.sockets.held_by(history.config.port, pids):
            break
        assert time.monotonic() < deadline, 'the supervisor did not restart nfcapd'
        time.sleep(0.1)
    assert 'exited (signal 9); starting it again' in Path(history.paths.collector_log).read_text()
    supervisor = service.Supervised(history.kernel, history.paths).pid()
    collector_pid = service.collector_pids(history.kernel, history.paths).pop()
    os.kill(supervisor, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while service._alive(collector_pid):
        assert time.monotonic() < deadline, 'nfcapd outlived its supervisor'
        time.sleep(0.1)
    assert service.read_current(history.kernel, history.paths) is None
    status = health.build(history.kernel, history.paths, history.config)
    assert status['collector']['running'] is False
    assert any('collector is not running' in hint for hint in status['hints'])
    service.apply(history.kernel, history.paths, history.spec)    # a commit starts it again
    assert service.read_current(history.kernel, history.paths) == history.spec


# ---- health and graph -------------------------------------------------------------------


def test_health_reports_disk_oldest_record_and_rate(history):
    replayed = replay_captures(history)
    before = files.list_files(replayed.paths.flow_dir)
    status = health.build(replayed.kernel, replayed.paths, replayed.config)
    listed = files.list_files(replayed.paths.flow_dir)       # the collector goes on writing
    assert status['collector'] == {'running': True, 'port': replayed.config.port}
    assert len(before) <= status['files'] <= len(listed)
    assert files.disk_bytes(before) <= status['disk']['used_bytes'] <= files.disk_bytes(listed)
    assert status['disk']['limit_bytes'] == 256 * 1024 * 1024
    assert status['oldest_record'] == window.iso_time(listed[0].start)
    assert status['flows_per_second'] > 0
    assert status['hints'] == []
    lines = health.render(status)
    assert lines[0].startswith(f'History:      running on 127.0.0.1:{replayed.config.port}; ')
    assert 'flows/s recently' in lines[1] and 'kept 7 days' in lines[1]


def test_health_says_when_the_size_limit_cuts_history_short(tmp_path):
    paths = HistoryPaths(Paths(tmp_path))
    os.makedirs(paths.flow_dir)
    now = time.time()
    for age in (600, 300):
        name = time.strftime('nfcapd.%Y%m%d%H%M', time.gmtime(now - age))
        Path(paths.flow_dir, name).write_bytes(b'\0' * (8 * 1024 * 1024))
    status = health.build(Kernel(Paths(tmp_path)), paths, HistoryConfig(max_size_mib=16), now=now)
    assert any('The size limit (16 MiB) holds only 0.2 hours of history, less than the retention'
               in hint for hint in status['hints'])


def test_graph_rows_per_interface_and_per_host(replayed):
    context = replayed.context()
    data = graph.run(context, window.build('2m', None, None), 'bytes', query.Filters())
    by_name = {row['name']: row for row in data['rows']}
    totals = {key: b for key, _, _, b in nfdump_statistic(replayed, 'if', 'bytes', 20)}
    span = data['column_seconds']
    assert {'vr-h1', 'vr-h2'} <= set(by_name)
    assert sum(v or 0 for v in by_name['vr-h1']['values']) * span / 8 == pytest.approx(totals['2'])
    text = graph.render(data, unicode=True)
    assert 'Traffic by interface (traffic in or out), bit/s' in text and '█' in text
    ascii_text = graph.render(data, unicode=False)
    assert '@' in ascii_text and not any(ord(char) > 127 for char in ascii_text)
    hosts = graph.run(context, window.build('2m', None, None), 'packets',
                      query.build_filters(context.names, 'vr-h1', None))
    expected = nfdump_statistic(replayed, 'ip', 'packets', 5, 'if 2')
    assert [row['name'] for row in hosts['rows']] == [key for key, *_ in expected]
    assert [sum(v or 0 for v in row['values']) * span for row in hosts['rows']] == \
        pytest.approx([packets for _, _, packets, _ in expected])
    assert 'hosts on interface vr-h1' in graph.render(hosts, unicode=True)


def test_sparkline_levels_and_gaps():
    assert graph.sparkline([0, 1, 4, 8, None], 8, unicode=True) == ' ▁▄█·'
    assert graph.sparkline([0, 1, 4, 8, None], 8, unicode=False) == ' .=@?'
    data = {'by': 'bytes', 'unit': 'bit/s', 'column_seconds': 60, 'rows_are': 'interfaces',
            'filters': {'interface': None}, 'files': {'read': 3, 'skipped_damaged': {}},
            'sampling': {'rates': [1]},
            'window': {'start': '2026-12-01T09:00:00+0000', 'end': '2026-12-01T09:03:00+0000',
                       'asked': 'last 3m'},
            'columns': ['2026-12-01T09:00:00+0000', '2026-12-01T09:01:00+0000',
                        '2026-12-01T09:02:00+0000'],
            'rows': [{'name': 'eth0', 'values': [1000.0, None, 3000.0], 'peak': 3000.0,
                      'average': 2000.0}]}
    lines = graph.render(data, unicode=True).splitlines()
    assert lines[-3].startswith('eth0  3.0K bit/s  2.0K bit/s  ') and lines[-3].endswith('▃·█')
    assert lines[-2] == ' ' * 30 + '09:00 to 09:02'
    assert lines[-1] == '· no file recorded (the collector was not running)'


# ---- windows, plan, definitions ------------------------------------------------------------


def test_windows():
    now = time.mktime(time.strptime('2026-12-01 10:00:00', '%Y-%m-%d %H:%M:%S'))
    assert window.build(None, None, None, now).seconds == 3600
    assert window.build('7d', None, None, now).seconds == 7 * 86400
    span = window.build(None, '09:30', None, now)
    assert span.seconds == 1800 and span.label == 'since 09:30'
    span = window.build(None, '2026-11-30', '2026-11-30T12:00', now)
    assert span.seconds == 12 * 3600
    for arguments, message in ((('1h', '09:00', None), 'not both'), ((None, None, '09:00'), 'needs'),
                               (('1y', None, None), 'not a duration'),
                               ((None, 'yesterday', None), 'not a time'),
                               ((None, '09:00', '08:00'), 'is not after')):
        with pytest.raises(IncorrectValue, match=message):
            window.build(*arguments, now=now)


def test_plan_starts_the_collector_first_and_stops_it_last(tmp_path):
    from vyflow.netflow.plan import plan
    from vyflow.netflow.state import SystemState
    spec = collector.desired(HistoryConfig(), None, HistoryPaths(Paths(tmp_path)))
    steps = plan(SystemState(), SystemState(module_loaded=True, modprobe_conf='x', history=spec),
                 set())
    assert [step.id for step in steps][:2] == ['history:collector', 'file:modprobe']
    assert steps[0].description.startswith('start the history collector: nfcapd on 127.0.0.1:2058')
    steps = plan(SystemState(module_loaded=True, history=spec), SystemState(), set())
    assert [step.id for step in steps][-1] == 'history:collector'
    assert 'module:unload' in [step.id for step in steps]
    narrower = replace(spec, limits=collector.Limits(16 * 1048576, 3600))
    steps = plan(SystemState(history=spec), SystemState(history=narrower), set())
    assert steps[0].description.startswith('store new limits for the history collector')


def test_defaults_in_the_definitions_are_the_documented_ones(project_build):
    import json
    tree = json.loads((project_build / 'definitions.json').read_text())
    node = tree['tree']
    for word in ['system', 'flow-accounting', 'netflow', 'history']:
        node = node['children'][word]
    defaults = {name: child.get('default') for name, child in node['children'].items()}
    assert defaults == {'retention': '7d', 'max-size': '256', 'port': '2058',
                        'rotation-interval': '60'}
    assert HistoryConfig() == HistoryConfig(retention='7d', max_size_mib=256, port=2058,
                                            rotation_interval=60)


def test_unconfigured_history_says_how_to_configure_it(tmp_path):
    context = query.Context(HistoryPaths(Paths(tmp_path)), InterfaceNames(system=NAMES), None)
    with pytest.raises(UnconfiguredSubsystem, match='set system flow-accounting netflow history'):
        top.run(context, top.TopQuery(), last_hour(), query.Filters())


# ---- the commands, as an operator types them (vyflow --root: commits are plans) ----------


def test_commit_plans_the_collector_and_show_reads_the_history(tmp_path):
    from conftest import Cli
    flow_cli = Cli(tmp_path / 'root')
    flow_cli('set', 'system', 'flow-accounting', 'netflow', 'interface', 'eth0')
    flow_cli('set', 'system', 'flow-accounting', 'netflow', 'history', 'retention', '2d')
    committed = flow_cli('commit')
    assert 'start the history collector: nfcapd on 127.0.0.1:2058' in committed.stdout
    assert 'up to 2 d / 256 MiB' in committed.stdout
    assert 'destination=127.0.0.1:2058' in committed.stdout
    assert 'flows are exported to the local history collector only' in committed.stdout
    running = replay_captures(start(tmp_path / 'root'))     # what the commit would start
    try:
        shown = flow_cli('run', 'show', 'flow-accounting', 'history', 'top', '3', 'of',
                         'conversation', 'by', 'packets', '--json')
        import json
        data = json.loads(shown.stdout)
        own = running.nfdump('-A', 'srcip,dstip', '-O', 'packets', '-n', '3', '-N', '-o',
                             'fmt:%sa|%da|%fl|%pkt|%byt')
        expected = [[cell.strip() for cell in line.split('|')][:2] for line in own.splitlines()
                    if line.count('|') == 4 and line.split('|')[2].strip().isdigit()]
        assert [row['key'] for row in data['rows']] == expected
        assert data['totals']['flows'] == 59 and data['window']['asked'] == 'last 1h'
        text = flow_cli('run', 'show', 'flow-accounting', 'history', 'top', '3').stdout
        assert text.startswith('Top 3 source addresses by bytes\nWindow:   ')
        assert 'Total: 298.6 KB, 238 packets, 59 flows' in text
        interface = flow_cli('run', 'show', 'flow-accounting', 'interface', 'lo', 'top', '2').stdout
        assert 'Top 2 conversations (source -> destination) by bytes' in interface
        assert 'Filter:   interface lo (in or out)' in interface
        flow_cli.env['LC_ALL'] = 'C'
        graphed = flow_cli('run', 'show', 'flow-accounting', 'history', 'graph', 'last', '15m')
        assert 'Traffic by interface (traffic in or out), bit/s' in graphed.stdout
        assert graphed.stdout.isascii()
        flow_cli.env['LC_ALL'] = 'C.UTF-8'
        graphed = flow_cli('run', 'show', 'flow-accounting', 'history', 'graph', 'last', '15m')
        assert '·' in graphed.stdout
        stat = tmp_path / 'root' / 'proc/net/stat'                # the module, as captured
        stat.mkdir(parents=True)
        shutil.copy(EXPORT.parent / 'proc' / 'stat-v9-traffic.txt', stat / 'ipt_netflow')
        status = flow_cli('run', 'show', 'flow-accounting').stdout
        assert f'History:      running on 127.0.0.1:{running.config.port}; ' in status
        assert 'oldest record' in status and '(kept 2 days)' in status
        assert json.loads(flow_cli('run', 'show', 'flow-accounting', '--json').stdout)[
            'history']['collector']['running'] is True
        wrong = flow_cli('run', 'show', 'flow-accounting', 'history', 'of', 'colour', check=False)
        assert wrong.returncode != 0 and 'of must be one of: src-ip, dst-ip' in wrong.stderr
        assert 'Traceback' not in wrong.stderr
    finally:
        stop(running)


def test_unicode_only_where_the_locale_says_utf8():
    from vyflow.history.opmode import unicode_terminal
    assert unicode_terminal({'LANG': 'en_US.UTF-8'})
    assert unicode_terminal({'LC_ALL': 'C.utf8', 'LANG': 'C'})
    assert not unicode_terminal({'LC_ALL': 'C', 'LANG': 'en_US.UTF-8'})
    assert not unicode_terminal({'LANG': 'C', 'LC_CTYPE': 'C.UTF-8'})   # Python's coercion
    assert not unicode_terminal({'LANG': 'de_DE.ISO-8859-1'})
    assert not unicode_terminal({})


@pytest.mark.skipif(os.geteuid() != 0, reason='mounts a small tmpfs')
def test_a_full_disk_is_said_and_the_history_still_answers(tmp_path):
    root = tmp_path / 'root'
    flow_dir = Path(HistoryPaths(Paths(root)).flow_dir)
    flow_dir.mkdir(parents=True)
    subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'vyflow-history-test',
                    str(flow_dir)], check=True)   # 0755: vyflow refuses a directory others may write
    try:
        running = replay_captures(start(root))
        try:
            with open(flow_dir / 'filler', 'wb') as filler:   # nfexpire skips it: not a flow file
                try:
                    while True:
                        filler.write(b'\0' * 65536)
                        filler.flush()
                except OSError:
                    pass
            send(export_payloads(EXPORT / 'v9.pcap'), running.config.port)
            time.sleep(2 * running.config.rotation_interval + 1)
            status = health.build(running.kernel, running.paths, running.config)
            assert any(f'The disk holding {flow_dir} is full' in hint for hint in status['hints'])
            data = top.run(running.context(), top.TopQuery(), last_hour(), query.Filters())
            assert data['totals']['flows'] >= 59                  # what was written is read
        finally:
            stop(running)
    finally:
        subprocess.run(['umount', str(flow_dir)], check=True)
