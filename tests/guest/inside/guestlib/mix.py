"""The standard h1 -> h2 traffic mix and the flows it must produce."""

from guestlib import traffic


def send_mix(topo, ipv6):
    """h1 -> h2 traffic through the router; returns the client results."""
    h1, h2 = topo.h1, topo.h2
    sent = {
        'tcp4': traffic.tcp(h1.netns, h2.v4, nbytes=30000),
        'udp4': traffic.udp(h1.netns, h2.v4, size=32),
    }
    traffic.ping(h1.netns, h2.v4, count=3)
    if ipv6:
        sent['tcp6'] = traffic.tcp(h1.netns, h2.v6, nbytes=20000)
        sent['udp6'] = traffic.udp(h1.netns, h2.v6, size=32)
        traffic.ping(h1.netns, h2.v6, count=3)
    return sent


def expected_flows(topo, sent, ipv6):
    """{name: find() criteria} of the h1 -> h2 flows the mix must produce."""
    h1, h2 = topo.h1, topo.h2
    want = {
        'tcp4': dict(src=h1.v4, dst=h2.v4, proto=6, sport=sent['tcp4']['sport'], dport=8080),
        'udp4': dict(src=h1.v4, dst=h2.v4, proto=17, sport=sent['udp4']['sport'], dport=5353),
        'icmp4': dict(src=h1.v4, dst=h2.v4, proto=1),
    }
    if ipv6:
        want['tcp6'] = dict(src=h1.v6, dst=h2.v6, proto=6, sport=sent['tcp6']['sport'],
                            dport=8080)
        want['udp6'] = dict(src=h1.v6, dst=h2.v6, proto=17, sport=sent['udp6']['sport'],
                            dport=5353)
        want['icmp6'] = dict(src=h1.v6, dst=h2.v6, proto=58)
    return want
