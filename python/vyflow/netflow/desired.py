"""generate(): the exact desired state of ipt_NETFLOW, from config plus facts.

Pure functions. Every module setting is produced in the form the module reads
it back (so verification compares like with like), the modprobe.d text from a
template (one ``options`` line: ``string.Template`` does it without the ~10 ms
that importing Jinja2 adds to every commit), the capture mode's parts
(iptables chains or our nft table, and on hooks-mode builds the load-time
parameters that go with them), the DSCP marks and the conntrack-events value.
Values were validated by the definitions and verify(); ``_word``
re-checks that nothing that could act as a separator reaches a module string.
"""

from __future__ import annotations

import ipaddress
import os
import re

from vyflow.errors import ConfigError
from vyflow.netflow import capture, dscp
from vyflow.netflow.capture import iptables
from vyflow.netflow.facts import SystemFacts
from vyflow.netflow.features import AGGREGATION, NATEVENTS, SAMPLER, SNMP_RULES, ModuleInfo
from vyflow.netflow.model import Collector, FlowConfig
from vyflow.netflow.state import SystemState
from vyflow.records import replace
from vyflow.safepath import StrPath

DESTINATION_LIMIT = 255   # DST_SIZE - 1
AGGREGATION_LIMIT = 1023  # AGGR_SIZE - 1
SNMP_RULES_LIMIT = 255
MODULE_DEFAULT_MAXFLOWS = 2000000
_SAFE_WORD = re.compile(r'^[A-Za-z0-9_.:/\[\]@%=-]+$')
REMEMBERED_EVENTS = 'conntrack_events_before'


def _word(value: str, what: str) -> str:
    """Defence in depth: module strings are separator-delimited lists."""
    if not _SAFE_WORD.match(value):
        raise ConfigError(f'{what}: refusing unsafe value {value!r}')
    return value


def destination_entries(config: FlowConfig) -> list[str]:
    """``addr:port[@source][%device]`` per collector (IPv6 in brackets, the
    bind address never bracketed, the VRF as device when no source-interface)."""
    entries = []
    for collector in sorted(config.collectors, key=lambda c: (c.ip.version, c.ip)):
        host = f'[{collector.address}]' if collector.ip.version == 6 else collector.address
        entry = f'{host}:{collector.port}'
        if collector.source_address:
            entry += f'@{collector.source_address}'
        device = collector.source_interface or config.vrf
        if device:
            entry += f'%{device}'
        entries.append(_word(entry, 'destination'))
    if config.history is not None:  # issue 16: the local history collector, always last
        entries.append(_word(config.history.destination, 'destination'))
    return entries


def destination_string(config: FlowConfig) -> str:
    return ','.join(destination_entries(config))


def aggregation_string(config: FlowConfig) -> str:
    """Rules most specific first: the module applies the first match."""
    networks = sorted(config.networks,
                      key=lambda n: (-ipaddress.ip_network(n.network).prefixlen,
                                     ipaddress.ip_network(n.network)))
    ports = sorted(config.ports, key=lambda p: (p.last - p.first, p.first))
    rules = [f'{n.network}={n.prefix_length}' for n in networks]
    rules += [f'{p.spelled}={p.to}' for p in ports]
    return ','.join(_word(rule, 'aggregation') for rule in rules)


def snmp_rules_string(config: FlowConfig) -> str:
    """Longest prefix first: the module applies the first rule whose prefix
    starts the interface name, so ``ppp`` before ``pppoe`` would give pppoe0
    the ppp base."""
    rules = sorted(config.snmp_rules.items(), key=lambda rule: (-len(rule[0]), rule[0]))
    return ','.join(_word(f'{prefix}:{base}', 'snmp-rules') for prefix, base in rules)


def sampler_string(config: FlowConfig) -> str:
    """The module's canonical read-back form, e.g. ``random:100``."""
    if config.sampling_rate is None:
        return ''
    return f'{config.sampling_mode}:{config.sampling_rate}'


def engine_id_value(config: FlowConfig) -> str:
    """engine_id is a signed int in the module; u32 observation domains above
    2^31-1 are written as the negative number with the same 32 bits."""
    value = config.engine_id or 0
    return str(value - 2 ** 32 if value > 2 ** 31 - 1 else value)


def settings(config: FlowConfig, module: ModuleInfo, wmem_default: str | None) -> dict[str, str]:
    """Managed module settings, keyed as in kernel.SETTINGS."""
    wanted = {
        'protocol': str(config.version),
        'destination': destination_string(config),
        'active_timeout': str(config.active_timeout),
        'inactive_timeout': str(config.inactive_timeout),
        'maxflows': str(config.max_flows if config.max_flows is not None
                        else MODULE_DEFAULT_MAXFLOWS),
        'refresh_rate': str(config.template_refresh_packets),
        'timeout_rate': str(config.template_refresh_minutes),
        'engine_id': engine_id_value(config),
    }
    if config.collectors or config.history:  # no socket to size without a destination
        if config.buffer_size_mib is not None:
            wanted['sndbuf'] = str(config.buffer_size_mib * 1024 * 1024)
        elif wmem_default:
            wanted['sndbuf'] = wmem_default
    if config.hash_size is not None:
        wanted['hashsize'] = str(config.hash_size)
    optional = {SAMPLER: ('sampler', sampler_string(config)),
                AGGREGATION: ('aggregation', aggregation_string(config)),
                NATEVENTS: ('natevents', '1' if config.natevents else '0'),
                SNMP_RULES: ('snmp_rules', snmp_rules_string(config))}
    for feature, (key, value) in optional.items():
        if module.has(feature):
            wanted[key] = value
    if module.hooks_mode:
        wanted.update(capture.module_parameters(config))
    return wanted


LOAD_TIME_ORDER = ('protocol', 'destination', 'sndbuf', 'active_timeout', 'inactive_timeout',
                   'maxflows', 'hashsize', 'sampler', 'aggregation', 'natevents',
                   'refresh_rate', 'timeout_rate', 'snmp_rules', 'engine_id',
                   *capture.LOAD_TIME_PARAMETERS)


def load_options(wanted: dict[str, str]) -> list[tuple[str, str]]:
    """modprobe options: the same values, parameter names; empty strings only
    for destination (without it the module would export to 127.0.0.1:2055);
    capture parameters only where they differ from the module's defaults, so
    the iptables mode writes the same file on every build."""
    return [(key, wanted[key]) for key in LOAD_TIME_ORDER
            if key in wanted and (wanted[key] != '' or key == 'destination')
            and not (key == 'natevents' and wanted[key] == '0')
            and iptables.MODULE_PARAMETERS.get(key) != wanted[key]]


def render_modprobe(options: list[tuple[str, str]], templates_dir: StrPath) -> str:
    # One placeholder, so a plain replace: string.Template would cost every commit its import.
    with open(os.path.join(templates_dir, 'ipt-netflow', 'ipt_NETFLOW.conf.tmpl'),
              encoding='utf-8') as handle:
        template = handle.read()
    return template.replace('$options', ''.join(f' {name}={value}' for name, value in options))


def _canonical(collectors: list[Collector]) -> list[Collector]:
    """Collectors with addresses as nft lists them (``2001:DB8:0::1`` reads
    back as ``2001:db8::1``), so the marks compare equal after an apply."""
    return [replace(collector, address=str(collector.ip)) for collector in collectors]


def build(config: FlowConfig, facts: SystemFacts, current: SystemState,
          wmem_default: str | None, templates_dir: StrPath,
          target: str = iptables.TARGET) -> SystemState:
    """The desired state for a configured ``system flow-accounting``."""
    wanted = settings(config, facts.module, wmem_default)
    parts = capture.wanted(config, target)
    remembered = dict(current.remembered)
    if config.natevents:
        remembered.setdefault(REMEMBERED_EVENTS, current.conntrack_events or '2')
        events = '1'
    else:
        events = remembered.pop(REMEMBERED_EVENTS, None)
    return SystemState(
        module_loaded=True, settings=wanted,
        modprobe_conf=render_modprobe(load_options(wanted), templates_dir),
        hooks=parts.hooks, capture_table=parts.table,
        marks=(dscp.marks_for(_canonical(config.collectors), config.dscp)
               if config.dscp and config.collectors else None),
        conntrack_events=events, remembered=remembered)


def build_removed(current: SystemState) -> SystemState:
    """The desired state once ``system flow-accounting`` is deleted."""
    remembered = dict(current.remembered)
    events = remembered.pop(REMEMBERED_EVENTS, None)
    return SystemState(module_loaded=False, hooks=iptables.absent(),
                       conntrack_events=events, remembered=remembered)
