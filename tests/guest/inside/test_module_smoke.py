"""Smoke test of the real ipt_NETFLOW module, driven with plain commands.

No vyflow here: modprobe, iptables-nft/ip6tables-nft, /proc/sys writes, and
real collectors (nfcapd + nfacctd + a raw socket) decoding what the module
exports for NetFlow v5, v9 and IPFIX.
"""
import os

import pytest

from guestlib import cmd, module, traffic
from guestlib.builds import ALL_BUILDS, FULL_TAGS, PACKET_COUNTS
from guestlib.collectors import describe, find
from guestlib.mix import expected_flows, send_mix

# Debian 12's iptables-netflow-dkms 2.6-4 build (first line of the stat file).
DEBIAN_FEATURE_TAGS = ['dir', 'mac', 'promisc+mpls', 'samp', 'snmp', 'vlan']


def module_address():
    """Load address of ipt_NETFLOW in /proc/modules (changes on a reload)."""
    with open('/proc/modules') as fh:
        for line in fh:
            fields = line.split()
            if fields[0] == module.MODULE:
                return fields[-1]
    return None


@pytest.mark.ipt_netflow_build('debian')
def test_module_is_debians_dkms_build():
    path = module.module_file()
    # Debian 13's DKMS compresses it (CONFIG_MODULE_COMPRESS_XZ)
    assert path in ['/lib/modules/%s/updates/dkms/ipt_NETFLOW.ko%s' % (os.uname().release, end)
                    for end in ('', '.xz')]
    params = module.modinfo_parameters()
    assert 'destination' in params and 'protocol' in params
    # Debian's build has neither aggregation nor natevents.
    assert 'aggregation' not in params and 'natevents' not in params


@pytest.mark.ipt_netflow_build('debian')
def test_load_with_parameters_and_feature_tags(netflow):
    netflow.load(protocol=9, destination='127.0.0.1:2999', active_timeout=300,
                 inactive_timeout=7)
    st = module.stat()
    assert st['version'] == '2.6'
    assert st['tags'] == DEBIAN_FEATURE_TAGS
    assert st['protocol'] == 9
    assert (st['active_timeout'], st['inactive_timeout']) == (300, 7)
    assert [s['destination'] for s in st['sockets']] == ['127.0.0.1:2999']

    params = module.parameters()
    assert params['protocol'] == '9'
    assert params['destination'] == '127.0.0.1:2999'
    assert params['active_timeout'] == '300'
    assert params['inactive_timeout'] == '7'

    sysctls = module.sysctls()
    assert sysctls['protocol'] == '9'
    assert sysctls['destination'] == '127.0.0.1:2999'
    assert sysctls['active_timeout'] == '300'
    assert 'aggregation' not in sysctls and 'natevents' not in sysctls

    netflow.unload()
    assert not module.is_loaded()
    assert not os.path.exists(module.STAT)


@pytest.mark.ipt_netflow_build('full')
def test_full_variant_loads_with_every_feature(netflow, kernel_log):
    """setup-host's variant sits where Debian's file was and loads with the
    parameters of every optional feature (each one unknown to Debian's build)."""
    path = module.module_file()
    assert path == '/lib/modules/%s/updates/dkms/ipt_NETFLOW.ko' % os.uname().release
    params = module.modinfo_parameters()
    assert {'aggregation', 'natevents', 'sampler', 'snmp_rules'} <= set(params), params
    netflow.load(protocol=10, destination='127.0.0.1:2999', natevents=1, sampler='hash:4',
                 aggregation='10.0.0.0/8=16,1024-65535=1024', snmp_rules='eth:100')
    st = module.stat()
    assert st['tags'] == FULL_TAGS
    sysctls = module.sysctls()
    assert (sysctls['natevents'], sysctls['sampler'], sysctls['aggregation'],
            sysctls['snmp-rules']) == ('1', 'hash:4', '10.0.0.0/8=16,1024-65535=1024', 'eth:100')
    assert 'Flow sampling mode hash one-out-of 4.' in st['text']
    assert 'Natevents enabled, count start 0, stop 0.' in st['text']
    assert 'aggr#0 net: match 10.0.0.0/8 strip 16 (usage 0)' in st['text']
    assert 'aggr#0 port: ports 1024-65535 replace 1024 (usage 0)' in st['text']
    log = kernel_log.new()
    assert 'ipt_NETFLOW: enable natevents.' in log
    assert 'unknown parameter' not in log
    netflow.unload()
    assert 'ipt_NETFLOW: disable natevents.' in kernel_log.new()


@pytest.mark.parametrize('protocol', [5, 9, 10], ids=['v5', 'v9', 'ipfix'])
def test_export_decoded_by_collectors(netflow, topology, collectors, protocol):
    ipv6 = protocol != 5
    nfcapd = collectors.nfcapd()
    nfacctd = collectors.nfacctd()
    raw = collectors.raw()
    netflow.load(protocol=protocol, inactive_timeout=600,
                 destination=','.join('127.0.0.1:%d' % c.port for c in (nfcapd, nfacctd, raw)))
    assert len(module.stat()['sockets']) == 3
    # Only packets entering the router from h1 are accounted.
    netflow.rules.netflow('PREROUTING', table='raw', in_if='vr-h1',
                          families=(4, 6) if ipv6 else (4,))

    sent = send_mix(topology, ipv6)
    want = expected_flows(topology, sent, ipv6)
    cached = module.cached_flows()
    for name, crit in want.items():
        assert len(find(cached, **crit)) == 1, 'no cached %s flow:\n%r' % (name, cached)
    assert module.stat()['export_flows'] == 0   # inactive_timeout=600: nothing left yet

    module.flush()

    def complete(flows):
        return all(find(flows, **crit) for crit in want.values())

    vr_h1 = topology.ifindex('vr-h1')
    for collector in (nfcapd, nfacctd):
        flows = collector.wait_flows(complete, timeout=20)
        where = '%s (protocol %d) got:\n%s' % (collector.kind, protocol, describe(flows))
        for name, crit in want.items():
            assert len(find(flows, **crit)) == 1, 'missing %s flow in %s' % (name, where)
        tcp4 = find(flows, **want['tcp4'])[0]
        assert 30000 < tcp4['bytes'] < 30000 + 100 * tcp4['packets'], where
        assert tcp4['in_if'] == vr_h1, where
        udp4 = find(flows, **want['udp4'])[0]
        assert (udp4['packets'], udp4['bytes']) == (1, 20 + 8 + 32), where
        icmp4 = find(flows, **want['icmp4'])[0]
        assert (icmp4['packets'], icmp4['bytes']) == (3, 3 * 84), where
        # Replies enter through vr-h2, which has no rule.
        assert find(flows, src=topology.h2.v4) == [], where
        assert find(flows, src=topology.h2.v6) == [], where
        if ipv6:
            tcp6 = find(flows, **want['tcp6'])[0]
            assert 20000 < tcp6['bytes'] < 20000 + 100 * tcp6['packets'], where
            udp6 = find(flows, **want['udp6'])[0]
            assert (udp6['packets'], udp6['bytes']) == (1, 40 + 8 + 32), where
            icmp6 = find(flows, **want['icmp6'])[0]
            assert (icmp6['packets'], icmp6['bytes']) == (3, 3 * 104), where
        else:
            assert [f for f in flows if f['family'] == 6] == [], where

    assert nfcapd.versions() == [protocol]
    headers = raw.wait_packets(1)
    assert headers and {h['version'] for h in headers} == {protocol}
    if protocol != 5:
        template_set = 0 if protocol == 9 else 2
        assert any(sid == template_set for h in headers for sid, _ in h['sets']), headers
        assert any(sid >= 256 for h in headers for sid, _ in h['sets']), headers


def test_live_sysctl_change_keeps_module_and_cache(netflow, topology, collectors):
    nfcapd = collectors.nfcapd()
    netflow.load(protocol=9, destination='127.0.0.1:%d' % nfcapd.port,
                 active_timeout=1800, inactive_timeout=600)
    netflow.rules.netflow('PREROUTING', table='raw', in_if='vr-h1', families=(4,))
    address = module_address()
    assert address is not None

    sent = traffic.tcp(topology.h1.netns, topology.h2.v4, nbytes=10000)
    key = dict(src=topology.h1.v4, dst=topology.h2.v4, proto=6, sport=sent['sport'], dport=8080)
    before = module.wait_steady(**key)
    assert len(before) == 1

    module.set_sysctl('active_timeout', 120)

    assert module.sysctl('active_timeout') == '120'
    assert module.parameter('active_timeout') == '120'
    st = module.stat()
    assert st['active_timeout'] == 120
    assert st['export_flows'] == 0
    assert module.is_loaded() and module_address() == address
    after = find(module.cached_flows(), **key)
    assert len(after) == 1
    assert (after[0]['packets'], after[0]['bytes']) == (before[0]['packets'], before[0]['bytes'])

    module.flush()
    flows = nfcapd.wait_flows(lambda fl: find(fl, **key), timeout=20)
    got = find(flows, **key)
    assert len(got) == 1, describe(flows)
    assert (got[0]['packets'], got[0]['bytes']) == (before[0]['packets'], before[0]['bytes'])


def test_vlan_host_through_router(netflow, topology, collectors):
    """h3 reaches the router over VLAN 100; the module sees the tag."""
    nfcapd = collectors.nfcapd()
    netflow.load(protocol=10, destination='127.0.0.1:%d' % nfcapd.port, inactive_timeout=600)
    netflow.rules.netflow('PREROUTING', table='raw', in_if=topology.h3.router_if,
                          families=(4, 6))
    h3, h2 = topology.h3, topology.h2
    sent4 = traffic.udp(h3.netns, h2.v4, size=40, count=2, process=True)
    sent6 = traffic.tcp(h3.netns, h2.v6, nbytes=5000)
    key4 = dict(src=h3.v4, dst=h2.v4, proto=17, sport=sent4['sport'], dport=5353)
    key6 = dict(src=h3.v6, dst=h2.v6, proto=6, sport=sent6['sport'], dport=8080)
    assert ((h3.v4, sent4['sport'], 40) in topology.udp_received())

    cached = module.cached_flows()
    for key in (key4, key6):
        flow = find(cached, **key)
        assert len(flow) == 1, cached
        assert flow[0]['vlan'] == '100'
        assert flow[0]['in_if'] == topology.ifindex(h3.router_if)

    module.flush()
    flows = nfcapd.wait_flows(lambda fl: find(fl, **key4) and find(fl, **key6))
    assert len(find(flows, **key4)) == 1, describe(flows)
    assert len(find(flows, **key6)) == 1, describe(flows)
    assert find(flows, **key4)[0]['packets'] == 2


def test_export_through_vrf(netflow, topology, vrf_site, collectors, kernel_log):
    """The vrf_site collector is reached only by a socket bound to the VRF."""
    in_vrf = collectors.nfcapd(bind=vrf_site.v4, netns=vrf_site.netns)
    outside = collectors.nfcapd(bind=vrf_site.v4, netns=vrf_site.netns)
    netflow.load(protocol=9, inactive_timeout=600, destination='%s,%s:%d' % (
        vrf_site.destination(in_vrf.port), vrf_site.v4, outside.port))
    netflow.rules.netflow('PREROUTING', table='raw', in_if='vr-h1', families=(4,))

    got, flows = udp_flow_exported(topology, in_vrf, count=2)
    assert len(got) == 1, describe(flows)
    assert (got[0]['packets'], got[0]['bytes']) == (2, 2 * (20 + 8 + 50))
    # Same address without the VRF binding: no route in the main table.
    assert outside.wait_flows(timeout=nfcapd_rotation(outside)) == []
    log = kernel_log.new()
    assert 'added destination %s:%d%%%s' % (vrf_site.v4, in_vrf.port, vrf_site.vrf) in log
    assert 'added destination %s:%d (unconnected)' % (vrf_site.v4, outside.port) in log


def udp_flow_exported(topology, collector, count, size=50):
    """Send one UDP flow of `count` datagrams h1 -> h2, flush it once the module
    has cached them all; (the collector's records of it, all its records)."""
    sent = traffic.udp(topology.h1.netns, topology.h2.v4, size=size, count=count)
    key = dict(src=topology.h1.v4, dst=topology.h2.v4, proto=17, sport=sent['sport'])
    module.wait_cached(packets=count, **key)
    module.flush()
    flows = collector.wait_flows(lambda fl: find(fl, **key), timeout=20)
    return find(flows, **key), flows


def nfcapd_rotation(collector):
    return collector.rotate + 2


@pytest.mark.smoke
@pytest.mark.needs_hooks
def test_hooks_mode_accounts_exactly_the_marked_packets(netflow, topology, collectors,
                                                        module_capabilities):
    """The fork's hooks mode: the meter sits on PREROUTING itself (no iptables
    rule, and with targets=0 no xtables target at all) and accounts only the
    packets an nftables rule marked; `hooks` cannot change while loaded."""
    assert module_capabilities.has_hooks and module_capabilities.has_targets
    nfcapd = collectors.nfcapd()
    netflow.load(protocol=10, destination='127.0.0.1:%d' % nfcapd.port, inactive_timeout=600,
                 hooks=1, hooks_mark=0x100, hooks_mark_mask=0x100, targets=0)
    assert (module.parameter('hooks'), module.parameter('targets')) == ('1', '0')
    with pytest.raises(OSError):
        module.set_parameter('hooks', '9')
    assert module.parameter('hooks') == '1'
    refused = cmd.run(['iptables', '-t', 'raw', '-A', 'PREROUTING', '-j', 'NETFLOW'],
                      check=False)
    assert refused.returncode != 0, 'targets=0 still registered the NETFLOW target'
    cmd.run(['nft', '-f', '-'], input='''
table inet hooks_test {
    chain pre {
        type filter hook prerouting priority raw; policy accept;
        iifname "vr-h1" meta l4proto icmp meta mark set meta mark or 0x100
    }
}
''')
    h1, h2 = topology.h1, topology.h2
    traffic.ping(h1.netns, h2.v4, count=3)
    sent = traffic.udp(h1.netns, h2.v4, size=40, count=2)       # through vr-h1, unmarked
    marked = dict(src=h1.v4, dst=h2.v4, proto=1)
    module.wait_cached(packets=3, **marked)
    cached = module.cached_flows()
    assert len(find(cached, **marked)) == 1, cached
    assert find(cached, src=h1.v4, proto=17, sport=sent['sport']) == [], cached
    assert find(cached, src=h2.v4) == [], cached                # replies are not marked
    assert len(cached) == 1, cached

    module.flush()
    flows = nfcapd.wait_flows(lambda fl: find(fl, **marked), timeout=20)
    got = find(flows, **marked)
    assert len(got) == 1 and got[0]['bytes'] == 3 * 84, describe(flows)


@pytest.mark.smoke
@pytest.mark.parametrize('module_build', ALL_BUILDS, indirect=True)
def test_ipfix_packet_counts_reach_the_collector(netflow, topology, collectors, request,
                                                 module_capabilities):
    """Each build's IPFIX records carry the packet count the module cached.
    A build with a known defect (guestlib.builds.KNOWN_DEFECTS) is expected to
    fail here, strictly: a fixed release makes this test fail until the entry
    is removed."""
    if not module_capabilities.exports_packet_counts:
        request.applymarker(pytest.mark.xfail(
            strict=True, reason=module_capabilities.defects[PACKET_COUNTS]))
    nfcapd = collectors.nfcapd()
    netflow.load(protocol=10, destination='127.0.0.1:%d' % nfcapd.port, inactive_timeout=600)
    netflow.rules.netflow('PREROUTING', table='raw', in_if='vr-h1', families=(4,))
    got, flows = udp_flow_exported(topology, nfcapd, count=3)
    assert len(got) == 1 and got[0]['bytes'] == 3 * (20 + 8 + 50), describe(flows)
    assert got[0]['packets'] == 3, describe(flows)
