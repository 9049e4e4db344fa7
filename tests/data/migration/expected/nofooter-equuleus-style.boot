system {
    flow-accounting {
        enable-egress
        netflow {
            inactive-timeout "30"
            interface "eth0"
            interface "pppoe0"
            max-flows "65536"
            server 192.0.2.90 {
                port "2055"
                source-address "127.0.0.1"
            }
            server 2001:db8::90 {
                port "4739"
            }
            version "10"
        }
    }
}
// Warning: Do not remove the following line.
// vyos-config-version: "flow-accounting@4"
// Release version: 1.0.0
