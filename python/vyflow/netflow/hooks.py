"""Our iptables/ip6tables hooks: own chains, one jump each, atomic rewrites.

Ingress accounting lives in ``raw`` (chain VYFLOW_INGRESS, reached from
PREROUTING), egress in ``mangle`` (VYFLOW_EGRESS, from POSTROUTING). A change
is one ``iptables-restore --noflush`` payload per family that declares only
our chains (declaring a chain flushes just that chain), so foreign rules are
never touched, a failing table changes nothing, and applying the same state
twice produces an empty payload.
"""

from __future__ import annotations

from vyflow.records import dataclass

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from vyflow.netflow.kernel import Kernel

FAMILIES = ('ipv4', 'ipv6')
TABLES = {'raw': ('PREROUTING', 'VYFLOW_INGRESS', '-i'),
          'mangle': ('POSTROUTING', 'VYFLOW_EGRESS', '-o')}
TARGET = 'NETFLOW'


@dataclass(frozen=True)
class ChainState:
    """Our chain in one table: present?, its rules, jumps reaching it."""

    exists: bool = False
    rules: tuple[str, ...] = ()
    jumps: int = 0

    def describe(self) -> str:
        if not self.exists:
            return 'absent' + (f' ({self.jumps} dangling jumps)' if self.jumps else '')
        return f'{len(self.rules)} rules, {self.jumps} jump(s): ' + '; '.join(self.rules)


ABSENT = ChainState()
FamilyHooks = dict  # table -> ChainState


def wanted_chain(table: str, interfaces: list[str], target: str = TARGET) -> ChainState:
    """Our chain accounting ``interfaces`` in ``table`` (raw: in, mangle: out)."""
    option = TABLES[table][2]
    return ChainState(True, tuple(f'{option} {name} -j {target}' for name in interfaces), 1)


def table_section(saved: str, table: str) -> str:
    """The ``*table`` … ``COMMIT`` part of a whole ``iptables-save`` dump."""
    lines, inside = [], False
    for line in saved.splitlines():
        if line.startswith('*'):
            inside = line[1:].strip() == table
        elif inside:
            lines.append(line)
    return '\n'.join(lines)


def parse_save(table: str, saved: str) -> ChainState:
    """Our chain's state in ``table`` from ``iptables-save`` output."""
    base, chain, _ = TABLES[table]
    exists = False
    rules: list[str] = []
    jumps = 0
    for line in table_section(saved, table).splitlines():
        if line.startswith(f':{chain} '):
            exists = True
        elif line.startswith(f'-A {chain} '):
            rules.append(line[len(f'-A {chain} '):].strip())
        elif line.strip() == f'-A {base} -j {chain}':
            jumps += 1
    return ChainState(exists, tuple(rules), jumps)


def restore_payload(current: FamilyHooks, desired: FamilyHooks) -> str:
    """The iptables-restore --noflush input turning ``current`` into
    ``desired`` for one family; empty when nothing differs."""
    sections = []
    for table, (base, chain, _) in TABLES.items():
        have, want = current.get(table, ABSENT), desired.get(table, ABSENT)
        if have == want:
            continue
        lines = [f'*{table}']
        if want.exists:
            lines.append(f':{chain} - [0:0]')
            lines += [f'-A {chain} {rule}' for rule in want.rules]
            if have.jumps == 0:
                lines.append(f'-I {base} 1 -j {chain}')
            lines += [f'-D {base} -j {chain}'] * max(0, have.jumps - 1)
        else:
            if have.exists:
                lines.append(f':{chain} - [0:0]')
            lines += [f'-D {base} -j {chain}'] * have.jumps
            if have.exists:
                lines.append(f'-X {chain}')
        lines.append('COMMIT')
        sections.append('\n'.join(lines))
    return '\n'.join(sections) + '\n' if sections else ''


def read_family(kernel: Kernel, family: str) -> FamilyHooks:
    saved = kernel.iptables_save(family)  # one dump per family: process starts are costly
    return {table: parse_save(table, saved) for table in TABLES}
