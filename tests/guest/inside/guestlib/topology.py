"""The test network, built from network namespaces and veth pairs.

Same layout as the real-module captures in tests/fixtures/ipt-netflow:

  h1 (netns)  eth0 10.1.1.2/24 2001:db8:1::2/64  <-> router vr-h1 10.1.1.1 2001:db8:1::1
  h2 (netns)  eth0 203.0.113.2/24 2001:db8:2::2/64 <-> router vr-h2 203.0.113.1 2001:db8:2::1
              (TCP echo on 8080, UDP sink on 5353, IPv4 + IPv6)
  h3 (netns)  eth0.100 (VLAN 100 on eth0) 10.3.3.2/24 2001:db8:3::2/64
              <-> router vr-h3 / vr-h3.100 10.3.3.1 2001:db8:3::1

The router is the root namespace (where ipt_NETFLOW runs); it forwards IPv4
and IPv6; every host has default routes via the router, so h1 and h3 reach h2
through it.  MACs are fixed: host side 02:00:00:00:0N:02, router 02:00:00:00:0N:01.

The VRF variant (Topology.add_vrf) adds a VRF device on the router with a
collector host `c1` that is reachable only inside that VRF.
"""
import socket
import tempfile

from . import cmd
from .netns import entered, write_sysctl
from .servers import Servers


class Host:
    """One host namespace and its link to the router."""

    def __init__(self, name, index, v4, v6, vlan=None):
        self.name = self.netns = name
        self.index = index
        self.v4, self.v6 = v4, v6                   # host addresses (no prefix)
        self.router_v4 = v4.rsplit('.', 1)[0] + '.1'
        self.router_v6 = v6.rsplit(':', 1)[0] + ':1'
        self.vlan = vlan
        self.mac = '02:00:00:00:%02x:02' % index
        self.router_mac = '02:00:00:00:%02x:01' % index
        self.phys_if = 'eth0'
        self.ifname = 'eth0.%d' % vlan if vlan else 'eth0'          # L3 iface in host
        self.router_phys_if = 'vr-%s' % name
        self.router_if = 'vr-%s.%d' % (name, vlan) if vlan else 'vr-%s' % name  # L3 on router

    def __repr__(self):
        return '<Host %s %s %s via %s>' % (self.name, self.v4, self.v6, self.router_if)


class Topology:
    """Build with setup(), remove with teardown() (a session fixture does both)."""

    def __init__(self, workdir=None):
        self.h1 = Host('h1', 1, '10.1.1.2', '2001:db8:1::2')
        self.h2 = Host('h2', 2, '203.0.113.2', '2001:db8:2::2')
        self.h3 = Host('h3', 3, '10.3.3.2', '2001:db8:3::2', vlan=100)
        self.hosts = {h.name: h for h in (self.h1, self.h2, self.h3)}
        self.workdir = workdir or tempfile.mkdtemp(prefix='topology-')
        self.servers = None
        self.vrfs = {}

    # -- building -----------------------------------------------------------
    def setup(self):
        """Create the namespaces, links, addresses, routes and h2's servers.

        `ip -batch` keeps the number of processes low: each one costs a lot
        in the TCG guest.  sysctls are written in-process (netns.py).
        """
        no_dad = ('net.ipv6.conf.all.accept_dad', 'net.ipv6.conf.default.accept_dad')
        for key in no_dad:
            sysctl(None, key, 0)
        sysctl(None, 'net.ipv4.ip_forward', 1)
        sysctl(None, 'net.ipv6.conf.all.forwarding', 1)
        hosts = list(self.hosts.values())
        ip_batch(None, ['netns add %s' % h.netns for h in hosts])
        for h in hosts:
            for key in no_dad:
                sysctl(h.netns, key, 0)
        ip_batch(None, [line for h in hosts for line in self._router_side(h)])
        for h in hosts:
            ip_batch(h.netns, self._host_side(h))
        self.servers = Servers('h2', tcp_echo=[8080], udp_sink=[5353]).start()
        self.check()
        return self

    @staticmethod
    def _router_side(h):
        lines = ['link add %s address %s type veth peer name %s address %s netns %s' % (
                     h.router_phys_if, h.router_mac, h.phys_if, h.mac, h.netns),
                 'link set %s up' % h.router_phys_if]
        if h.vlan:
            lines += ['link add link %s name %s type vlan id %d' % (
                          h.router_phys_if, h.router_if, h.vlan),
                      'link set %s up' % h.router_if]
        lines += ['addr add %s/24 dev %s' % (h.router_v4, h.router_if),
                  'addr add %s/64 dev %s nodad' % (h.router_v6, h.router_if)]
        return lines

    @staticmethod
    def _host_side(h):
        lines = ['link set lo up', 'link set %s up' % h.phys_if]
        if h.vlan:
            lines += ['link add link %s name %s type vlan id %d' % (h.phys_if, h.ifname, h.vlan),
                      'link set %s up' % h.ifname]
        lines += ['addr add %s/24 dev %s' % (h.v4, h.ifname),
                  'addr add %s/64 dev %s nodad' % (h.v6, h.ifname),
                  'route add default via %s' % h.router_v4,
                  'route add ::/0 via %s' % h.router_v6]
        return lines

    def check(self, timeout=20):
        """Every host reaches h2 through the router (IPv4 and IPv6)."""
        from . import traffic
        for h in (self.h1, self.h3):
            for dst in (self.h2.v4, self.h2.v6):
                cmd.wait_for(lambda ns=h.netns, dst=dst:
                             traffic.ping(ns, dst, count=1, check=False).received,
                             timeout=timeout, interval=0.5,
                             what='ping %s -> %s' % (h.netns, dst))

    def teardown(self):
        for name in list(self.vrfs):
            self.remove_vrf(name)
        if self.servers:
            self.servers.stop()
            self.servers = None
        hosts = list(self.hosts.values())
        ip_batch(None, ['link del %s' % h.router_phys_if for h in hosts]
                 + ['netns del %s' % h.netns for h in hosts], check=False)

    # -- lookups --------------------------------------------------------------
    def host(self, name):
        return self.hosts[name]

    @staticmethod
    def ifindex(ifname, netns=None):
        """ifindex of an interface in netns (None = router)."""
        with entered(netns):
            return socket.if_nametoindex(ifname)

    def udp_received(self):
        """[(src, sport, length)] datagrams the h2 UDP sink got so far."""
        return list(self.servers.udp_received) if self.servers else []

    # -- the VRF variant --------------------------------------------------------
    def add_vrf(self, name='vrf-blue', table=1000, collector_ns='c1', index=9):
        """A VRF on the router with a collector host reachable only inside it.

        Router: VRF device `name` (table), veth `vr-<collector_ns>` enslaved to
        it with 192.0.2.1/24 and 2001:db8:c1::1/64.  Host `collector_ns`:
        eth0 192.0.2.2/24, 2001:db8:c1::2/64.  The main table has no route
        to 192.0.2.0/24, so export only arrives when the socket follows the VRF
        (ipt_NETFLOW destination '192.0.2.2:PORT%<vrf>').  Returns a VrfSite.
        """
        if name in self.vrfs:
            return self.vrfs[name]
        site = VrfSite(name, table, collector_ns, index)
        ns = collector_ns
        ip_batch(None, ['netns add %s' % ns])
        for key in ('net.ipv6.conf.all.accept_dad', 'net.ipv6.conf.default.accept_dad'):
            sysctl(ns, key, 0)
        ip_batch(None, [
            'link add %s type vrf table %d' % (name, table),
            'link set %s up' % name,
            'link add %s address %s type veth peer name eth0 address %s netns %s' % (
                site.router_if, site.router_mac, site.mac, ns),
            'link set %s master %s' % (site.router_if, name),
            'link set %s up' % site.router_if,
            'addr add %s/24 dev %s' % (site.router_v4, site.router_if),
            'addr add %s/64 dev %s nodad' % (site.router_v6, site.router_if)])
        ip_batch(ns, [
            'link set lo up', 'link set eth0 up',
            'addr add %s/24 dev eth0' % site.v4,
            'addr add %s/64 dev eth0 nodad' % site.v6,
            'route add default via %s' % site.router_v4,
            'route add ::/0 via %s' % site.router_v6])
        self.vrfs[name] = site
        cmd.wait_for(lambda: cmd.run(['ping', '-c', 1, '-W', 1, '-I', name, site.v4],
                                     check=False).returncode == 0,
                     timeout=20, what='collector %s reachable in %s' % (site.v4, name))
        return site

    def remove_vrf(self, name):
        site = self.vrfs.pop(name, None)
        if site is None:
            return
        ip_batch(None, ['link del %s' % site.router_if, 'netns del %s' % site.netns,
                        'link del %s' % name], check=False)


class VrfSite:
    """A VRF on the router and its collector host (see Topology.add_vrf)."""

    def __init__(self, vrf, table, netns, index):
        self.vrf = vrf
        self.table = table
        self.netns = netns
        self.router_if = 'vr-%s' % netns
        self.mac = '02:00:00:00:%02x:02' % index
        self.router_mac = '02:00:00:00:%02x:01' % index
        self.v4, self.router_v4 = '192.0.2.2', '192.0.2.1'
        self.v6, self.router_v6 = '2001:db8:c1::2', '2001:db8:c1::1'

    def destination(self, port, v6=False):
        """ipt_NETFLOW destination string that follows the VRF."""
        addr = '[%s]' % self.v6 if v6 else self.v4
        return '%s:%d%%%s' % (addr, port, self.vrf)

    def __repr__(self):
        return '<VrfSite %s table %d collector %s/%s in %s>' % (
            self.vrf, self.table, self.v4, self.v6, self.netns)


def sysctl(netns, key, value):
    """Set a sysctl in a namespace (None = router), in-process."""
    write_sysctl(netns, key, value)


def ip_batch(netns, lines, check=True):
    """Run `ip [-n NETNS] -force -batch -` with one command per line."""
    argv = ['ip'] + (['-n', netns] if netns else []) + ['-batch', '-']
    if not check:
        argv.insert(1, '-force')
    return cmd.run(argv, input='\n'.join(lines) + '\n', check=check)
