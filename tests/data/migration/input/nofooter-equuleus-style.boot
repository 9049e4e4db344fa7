system {
    flow-accounting {
        enable-egress
        interface eth0
        interface "pppoe0"
        netflow {
            max-flows 65536
            server 192.0.2.90 {
                port 2055
            }
            server 2001:db8::90 {
                port 4739
            }
            source-ip 127.0.0.1
            timeout {
                flow-generic 600
                tcp-rst 30
            }
            version 10
        }
    }
}
