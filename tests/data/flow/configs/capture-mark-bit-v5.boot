// module: fork-2.8-installed
// capture nftables with NetFlow v5 (IPv6 passes unmarked) and another mark bit.
system {
    flow-accounting {
        capture nftables
        capture-mark-bit 7
        netflow {
            interface eth2
            server 192.0.2.10 {
            }
            version 5
        }
    }
}
