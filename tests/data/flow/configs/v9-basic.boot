// VyOS smoketest test_basic (ipt era): engine-id 33, one server on the default port.
system {
    flow-accounting {
        netflow {
            engine-id 33
            interface eth0
            interface eth1
            server 11.22.33.44 {
            }
        }
    }
}
