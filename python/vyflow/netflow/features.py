"""Which optional features the installed ipt_NETFLOW was built with.

A loaded module says it on line 1 of /proc/net/stat/ipt_netflow (``…; aggr dir
llist mac nel samp-h snmp vlan``). An installed but unloaded module is read
with ``modinfo -p``: each optional feature brings a module parameter. The hash
sampler has no parameter of its own; its tag literal (`` samp-h``) is compiled
into the module's status format string, so the module file is searched for it.
"""

from __future__ import annotations

from vyflow.records import dataclass

# Feature tag -> (what needs it, the module parameter that reveals it)
SAMPLER, HASH_SAMPLER, AGGREGATION, NATEVENTS, SNMP_RULES = 'samp', 'samp-h', 'aggr', 'nel', 'snmp'
PARAMETER_FEATURES = {'sampler': SAMPLER, 'aggregation': AGGREGATION, 'natevents': NATEVENTS,
                      'snmp_rules': SNMP_RULES}
DEBIAN_12_FEATURES = frozenset({'dir', 'mac', 'promisc+mpls', 'samp', 'snmp', 'vlan'})
DESCRIPTIONS = {SAMPLER: 'flow sampling (--enable-sampler)',
                HASH_SAMPLER: 'hash sampling (--enable-sampler=hash)',
                AGGREGATION: 'aggregation (--enable-aggregation)',
                NATEVENTS: 'NAT events (--enable-natevents, a kernel with conntrack events)',
                SNMP_RULES: 'SNMP index rules (--enable-snmp-rules)'}


@dataclass(frozen=True)
class ModuleInfo:
    """What is known about the module; ``origin`` says how it was learnt."""

    installed: bool
    loaded: bool
    features: frozenset[str]
    origin: str            # 'loaded' | 'modinfo' | 'assumed'
    version: str = ''

    def has(self, feature: str) -> bool:
        if feature == SAMPLER:
            return SAMPLER in self.features or HASH_SAMPLER in self.features
        return feature in self.features


def tags_from_stat_line(line: str) -> frozenset[str]:
    """Tags from ``ipt_NETFLOW 2.6, srcversion X; aggr dir …``."""
    _, _, tags = line.partition(';')
    return frozenset(tags.split())


def features_from_parameters(modinfo_p: str, module_file: bytes = b'') -> frozenset[str]:
    """Features from ``modinfo -p`` output (``name:description (type)`` lines)."""
    names = {line.split(':', 1)[0].strip() for line in modinfo_p.splitlines() if ':' in line}
    features = {tag for name, tag in PARAMETER_FEATURES.items() if name in names}
    if SAMPLER in features and b' samp-h' in module_file:
        features.add(HASH_SAMPLER)
    return frozenset(features)


def assumed_debian() -> ModuleInfo:
    """Dry run without the module: plan as for Debian 12's build."""
    return ModuleInfo(installed=False, loaded=False, features=DEBIAN_12_FEATURES,
                      origin='assumed')
