interfaces {
    ethernet eth0 {
        vif 4088 {
            address "100.64.88.1/30"
        }
        vif 4089 {
            address "100.64.89.1/30"
        }
    }
    loopback lo {
        address "10.255.255.1/32"
    }
}
protocols {
    bgp 64512 {
        parameters {
            router-id "10.255.255.1"
        }
    }
}
system {
    flow-accounting {
        netflow {
            engine-id "1"
            interface "eth0.4088"
            interface "eth0.4089"
            server 192.0.2.60 {
                port "2055"
            }
            version "9"
        }
    }
    host-name "edge-cloud-1"
    login {
        user vyos {
            authentication {
                encrypted-password "$6$Rounds.example$x"
            }
            level "admin"
        }
    }
}
// Warning: Do not remove the following line.
// vyos-config-version: "broadcast-relay@1:cluster@1:config-management@1:conntrack@1:conntrack-sync@1:dhcp-relay@2:dhcp-server@5:dns-forwarding@1:firewall@5:flow-accounting@4:ipsec@5:l2tp@1:mdns@1:nat@4:ntp@1:pptp@1:qos@1:quagga@6:snmp@1:ssh@1:system@10:vrrp@2:wanloadbalance@3:webgui@1:webproxy@2:zone-policy@1"
// Release version: 1.0.0
