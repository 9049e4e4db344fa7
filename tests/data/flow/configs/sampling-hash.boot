system {
    flow-accounting {
        netflow {
            interface eth0
            sampling-mode hash
            sampling-rate 16383
            server 192.0.2.100 {
            }
        }
    }
}
