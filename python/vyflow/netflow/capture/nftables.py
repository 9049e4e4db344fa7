"""Capture mode ``nftables``: the module's own hooks, packets chosen in nft sets.

ipt-netflow 2.8.0 can register its meter on netfilter hooks itself (``hooks=``,
no iptables rule at all) and account only packets whose fwmark matches
(``hooks_mark`` under ``hooks_mark_mask``). Its hooks run at NF_IP_PRI_LAST
(INT_MAX), after everything else on the hook. We load it with
``hooks=17`` (PREROUTING for ingress, POSTROUTING for egress: the points
where the iptables mode accounts too, so both modes see the same packets),
``targets=0`` (no NETFLOW target: no iptables rule can exist) and one mark
bit, and keep our own ``table inet vyflow_capture``:

- sets of interface names and of name patterns (``ppp*``, an interval set)
  for ingress and egress, and of collector address . port pairs;
- per hook a *mark* chain at INT_MAX - 1 that sets the bit on packets of
  listed interfaces (after letting the router's own export datagrams and,
  for NetFlow v5, IPv6 pass), and a *clear* chain at INT_MAX that clears it.

Why this is safe for routing and policy: the bit exists only between our
mark chain and our clear chain, and nothing but the module runs between them
(every other chain has a lower priority; the routing decision after
PREROUTING, conntrack, tc and socket delivery all come after the clear
chain). Conntrack marks are never touched. Equal priorities run in reverse
order of registration, so the clear chain (INT_MAX) runs *after* the module
only if it was registered *before* the module loaded: the plan therefore
creates the table before loading the module and reloads the module whenever
the chains themselves must be registered anew. Should that order ever be
wrong, the bit is still cleared before anything else sees it; only
accounting would stop, which the read-back of the module's parameters and
the table makes visible. Live changes (interfaces, collectors) touch set
elements and rules only, never the chains' registration: one atomic ``nft
-f`` transaction, per-packet cost one hash lookup whatever the number of
interfaces.

The bit must not be set by any other rule on the system (it would make the
module account the packet, and our clear chain would remove it); verify
refuses a bit it sees used by foreign nft rules. Reading the table, the hook
order and foreign rules back is in capture/nftread.py.
"""

from __future__ import annotations


from vyflow.netflow.capture import patterns
from vyflow.records import dataclass, field

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from vyflow.netflow.model import FlowConfig

NAME = 'nftables'
TABLE_FAMILY, TABLE = 'inet', 'vyflow_capture'
LAST = 2 ** 31 - 1                     # NF_IP_PRI_LAST, the module's hook priority
MARK_PRIORITY, CLEAR_PRIORITY = LAST - 1, LAST
HOOKS = 1 | 16                         # PREROUTING | POSTROUTING
FULL_MASK = 2 ** 32 - 1
DIRECTIONS = {'ingress': ('prerouting', 'iifname'), 'egress': ('postrouting', 'oifname')}


@dataclass(frozen=True)
class SetSpec:
    name: str
    type: tuple[str, ...]
    interval: bool = False

    def declaration(self) -> str:
        flags = ' flags interval;' if self.interval else ''
        return f'type {" . ".join(self.type)};{flags}'


SETS = (SetSpec('ingress_names', ('ifname',)), SetSpec('ingress_patterns', ('ifname',), True),
        SetSpec('egress_names', ('ifname',)), SetSpec('egress_patterns', ('ifname',), True),
        SetSpec('export_v4', ('ipv4_addr', 'inet_service')),
        SetSpec('export_v6', ('ipv6_addr', 'inet_service')))


@dataclass(frozen=True)
class Rule:
    """A rule as compared: its comment (our id for it), the sets it looks up
    and the integer constants in it (the mark); ``text`` is how we write it."""

    comment: str
    sets: frozenset[str] = frozenset()
    constants: frozenset[int] = frozenset()
    text: str = field(default='', compare=False)


@dataclass(frozen=True)
class Chain:
    name: str
    hook: str
    priority: int
    rules: tuple[Rule, ...] = ()

    @property
    def registration(self) -> tuple[str, str, int]:
        return self.name, self.hook, self.priority


@dataclass(frozen=True)
class Table:
    sets: tuple[SetSpec, ...]
    chains: tuple[Chain, ...]
    elements: tuple[tuple[str, frozenset[str]], ...]
    # read back: do our clear chains run after the module's hooks? (``nft list
    # hooks``; True when that cannot be known)
    after_module: bool = field(default=True, compare=False)

    def layout(self) -> tuple:
        """What only a new registration can change: sets and base chains."""
        return self.sets, tuple(chain.registration for chain in self.chains)

    def elements_of(self, name: str) -> frozenset[str]:
        return dict(self.elements).get(name, frozenset())

    def mark(self) -> int | None:
        marks = [c for chain in self.chains for rule in chain.rules if rule.comment == ACCOUNT
                 for c in rule.constants]
        return marks[0] if marks else None

    def describe(self) -> str:
        def count(direction: str) -> str:
            names = len(self.elements_of(f'{direction}_names'))
            found = len(self.elements_of(f'{direction}_patterns'))
            return f'{names} interface(s)' + (f' + {found} pattern(s)' if found else '')
        mark = self.mark()
        return (f'table {TABLE_FAMILY} {TABLE}: ingress {count("ingress")}, egress '
                f'{count("egress")}, mark {f"{mark:#010x}" if mark is not None else "none"}')


ACCOUNT, ACCOUNT_PATTERNS, CLEAR = 'vyflow: account', 'vyflow: account patterns', 'vyflow: clear'
EXPORT_LOCAL, EXPORT_ANY = 'vyflow: own export', 'vyflow: export (vrf)'
IPV4_ONLY = 'vyflow: NetFlow v5 is IPv4 only'


def _rule(body: str, comment: str, sets: tuple[str, ...] = (), constants: tuple[int, ...] = ()) -> Rule:
    return Rule(comment, frozenset(sets), frozenset(constants), f'{body} comment "{comment}"')


def _mark_rules(direction: str, bit: int, ipv4_only: bool, local_only: bool) -> tuple[Rule, ...]:
    rules = [_rule('meta nfproto ipv6 return', IPV4_ONLY)] if ipv4_only else []
    source = ' fib saddr type local' if local_only else ''
    comment = EXPORT_LOCAL if local_only else EXPORT_ANY
    rules += [_rule(f'ip daddr . udp dport @export_v4{source} return', comment, ('export_v4',)),
              _rule(f'ip6 daddr . udp dport @export_v6{source} return', comment, ('export_v6',))]
    key = DIRECTIONS[direction][1]
    for suffix, comment in (('names', ACCOUNT), ('patterns', ACCOUNT_PATTERNS)):
        rules.append(_rule(f'{key} @{direction}_{suffix} meta mark set meta mark | {bit:#x}',
                           comment, (f'{direction}_{suffix}',), (bit,)))
    return tuple(rules)


def _clear_rule(bit: int) -> Rule:
    rest = FULL_MASK ^ bit
    return _rule(f'meta mark set meta mark & {rest:#x}', CLEAR, constants=(rest,))


def module_parameters(config: FlowConfig) -> dict[str, str]:
    """Load-time parameters: our hooks, the mark filter, no xtables target."""
    bit = str(1 << config.capture_mark_bit)
    return {'targets': '0', 'hooks': str(HOOKS), 'hooks_mark': bit, 'hooks_mark_mask': bit}


def wanted(config: FlowConfig) -> Table:
    egress = config.interfaces if config.egress else []
    elements = {
        'ingress_names': patterns.names(config.interfaces),
        'ingress_patterns': patterns.only_patterns(config.interfaces),
        'egress_names': patterns.names(egress), 'egress_patterns': patterns.only_patterns(egress),
        'export_v4': [f'{c.ip} . {c.port}' for c in config.collectors if c.ip.version == 4],
        'export_v6': [f'{c.ip} . {c.port}' for c in config.collectors if c.ip.version == 6]}
    return build(1 << config.capture_mark_bit, config.version == 5, not config.vrf,
                  {name: frozenset(found) for name, found in elements.items()})


def build(bit: int, ipv4_only: bool, local_only: bool,
           elements: dict[str, frozenset[str]]) -> Table:
    chains = []
    for direction, (hook, _) in DIRECTIONS.items():
        chains.append(Chain(f'{direction}_mark', hook, MARK_PRIORITY,
                            _mark_rules(direction, bit, ipv4_only, local_only)))
        chains.append(Chain(f'{direction}_clear', hook, CLEAR_PRIORITY, (_clear_rule(bit),)))
    return canonical(SETS, chains, elements)


def canonical(sets, chains, elements: dict[str, frozenset[str]]) -> Table:
    """A Table in one canonical order, whatever order nft lists things in."""
    return Table(tuple(sorted(sets, key=lambda spec: spec.name)),
                 tuple(sorted(chains, key=lambda chain: chain.name)),
                 tuple(sorted(elements.items())))


# ---- nft scripts ---------------------------------------------------------------------


def _element_text(spec: SetSpec, element: str) -> str:
    return f'"{element}"' if spec.type == ('ifname',) else element


def _elements(spec: SetSpec, elements: frozenset[str]) -> str:
    return ', '.join(_element_text(spec, element) for element in sorted(elements))


def _definition(table: Table) -> list[str]:
    lines = [f'table {TABLE_FAMILY} {TABLE} {{']
    for spec in table.sets:
        elements = table.elements_of(spec.name)
        content = f' elements = {{ {_elements(spec, elements)} }};' if elements else ''
        lines.append(f'    set {spec.name} {{ {spec.declaration()}{content} }}')
    for chain in table.chains:
        lines.append(f'    chain {chain.name} {{')
        lines.append(f'        type filter hook {chain.hook} priority {chain.priority}; '
                     'policy accept;')
        lines += [f'        {rule.text}' for rule in chain.rules]
        lines.append('    }')
    return lines + ['}']


def difference(desired: Table | None, current: Table | None) -> str:
    """``desired X, current Y`` for the read-back report, naming what differs."""
    if desired is None or current is None:
        shown = [table.describe() if table else 'absent' for table in (desired, current)]
        return f'desired {shown[0]}, current {shown[1]}'
    parts = []
    if desired.layout() != current.layout():
        parts.append('sets or base chains differ')
    if not current.after_module:
        parts.append('its clear chains run before the module\'s hooks')
    have = {chain.name: chain.rules for chain in current.chains}
    parts += [f'rules of {chain.name} differ' for chain in desired.chains
              if chain.name in have and have[chain.name] != chain.rules]
    for name, wanted in desired.elements:
        found = current.elements_of(name)
        if found != wanted:
            parts.append(f'{name}: desired {sorted(wanted)}, current {sorted(found)}')
    return '; '.join(parts)


def must_register(current: Table | None, desired: Table | None) -> bool:
    """Does going from ``current`` to ``desired`` register base chains anew
    (so the module, to stay after our clear chains, must load afterwards)?"""
    return desired is not None and (current is None or current.layout() != desired.layout()
                                    or not current.after_module)


def script(current: Table | None, desired: Table | None) -> str:
    """One nft transaction from ``current`` to ``desired``: set elements and
    rules changed in place when the layout stays, else the table replaced."""
    where = f'{TABLE_FAMILY} {TABLE}'
    if desired is None:
        return f'delete table {where}\n' if current is not None else ''
    if must_register(current, desired):
        lines = [f'delete table {where}'] if current is not None else []
        return '\n'.join(lines + _definition(desired)) + '\n'
    lines = []
    have = {chain.name: chain for chain in current.chains}
    for chain in desired.chains:
        if have[chain.name].rules != chain.rules:
            lines.append(f'flush chain {where} {chain.name}')
            lines += [f'add rule {where} {chain.name} {rule.text}' for rule in chain.rules]
    for spec in desired.sets:
        before, after = current.elements_of(spec.name), desired.elements_of(spec.name)
        if before - after:
            lines.append(f'delete element {where} {spec.name} {{ {_elements(spec, before - after)} }}')
        if after - before:
            lines.append(f'add element {where} {spec.name} {{ {_elements(spec, after - before)} }}')
    return '\n'.join(lines) + '\n' if lines else ''


def written(current: Table | None, desired: Table | None) -> tuple[int, int]:
    """(rules, set elements) a script writes, for the plan and the benchmark."""
    if desired is None:
        return 0, 0
    if must_register(current, desired):
        return (sum(len(chain.rules) for chain in desired.chains),
                sum(len(elements) for _, elements in desired.elements))
    have = {chain.name: chain for chain in current.chains}
    rules = sum(len(chain.rules) for chain in desired.chains if have[chain.name].rules != chain.rules)
    elements = sum(len(current.elements_of(name) ^ after) for name, after in desired.elements)
    return rules, elements
