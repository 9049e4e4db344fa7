system {
    flow-accounting {
        buffer-size "8"
        netflow {
            active-timeout "120"
            dscp "cs1"
            inactive-timeout "10"
            interface "eth0"
            sampling-mode "deterministic"
            sampling-rate "100"
            server 192.0.2.47 {
                port "2055"
                source-address "127.0.0.1"
            }
            snmp-index-rule ppp {
                base "1000"
            }
            template {
                refresh-minutes "10"
            }
            version "5"
            engine-id "7"
        }
    }
}
