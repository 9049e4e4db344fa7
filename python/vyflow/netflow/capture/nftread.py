"""Capture mode ``nftables``, read back: our table, the hook order, foreign marks.

Our table is read from ``nft -j list table`` and compared by what matters
(sets and their elements, base chains, and per rule its comment, the sets it
looks up and the constants in it): nft prints expressions differently across
versions (``meta mark & 0x80000000 == 0x80000000`` comes back as a prefix
match), so its rule text is never compared. A table of our shape is rebuilt as
we would write it, so a snapshot can be written back exactly.
"""

from __future__ import annotations

import json

from vyflow.netflow.capture.nftables import (EXPORT_LOCAL, IPV4_ONLY, SETS, TABLE,
                                             TABLE_FAMILY, Chain, Rule, SetSpec, Table, build,
                                             canonical)
from vyflow.records import replace

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from vyflow.netflow.kernel import Kernel


def _walk(expression: object, sets: set[str], constants: set[int]) -> None:
    if isinstance(expression, dict):
        for value in expression.values():
            _walk(value, sets, constants)
    elif isinstance(expression, list):
        for value in expression:
            _walk(value, sets, constants)
    elif isinstance(expression, str) and expression.startswith('@'):
        sets.add(expression[1:])
    elif isinstance(expression, int) and not isinstance(expression, bool):
        constants.add(expression)


def _element(value: object) -> str:
    if isinstance(value, dict) and 'concat' in value:
        return ' . '.join(str(part) for part in value['concat'])
    if isinstance(value, dict) and 'elem' in value:
        return _element(value['elem'].get('val'))
    return str(value)


def parse(listing: str | None) -> Table | None:
    """Our table from ``nft -j list table inet vyflow_capture``; None if absent."""
    if listing is None:
        return None
    sets, elements, chains, rules = [], {}, [], {}
    for item in json.loads(listing).get('nftables', []):
        if 'set' in item:
            found = item['set']
            kind = found['type']
            sets.append(SetSpec(found['name'], tuple(kind) if isinstance(kind, list) else (kind,),
                                'interval' in found.get('flags', [])))
            elements[found['name']] = frozenset(_element(e) for e in found.get('elem', []))
        elif 'chain' in item:
            found = item['chain']
            chains.append((found['name'], found.get('hook', ''), int(found.get('prio', 0))))
        elif 'rule' in item:
            found = item['rule']
            used, constants = set(), set()
            _walk(found.get('expr', []), used, constants)
            rules.setdefault(found['chain'], []).append(
                Rule(found.get('comment', ''), frozenset(used), frozenset(constants)))
    return canonical(sets, [Chain(name, hook, priority, tuple(rules.get(name, ())))
                         for name, hook, priority in chains], elements)


def ours(found: Table) -> Table:
    """The table as we would write it, when ``found`` is one of ours (so a
    snapshot can be written back exactly); else ``found`` as it is."""
    comments = {rule.comment for chain in found.chains for rule in chain.rules}
    mark = found.mark()
    if mark is None or not {spec.name for spec in SETS} <= {name for name, _ in found.elements}:
        return found
    built = build(mark, IPV4_ONLY in comments, EXPORT_LOCAL in comments, dict(found.elements))
    return built if built == found else found


def clear_runs_after_module(listing: str | None) -> bool:
    """From ``nft list hooks``: on every hook where both the module's hook and
    one of our clear chains are registered, does the module's come first?
    (Equal priorities run in reverse order of registration.) True when the
    listing says nothing (older nft, no nfnetlink_hook): nothing to doubt."""
    sections: list[list[str]] = []
    entries: list[str] | None = None
    for line in (listing or '').splitlines():
        words = line.split()
        if words[:1] == ['hook']:
            entries = []
            sections.append(entries)
        elif not words or words[0] in ('family', '}'):
            entries = None
        elif entries is not None:
            entries.append(' '.join(words[1:]))   # without the priority
    for entries in sections:
        ours = [i for i, entry in enumerate(entries)
                if entry.startswith(f'chain {TABLE_FAMILY} {TABLE} ') and '_clear' in entry]
        module = [i for i, entry in enumerate(entries)
                  if '[ipt_NETFLOW]' in entry or entry.startswith('netflow_nf_hook')]
        if ours and module and min(ours) < max(module):
            return False
    return True


def read(kernel: Kernel) -> Table | None:
    found = parse(kernel.nft_list_json(TABLE_FAMILY, TABLE))
    if found is None:
        return None
    return replace(ours(found), after_module=clear_runs_after_module(kernel.nft_list_hooks()))


def _sets_mark(expression: object, bit: int) -> bool:
    """Does a rule expression set a packet or conntrack mark to a value with ``bit``?"""
    if isinstance(expression, dict):
        mangle = expression.get('mangle')
        if isinstance(mangle, dict):
            key = mangle.get('key', {})
            target = (key.get('meta') or key.get('ct') or {}) if isinstance(key, dict) else {}
            if target.get('key') == 'mark':
                constants: set[int] = set()
                _walk(mangle.get('value'), set(), constants)
                if any(value & bit for value in constants):
                    return True
        return any(_sets_mark(value, bit) for value in expression.values())
    if isinstance(expression, list):
        return any(_sets_mark(value, bit) for value in expression)
    return False


def foreign_mark_users(ruleset: str | None, bit: int) -> list[str]:
    """Rules outside our table that set ``bit`` in a packet or conntrack mark
    (``nft -j list ruleset``), as ``table inet filter chain forward handle 7``."""
    if not ruleset:
        return []
    found = []
    for item in json.loads(ruleset).get('nftables', []):
        rule = item.get('rule')
        if not rule or (rule.get('family'), rule.get('table')) == (TABLE_FAMILY, TABLE):
            continue
        if _sets_mark(rule.get('expr', []), bit):
            found.append(f'table {rule.get("family")} {rule.get("table")} chain '
                         f'{rule.get("chain")} handle {rule.get("handle")}')
    return found
