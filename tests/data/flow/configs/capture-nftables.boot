// module: fork-2.8-installed
// capture nftables on ipt-netflow 2.8.0: names and patterns, ingress and egress,
// an IPv4 and an IPv6 collector (their own export datagrams are not accounted).
system {
    flow-accounting {
        capture nftables
        enable-egress
        netflow {
            interface eth0
            interface "ppp*"
            interface "eth3.*"
            server 192.0.2.10 {
                port 2055
            }
            server 2001:db8::10 {
                port 4739
            }
            version 10
        }
    }
}
