interfaces {
    ethernet eth0 {
        address dhcp
        description WAN
    }
    ethernet eth1 {
        address 10.10.0.1/24
        description LAN
    }
    loopback lo {
    }
    vti vti1 {
        address 169.254.21.2/30
        description "Azure tunnel 1"
    }
    vti vti2 {
        address 169.254.22.2/30
        description "Azure tunnel 2"
    }
}
protocols {
    bgp 65010 {
        neighbor 169.254.21.1 {
            remote-as 65515
            update-source 169.254.21.2
        }
        neighbor 169.254.22.1 {
            remote-as 65515
            update-source 169.254.22.2
        }
    }
}
service {
    ssh {
        port 22
    }
}
system {
    flow-accounting {
        interface eth1
        interface vti1
        interface vti2
        netflow {
            server 192.0.2.50 {
                port 2055
            }
            source-ip 127.0.0.1
            version 10
        }
        syslog-facility daemon
    }
    host-name azure-gw
    ntp {
        server 0.pool.ntp.org {
        }
    }
}
vpn {
    ipsec {
        esp-group AZURE {
            lifetime 3600
        }
        ike-group AZURE {
            key-exchange ikev2
        }
        ipsec-interfaces {
            interface eth0
        }
    }
}


// Warning: Do not remove the following line.
// vyos-config-version: "broadcast-relay@1:cluster@1:config-management@1:conntrack@1:conntrack-sync@1:dhcp-relay@2:dhcp-server@5:dhcpv6-server@1:dns-forwarding@3:firewall@5:https@2:interfaces@22:ipoe-server@1:ipsec@5:isis@1:l2tp@3:lldp@1:mdns@1:nat@5:ntp@1:pppoe-server@5:pptp@2:qos@1:quagga@8:rpki@1:salt@1:snmp@2:ssh@2:sstp@3:system@21:vrrp@2:vyos-accel-ppp@2:wanloadbalance@3:webproxy@2:zone-policy@1"
// Release version: 1.3.2
