"""show / clear / restart flow-accounting over real captures of the module.

Each test builds a root holding the module's /proc files from a capture,
commits a configuration there (a sandbox root only plans kernel changes), and
runs the real ``vyflow`` inside a network namespace whose veth interfaces
have the capture's names and indexes, so index-to-name mapping is real.
"""

import fcntl
import ipaddress
import json
import os
import re
import shutil
import subprocess
import time

import pytest

from conftest import PROJECT_ROOT, Cli

FIXTURES = PROJECT_ROOT / 'tests' / 'fixtures' / 'ipt-netflow'
# The capture's router interfaces (tests/fixtures/ipt-netflow/README.txt).
INTERFACES = {'vr-h1': 2, 'vr-h2': 3, 'vr-h3': 4, 'vr-h3.100': 5}

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='needs root for a network namespace')


class Router(Cli):
    """vyflow in a namespace, over a root holding a capture of the module."""

    def __init__(self, root, netns):
        super().__init__(root)
        self.netns = netns

    def argv(self, *words):
        return ['ip', 'netns', 'exec', self.netns, *super().argv(*words)]

    def capture(self, stat, flows='proc/flows-v9-ipv4-ipv6-vlan.txt', snmp='proc/snmp-v9-traffic.txt'):
        proc = self.root / 'proc/net/stat'
        proc.mkdir(parents=True, exist_ok=True)
        for name, source in (('ipt_netflow', stat), ('ipt_netflow_flows', flows),
                             ('ipt_netflow_snmp', snmp)):
            shutil.copy(FIXTURES / source, proc / name)
        (self.root / 'proc/sys/net/netflow').mkdir(parents=True, exist_ok=True)
        (self.root / 'sys/module/ipt_NETFLOW/parameters').mkdir(parents=True, exist_ok=True)


@pytest.fixture
def router(tmp_path):
    name = f'vyflow-op-{os.getpid()}-{tmp_path.name}'[:40]
    subprocess.run(['ip', 'netns', 'add', name], check=True)
    try:
        for number, (interface, index) in enumerate(INTERFACES.items()):
            subprocess.run(['ip', '-n', name, 'link', 'add', interface, 'index', str(index),
                            'type', 'veth', 'peer', 'name', f'peer{number}', 'index',
                            str(100 + number)], check=True)
            for end in (interface, f'peer{number}'):
                subprocess.run(['ip', '-n', name, 'link', 'set', end, 'up'], check=True)
        instance = Router(tmp_path / 'root', name)
        instance.capture('proc/stat-v9-traffic.txt')
        yield instance
    finally:
        subprocess.run(['ip', 'netns', 'del', name], check=False)


def configure(router, *extra):
    for interface in ('vr-h1', 'vr-h2'):
        router('set', 'system', 'flow-accounting', 'netflow', 'interface', interface)
    router('set', 'system', 'flow-accounting', 'netflow', 'server', '127.0.0.1')
    router('set', 'system', 'flow-accounting', 'enable-egress')
    for words in extra:
        router('set', 'system', 'flow-accounting', 'netflow', *words)
    router('commit')


def test_show_reports_module_export_and_interfaces(router):
    configure(router)
    text = router('show', 'flow-accounting').stdout
    assert 'ipt_NETFLOW 2.6 (aggr dir llist mac nel samp-h snmp vlan)' in text
    assert 'NetFlow v9, templates every 20 packets / 30 min' in text
    assert 'Timeouts:     active 1800 s, inactive 15 s' in text
    assert 'Flows:        22 active, peak 22, max 2000000, 1968 KiB' in text
    assert 'NAT events:   off (start 0, stop 0)' in text
    assert '127.0.0.1:2055   connected' in text
    assert 'Interfaces:   vr-h1 (ingress+egress, up), vr-h2 (ingress+egress, up)' in text
    data = json.loads(router('show', 'flow-accounting', '--json').stdout)
    assert set(data) == {'module', 'configured', 'protocol', 'timeouts', 'sampler', 'natevents',
                         'flows', 'hash', 'rates', 'drops', 'export', 'collectors',
                         'interfaces', 'hints', 'history'}   # history: None unless kept (issue 16)
    assert data['rates']['last_4s'] == {'bits_per_second': 146210, 'packets_per_second': 13}
    assert data['collectors'][0] | {} == {
        'address': '127.0.0.1', 'port': 2055, 'bind': None, 'device': None, 'state': 'connected',
        'attempts': None, 'sndbuf': 212992, 'filled': 1, 'peak': 1, 'sndbuf_reached': 0,
        'connect_errors': 0, 'refused': 0, 'other_errors': 0,
        'recent': {'window_seconds': 300, 'observed_seconds': None, 'refused': 0,
                   'sndbuf_reached': 0}}
    assert data['hints'] == []


def test_interfaces_down_or_gone_are_shown_with_a_hint(router):
    configure(router)
    subprocess.run(['ip', '-n', router.netns, 'link', 'set', 'vr-h1', 'down'], check=True)
    subprocess.run(['ip', '-n', router.netns, 'link', 'del', 'vr-h2'], check=True)
    data = json.loads(router('show', 'flow-accounting', '--json').stdout)
    assert data['interfaces'] == [
        {'name': 'vr-h1', 'directions': ['ingress', 'egress'], 'state': 'down'},
        {'name': 'vr-h2', 'directions': ['ingress', 'egress'], 'state': 'missing'}]
    text = router('show', 'flow-accounting').stdout
    assert 'Interfaces:   vr-h1 (ingress+egress, down), vr-h2 (ingress+egress, missing)' in text
    assert 'Hint: Interface vr-h1 is down: no traffic passes it' in text
    assert 'Hint: Interface vr-h2 does not exist: nothing is accounted on it' in text


def test_debian_build_and_sampler(router):
    configure(router)
    router.capture('debian-build/stat-traffic-ipfix.txt', 'debian-build/flows-traffic-ipfix.txt',
                   'debian-build/snmp-traffic-ipfix.txt')
    text = router('show', 'flow-accounting').stdout
    assert '(dir mac promisc+mpls samp snmp vlan)' in text and 'IPFIX' in text
    assert 'NAT events' not in text            # not built into Debian's module
    router.capture('proc/stat-sampler-hash4-traffic.txt')
    assert 'Sampling:     hash, 1 flow in 4' in router('show', 'flow-accounting').stdout


def collector_views(router) -> dict:
    """What each reader says of the collectors, keyed by port."""
    data = json.loads(router('show', 'flow-accounting', '--json').stdout)
    text = router('show', 'flow-accounting').stdout
    listed = router('show', 'flow-accounting', 'collectors').stdout
    metrics = router('show', 'flow-accounting', 'metrics').stdout
    views = {}
    for collector in data['collectors']:
        where = f'127.0.0.1:{collector["port"]}'
        views[collector['port']] = (
            collector['state'], collector['recent']['refused'],
            [line.split()[1] for line in text.splitlines() if line.strip().startswith(where)][0],
            [line.split()[1] for line in listed.splitlines() if line.strip().startswith(where)][0],
            f'ipt_netflow_collector_refusing{{collector="{where}"}} 1' in metrics)
    return views


def write_history(router, *samples):
    """Readings taken ``age`` seconds ago: [(age, {collector: (refused, overflows)})]."""
    now = time.clock_gettime(time.CLOCK_BOOTTIME)
    history = [[now - age, {address: list(counts) for address, counts in seen.items()}]
               for age, seen in samples]
    (router.root / 'run/vyflow/collector-history.json').write_text(json.dumps(history))


def test_collector_health_is_not_consumed_by_reading_it(router):
    """Refusals count over the last 5 minutes, the same for every reader, however
    often and in whatever order they look (before: a second look said "connected")."""
    configure(router)
    router.capture('proc/stat-cberr-traffic.txt')
    refusing = {2055: ('connected', 0, 'connected', 'connected', False),
                2057: ('refusing', 1, 'refusing', 'refusing', True)}
    assert collector_views(router) == refusing
    assert collector_views(router) == refusing              # reading changed nothing
    router.capture('proc/stat-cberr-after-flush2.txt')      # 5 refusals since load
    text = router('show', 'flow-accounting').stdout
    assert '127.0.0.1:2057   refusing     refused 5, buffer full 0 since the module was loaded' \
        in text, text
    assert ('Hint: Collector 127.0.0.1:2057 refused export packets since the module was '
            'loaded: is a collector listening') in text
    # a reading from 6 minutes ago with the same counts: nothing refused in the window
    write_history(router, (360, {'127.0.0.1:2055': (0, 0), '127.0.0.1:2057': (5, 0)}))
    for _ in range(2):
        assert {port: view[0] for port, view in collector_views(router).items()} == {
            2055: 'connected', 2057: 'connected'}
    text = router('show', 'flow-accounting').stdout
    assert ('127.0.0.1:2057   connected    refused 0, buffer full 0 in the last 5 minutes '
            '(5 and 0 since loaded)') in text, text
    # 2 of the 5 refusals came within the window; an older reading does not change that
    write_history(router, (900, {'127.0.0.1:2057': (1, 0)}),
                  (320, {'127.0.0.1:2057': (3, 0)}), (100, {'127.0.0.1:2057': (4, 0)}))
    for _ in range(2):
        assert collector_views(router)[2057][:2] == ('refusing', 2)
    assert '2057' in router('show', 'flow-accounting', 'collectors').stdout


def test_cache_full_hint(router):
    configure(router, ('max-flows', '4'))
    router.capture('proc/stat-maxflows4-drops.txt', snmp='proc/snmp-maxflows4-drops.txt')
    data = json.loads(router('show', 'flow-accounting', '--json').stdout)
    assert data['drops']['maxflows'] > 0
    assert any('raise "netflow max-flows"' in hint for hint in data['hints'])


def biggest(capture, count, key='bytes'):
    """The expected top rows, computed straight from the capture's columns."""
    lines = (FIXTURES / 'proc' / capture).read_text().splitlines()
    position = -2 if key == 'bytes' else -3   # ... packets bytes first,last
    rows = [line.split() for line in lines[1:]]
    rows.sort(key=lambda fields: -int(fields[position]))   # stable: file order on ties
    return [int(fields[position]) for fields in rows[:count]]


def test_flows_top_n_sorted_with_names(router):
    configure(router)
    data = json.loads(router('show', 'flow-accounting', 'flows', 'top', '5', '--json').stdout)
    assert [flow['bytes'] for flow in data['flows']] == biggest('flows-v9-ipv4-ipv6-vlan.txt', 5)
    assert data['cached_flows'] == 22 and data['sort_by'] == 'bytes'
    assert {flow['in_interface'] for flow in data['flows']} <= set(INTERFACES) | {None}
    by_packets = json.loads(router('show', 'flow-accounting', 'flows', 'sort-by', 'packets',
                                   'top', '3', '--json').stdout)
    assert [f['packets'] for f in by_packets['flows']] == biggest('flows-v9-ipv4-ipv6-vlan.txt',
                                                                  3, 'packets')
    text = router('run', 'show', 'flow-accounting', 'flows', 'top', '3').stdout.splitlines()
    assert text[0].split() == ['IN', 'OUT', 'PROTO', 'SOURCE', 'DESTINATION', 'VLAN', 'PACKETS',
                               'BYTES', 'AGE', 'IDLE']
    assert text[-1] == '3 of 22 cached flows, by bytes'
    assert any(' vr-h' in line for line in text[1:4])


@pytest.mark.parametrize('words, check', [
    (['interface', 'vr-h1'], lambda f: f['in_interface'] == 'vr-h1'),
    (['host', '2001:db8:2:0::2'], lambda f: '2001:db8:2::2' in (f['src_addr'], f['dst_addr'])),
    (['port', '8080'], lambda f: 8080 in (f['src_port'], f['dst_port'])),
    (['port', '5000-6000'], lambda f: any(p is not None and 5000 <= p <= 6000
                                          for p in (f['src_port'], f['dst_port']))),
    (['protocol', 'udp'], lambda f: f['protocol'] == 17),
    (['protocol', '58'], lambda f: f['protocol_name'] == 'ipv6-icmp'),
])
def test_flow_filters(router, words, check):
    configure(router)
    flows = json.loads(router('show', 'flow-accounting', 'flows', *words, '--json').stdout)['flows']
    assert flows and all(check(flow) for flow in flows)


def rows_within(capture, source=None, destination=None, host=None, protocol=None):
    """Row count of the capture meeting the conditions, read straight from its
    columns (... proto src:ip,port dst:ip,port nexthop tos,… packets bytes ts)."""
    def inside(column, prefix):
        return ipaddress.ip_address(column.rsplit(',', 1)[0]) in ipaddress.ip_network(
            prefix, strict=False)
    count = 0
    for fields in [line.split() for line in (FIXTURES / 'proc' / capture).read_text()
                   .splitlines()[1:]]:
        src, dst, proto = fields[-7], fields[-6], int(fields[-8])
        count += ((source is None or inside(src, source))
                  and (destination is None or inside(dst, destination))
                  and (host is None or inside(src, host) or inside(dst, host))
                  and (protocol is None or proto == protocol))
    return count


@pytest.mark.parametrize('conditions', [
    {'host': '10.1.1.0/24'}, {'host': '10.1.1.77/24'},   # host bits of a prefix are ignored
    {'host': '2001:db8::/46'}, {'host': '0.0.0.0/0'}, {'source': '10.0.0.0/8'},
    {'destination': '10.0.0.0/8'}, {'source': '203.0.113.0/24', 'destination': '10.1.1.0/24'},
    {'source': '2001:db8:1::/48', 'protocol': 6}, {'destination': '10.1.1.2'},
    {'host': '192.0.2.0/24'},
], ids=lambda conditions: ' '.join(f'{k} {v}' for k, v in conditions.items()))
def test_address_filters_take_prefixes(router, conditions):
    configure(router)
    words = [word for name, value in conditions.items() for word in (name, str(value))]
    flows = json.loads(router('show', 'flow-accounting', 'flows', *words, '--json').stdout)['flows']
    expected = rows_within('flows-v9-ipv4-ipv6-vlan.txt', **conditions)
    assert len(flows) == expected, (expected, flows)
    if 'host' in conditions and '192.0.2' not in conditions['host']:
        assert expected > 0


def test_vyos_spelling_and_bad_arguments(router):
    configure(router)
    vyos = json.loads(router('show', 'flow-accounting', 'interface', 'vr-h2', 'top', '2',
                             '--json').stdout)['flows']
    assert len(vyos) == 2 and all(f['in_interface'] == 'vr-h2' for f in vyos)
    for words, message in ((['interface', 'eth99'], 'interface eth99 does not exist'),
                           (['port', '70000'], 'is not within 0-65535'),
                           (['top', 'x'], 'top must be a non-negative number'),
                           (['sort-by', 'age'], 'sort_by must be one of: bytes, packets'),
                           (['top', '1', 'top', '2'], '"top" is given twice'),
                           (['bogus', '1'], '"bogus" is not an option here'),
                           (['host', 'router1'], 'host must be an address or a prefix'),
                           (['source', '10.1.1.0/33'], 'source must be an address or a prefix')):
        result = router('show', 'flow-accounting', 'flows', *words, check=False)
        assert result.returncode == 1 and message.replace('_', '-') in result.stderr.replace('_', '-'), words


def test_statistics_keep_the_total_apart_from_the_cpus(router):
    configure(router)
    stats = router('show', 'flow-accounting', 'statistics').stdout.splitlines()
    assert [line.split()[0] for line in stats] == ['CPU', 'total', '0', '1']
    data = json.loads(router('show', 'flow-accounting', 'statistics', '--json').stdout)
    assert data['cpus'][0] == {'cpu': 0, 'packets_per_second': 7, 'packets': 45,
                               'flows_created': 12, 'hash_metric': 1.0, 'dropped_packets': 0,
                               'dropped_maxflows': 0, 'dropped_no_memory': 0, 'truncated': 0,
                               'fragments': 0}
    assert data['total']['packets'] == sum(row['packets'] for row in data['cpus']) == 87


def metric_values(text: str) -> dict:
    """Parsed by the Prometheus client's own parser, checked against the
    format's conventions: one group per metric, HELP and TYPE for each,
    counters (only) end in _total, no total mixed into per-CPU series."""
    from prometheus_client.parser import text_string_to_metric_families
    families = list(text_string_to_metric_families(text))
    names = [family.name for family in families]
    assert len(names) == len(set(names)), names           # each metric one group
    values = {}
    for family in families:
        assert family.type in ('counter', 'gauge') and family.documentation, family
        assert re.fullmatch(r'ipt_netflow_[a-z0-9_]+', family.name), family.name
        for sample in family.samples:
            assert sample.name.endswith('_total') == (family.type == 'counter'), sample
            assert sample.labels.get('cpu') != 'total', sample
            values[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return values


def test_metrics_follow_the_prometheus_conventions(router):
    configure(router)
    text = router('show', 'flow-accounting', 'metrics').stdout
    values = metric_values(text)
    assert values['ipt_netflow_up', ()] == 1
    assert values['ipt_netflow_flows_active', ()] == 22
    assert values['ipt_netflow_packets_total', ()] == 87                  # the total, alone
    assert [values['ipt_netflow_cpu_packets_total', (('cpu', cpu),)] for cpu in '01'] == [45, 42]
    assert values['ipt_netflow_collector_connected', (('collector', '127.0.0.1:2055'),)] == 1
    assert values['ipt_netflow_collector_refusing', (('collector', '127.0.0.1:2055'),)] == 0
    assert values['ipt_netflow_traffic_bytes_per_second', ()] == 146210 / 8
    shutil.rmtree(router.root / 'proc/net/stat')                          # module not loaded
    absent = router('show', 'flow-accounting', 'metrics')
    assert absent.returncode == 0 and metric_values(absent.stdout) == {('ipt_netflow_up', ()): 0}


def test_clear_writes_the_flush_trigger(router):
    configure(router)
    flush = router.root / 'proc/sys/net/netflow/flush'
    assert 'exported' in router('clear', 'flow-accounting', 'flows').stdout
    assert flush.read_text() == '1\n'
    router('clear', 'flow-accounting', 'counters')
    assert flush.read_text() == '2\n'


def test_not_configured_and_not_loaded_are_one_line_errors(router):
    result = router('show', 'flow-accounting', check=False)
    assert result.returncode == 1 and result.stderr == 'flow-accounting is not configured\n'
    configure(router)
    shutil.rmtree(router.root / 'proc/net/stat')
    for words in (['show', 'flow-accounting'], ['show', 'flow-accounting', 'flows'],
                  ['clear', 'flow-accounting', 'counters']):
        result = router(*words, check=False)
        assert result.returncode == 1 and len(result.stderr.splitlines()) == 1, words
        assert 'ipt_NETFLOW is not loaded' in result.stderr


def json_error(result) -> dict:
    assert result.returncode == 1 and result.stderr == '', result
    return json.loads(result.stdout)['error']


def test_errors_asked_for_as_json_are_json(router):
    """Scripts that asked for JSON get JSON even when there is no data: an
    object naming the kind of error and the message, and a non-zero exit."""
    assert json_error(router('show', 'flow-accounting', '--json', check=False)) == {
        'kind': 'unconfigured_subsystem', 'message': 'flow-accounting is not configured'}
    configure(router)
    assert json_error(router('show', 'system', 'commit', 'diff', '0', '--json', check=False)) \
        == {'kind': 'data_unavailable', 'message': 'Revision 0 is the oldest kept; there is '
                                                   'nothing to compare it with'}
    shutil.rmtree(router.root / 'proc/net/stat')
    for words in (['show', 'flow-accounting'], ['show', 'flow-accounting', 'collectors'],
                  ['show', 'flow-accounting', 'flows'], ['show', 'flow-accounting', 'statistics'],
                  ['show', 'flow-accounting', 'metrics']):
        error = json_error(router(*words, '--json', check=False))
        assert error['kind'] == 'data_unavailable' and 'ipt_NETFLOW is not loaded' in \
            error['message'], words
    error = json_error(router('show', 'flow-accounting', 'flows', 'top', 'x', '--json',
                              check=False))
    assert error['kind'] == 'incorrect_value'


def test_restart_refuses_during_a_commit_and_plans_otherwise(router):
    configure(router)
    lock = router.root / 'run/vyflow/commit.lock'
    with open(lock, 'w') as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        busy = router('restart', 'flow-accounting', check=False)
    assert busy.returncode == 3 and 'Another commit is in progress' in busy.stderr
    plan = router('restart', 'flow-accounting').stdout
    assert 'rmmod ipt_NETFLOW' not in plan or plan.index('rmmod') < plan.index('modprobe')


def test_restart_prints_warnings_as_a_commit_does(router):
    configure(router, ('interface', 'ppp0'))
    result = router('restart', 'flow-accounting')
    assert 'WARNING: Interface ppp0 does not exist yet; it is accounted once it appears\n' \
        in result.stdout
    assert 'ConfigWarning' not in result.stdout + result.stderr and '.py:' not in result.stderr
    raw = router('restart', 'flow-accounting', '--json')
    assert json.loads(raw.stdout)['restarted'] is False            # a sandbox root plans only
    assert raw.stderr.startswith('WARNING: Interface ppp0 does not exist yet')
    assert json.loads(router('clear', 'flow-accounting', 'flows', '--json').stdout) == {
        'cleared': 'flows', 'cache_exported': True}


def test_commit_confirm_of_one_minute_says_minute(router):
    configure(router)
    router('set', 'system', 'flow-accounting', 'netflow', 'active-timeout', '600')
    armed = router('commit-confirm', '1').stdout
    assert 'Initialized commit-confirm; 1 minute to confirm' in armed, armed
    router('confirm')


def test_every_command_in_a_real_terminal(router):
    """The shell's operational mode, as an operator types it, with Tab and ?."""
    from helpers.terminal import Terminal
    configure(router)
    terminal = Terminal(router.argv(), f'vyflow-op-{os.getpid()}')
    try:
        terminal.type('show flow-accounting ')
        terminal.type('?')
        screen = terminal.wait_for('Possible completions:')
        assert 'collectors' in screen and 'Show per-CPU counters' in screen
        terminal.type('fl')
        terminal.keys('Tab')
        terminal.wait_for('show flow-accounting flows ')
        terminal.type('?')
        screen = terminal.wait_for('Only flows from or to this address')
        assert 'sort-by' in screen and '<Enter>' in screen
        terminal.type('sort-by ')
        terminal.type('?')
        terminal.wait_for('packets')
        terminal.type('bytes top 3')
        terminal.keys('Enter')
        terminal.wait_for('3 of 22 cached flows, by bytes')
        for command, expected in (('show flow-accounting', 'Flows:        22 active'),
                                  ('show flow-accounting collectors', '127.0.0.1:2055'),
                                  ('show flow-accounting statistics', 'CPU'),
                                  ('show flow-accounting metrics',
                                   'ipt_netflow_collector_connect_errors_total{collector='),
                                  ('show flow-accounting interface vr-h1 top 1', '1 of 22'),
                                  ('show flow-accounting flows port 99999', 'is not within 0-65535'),
                                  ('clear flow-accounting flows', 'exported to the collectors'),
                                  ('restart flow-accounting', 'dry run')):
            terminal.keys('C-l')
            terminal.type(command)
            terminal.keys('Enter')
            terminal.wait_for(expected)
    finally:
        terminal.close()


def test_statistics_on_one_cpu_come_from_the_snmp_page(router):
    """With one CPU the stat page has no per-CPU lines; the snmp page still does."""
    configure(router)
    stat = router.root / 'proc/net/stat/ipt_netflow'
    stat.write_text(''.join(line for line in stat.read_text().splitlines(keepends=True)
                            if not line.startswith('cpu') or line.startswith('cpu#')))
    snmp = router.root / 'proc/net/stat/ipt_netflow_snmp'
    snmp.write_text(''.join(line for line in snmp.read_text().splitlines(keepends=True)
                            if not line.startswith('cpu1 ')))
    data = json.loads(router('show', 'flow-accounting', 'statistics', '--json').stdout)
    assert [row['cpu'] for row in data['cpus']] == [0] and data['total'] is not None
    assert data['cpus'][0]['packets'] == 45
