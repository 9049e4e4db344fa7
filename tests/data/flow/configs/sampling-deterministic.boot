system {
    flow-accounting {
        netflow {
            interface eth0
            sampling-mode deterministic
            sampling-rate 2
            server 192.0.2.100 {
            }
        }
    }
}
