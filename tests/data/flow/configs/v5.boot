// NetFlow v5 on IPv4-only interfaces: no ip6tables hooks (not even for egress),
// engine-id at the v5 maximum.
system {
    flow-accounting {
        enable-egress
        netflow {
            engine-id 255
            interface eth3
            interface eth2
            server 192.0.2.100 {
            }
            version 5
        }
    }
}
