// VyOS smoketest test_netflow (ipt era): IPFIX, five servers with ports,
// a source-interface and IPv4/IPv6 source addresses.
system {
    flow-accounting {
        netflow {
            active-timeout 900
            engine-id 33
            inactive-timeout 30
            interface eth0
            max-flows 667
            server 2001:db8::1 {
                source-address 2001:db8::ab
            }
            server 11.22.33.44 {
            }
            server 55.66.77.88 {
                port 6000
            }
            server 100.12.14.1 {
                source-interface dum3842
            }
            server 203.0.113.21 {
                port 3000
                source-address 192.0.2.1
            }
            version 10
        }
    }
}
