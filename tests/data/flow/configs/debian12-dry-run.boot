// module: debian-12-assumed
// A dry run without the module: Debian 12's build is assumed (samp snmp, no aggr/nel/samp-h),
// so there is no aggregation or natevents setting, and sampler/snmp_rules stay managed.
system {
    flow-accounting {
        netflow {
            interface eth0
            sampling-rate 50
            server 192.0.2.100 {
            }
            snmp-index-rule eth {
                base 1000
            }
        }
    }
}
