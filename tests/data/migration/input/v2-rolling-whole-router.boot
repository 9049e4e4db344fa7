container {
    name unbound {
        image "docker.io/mvance/unbound:latest"
        network lan {
            address "172.16.0.10"
        }
    }
    network lan {
        prefix "172.16.0.0/24"
    }
}
high-availability {
    vrrp {
        group LAN {
            address 10.30.0.1/24 {
            }
            interface "eth1"
            priority "200"
            vrid "30"
        }
    }
}
interfaces {
    bonding bond0 {
        member {
            interface "eth2"
            interface "eth3"
        }
        mode "802.3ad"
    }
    ethernet eth0 {
        address "203.0.113.2/30"
    }
    ethernet eth1 {
        address "10.30.0.2/24"
    }
    ethernet eth2 {
    }
    ethernet eth3 {
    }
}
load-balancing {
    wan {
        interface-health eth0 {
            nexthop "203.0.113.1"
        }
    }
}
policy {
    prefix-list CUSTOMERS {
        rule 10 {
            action "permit"
            prefix "10.30.0.0/16"
        }
    }
}
protocols {
    bgp {
        neighbor 203.0.113.1 {
            address-family {
                ipv4-unicast {
                    prefix-list {
                        export "CUSTOMERS"
                    }
                }
            }
            remote-as "64500"
        }
        system-as "64501"
    }
}
qos {
    policy {
        shaper UPLINK {
            bandwidth "1gbit"
            default {
                bandwidth "100%"
            }
        }
    }
}
service {
    snmp {
        community public {
            authorization "ro"
        }
    }
    ssh {
    }
}
system {
    flow-accounting {
        enable-egress
        interface "bond0"
        interface "eth1"
        netflow {
            server 192.0.2.32 {
                port "2055"
            }
            server 2001:db8::32 {
                port "2055"
            }
            source-address "::1"
            version "10"
        }
    }
    host-name "agg-2"
}
vpn {
    openconnect {
        authentication {
            mode {
                local "password"
            }
        }
    }
}


// Warning: Do not remove the following line.
// vyos-config-version: "bgp@5:broadcast-relay@1:cluster@2:config-management@1:conntrack@5:conntrack-sync@2:container@2:dhcp-relay@2:dhcp-server@8:dhcpv6-server@1:dns-dynamic@4:dns-forwarding@4:firewall@17:flow-accounting@2:https@6:ids@1:interfaces@32:ipoe-server@4:ipsec@13:isis@3:l2tp@9:lldp@2:mdns@1:monitoring@1:nat@8:nat66@3:ntp@3:openconnect@3:openvpn@4:ospf@2:pim@1:policy@8:pppoe-server@11:pptp@5:qos@2:quagga@11:reverse-proxy@1:rip@1:rpki@2:salt@1:snmp@3:ssh@2:sstp@6:system@28:vrf@3:vrrp@4:vyos-accel-ppp@2:wanloadbalance@3:webproxy@2"
// Release version: 1.5-rolling-202502150006
