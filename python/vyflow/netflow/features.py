"""What the installed ipt_NETFLOW build is and can do, read from the module itself.

A loaded module says its version and optional features on line 1 of
/proc/net/stat/ipt_netflow (``ipt_NETFLOW 2.8.0, srcversion X; aggr dir …``)
and its capabilities by the parameters it has under /sys/module/ipt_NETFLOW/
parameters. An installed but unloaded module is read with ``modinfo``: its
``version:`` line and one ``parm:`` line per parameter; each optional feature
brings a parameter. The hash sampler has no parameter of its own; its tag
literal (`` samp-h``) is compiled into the module's status format string, so
the module file is searched for it.

Capture capabilities come from the parameters: the maintained fork 2.7.0 added
``targets`` (0: no xtables target), 2.8.0 ``hooks``, ``hooks_mark`` and
``hooks_mark_mask`` (netfilter hooks without any iptables rule). Their
presence, not the version string, decides, so a git build or a backport is
judged by what it really has.
"""

from __future__ import annotations

from vyflow.records import dataclass

# Feature tag -> (what needs it, the module parameter that reveals it)
SAMPLER, HASH_SAMPLER, AGGREGATION, NATEVENTS, SNMP_RULES = 'samp', 'samp-h', 'aggr', 'nel', 'snmp'
PARAMETER_FEATURES = {'sampler': SAMPLER, 'aggregation': AGGREGATION, 'natevents': NATEVENTS,
                      'snmp_rules': SNMP_RULES}
DEBIAN_12_FEATURES = frozenset({'dir', 'mac', 'promisc+mpls', 'samp', 'snmp', 'vlan'})
DEBIAN_12_VERSION = '2.6'
# Parameters of Debian 12's build (modinfo), for dry runs without a module.
DEBIAN_12_PARAMETERS = frozenset({
    'destination', 'sampler', 'inactive_timeout', 'active_timeout', 'exportcpu', 'promisc',
    'debug', 'sndbuf', 'protocol', 'refresh_rate', 'timeout_rate', 'scan_min', 'snmp_rules',
    'hashsize', 'maxflows', 'engine_id'})
DESCRIPTIONS = {SAMPLER: 'flow sampling (--enable-sampler)',
                HASH_SAMPLER: 'hash sampling (--enable-sampler=hash)',
                AGGREGATION: 'aggregation (--enable-aggregation)',
                NATEVENTS: 'NAT events (--enable-natevents, a kernel with conntrack events)',
                SNMP_RULES: 'SNMP index rules (--enable-snmp-rules)'}
# Capture capabilities: the parameters that provide them.
HOOKS_PARAMETERS = frozenset({'hooks', 'hooks_mark', 'hooks_mark_mask', 'targets'})
HOOKS_BUILD = ('the maintained fork of ipt-netflow, 2.8.0 or later (VyOS builds it as '
               'vyos-ipt-netflow; or build github.com/nuclearcat/ipt-netflow)')
ORIGINS = {'loaded': 'loaded', 'modinfo': 'installed, not loaded',
           'assumed': "not installed: a dry run assumes Debian 12's build"}


@dataclass(frozen=True)
class ModuleInfo:
    """What is known about the module; ``origin`` says how it was learnt."""

    installed: bool
    loaded: bool
    features: frozenset[str]
    origin: str            # 'loaded' | 'modinfo' | 'assumed'
    version: str = ''
    parameters: frozenset[str] = frozenset()   # its module parameters' names
    hooks: int | None = None                # a loaded module's ``hooks`` value

    def has(self, feature: str) -> bool:
        if feature == SAMPLER:
            return SAMPLER in self.features or HASH_SAMPLER in self.features
        return feature in self.features

    @property
    def hooks_mode(self) -> bool:
        """Can capture on netfilter hooks, selected by fwmark, without iptables."""
        return HOOKS_PARAMETERS <= self.parameters

    @property
    def build(self) -> str:
        """The build as messages name it: ``ipt_NETFLOW 2.8.0``."""
        return f'ipt_NETFLOW {self.version or "(version unknown)"}'

    def capture_modes(self) -> list[str]:
        return ['iptables', 'nftables'] if self.hooks_mode else ['iptables']

    def describe(self) -> str:
        """One line for dry-run plans and status: build, origin, capabilities."""
        features = ' '.join(sorted(self.features)) or 'no optional features'
        return (f'{self.build} ({ORIGINS.get(self.origin, self.origin)}); features: {features}; '
                f'capture: {", ".join(self.capture_modes())}')

    def to_dict(self) -> dict:
        return {'version': self.version, 'origin': self.origin, 'loaded': self.loaded,
                'features': sorted(self.features), 'capture_modes': self.capture_modes(),
                'hooks_mode': self.hooks_mode, 'parameters': sorted(self.parameters)}


def tags_from_stat_line(line: str) -> frozenset[str]:
    """Tags from ``ipt_NETFLOW 2.6, srcversion X; aggr dir …``."""
    _, _, tags = line.partition(';')
    return frozenset(tags.split())


def version_from_stat_line(line: str) -> str:
    """``2.8.0`` from ``ipt_NETFLOW 2.8.0, srcversion X; …``."""
    return line.split(',')[0].replace('ipt_NETFLOW', '').strip()


def features_from_parameters(names: frozenset[str], module_file: bytes = b'') -> frozenset[str]:
    """Optional features from the module's parameter names."""
    features = {tag for name, tag in PARAMETER_FEATURES.items() if name in names}
    if SAMPLER in features and b' samp-h' in module_file:
        features.add(HASH_SAMPLER)
    return frozenset(features)


@dataclass(frozen=True)
class Modinfo:
    filename: str
    version: str
    parameters: frozenset[str]


def parse_modinfo(text: str) -> Modinfo:
    """``modinfo ipt_NETFLOW`` output: ``key: value`` lines, one ``parm:`` per
    parameter (``parm: name:description (type)``)."""
    fields: dict[str, str] = {}
    parameters = set()
    for line in text.splitlines():
        key, separator, value = line.partition(':')
        if not separator or line[:1].isspace():
            continue
        value = value.strip()
        if key == 'parm':
            parameters.add(value.split(':', 1)[0].strip())
        else:
            fields.setdefault(key, value)
    return Modinfo(fields.get('filename', ''), fields.get('version', ''), frozenset(parameters))


def assumed_debian() -> ModuleInfo:
    """Dry run without the module: plan as for Debian 12's build."""
    return ModuleInfo(installed=False, loaded=False, features=DEBIAN_12_FEATURES,
                      origin='assumed', version=DEBIAN_12_VERSION,
                      parameters=DEBIAN_12_PARAMETERS)
