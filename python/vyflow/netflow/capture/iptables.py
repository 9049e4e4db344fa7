"""Capture mode ``iptables``: own chains jumping to the NETFLOW target.

Every ipt_NETFLOW build supports it (the default). Ingress accounting lives in
``raw`` (chain VYFLOW_INGRESS, reached from PREROUTING), egress in ``mangle``
(VYFLOW_EGRESS, from POSTROUTING). A change is one ``iptables-restore
--noflush`` payload per family that declares only our chains (declaring a
chain flushes just that chain), so foreign rules are never touched, a failing
table changes nothing, and applying the same state twice produces an empty
payload.

Each chain first lets the router's own export datagrams pass unaccounted (UDP
to a collector's address and port from a local address): with egress
accounting they would otherwise be accounted, exported, accounted again, for
ever. Then one rule per interface, a pattern ``ppp*`` as iptables' ``ppp+``.
Rules are kept exactly as ``iptables-save`` prints them, so the read-back
compares like with like.
"""

from __future__ import annotations

import ipaddress

from vyflow.netflow.capture import patterns
from vyflow.records import dataclass

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from collections.abc import Iterable
    from vyflow.netflow.kernel import Kernel
    from vyflow.netflow.model import FlowConfig

NAME = 'iptables'
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


def export_exclusion(address: str, port: int, local_only: bool = True) -> str:
    """The rule that returns the router's own export datagrams to one collector.
    ``local_only`` False (export bound to a VRF, whose addresses the main
    tables do not know as local) drops the source-address condition."""
    ip = ipaddress.ip_address(address)
    rule = f'-d {ip}/{ip.max_prefixlen} -p udp -m udp --dport {port}'
    return rule + (' -m addrtype --src-type LOCAL' if local_only else '') + ' -j RETURN'


def wanted_chain(table: str, interfaces: list[str], target: str = TARGET,
                 exports: Iterable[tuple[str, int]] = (), local_only: bool = True) -> ChainState:
    """Our chain accounting ``interfaces`` (names or ``prefix*`` patterns) in
    ``table`` (raw: in, mangle: out), after the exclusions of ``exports``
    (collector address and port pairs of this chain's family)."""
    option = TABLES[table][2]
    rules = [export_exclusion(address, port, local_only) for address, port in exports]
    rules += [f'{option} {patterns.iptables_spelling(name)} -j {target}' for name in interfaces]
    return ChainState(True, tuple(rules), 1)


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


# Load-time parameters of hooks-mode builds: the module's defaults (the
# NETFLOW target registered, no hooks of its own).
MODULE_PARAMETERS = {'targets': '1', 'hooks': '0', 'hooks_mark': '0', 'hooks_mark_mask': '0'}


def module_parameters(config: FlowConfig) -> dict[str, str]:
    return dict(MODULE_PARAMETERS)


def absent() -> dict[str, FamilyHooks]:
    return {family: {table: ABSENT for table in TABLES} for family in FAMILIES}


def wanted(config: FlowConfig, target: str = TARGET) -> dict[str, FamilyHooks]:
    """Both families' chains for ``config`` (no IPv6 chains for NetFlow v5,
    which the module refuses to combine with ip6tables rules)."""
    result = absent()
    for family in FAMILIES if config.version != 5 else ('ipv4',):
        exports = [(str(c.ip), c.port) for c in config.collectors
                   if (c.ip.version == 6) == (family == 'ipv6')]
        local_only = not config.vrf
        result[family]['raw'] = wanted_chain('raw', config.interfaces, target, exports, local_only)
        if config.egress:
            result[family]['mangle'] = wanted_chain('mangle', config.interfaces, target, exports,
                                                    local_only)
    return result
