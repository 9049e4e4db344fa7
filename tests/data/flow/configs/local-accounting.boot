// No server: local accounting only. destination= stays in the modprobe options
// (without it the module would export to its default 127.0.0.1:2055).
system {
    flow-accounting {
        netflow {
            interface eth0
            max-flows 100000
        }
    }
}
