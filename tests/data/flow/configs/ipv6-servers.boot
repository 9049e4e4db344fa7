// IPv6 collectors only: brackets around each, an unbracketed IPv6 bind address,
// a non-canonical spelling kept in the destination but canonical in the nft rule.
system {
    flow-accounting {
        netflow {
            dscp cs4
            interface eth0
            server 2001:DB8:F:0::1 {
                port 9995
            }
            server 2001:db8:e::2 {
                source-address 2001:db8::1
            }
            server 2001:db8:d::3 {
                source-interface eth0
            }
            version 10
        }
    }
}
