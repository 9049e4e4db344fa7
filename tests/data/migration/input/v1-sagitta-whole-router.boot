firewall {
    ipv4 {
        forward {
            filter {
                default-action "accept"
                rule 10 {
                    action "drop"
                    state "invalid"
                }
            }
        }
        name WAN-LOCAL {
            default-action "drop"
            rule 10 {
                action "accept"
                state "established"
                state "related"
            }
        }
    }
}
interfaces {
    ethernet eth0 {
        address "dhcp"
        description "Uplink"
        hw-id "52:54:00:12:34:56"
    }
    ethernet eth1 {
        address "10.20.0.1/24"
        description "Customers"
        vif 100 {
            address "10.100.0.1/24"
        }
    }
    loopback lo {
    }
    wireguard wg0 {
        address "10.99.0.1/24"
        peer branch {
            allowed-ips "10.98.0.0/24"
            public-key "Wd0f5Zzq4v5x0Qh7cxVQn7n7p7y8f9xq0n9h6Q1x2Hc="
        }
        port "51820"
    }
}
nat {
    source {
        rule 100 {
            outbound-interface {
                name "eth0"
            }
            source {
                address "10.20.0.0/24"
            }
            translation {
                address "masquerade"
            }
        }
    }
}
protocols {
    ospf {
        area 0 {
            network "10.20.0.0/24"
        }
        parameters {
            router-id "10.255.0.1"
        }
    }
    static {
        route 0.0.0.0/0 {
            dhcp-interface "eth0"
        }
    }
}
service {
    dns {
        forwarding {
            allow-from "10.20.0.0/24"
            listen-address "10.20.0.1"
        }
    }
    ntp {
        allow-client {
            address "10.20.0.0/24"
        }
        server time1.vyos.net {
        }
    }
    ssh {
        port "22"
    }
}
system {
    config-management {
        commit-revisions "100"
    }
    flow-accounting {
        buffer-size "16"
        interface "eth1"
        interface "eth1.100"
        interface "wg0"
        netflow {
            engine-id "100"
            server 192.0.2.20 {
                port "2055"
            }
            server 192.0.2.21 {
                port "9996"
            }
            source-address "127.0.0.1"
            timeout {
                flow-generic "30"
                max-active-life "120"
                tcp-fin "15"
            }
            version "9"
        }
        packet-length "128"
        sflow {
            agent-address "10.255.0.1"
            sampling-rate "512"
            server 192.0.2.22 {
                port "6343"
            }
        }
        syslog-facility "daemon"
    }
    host-name "pop-1"
    login {
        user vyos {
            authentication {
                encrypted-password "$6$example$hash"
            }
        }
    }
    name-server "192.0.2.53"
    sflow {
        interface "eth0"
        server 192.0.2.23 {
        }
    }
    syslog {
        global {
            facility all {
                level "info"
            }
        }
    }
    time-zone "Europe/Berlin"
}


// Warning: Do not remove the following line.
// vyos-config-version: "bgp@5:broadcast-relay@1:cluster@2:config-management@1:conntrack@5:conntrack-sync@2:container@2:dhcp-relay@2:dhcp-server@8:dhcpv6-server@1:dns-dynamic@4:dns-forwarding@4:firewall@15:flow-accounting@1:https@6:ids@1:interfaces@32:ipoe-server@3:ipsec@13:isis@3:l2tp@9:lldp@2:mdns@1:monitoring@1:nat@7:nat66@3:ntp@3:openconnect@3:ospf@2:pim@1:policy@8:pppoe-server@10:pptp@5:qos@2:quagga@11:rip@1:rpki@2:salt@1:snmp@3:ssh@2:sstp@6:system@27:vrf@3:vrrp@4:vyos-accel-ppp@2:wanloadbalance@3:webproxy@2"
// Release version: 1.4.1
