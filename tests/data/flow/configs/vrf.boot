// Export through VRF blue: %blue on every entry except the one with its own
// source-interface (eth1, a member of blue), @source before %device.
system {
    flow-accounting {
        netflow {
            interface eth0
            server 192.0.2.100 {
            }
            server 192.0.2.101 {
                source-interface eth1
            }
            server 192.0.2.102 {
                port 4739
                source-address 198.51.100.1
            }
            server 2001:db8:f::1 {
                source-address 2001:db8:1::1
            }
        }
        vrf blue
    }
}
