// Every extension beyond VyOS on a full build (aggr dir llist mac nel samp-h snmp vlan).
// Aggregation rules are given least specific first and must come out most specific first;
// snmp rule ppp must not shadow pppoe; engine-id above 2^31-1 becomes the negative int.
system {
    flow-accounting {
        buffer-size 4
        enable-egress
        netflow {
            aggregation {
                network 10.0.0.0/8 {
                    prefix-length 16
                }
                network 10.1.0.0/16 {
                    prefix-length 24
                }
                network 10.1.2.0/24 {
                    prefix-length 32
                }
                network 0.0.0.0/0 {
                    prefix-length 8
                }
                port 1024-65535 {
                    to 1024
                }
                port 5353 {
                    to 53
                }
                port 8000-8099 {
                    to 8000
                }
            }
            dscp af41
            engine-id 3000000000
            hash-size 65536
            interface eth0
            interface eth1
            max-flows 0
            natevents
            sampling-rate 1000
            server 192.0.2.100 {
                port 2056
            }
            server 2001:db8:f::1 {
            }
            snmp-index-rule eth {
                base 100
            }
            snmp-index-rule ppp {
                base 200
            }
            snmp-index-rule pppoe {
                base 300
            }
            template {
                refresh-minutes 5
                refresh-packets 10
            }
            version 9
        }
    }
}
