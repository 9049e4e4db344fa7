"""vyflow on the real ipt_NETFLOW: commit, live changes, failures, rollback, show.

Everything goes through ``vyflow`` as an operator types it; the module, the
firewall and real collectors (nfcapd, nfacctd) are then read back directly.
"""

import os
import re
import socket

import pytest

from guestlib import cmd, module, traffic
from guestlib.builds import DEBIAN, FULL
from guestlib.collectors import describe, find, nat_events
from guestlib.mix import expected_flows, send_mix
from guestlib.vyflow import MODPROBE_CONF, Vyflow, firewall_text, our_rules

FA = 'set system flow-accounting'
RUNNING = '/var/lib/vyflow/running.boot'
NF = 'set system flow-accounting netflow'


@pytest.fixture
def vyflow(netflow):
    """vyflow with no earlier state; module and firewall reset by ``netflow``."""
    tool = Vyflow()
    tool.reset()
    yield tool
    tool.reset()


def module_address():
    with open('/proc/modules') as handle:
        for line in handle:
            if line.split()[0] == module.MODULE:
                return line.split()[-1]
    return None


def settings():
    """What the module holds now: /sys parameters and net.netflow sysctls."""
    return module.parameters(), module.sysctls()


def base_config(*servers, version=9, interfaces=('vr-h1',), extra=()):
    lines = [f'{NF} interface {name}' for name in interfaces]
    lines += [f'{NF} server 127.0.0.1 port {servers[0]}'] if servers else []
    lines += [f'{NF} server ::1 port {port}' for port in servers[1:]]
    lines += [f'{NF} version {version}', f'{NF} inactive-timeout 600'] + list(extra)
    return lines


@pytest.mark.smoke
def test_commit_loads_module_with_the_configured_parameters_and_hooks(vyflow, collectors):
    nfcapd = collectors.nfcapd()
    result = vyflow.configure(*base_config(nfcapd.port, interfaces=('vr-h1', 'vr-h2')),
                              f'{FA} enable-egress', f'{NF} active-timeout 300',
                              f'{NF} engine-id 7', f'{NF} max-flows 100000',
                              f'{NF} template refresh-packets 10',
                              f'{NF} template refresh-minutes 5', f'{FA} buffer-size 2')
    assert 'flow-accounting: module loaded' in result.out, result
    parameters, sysctls = settings()
    expected = {'protocol': '9', 'destination': f'127.0.0.1:{nfcapd.port}',
                'active_timeout': '300', 'inactive_timeout': '600', 'maxflows': '100000',
                'engine_id': '7', 'refresh_rate': '10', 'timeout_rate': '5',
                'sndbuf': str(2 * 1024 * 1024)}
    assert {k: parameters[k] for k in expected} == expected
    assert sysctls['destination'] == expected['destination']
    assert sysctls['refresh-rate'] == '10' and sysctls['timeout-rate'] == '5'
    with open(MODPROBE_CONF) as handle:
        assert f'options ipt_NETFLOW protocol=9 destination=127.0.0.1:{nfcapd.port} ' in handle.read()
    own_export = (f'-d 127.0.0.1/32 -p udp -m udp --dport {nfcapd.port} -m addrtype --src-type '
                  'LOCAL -j RETURN')                 # the IPv4 collector: not accounted
    for family in (4, 6):
        assert our_rules(family) == [
            ('POSTROUTING', '-j VYFLOW_EGRESS'), ('PREROUTING', '-j VYFLOW_INGRESS')] + (
            [('VYFLOW_EGRESS', own_export)] if family == 4 else []) + [
            ('VYFLOW_EGRESS', '-o vr-h1 -j NETFLOW'), ('VYFLOW_EGRESS', '-o vr-h2 -j NETFLOW')] + (
            [('VYFLOW_INGRESS', own_export)] if family == 4 else []) + [
            ('VYFLOW_INGRESS', '-i vr-h1 -j NETFLOW'), ('VYFLOW_INGRESS', '-i vr-h2 -j NETFLOW')]
    again = vyflow.run('commit')
    assert 'No configuration changes to commit' in again.out


@pytest.mark.parametrize('version', [pytest.param(5, marks=pytest.mark.smoke)] + [
    pytest.param(v, marks=[pytest.mark.smoke, pytest.mark.needs_packet_counts]) for v in (9, 10)],
    ids=['v5', 'v9', 'ipfix'])
def test_collectors_decode_what_we_sent(vyflow, topology, collectors, version):
    ipv6 = version != 5
    nfcapd, nfacctd = collectors.nfcapd(), collectors.nfacctd(bind='::1')
    vyflow.configure(f'{NF} interface vr-h1', f'{NF} version {version}',
                     f'{NF} inactive-timeout 600',
                     f'{NF} server 127.0.0.1 port {nfcapd.port}',
                     f'{NF} server ::1 port {nfacctd.port}')
    assert ('VYFLOW_INGRESS', '-i vr-h1 -j NETFLOW') in our_rules(6) if ipv6 else our_rules(6) == []
    sent = send_mix(topology, ipv6)
    want = expected_flows(topology, sent, ipv6)
    vyflow.run('clear', 'flow-accounting', 'flows')
    for collector in (nfcapd, nfacctd):
        flows = collector.wait_flows(lambda fl: all(find(fl, **c) for c in want.values()))
        where = f'{collector.kind} (version {version}):\n{describe(flows)}'
        for name, criteria in want.items():
            assert len(find(flows, **criteria)) == 1, f'missing {name} in {where}'
        tcp4 = find(flows, **want['tcp4'])[0]
        assert 30000 < tcp4['bytes'] < 30000 + 100 * tcp4['packets'], where
        assert find(flows, **want['udp4'])[0]['bytes'] == 20 + 8 + 32, where
        assert (find(flows, **want['icmp4'])[0]['packets']) == 3, where
        if ipv6:
            assert find(flows, **want['udp6'])[0]['bytes'] == 40 + 8 + 32, where
        else:
            assert [f for f in flows if f['family'] == 6] == [], where
    assert nfcapd.versions() == [version]


@pytest.mark.smoke
@pytest.mark.needs_packet_counts
def test_live_changes_keep_the_cache_and_export_to_both_collectors(vyflow, topology, collectors):
    first, second = collectors.nfcapd(), collectors.nfacctd(bind='::1')
    vyflow.configure(*base_config(first.port))
    address = module_address()
    sent = traffic.tcp(topology.h1.netns, topology.h2.v4, nbytes=10000)
    key = dict(src=topology.h1.v4, dst=topology.h2.v4, proto=6, sport=sent['sport'], dport=8080)
    before = module.wait_steady(**key)
    assert len(before) == 1

    result = vyflow.configure(f'{NF} active-timeout 120', f'{NF} inactive-timeout 500',
                              f'{NF} engine-id 42', f'{NF} server ::1 port {second.port}')
    assert 'changed live' in result.out and 'reload' not in result.out, result
    assert module_address() == address                       # no reload
    parameters, _ = settings()
    assert (parameters['active_timeout'], parameters['inactive_timeout'],
            parameters['engine_id']) == ('120', '500', '42')
    assert parameters['destination'] == f'127.0.0.1:{first.port},[::1]:{second.port}'
    after = find(module.cached_flows(), **key)                # the cache survived: our flow
    assert [(f['packets'], f['bytes']) for f in after] == [(f['packets'], f['bytes']) for f in before]

    vyflow.configure(f'{NF} sampling-rate 4')                # live too (flushes by design)
    assert module_address() == address
    assert module.sysctl('sampler') == 'random:4'
    vyflow.run('delete', 'system', 'flow-accounting', 'netflow', 'sampling-rate')
    vyflow.run('commit')
    sent = traffic.udp(topology.h1.netns, topology.h2.v4, size=64, count=3)
    new_key = dict(src=topology.h1.v4, dst=topology.h2.v4, proto=17, sport=sent['sport'])
    module.wait_cached(packets=3, **new_key)
    vyflow.run('clear', 'flow-accounting', 'flows')
    for collector in (first, second):
        flows = collector.wait_flows(lambda fl: find(fl, **new_key))
        assert find(flows, **new_key) and find(flows, **new_key)[0]['packets'] == 3, describe(flows)
    assert module_address() == address


def snapshot():
    parameters, sysctls = settings()
    with open(MODPROBE_CONF) as handle:
        conf = handle.read()
    return parameters, sysctls, firewall_text(4), firewall_text(6), conf


# Every step of one live change, each failing with another kind of exception:
# expected errors, bugs and interrupts alike are undone by the real module's apply.
# (Every type at every step is proven on the host, in a network namespace:
# tests/test_flow_netns.py::test_every_step_failing_restores_the_prior_state.)
FAULTS_BY_TYPE = [('param:destination', 'ValueError'), ('param:active_timeout', 'KeyError'),
                  ('file:modprobe', 'RuntimeError'), ('hooks:ipv4', 'OSError'),
                  ('hooks:ipv6', 'TypeError'), ('dscp', 'AttributeError'),
                  ('read-back', 'KeyboardInterrupt'), ('param:sndbuf', 'SystemExit'),
                  ('dscp', 'ApplyError')]


def test_any_exception_at_any_step_is_undone_and_the_next_commit_works(vyflow, collectors):
    first, second = collectors.nfcapd(), collectors.nfcapd(bind='::1')
    vyflow.configure(*base_config(first.port))
    before, running = snapshot(), cmd.read(RUNNING)
    change = (f'{NF} interface vr-h2', f'{NF} active-timeout 77', f'{FA} buffer-size 3',
              f'{NF} server ::1 port {second.port}', f'{FA} enable-egress', f'{NF} dscp le')
    for fault, kind in FAULTS_BY_TYPE:
        result = vyflow.configure(*change, check=False, env=fault_env(fault, kind))
        where = f'{fault} {kind}: {result!r}'
        assert result.code != 0 or kind == 'KeyboardInterrupt', where
        if kind not in ('KeyboardInterrupt', 'SystemExit'):
            assert f'injected fault at {fault}' in result.out + result.err, where
            assert 'previous configuration was restored' in result.out + result.err, where
        if kind == 'ApplyError':
            assert 'The previous state was restored' in result.out + result.err, where
        assert snapshot() == before, where
        assert cmd.read(RUNNING) == running, where          # nothing recorded
        vyflow.run('discard', check=False)                  # Ctrl-C left the session's edits
    result = vyflow.configure(*change)                       # and then it goes through
    assert 'changed live' in result.out, result
    assert module.parameter('active_timeout') == '77'


def test_dry_run_plans_from_the_real_system_and_changes_nothing(vyflow, collectors):
    """A dry run reads the hooks and the nft table read-only: it plans what a
    commit would do, no more (hooks not re-added) and no less (hooks removed
    on delete)."""
    vyflow.configure(*base_config(collectors.nfcapd().port), f'{NF} dscp ef')
    before = snapshot()
    result = vyflow.configure(f'{NF} active-timeout 99', options=('--dry-run',))
    assert 'dry run, NOT applied' in result.out, result
    assert 'set net.netflow.active_timeout = 99' in result.out, result
    assert 'iptables-restore' not in result.out and 'vyflow_export' not in result.out, result
    assert snapshot() == before
    result = vyflow.configure('delete system flow-accounting', options=('--dry-run',))
    for step in ('ip6tables-restore --noflush', 'iptables-restore --noflush',
                 'remove nft table inet vyflow_export', 'rmmod ipt_NETFLOW'):
        assert step in result.out, (step, result)
    assert snapshot() == before and module.is_loaded()


def fault_env(step, kind):
    env = {'VYFLOW_INJECT_FAULT': step}
    return env if kind == 'ApplyError' else dict(env, VYFLOW_INJECT_FAULT_TYPE=kind)


def test_failed_module_load_leaves_nothing_behind(vyflow, collectors):
    lines = base_config(collectors.nfcapd().port)
    for kind in ('ApplyError', 'KeyError'):
        result = vyflow.configure(*lines, check=False, env=fault_env('module:load', kind))
        assert result.code != 0, (kind, result)
        assert not module.is_loaded() and not os.path.exists(MODPROBE_CONF), kind
        assert our_rules(4) == [] and our_rules(6) == [], kind
        assert not os.path.exists(RUNNING), kind


def test_failed_rmmod_on_delete_restores_hooks(vyflow, collectors):
    vyflow.configure(*base_config(collectors.nfcapd().port))
    before = snapshot()
    for kind in ('ApplyError', 'RuntimeError'):
        result = vyflow.configure('delete system flow-accounting', check=False,
                                  env=fault_env('module:unload', kind))
        assert result.code != 0 and module.is_loaded(), (kind, result)
        assert snapshot() == before, kind


@pytest.mark.smoke
def test_rollback_restores_parameters_and_hooks(vyflow, collectors):
    port = collectors.nfcapd().port
    vyflow.configure(*base_config(port), f'{NF} active-timeout 300')
    committed = snapshot()
    vyflow.configure(f'{NF} interface vr-h2', f'{FA} enable-egress', f'{NF} active-timeout 120')
    assert snapshot() != committed
    vyflow.run('rollback', '1')
    assert snapshot() == committed
    assert 'via rollback' in vyflow.run('show', 'system', 'commit').out


def test_show_agrees_with_the_collector_and_clear_flushes_at_once(vyflow, topology, collectors):
    nfcapd = collectors.nfcapd()
    vyflow.configure(*base_config(nfcapd.port))
    sent = traffic.tcp(topology.h1.netns, topology.h2.v4, nbytes=25000)
    module.wait_steady(proto=6, src=topology.h1.v4, sport=sent['sport'])
    key = dict(src_addr=topology.h1.v4, dst_addr=topology.h2.v4, protocol=6,
               src_port=sent['sport'], dst_port=8080)
    shown = vyflow.show_json('flow-accounting', 'flows', 'host', topology.h1.v4)['flows']
    ours = [f for f in shown if all(f[k] == v for k, v in key.items())]
    assert len(ours) == 1 and ours[0]['in_interface'] == 'vr-h1', shown
    status = vyflow.show_json('flow-accounting')
    assert status['flows']['active'] >= 1 and status['collectors'][0]['state'] == 'connected'
    text = vyflow.run('show', 'flow-accounting', 'flows', 'top', '5').out
    assert 'vr-h1' in text and f'{topology.h2.v4}:8080' in text
    vyflow.run('clear', 'flow-accounting', 'flows')
    criteria = dict(src=topology.h1.v4, dst=topology.h2.v4, proto=6, sport=sent['sport'])
    # Only the flush can send it: the flow would wait 600 s for its inactive timeout.
    # The collector's side (nfcapd writing, nfdump reading, under TCG on a loaded
    # machine) takes what it takes; a CI run under load once needed over 10 s.
    flows = nfcapd.wait_flows(lambda fl: find(fl, **criteria), timeout=60)
    got = find(flows, **criteria)
    assert got and (got[0]['packets'], got[0]['bytes']) == (ours[0]['packets'], ours[0]['bytes'])


def test_collector_down_is_reported_as_refusing(vyflow, topology, collectors):
    silent_port = collectors.port()                          # nothing listens there
    vyflow.configure(*base_config(silent_port))
    sent = traffic.udp(topology.h1.netns, topology.h2.v4, size=40, count=2)
    module.wait_cached(packets=2, proto=17, src=topology.h1.v4, sport=sent['sport'])
    vyflow.run('clear', 'flow-accounting', 'flows')
    module.wait_stat(lambda st: st['sockets'] and st['sockets'][0]['cberr'] > 0,
                     what='refused exports')
    status = vyflow.show_json('flow-accounting')
    assert status['collectors'][0]['state'] == 'refusing', status['collectors']
    assert any('is a collector listening' in hint for hint in status['hints'])


def test_export_through_a_vrf(vyflow, topology, vrf_site, collectors):
    collector = collectors.nfcapd(bind=vrf_site.v4, netns=vrf_site.netns)
    vyflow.configure(f'{FA} vrf {vrf_site.vrf}', f'{NF} interface vr-h1',
                     f'{NF} server {vrf_site.v4} port {collector.port}',
                     f'{NF} inactive-timeout 600')
    assert module.parameter('destination') == vrf_site.destination(collector.port)
    sent = traffic.udp(topology.h1.netns, topology.h2.v4, size=50, count=2)
    key = dict(src=topology.h1.v4, dst=topology.h2.v4, proto=17, sport=sent['sport'])
    module.wait_cached(packets=2, **key)
    vyflow.run('clear', 'flow-accounting', 'flows')
    flows = collector.wait_flows(lambda fl: find(fl, **key))
    assert len(find(flows, **key)) == 1, describe(flows)


@pytest.mark.smoke
@pytest.mark.needs_packet_counts
def test_delete_removes_hooks_unloads_and_exports_the_cache(vyflow, topology, collectors):
    nfcapd = collectors.nfcapd()
    vyflow.configure(*base_config(nfcapd.port))
    sent = traffic.udp(topology.h1.netns, topology.h2.v4, size=30, count=4)
    key = dict(src=topology.h1.v4, dst=topology.h2.v4, proto=17, sport=sent['sport'])
    module.wait_cached(packets=4, src=topology.h1.v4, proto=17, sport=sent['sport'])
    result = vyflow.configure('delete system flow-accounting')
    assert 'module unloaded' in result.out, result
    assert not module.is_loaded() and not os.path.exists(MODPROBE_CONF)
    assert our_rules(4) == [] and our_rules(6) == []
    flows = nfcapd.wait_flows(lambda fl: find(fl, **key))
    assert find(flows, **key) and find(flows, **key)[0]['packets'] == 4, describe(flows)


def test_protocol_switches_live_and_ip6_hooks_follow(vyflow, collectors):
    vyflow.configure(*base_config(collectors.nfcapd().port, version=9))
    address = module_address()
    vyflow.configure(f'{NF} version 5')
    assert module.parameter('protocol') == '5' and our_rules(6) == []
    vyflow.configure(f'{NF} version 10')
    assert module.parameter('protocol') == '10'
    assert ('VYFLOW_INGRESS', '-i vr-h1 -j NETFLOW') in our_rules(6)
    assert module_address() == address


FEATURES = {
    'nel': ('natevents', [f'{NF} natevents']),
    'aggr': ('aggregation', [f'{NF} aggregation network 10.0.0.0/8 prefix-length 16',
                             f'{NF} aggregation port 1024-65535 to 1024']),
    'samp-h': ('hash sampling', [f'{NF} sampling-rate 2', f'{NF} sampling-mode hash']),
}
CONNTRACK_EVENTS = '/proc/sys/net/netfilter/nf_conntrack_events'


@pytest.mark.ipt_netflow_build(DEBIAN)
def test_debian_build_refuses_the_features_it_lacks(vyflow, collectors):
    """Debian's build lacks natevents, aggregation and the hash sampler: each
    commit is refused with the build-feature error and nothing changes."""
    vyflow.configure(*base_config(collectors.nfcapd().port, version=10))
    tags = module.feature_tags()
    before = settings()
    for tag, (name, lines) in sorted(FEATURES.items()):
        assert tag not in tags, (name, tags)
        result = vyflow.configure(*lines, check=False)
        assert result.code != 0 and 'was built without' in result.out + result.err, result
        assert 'Commit failed' in result.out + result.err, result
        assert settings() == before, name


@pytest.mark.parametrize('tag', sorted(FEATURES))
@pytest.mark.ipt_netflow_build(FULL)
def test_full_build_uses_each_feature(vyflow, netflow, topology, collectors, tag):
    """The full-featured variant (setup-host) has them: each is used for real."""
    nfcapd = collectors.nfcapd()
    vyflow.configure(*base_config(nfcapd.port, version=10))
    name, lines = FEATURES[tag]
    assert tag in module.feature_tags(), f'the full-featured build lacks {name}'
    if tag == 'nel':
        check_natevents(vyflow, netflow, topology, nfcapd, lines)
    elif tag == 'aggr':
        check_aggregation(vyflow, topology, nfcapd, lines)
    else:
        check_hash_sampling(vyflow, topology, nfcapd, lines)


def check_natevents(vyflow, netflow, topology, nfcapd, lines):
    """NAT events of a MASQUERADEd connection reach the collector as IPFIX NEL
    records; vyflow turns conntrack events on (=1) and restores the old value."""
    h1, h2 = topology.h1, topology.h2
    cmd.run(['modprobe', 'nf_conntrack'])
    cmd.write(CONNTRACK_EVENTS, '0\n')          # an operator's own (non-default) value
    vyflow.configure(*lines)
    assert module.sysctl('natevents') == '1'
    assert cmd.read(CONNTRACK_EVENTS).strip() == '1'
    netflow.rules.add(['-t', 'nat', '-A', 'POSTROUTING', '-o', h2.router_if, '-j', 'MASQUERADE'])
    try:
        sent = traffic.tcp(h1.netns, h2.v4, nbytes=2000)
        cmd.run(['conntrack', '-F'], check=False)   # destroy: the delete events
        vyflow.run('clear', 'flow-accounting', 'flows')
        ours = dict(proto=6, src=h1.v4, sport=sent['sport'], dst=h2.v4, dport=8080)

        def events_of(flows):
            return find(nat_events(flows), **ours)
        flows = nfcapd.wait_flows(lambda fl: len(events_of(fl)) >= 2)
        events = events_of(flows)
        where = f'NAT events {nat_events(flows)} among:\n{describe(flows)}'
        assert sorted(e['event'] for e in events) == ['create', 'delete'], where
        for event in events:
            assert (event['xlt_src'], event['xlt_dst'], event['xlt_dport']) == (
                h2.router_v4, h2.v4, 8080), where
            assert event['xlt_sport'] > 0, where
        status = vyflow.show_json('flow-accounting')['natevents']
        assert status['enabled'] and status['conntrack_events'] == '1', status
        assert status['start_events'] >= 1 and status['stop_events'] >= 1, status
    finally:
        netflow.rules.clear()
        cmd.run(['conntrack', '-F'], check=False)   # no NAT binding outlives the rule
    vyflow.configure('delete system flow-accounting netflow natevents')
    assert module.sysctl('natevents') == '0'
    assert cmd.read(CONNTRACK_EVENTS).strip() == '0'       # the operator's value is back


AGGREGATED_H1 = '10.1.0.0'       # 10.1.1.2 in 10.0.0.0/8, cut to /16
AGGREGATED_PORT = 1024           # every port in 1024-65535


def check_aggregation(vyflow, topology, nfcapd, lines):
    """Flows from h1 are keyed by 10.1.0.0 and port 1024 (both ends: 8080 is
    in the range too): two connections become one flow, in the cache and at
    the collector.  ICMP keeps its type/code."""
    h1, h2 = topology.h1, topology.h2
    vyflow.configure(*lines)
    rules = '10.0.0.0/8=16,1024-65535=1024'
    assert module.sysctl('aggregation') == rules and module.parameter('aggregation') == rules
    first = traffic.tcp(h1.netns, h2.v4, nbytes=3000)
    second = traffic.tcp(h1.netns, h2.v4, nbytes=4000)
    assert first['sport'] != second['sport']
    traffic.ping(h1.netns, h2.v4, count=2)
    cached = module.cached_flows()
    tcp = dict(proto=6, src=AGGREGATED_H1, sport=AGGREGATED_PORT, dst=h2.v4,
               dport=AGGREGATED_PORT)
    icmp = dict(proto=1, src=AGGREGATED_H1, dst=h2.v4, dport=8 * 256)
    where = f'cached flows: {cached}'
    assert len(find(cached, **tcp)) == 1, where
    assert find(cached, **tcp)[0]['bytes'] > 3000 + 4000, where   # both connections
    assert len(find(cached, **icmp)) == 1 and find(cached, **icmp)[0]['packets'] == 2, where
    assert find(cached, src=h1.v4) == [], where                   # nothing unaggregated
    text = module.stat()['text']
    assert re.search(r'aggr#0 net: match 10\.0\.0\.0/8 strip 16 \(usage [1-9]', text), text
    assert re.search(r'aggr#0 port: ports 1024-65535 replace 1024 \(usage [1-9]', text), text
    expected = find(cached, **tcp)[0]
    vyflow.run('clear', 'flow-accounting', 'flows')
    flows = nfcapd.wait_flows(lambda fl: find(fl, **tcp) and find(fl, **icmp))
    assert len(find(flows, **tcp)) == 1, describe(flows)
    assert (find(flows, **tcp)[0]['packets'], find(flows, **tcp)[0]['bytes']) == (
        expected['packets'], expected['bytes']), describe(flows)
    assert find(flows, src=h1.v4) == [], describe(flows)


def check_hash_sampling(vyflow, topology, nfcapd, lines):
    """hash:2 keeps or drops whole flows (by a hash of the flow key): of 16 UDP
    flows of 3 datagrams each, some are cached with all 3 packets, the others
    not at all, and the collector gets exactly the kept ones."""
    h1, h2 = topology.h1, topology.h2
    vyflow.configure(*lines)
    assert module.sysctl('sampler') == 'hash:2' and module.parameter('sampler') == 'hash:2'
    text = module.stat()['text']
    assert 'Flow sampling mode hash one-out-of 2.' in text, text
    status = vyflow.show_json('flow-accounting')['sampler']
    assert (status['mode'], status['interval']) == ('hash', 2), status
    ports = [traffic.udp(h1.netns, h2.v4, size=24, count=3)['sport'] for _ in range(16)]
    cmd.wait_for(lambda: len([1 for src, sport, _ in topology.udp_received()
                              if src == h1.v4 and sport in ports]) == 3 * len(ports),
                 what='the sink on h2 to receive every datagram (sampling or not)')
    cached = module.cached_flows()
    kept = {f['sport']: f['packets'] for f in cached
            if f['proto'] == 17 and f['src'] == h1.v4 and f['sport'] in ports}
    where = f'kept {kept} of {ports}; cache: {cached}'
    assert 0 < len(kept) < len(ports), where      # all or none: chance 2 ** -15
    assert set(kept.values()) == {3}, where        # a flow is sampled whole
    counts = re.search(r'Pkts selected (\d+), discarded (\d+)\.', module.stat()['text'])
    assert counts, module.stat()['text']
    selected, discarded = map(int, counts.groups())
    assert selected >= 3 * len(kept) and discarded >= 3 * (len(ports) - len(kept)), counts[0]
    vyflow.run('clear', 'flow-accounting', 'flows')
    mine = dict(proto=17, src=h1.v4, sport=lambda port: port in ports)
    flows = nfcapd.wait_flows(lambda fl: len(find(fl, **mine)) >= len(kept))
    assert {f['sport']: f['packets'] for f in find(flows, **mine)} == kept, describe(flows)


def test_restart_reloads_with_the_committed_settings(vyflow, topology, collectors):
    vyflow.configure(*base_config(collectors.nfcapd().port), f'{NF} active-timeout 321')
    sent = traffic.udp(topology.h1.netns, topology.h2.v4, size=20, count=2)
    key = dict(proto=17, src=topology.h1.v4, sport=sent['sport'])
    module.wait_cached(packets=2, **key)
    committed = snapshot()
    result = vyflow.run('restart', 'flow-accounting')
    assert 'restarted' in result.out, result
    # a fresh module: our flow left with the old cache (stray packets may start new ones)
    assert find(module.cached_flows(), **key) == []
    assert module.is_loaded()
    assert snapshot() == committed                    # same settings, hooks and options file
    assert module.parameter('active_timeout') == '321'


OFFLOAD_TABLE = 'vyflow_test_offload'


def test_flowtable_offload_is_warned_and_really_bypasses_the_hooks(vyflow, topology, collectors):
    """An nftables flowtable on an accounted interface takes established
    connections to the fast path, ahead of PREROUTING: the commit warns, and
    the module indeed sees only the packets before the offload."""
    h1, h2 = topology.h1, topology.h2
    cmd.run(['nft', '-f', '-'], input=(
        f'table inet {OFFLOAD_TABLE} {{\n'
        f'  flowtable fast {{ hook ingress priority 0; devices = {{ vr-h1, vr-h2 }}; }}\n'
        f'  chain forward {{ type filter hook forward priority 0; policy accept;\n'
        f'    meta l4proto tcp flow add @fast\n'
        f'  }}\n'
        f'}}\n'))
    try:
        planned = vyflow.configure(*base_config(collectors.nfcapd().port), options=('--dry-run',))
        assert 'vr-h1 use nftables flowtable offload' in planned.out, planned   # read-only too
        assert not module.is_loaded()
        vyflow.reset()
        result = vyflow.configure(*base_config(collectors.nfcapd().port))
        assert ('vr-h1 use nftables flowtable offload: offloaded traffic bypasses the '
                'accounting hooks') in result.out + result.err, result
        nbytes = 400000
        sent = traffic.tcp(h1.netns, h2.v4, nbytes=nbytes)
        ours = find(module.cached_flows(), proto=6, src=h1.v4, sport=sent['sport'])
        assert len(ours) == 1 and ours[0]['bytes'] < nbytes // 2, (sent, ours)
    finally:
        cmd.run(['nft', 'delete', 'table', 'inet', OFFLOAD_TABLE])


def received_tos(sock, timeout=10.0):
    """The TOS byte of the next datagram on sock (DSCP << 2 | ECN)."""
    sock.settimeout(timeout)
    _, ancillary, _, _ = sock.recvmsg(65535, socket.CMSG_SPACE(4))
    for level, kind, data in ancillary:
        if (level, kind) == (socket.IPPROTO_IP, socket.IP_TOS):
            return data[0]
    raise AssertionError(f'no TOS in the ancillary data {ancillary}')


def test_export_packets_carry_the_configured_dscp_on_the_wire(vyflow, topology, collectors):
    """The collector's own socket reads the TOS byte of each export packet:
    af41 (DSCP 34) after the commit, ef (46) after a live change, le (1: TOS
    0x04, the value nft 1.0.6 lists as "lephb") after another, 0 once deleted."""
    port = collectors.port()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
        sock.bind(('127.0.0.1', port))
        for change, expected in ((base_config(port, extra=[f'{NF} dscp af41']), 34),
                                 ([f'{NF} dscp ef'], 46),
                                 ([f'{NF} dscp le'], 1),
                                 (['delete system flow-accounting netflow dscp'], 0)):
            vyflow.configure(*change)
            drain(sock)
            sent = traffic.udp(topology.h1.netns, topology.h2.v4, size=40, count=1)
            module.wait_cached(proto=17, src=topology.h1.v4, sport=sent['sport'])
            vyflow.run('clear', 'flow-accounting', 'flows')
            assert received_tos(sock) == expected << 2, change


def drain(sock):
    """Drop datagrams sent before the last change."""
    sock.setblocking(False)
    try:
        while True:
            sock.recv(65535)
    except BlockingIOError:
        pass
    finally:
        sock.setblocking(True)
