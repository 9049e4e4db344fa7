// VyOS smoketest test_sampler: sampling-rate 100 in the default (random) mode.
system {
    flow-accounting {
        netflow {
            interface eth0
            sampling-rate 100
            server 11.22.33.44 {
            }
        }
    }
}
