// VyOS smoketest test_iptables end state: three interfaces, ingress and egress.
system {
    flow-accounting {
        enable-egress
        netflow {
            interface dum4000
            interface dum4002
            interface dum4003
            server 11.22.33.44 {
            }
        }
    }
}
