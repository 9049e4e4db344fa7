"""iptables/ip6tables rules with -j NETFLOW that are removed again at teardown.

Debian 12's default `iptables` is the nf_tables backend; the explicit
iptables-nft / ip6tables-nft binaries are used so a host alternative does not
change what is tested.  nft itself cannot add the NETFLOW target.
"""
from . import cmd

IPTABLES = {4: 'iptables-nft', 6: 'ip6tables-nft'}


class Rules:
    """Track -j NETFLOW (or any) rules and delete them all on clear().

    rules = Rules()
    rules.add(['-t', 'raw', '-A', 'PREROUTING', '-i', 'vr-h1', '-j', 'NETFLOW'], family=4)
    rules.netflow('PREROUTING', table='raw', in_if='vr-h1', families=(4, 6))
    rules.clear()
    """

    def __init__(self):
        self.added = []   # (family, rule argv with -A/-I)

    def add(self, rule, family=4):
        rule = [str(r) for r in rule]
        cmd.run([IPTABLES[family], '-w'] + rule)
        self.added.append((family, rule))

    def netflow(self, chain, table='filter', in_if=None, out_if=None, families=(4,)):
        spec = ['-t', table, '-A', chain]
        if in_if:
            spec += ['-i', in_if]
        if out_if:
            spec += ['-o', out_if]
        spec += ['-j', 'NETFLOW']
        for fam in families:
            self.add(spec, family=fam)

    def counters(self, chain, table='filter', family=4):
        """[(packets, bytes, target)] of a chain, from `-L -n -v -x`."""
        text = cmd.out([IPTABLES[family], '-w', '-t', table, '-L', chain, '-n', '-v', '-x'])
        rows = []
        for line in text.splitlines()[2:]:
            f = line.split()
            if len(f) >= 3:
                rows.append((int(f[0]), int(f[1]), f[2]))
        return rows

    def clear(self):
        """Delete every rule added here (in reverse order); errors are collected."""
        errors = []
        while self.added:
            family, rule = self.added.pop()
            delete = ['-D' if a in ('-A', '-I') else a for a in rule]
            if '-I' in rule:  # -I CHAIN [N] spec -> -D CHAIN spec
                i = rule.index('-I')
                if len(rule) > i + 2 and rule[i + 2].isdigit():
                    delete = delete[:i + 2] + delete[i + 3:]
            proc = cmd.run([IPTABLES[family], '-w'] + delete, check=False)
            if proc.returncode != 0:
                errors.append(proc.stderr.strip())
        return errors


def flush_all(legacy=False):
    """Remove every rule and user chain from filter/mangle/raw in both families
    (nf_tables backend; legacy=True also the legacy x_tables backend)."""
    binaries = dict(IPTABLES)
    tools = [binaries[4], binaries[6]]
    if legacy:
        tools += ['iptables-legacy', 'ip6tables-legacy']
    for tool in tools:
        for table in ('filter', 'mangle', 'raw'):
            cmd.run([tool, '-w', '-t', table, '-F'], check=False)
            cmd.run([tool, '-w', '-t', table, '-X'], check=False)
