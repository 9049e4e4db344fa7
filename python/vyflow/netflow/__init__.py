"""Readers for what the ipt_NETFLOW kernel module publishes under /proc/net/stat/."""
