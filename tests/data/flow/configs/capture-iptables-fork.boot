// module: fork-2.8-installed
// The default capture (iptables) on ipt-netflow 2.8.0: the hooks parameters are the
// module's defaults, so modprobe.d is as on 2.6; a pattern becomes iptables' ppp+.
system {
    flow-accounting {
        enable-egress
        netflow {
            interface eth0
            interface "ppp*"
            server 192.0.2.10 {
            }
        }
    }
}
