"""Capture modes on the real ipt_NETFLOW: nftables (hooks mode of the fork
2.8.0) and iptables, through ``vyflow`` as an operator types it.

- nftables: no iptables rule anywhere, a policy that routes and filters by
  fwmark sees nothing of our mark, live interface changes keep the module and
  its cache, patterns account interfaces created after the commit;
- both modes: the router's own export datagrams are never accounted, even
  with egress accounting on the interface that reaches the collector;
- the same traffic gives the same flows at a collector in either mode, and a
  switch between them reloads the module transactionally.

The nftables tests need hooks mode: they run on the fork-6.1 and fork-6.12
platforms (in their smoke set) and are deselected where the build lacks it.
"""

import pytest

from guestlib import cmd, module, traffic
from guestlib.collectors import describe, find
from guestlib.mix import expected_flows, send_mix
from guestlib.vyflow import firewall_text, our_rules
from test_vyflow import module_address, vyflow  # noqa: F401 (a fixture)
from vyflow.netflow.capture import nftread

FA = 'set system flow-accounting'
NF = 'set system flow-accounting netflow'
BIT = 0x80000000
HOOKS_BUILD = [pytest.mark.needs_hooks, pytest.mark.smoke]   # on fork-6.1, fork-6.12
FOREIGN_POINTS = [('prerouting', -300), ('prerouting', 0), ('prerouting', 2147483645),
                  ('input', 0), ('forward', 0), ('output', 0), ('postrouting', 0),
                  ('postrouting', 2147483645)]


@pytest.fixture
def foreign_policy(netflow):
    """Someone else's policy routing and firewall that would change the
    packets' fate if they ever saw our bit: marked packets go to a blackhole
    table, the forward chain drops them, counters watch every other point."""
    for family in ('-4', '-6'):
        cmd.run(['ip', family, 'rule', 'add', 'fwmark', '%#x/%#x' % (BIT, BIT), 'lookup', '100',
                 'pref', '10'])
        cmd.run(['ip', family, 'route', 'add', 'blackhole', 'default', 'table', '100'])
    lines = ['table inet foreign {']
    for number, (hook, priority) in enumerate(FOREIGN_POINTS):
        verdict = ' drop' if hook == 'forward' else ''
        lines += ['  chain c%d {' % number,
                  '    type filter hook %s priority %d;' % (hook, priority),
                  '    meta mark & %#x != 0 counter%s comment "%s %d"' % (BIT, verdict, hook,
                                                                          priority),
                  '  }']
    cmd.run(['nft', '-f', '-'], input='\n'.join(lines + ['}']) + '\n')
    yield
    for family in ('-4', '-6'):
        cmd.run(['ip', family, 'rule', 'del', 'pref', '10'], check=False)
        cmd.run(['ip', family, 'route', 'flush', 'table', '100'], check=False)


def leaks():
    """Foreign points where a packet carried our bit."""
    listing = cmd.out(['nft', 'list', 'table', 'inet', 'foreign'])
    return [line.strip() for line in listing.splitlines()
            if 'counter packets' in line and 'counter packets 0 ' not in line]


def base(port, *extra, interfaces=('vr-h1',)):
    return ([f'{NF} interface {name}' for name in interfaces]
            + [f'{NF} server 127.0.0.1 port {port}', f'{NF} version 10',
               f'{NF} inactive-timeout 600'] + list(extra))


@pytest.mark.smoke
@pytest.mark.needs_hooks
def test_nftables_capture_without_iptables_policy_untouched_live_changes(
        vyflow, topology, collectors, foreign_policy):
    h1, h2, h3 = topology.h1, topology.h2, topology.h3
    traffic.ping(h1.netns, h2.v4)                       # the policy lets traffic through
    traffic.ping(h1.netns, h2.v6)
    result = vyflow.configure(*base(collectors.nfcapd().port), f'{FA} capture nftables',
                              f'{FA} enable-egress')
    assert 'module loaded' in result.out, result
    parameters = module.parameters()
    assert {key: parameters[key] for key in ('targets', 'hooks', 'hooks_mark', 'hooks_mark_mask')} \
        == {'targets': '0', 'hooks': '17', 'hooks_mark': str(BIT), 'hooks_mark_mask': str(BIT)}
    assert firewall_text(4) == '' and firewall_text(6) == ''            # no iptables rule
    hooks = cmd.out(['nft', 'list', 'hooks'])          # the module runs before our clear chains
    if cmd.run(['modprobe', 'nfnetlink_hook'], check=False).returncode == 0:   # 6.12, not 6.1
        assert 'vyflow_capture ingress_clear' in hooks and 'ipt_NETFLOW' in hooks, hooks
        assert nftread.clear_runs_after_module(hooks), hooks
    else:
        assert hooks == ''                              # the read-back cannot see the order
    assert cmd.run(['iptables', '-t', 'raw', '-A', 'PREROUTING', '-j', 'NETFLOW'],
                   check=False).returncode != 0                          # and none possible

    sent = send_mix(topology, ipv6=True)                # asserts every exchange completed
    want = expected_flows(topology, sent, ipv6=True)
    tcp = module.wait_steady(**want['tcp4'])
    for name, key in want.items():
        assert find(module.cached_flows(), in_if=topology.ifindex('vr-h1'), **key), name
    back = dict(src=h2.v4, dst=h1.v4, proto=6, sport=8080, dport=sent['tcp4']['sport'])
    assert find(module.cached_flows(), out_if=topology.ifindex('vr-h1'), **back)  # egress
    traffic.ping(h3.netns, h2.v4)                       # vr-h3.100 is not accounted
    assert find(module.cached_flows(), src=h3.v4) == []
    assert leaks() == []
    status = vyflow.show_json('flow-accounting')
    assert status['capture']['loaded_for'] == 'nftables' and status['capture']['hints'] == []
    assert 'nftables' in status['module']['capture_modes']

    address = module_address()
    result = vyflow.configure(f"{NF} interface 'vr-h3*'", f"{NF} interface 'dyn*'")
    assert 'capture table updated' in result.out and 'reload' not in result.out, result
    assert module_address() == address                  # the same module, cache kept
    assert [(f['packets'], f['bytes']) for f in find(module.cached_flows(), **want['tcp4'])] == \
        [(f['packets'], f['bytes']) for f in tcp]
    assert firewall_text(4) == '' and firewall_text(6) == ''
    traffic.ping(h3.netns, h2.v4)
    assert find(module.cached_flows(), src=h3.v4, in_if=topology.ifindex('vr-h3.100'))

    cmd.run(['ip', 'netns', 'add', 'h4'])               # an interface created after the commit
    try:
        cmd.run(['ip', 'link', 'add', 'dyn0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', 'h4'])
        cmd.run(['ip', 'addr', 'add', '10.4.4.1/24', 'dev', 'dyn0'])
        cmd.run(['ip', 'link', 'set', 'dyn0', 'up'])
        cmd.run(['ip', '-n', 'h4', 'addr', 'add', '10.4.4.2/24', 'dev', 'eth0'])
        cmd.run(['ip', '-n', 'h4', 'link', 'set', 'eth0', 'up'])
        traffic.ping('h4', '10.4.4.1')
        assert module.wait_cached(packets=3, src='10.4.4.2', in_if=topology.ifindex('dyn0'))
    finally:
        cmd.run(['ip', 'link', 'del', 'dyn0'], check=False)
        cmd.run(['ip', 'netns', 'del', 'h4'], check=False)
    assert leaks() == []

    vyflow.run('delete', 'system', 'flow-accounting')
    vyflow.run('commit')
    assert not module.is_loaded()
    assert cmd.run(['nft', 'list', 'table', 'inet', 'vyflow_capture'], check=False).returncode != 0


@pytest.mark.parametrize('capture', ['iptables', pytest.param('nftables', marks=HOOKS_BUILD)])
def test_own_export_is_not_accounted_with_egress(vyflow, topology, collectors, capture):
    """Issue 14.6: the collector is reached through an accounted interface."""
    h1, h2 = topology.h1, topology.h2
    nfcapd = collectors.nfcapd(bind=h2.v4, netns=h2.netns)
    lines = [f'{NF} interface vr-h2', f'{FA} enable-egress', f'{NF} server {h2.v4} port '
             f'{nfcapd.port}', f'{NF} version 9', f'{NF} inactive-timeout 600']
    vyflow.configure(*lines, *([f'{FA} capture nftables'] if capture == 'nftables' else []))
    sent = traffic.udp(h1.netns, h2.v4, size=64, count=3)
    key = dict(src=h1.v4, dst=h2.v4, proto=17, sport=sent['sport'])
    module.wait_cached(packets=3, **key)
    vyflow.run('clear', 'flow-accounting', 'flows')     # export through vr-h2, egress-accounted
    flows = nfcapd.wait_flows(lambda found: find(found, **key))
    assert find(flows, **key), describe(flows)
    traffic.udp(h1.netns, h2.v4, size=64, count=1)      # the module is accounting meanwhile
    module.wait_cached(packets=1, src=h1.v4, dst=h2.v4, proto=17)
    export = dict(dst=h2.v4, dport=nfcapd.port, proto=17)
    assert find(module.cached_flows(), **export) == [], describe(module.cached_flows())
    if capture == 'iptables':
        counters = cmd.out(['iptables', '-t', 'mangle', '-L', 'VYFLOW_EGRESS', '-v', '-x', '-n'])
        returned = [line for line in counters.splitlines() if 'RETURN' in line]
        assert returned and int(returned[0].split()[0]) >= 1, counters


def collected(collector, want):
    flows = collector.wait_flows(lambda found: all(find(found, **key) for key in want.values()))
    result = {}
    for name, key in want.items():
        found = find(flows, **key)
        assert len(found) == 1, f'{name} at {collector.kind}:\n{describe(flows)}'
        result[name] = found[0]
    return result


def same_flow(flow):
    """What must agree between two sends of the mix (not the source ports)."""
    return {key: flow[key] for key in ('proto', 'src', 'dst', 'dport', 'in_if', 'out_if')}


@pytest.mark.smoke
@pytest.mark.needs_hooks
def test_same_traffic_same_flows_in_both_modes_and_a_transactional_switch(vyflow, topology,
                                                                          collectors):
    first, second = collectors.nfcapd(), collectors.nfcapd()
    vyflow.configure(*base(first.port))                 # capture iptables (the default)
    rules = our_rules(4), our_rules(6)
    assert module.parameter('hooks') == '0' and rules[0]
    sent = send_mix(topology, ipv6=True)
    want = expected_flows(topology, sent, ipv6=True)
    module.wait_steady(**want['tcp4'])
    vyflow.run('clear', 'flow-accounting', 'flows')
    by_iptables = collected(first, want)

    switch = [f'{FA} capture nftables', f'delete system flow-accounting netflow server 127.0.0.1',
              f'{NF} server 127.0.0.1 port {second.port}']
    failed = vyflow.configure(*switch, check=False, env={'VYFLOW_INJECT_FAULT': 'module:load'})
    assert failed.code != 0 and 'The previous state was restored' in failed.out + failed.err, failed
    assert module.parameter('hooks') == '0' and (our_rules(4), our_rules(6)) == rules
    assert cmd.run(['nft', 'list', 'table', 'inet', 'vyflow_capture'], check=False).returncode != 0

    result = vyflow.configure(*switch)
    assert 'WARNING: capture changes from iptables to nftables' in result.out + result.err, result
    assert 'module reloaded' in result.out, result
    assert module.parameter('hooks') == '17' and our_rules(4) == [] and our_rules(6) == []
    sent = send_mix(topology, ipv6=True)
    want = expected_flows(topology, sent, ipv6=True)
    module.wait_steady(**want['tcp4'])
    vyflow.run('clear', 'flow-accounting', 'flows')
    by_nftables = collected(second, want)

    for name in want:
        assert same_flow(by_nftables[name]) == same_flow(by_iptables[name]), name
        if not name.startswith('tcp'):                  # TCP's segmenting may differ
            assert (by_nftables[name]['packets'], by_nftables[name]['bytes']) == \
                (by_iptables[name]['packets'], by_iptables[name]['bytes']), name
    for name in ('tcp4', 'tcp6'):
        assert abs(by_nftables[name]['bytes'] - by_iptables[name]['bytes']) < 2000, name
