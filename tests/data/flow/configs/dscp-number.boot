// DSCP by number (46 = EF) for an IPv4 and an IPv6 collector.
system {
    flow-accounting {
        netflow {
            dscp 46
            interface eth0
            server 192.0.2.100 {
            }
            server 2001:db8:f::1 {
                port 2056
            }
        }
    }
}
