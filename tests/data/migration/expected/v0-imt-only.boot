/* accounting for the office uplinks, looked at with "show flow-accounting" */
system {
    flow-accounting {
        buffer-size "20"
        netflow {
            history
            interface "eth0"
            interface "eth1"
        }
    }
    host-name "office"
}
// Warning: Do not remove the following line.
// vyos-config-version: "broadcast-relay@1:cluster@1:config-management@1:conntrack@1:conntrack-sync@1:dhcp-relay@2:dhcp-server@5:dns-forwarding@1:firewall@5:flow-accounting@4:ipsec@5:l2tp@1:mdns@1:nat@4:ntp@1:pptp@1:qos@1:quagga@6:snmp@1:ssh@1:system@10:vrrp@2:wanloadbalance@3:webgui@1:webproxy@2:zone-policy@1"
// Release version: 1.0.0
