"""Capture what each platform's ipt_NETFLOW shows in /proc and /sys, as test data.

One scenario per platform, with the platform's build (Debian's DKMS build on
debian12/debian13, the fork on fork-6.1/fork-6.12): modinfo, load with IPFIX
to a raw collector, the stat page before traffic, a firewall rule on vr-h1,
a mix through the router (ICMP, TCP, UDP from h1, ICMP over VLAN 100 from
h3, IPv4 and IPv6), then the stat, flows and snmp pages, the sysctls (`sysctl
net.netflow`, and the names listed in /proc/sys/net/netflow) and
/sys/module/ipt_NETFLOW/parameters.  The captures are checked here with the
guest's own parsers, and written to $VYFLOW_GUEST_CAPTURES/<platform>/
(guest-entry points it at <results>/captures) for
tests/fixtures/ipt-netflow/<platform>/, where the host test
tests/test_platform_fixtures.py parses them with vyflow's parsers.  Refresh:

  tests/guest/run --platform P -k test_capture_platform_outputs
  cp .cache/guest/results/latest/captures/P/* tests/fixtures/ipt-netflow/P/
"""
import os

import pytest

from guestlib import cmd, module, traffic
from guestlib.collectors import find

CAPTURES_ENV = 'VYFLOW_GUEST_CAPTURES'


def sys_parameters():
    """name=value per line, as `grep . /sys/module/ipt_NETFLOW/parameters/*` shows them."""
    return ''.join('%s=%s\n' % (name, value if value is not None else '(unreadable)')
                   for name, value in module.parameters().items())


@pytest.mark.smoke
def test_capture_platform_outputs(netflow, topology, collectors, platform, module_build,
                                  module_capabilities):
    files = {'modinfo.txt': cmd.out(['modinfo', module.MODULE]),
             'modinfo-p.txt': cmd.out(['modinfo', '-p', module.MODULE])}
    raw = collectors.raw()
    netflow.load(protocol=10, destination='127.0.0.1:%d' % raw.port, inactive_timeout=600)
    files['stat-idle-ipfix.txt'] = module.stat_text()
    netflow.rules.netflow('PREROUTING', table='raw', in_if='vr-h1', families=(4, 6))
    netflow.rules.netflow('PREROUTING', table='raw', in_if=topology.h3.router_if,
                          families=(4, 6))
    h1, h2, h3 = topology.h1, topology.h2, topology.h3
    traffic.ping(h1.netns, h2.v4, count=3)
    traffic.ping(h1.netns, h2.v6, count=2)
    tcp = traffic.tcp(h1.netns, h2.v4, nbytes=10000)
    udp = traffic.udp(h1.netns, h2.v6, size=40, count=2)
    traffic.ping(h3.netns, h2.v4, count=2)
    module.wait_cached(packets=2, src=h3.v4, dst=h2.v4, proto=1)
    module.wait_steady(src=h1.v4, proto=6, sport=tcp['sport'])
    module.wait_cached(packets=2, src=h1.v6, proto=17, sport=udp['sport'])
    files.update({
        'stat-traffic-ipfix.txt': module.stat_text(),
        'flows-traffic-ipfix.txt': cmd.read(module.FLOWS),
        'snmp-traffic-ipfix.txt': cmd.read(module.SNMP),
        'sysctl.txt': cmd.out(['sysctl', 'net.netflow']),
        'ls-proc-sys-net-netflow.txt': ''.join(
            name + '\n' for name in sorted(os.listdir(module.SYSCTL_DIR))),
        'sys-module-parameters.txt': sys_parameters(),
    })

    # What the guest's parsers make of them: the build and the traffic.
    stat = module.stat(files['stat-traffic-ipfix.txt'])
    assert stat['version'] == module_capabilities.version
    assert stat['protocol'] == 10 and stat['flows_active'] >= 5
    names = {line.split(':', 1)[0] for line in files['modinfo-p.txt'].splitlines() if line}
    assert names == set(module_capabilities.parameters)
    listed = {line.split('=', 1)[0] for line in files['sys-module-parameters.txt'].splitlines()}
    assert listed == names
    flows = module.parse_flows(files['flows-traffic-ipfix.txt'])
    assert len(find(flows, src=h1.v4, proto=6, sport=tcp['sport'])) == 1, flows
    assert len(find(flows, src=h1.v6, proto=17, sport=udp['sport'])) == 1, flows
    vlan = find(flows, src=h3.v4, dst=h2.v4, proto=1)
    assert len(vlan) == 1 and vlan[0]['vlan'] == '100', flows
    assert 'net.netflow.protocol = 10' in files['sysctl.txt'].splitlines()

    target = os.environ.get(CAPTURES_ENV)
    if target:
        directory = os.path.join(target, platform)
        os.makedirs(directory, exist_ok=True)
        for name, text in files.items():
            with open(os.path.join(directory, name), 'w') as handle:
                handle.write(text)
        with open(os.path.join(directory, 'README.txt'), 'w') as handle:
            handle.write(describe(platform, module_build, module_capabilities, raw.port))


def describe(platform, build, capabilities, port):
    release = os.uname().release
    with open('/etc/debian_version') as handle:
        debian = handle.read().strip()
    return (
        'ipt_NETFLOW on guest platform %s\n' % platform
        + '=' * (27 + len(platform)) + '\n'
        'Captured by tests/guest/inside/test_platform_captures.py (its docstring says how\n'
        'to refresh them) in a QEMU guest (TCG, 2 vCPUs): Debian %s, kernel %s,\n'
        'build %r: ipt_NETFLOW %s (%s).\n'
        'Scenario: modprobe ipt_NETFLOW protocol=10 destination=127.0.0.1:%d\n'
        'inactive_timeout=600 (a raw UDP collector listening); stat-idle-ipfix.txt; iptables\n'
        'and ip6tables -t raw -A PREROUTING -i vr-h1 / -i vr-h3.100 -j NETFLOW (topology of\n'
        'tests/fixtures/ipt-netflow/README.txt); h1->h2 ping x3 (IPv4) and x2 (IPv6), TCP\n'
        '10000 B echoed, UDP 2 x 40 B over IPv6; h3 (VLAN 100)->h2 ping x2; then the\n'
        'other files.  Nothing was edited.\n'
        % (debian, release, build, capabilities.version, module.module_file(), port))
