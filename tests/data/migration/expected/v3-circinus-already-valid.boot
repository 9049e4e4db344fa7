interfaces {
    ethernet eth0 {
        address "192.0.2.40/24"
        description "WAN"
    }
    ethernet eth1 {
        address "10.40.0.1/24"
    }
    pppoe pppoe0 {
        authentication {
            password "secret"
            username "customer"
        }
        source-interface "eth0"
    }
}
service {
    dhcp-server {
        shared-network-name LAN {
            subnet 10.40.0.0/24 {
                option {
                    default-router "10.40.0.1"
                }
                range 0 {
                    start "10.40.0.100"
                    stop "10.40.0.200"
                }
                subnet-id "1"
            }
        }
    }
    ssh {
        port "22"
    }
}
system {
    flow-accounting {
        enable-egress
        netflow {
            active-timeout "900"
            engine-id "33"
            inactive-timeout "30"
            interface "eth1"
            interface "pppoe0"
            max-flows "667"
            server 192.0.2.41 {
                port "2055"
            }
            server 192.0.2.42 {
                port "6000"
                source-interface "eth0"
            }
            server 2001:db8::43 {
                source-address "::1"
            }
            version "10"
        }
    }
    host-name "circinus"
}


// Warning: Do not remove the following line.
// vyos-config-version: "bgp@6:broadcast-relay@1:cluster@2:config-management@1:conntrack@6:conntrack-sync@2:container@3:dhcp-relay@2:dhcp-server@11:dhcpv6-server@6:dns-dynamic@4:dns-forwarding@4:firewall@19:flow-accounting@3:https@7:ids@2:interfaces@34:ipoe-server@4:ipsec@13:isis@3:l2tp@9:lldp@3:mdns@1:monitoring@2:nat@8:nat66@3:nhrp@1:ntp@3:openconnect@3:openvpn@4:ospf@2:pim@1:policy@9:pppoe-server@11:pptp@5:qos@3:quagga@12:reverse-proxy@2:rip@1:rpki@2:salt@1:snmp@3:ssh@2:sstp@6:system@29:vrf@3:vrrp@4:vyos-accel-ppp@2:wanloadbalance@4:webproxy@2"
// Release version: 1.5.0
