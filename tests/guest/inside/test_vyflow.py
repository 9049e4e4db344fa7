"""vyflow on the real ipt_NETFLOW: commit, live changes, failures, rollback, show.

Everything goes through ``vyflow`` as an operator types it; the module, the
firewall and real collectors (nfcapd, nfacctd) are then read back directly.
"""

import os

import pytest

from guestlib import module, traffic
from guestlib.collectors import describe, find
from guestlib.mix import expected_flows, send_mix
from guestlib.vyflow import MODPROBE_CONF, Vyflow, firewall_text, our_rules

FA = 'set system flow-accounting'
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
    for family in (4, 6):
        assert our_rules(family) == [
            ('POSTROUTING', '-j VYFLOW_EGRESS'), ('PREROUTING', '-j VYFLOW_INGRESS'),
            ('VYFLOW_EGRESS', '-o vr-h1 -j NETFLOW'), ('VYFLOW_EGRESS', '-o vr-h2 -j NETFLOW'),
            ('VYFLOW_INGRESS', '-i vr-h1 -j NETFLOW'), ('VYFLOW_INGRESS', '-i vr-h2 -j NETFLOW')]
    again = vyflow.run('commit')
    assert 'No configuration changes to commit' in again.out


@pytest.mark.parametrize('version', [5, 9, 10], ids=['v5', 'v9', 'ipfix'])
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


def test_live_changes_keep_the_cache_and_export_to_both_collectors(vyflow, topology, collectors):
    first, second = collectors.nfcapd(), collectors.nfacctd(bind='::1')
    vyflow.configure(*base_config(first.port))
    address = module_address()
    sent = traffic.tcp(topology.h1.netns, topology.h2.v4, nbytes=10000)
    key = dict(src=topology.h1.v4, dst=topology.h2.v4, proto=6, sport=sent['sport'], dport=8080)
    before = find(module.cached_flows(), **key)
    peak = module.stat()['text'].split('peak ')[1].split()[0]
    assert len(before) == 1

    result = vyflow.configure(f'{NF} active-timeout 120', f'{NF} inactive-timeout 500',
                              f'{NF} engine-id 42', f'{NF} server ::1 port {second.port}')
    assert 'changed live' in result.out and 'reload' not in result.out, result
    assert module_address() == address                       # no reload
    parameters, _ = settings()
    assert (parameters['active_timeout'], parameters['inactive_timeout'],
            parameters['engine_id']) == ('120', '500', '42')
    assert parameters['destination'] == f'127.0.0.1:{first.port},[::1]:{second.port}'
    after = find(module.cached_flows(), **key)
    assert [(f['packets'], f['bytes']) for f in after] == [(f['packets'], f['bytes']) for f in before]
    assert module.stat()['text'].split('peak ')[1].split()[0] == peak   # peak survived

    vyflow.configure(f'{NF} sampling-rate 4')                # live too (flushes by design)
    assert module_address() == address
    assert module.sysctl('sampler') == 'random:4'
    vyflow.run('delete', 'system', 'flow-accounting', 'netflow', 'sampling-rate')
    vyflow.run('commit')
    sent = traffic.udp(topology.h1.netns, topology.h2.v4, size=64, count=3)
    new_key = dict(src=topology.h1.v4, dst=topology.h2.v4, proto=17, sport=sent['sport'])
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


@pytest.mark.parametrize('fault', ['param:destination', 'param:active_timeout', 'hooks:ipv4',
                                   'hooks:ipv6', 'file:modprobe'])
def test_injected_failure_leaves_parameters_and_rules_as_before(vyflow, collectors, fault):
    first, second = collectors.nfcapd(), collectors.nfcapd(bind='::1')
    vyflow.configure(*base_config(first.port))
    before, running = snapshot(), vyflow.run('show').out
    result = vyflow.configure(f'{NF} interface vr-h2', f'{NF} active-timeout 77',
                              f'{NF} server ::1 port {second.port}', f'{FA} enable-egress',
                              check=False, env={'VYFLOW_INJECT_FAULT': fault})
    assert result.code != 0 and f'injected fault at {fault}' in result.out + result.err, result
    assert 'The previous state was restored' in result.out + result.err, result
    assert snapshot() == before
    assert vyflow.run('show').out == running                # running config unchanged


def test_failed_module_load_leaves_nothing_behind(vyflow, collectors):
    result = vyflow.configure(*base_config(collectors.nfcapd().port), check=False,
                              env={'VYFLOW_INJECT_FAULT': 'module:load'})
    assert result.code != 0, result
    assert not module.is_loaded() and not os.path.exists(MODPROBE_CONF)
    assert our_rules(4) == [] and our_rules(6) == []


def test_failed_rmmod_on_delete_restores_hooks(vyflow, collectors):
    vyflow.configure(*base_config(collectors.nfcapd().port))
    before = snapshot()
    result = vyflow.configure('delete system flow-accounting', check=False,
                              env={'VYFLOW_INJECT_FAULT': 'module:unload'})
    assert result.code != 0 and module.is_loaded(), result
    assert snapshot() == before


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
    flows = nfcapd.wait_flows(lambda fl: find(fl, **criteria), timeout=10)
    got = find(flows, **criteria)
    assert got and (got[0]['packets'], got[0]['bytes']) == (ours[0]['packets'], ours[0]['bytes'])


def test_collector_down_is_reported_as_refusing(vyflow, topology, collectors):
    silent_port = collectors.port()                          # nothing listens there
    vyflow.configure(*base_config(silent_port))
    traffic.udp(topology.h1.netns, topology.h2.v4, size=40, count=2)
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
    vyflow.run('clear', 'flow-accounting', 'flows')
    flows = collector.wait_flows(lambda fl: find(fl, **key))
    assert len(find(flows, **key)) == 1, describe(flows)


def test_delete_removes_hooks_unloads_and_exports_the_cache(vyflow, topology, collectors):
    nfcapd = collectors.nfcapd()
    vyflow.configure(*base_config(nfcapd.port))
    sent = traffic.udp(topology.h1.netns, topology.h2.v4, size=30, count=4)
    key = dict(src=topology.h1.v4, dst=topology.h2.v4, proto=17, sport=sent['sport'])
    assert find(module.cached_flows(), src=topology.h1.v4, proto=17, sport=sent['sport'])
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


@pytest.mark.parametrize('tag', sorted(FEATURES))
def test_build_features_are_used_or_refused(vyflow, topology, collectors, tag):
    """Whatever the loaded build offers is exercised; what it lacks is refused
    at commit with the build-feature error (Debian's build lacks all three)."""
    nfcapd = collectors.nfcapd()
    vyflow.configure(*base_config(nfcapd.port, version=10))
    available = tag in module.feature_tags()
    name, lines = FEATURES[tag]
    result = vyflow.configure(*lines, check=False)
    if not available:
        assert result.code != 0 and 'was built without' in result.out + result.err, result
        assert 'Commit failed' in result.out + result.err
        return
    assert result.code == 0, result
    if tag == 'nel':
        assert module.sysctl('natevents') == '1'
        with open('/proc/sys/net/netfilter/nf_conntrack_events') as handle:
            assert handle.read().strip() == '1'
    elif tag == 'aggr':
        assert module.sysctl('aggregation') == '10.0.0.0/8=16,1024-65535=1024'
        sent = traffic.tcp(topology.h1.netns, topology.h2.v4, nbytes=2000)
        aggregated = find(module.cached_flows(), src='10.1.0.0', proto=6)
        assert aggregated or find(module.cached_flows(), sport=1024), (sent, module.cached_flows())
    else:
        assert module.sysctl('sampler') == 'hash:2'


def test_restart_reloads_with_the_committed_settings(vyflow, topology, collectors):
    vyflow.configure(*base_config(collectors.nfcapd().port), f'{NF} active-timeout 321')
    traffic.udp(topology.h1.netns, topology.h2.v4, size=20, count=2)
    assert module.stat()['flows_active'] >= 1
    committed = snapshot()
    result = vyflow.run('restart', 'flow-accounting')
    assert 'restarted' in result.out, result
    assert module.stat()['flows_active'] == 0         # a fresh module: the cache was reloaded
    assert snapshot() == committed                    # same settings, hooks and options file
    assert module.parameter('active_timeout') == '321'
