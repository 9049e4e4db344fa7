"""verify(): every rule the module does not enforce itself.

ipt_NETFLOW accepts almost anything silently (partial destinations, octal
ports, disabled samplers), so this is the only guard. All problems are
collected and reported together, each naming its config path and what is
allowed; warnings name what will surprise the operator but is allowed.
"""

from __future__ import annotations

import ipaddress

from vyflow.base import warn
from vyflow.errors import ConfigError, ConfigErrors
from vyflow.netflow import desired
from vyflow.netflow.facts import SystemFacts
from vyflow.netflow.features import (AGGREGATION, DESCRIPTIONS, HASH_SAMPLER, NATEVENTS,
                                     SAMPLER, SNMP_RULES)
from vyflow.netflow.model import BASE, NETFLOW, Collector, FlowConfig

MODULE_PACKAGES = 'iptables-netflow-dkms (Debian) or vyos-ipt-netflow (VyOS)'


class _Problems(list):
    def add(self, path: list[str], message: str) -> None:
        self.append(ConfigError(message, path))


def verify(config: FlowConfig, facts: SystemFacts) -> None:
    problems = _Problems()
    if not config.netflow or not config.interfaces:
        problems.add(NETFLOW + ['interface'], 'Flow accounting needs at least one interface: '
                     'set system flow-accounting netflow interface <name>')
    if config.version not in (5, 9, 10):
        problems.add(NETFLOW + ['version'], f'NetFlow version {config.version} is not '
                     'supported: use 5, 9 or 10 (IPFIX)')
    _check_engine_id(config, problems)
    if config.vrf and config.vrf not in facts.vrf_names():
        existing = ', '.join(sorted(facts.vrf_names()))
        problems.add(BASE + ['vrf'], f'VRF "{config.vrf}" does not exist on this system '
                     f'({f"VRFs here: {existing}" if existing else "it has no VRFs"})')
    for collector in config.collectors:
        _check_collector(collector, config, facts, problems)
    _check_duplicates(config, problems)
    _check_lengths(config, problems)
    _check_aggregation(config, problems)
    for prefix, base in config.snmp_rules.items():
        if base is None:
            problems.add(NETFLOW + ['snmp-index-rule', prefix, 'base'],
                         f'SNMP index rule "{prefix}" needs a base: set … snmp-index-rule '
                         f'{prefix} base <0-65535>')
    _check_module(config, facts, problems)
    if problems:
        raise problems[0] if len(problems) == 1 else ConfigErrors(list(problems))
    _warnings(config, facts)


def _check_engine_id(config: FlowConfig, problems: _Problems) -> None:
    """ipt_NETFLOW writes the low 8 bits of engine_id into NetFlow 5's engine ID
    and never sets the engine type (always 0); versions 9 and 10 send all 32
    bits as the source ID / observation domain."""
    path, number = NETFLOW + ['engine-id'], config.engine_id
    if config.engine_type is not None:
        spelled = f'{config.engine_type}:{number}'
        if config.version != 5:
            problems.add(path, f'engine-id {spelled} is the NetFlow 5 form (engine type:ID); '
                         f'version {config.version} sends one number, the '
                         f'{"observation domain" if config.version == 10 else "source ID"}: '
                         'set engine-id <0-4294967295>')
        elif config.engine_type != 0:
            problems.add(path, f'engine-id {spelled}: ipt_NETFLOW always sends engine type 0 '
                         '(it has no setting for the type), so engine type '
                         f'{config.engine_type} cannot be sent; set engine-id {number} (sent as '
                         f'type 0, ID {number})')
    elif config.version == 5 and number is not None and number > 255:
        problems.add(path, f'Engine ID {number} does not fit NetFlow version 5, which carries '
                     '8 bits: use 0 to 255, or version 9/10')


def _check_collector(collector: Collector, config: FlowConfig, facts: SystemFacts,
                     problems: _Problems) -> None:
    path = collector.path
    if collector.source_address and collector.source_interface:
        problems.add(path, f'Collector {collector.address}: set source-address or '
                     'source-interface, not both')
    if collector.source_address:
        source = ipaddress.ip_address(collector.source_address)
        if source.version != collector.ip.version:
            problems.add(path + ['source-address'], f'Source address {source} is IPv'
                         f'{source.version} but collector {collector.address} is IPv'
                         f'{collector.ip.version}: use an address of the same family')
        else:
            owner = facts.address_owner(collector.source_address)
            if owner is None:
                problems.add(path + ['source-address'], f'Source address {source} is not '
                             'assigned to any interface of this system')
            elif config.vrf and not facts.in_vrf(owner, config.vrf):
                problems.add(path + ['source-address'], f'Source address {source} is on '
                             f'{owner.name}, which is not in VRF "{config.vrf}"')
            elif not config.vrf and _vrf_of(owner, facts):
                # an unbound socket looks the address up outside the VRF's table:
                # the bind fails and the module leaves the collector unconnected
                vrf = _vrf_of(owner, facts)
                problems.add(path + ['source-address'], f'Source address {source} is on '
                             f'{owner.name}, which is in VRF "{vrf}": set system '
                             f'flow-accounting vrf {vrf}, or use an address outside VRFs')
    if collector.source_interface:
        interface = facts.interfaces.get(collector.source_interface)
        if interface is None:
            warn(f'Collector {collector.address}: source-interface '
                 f'{collector.source_interface} does not exist (yet); export stays '
                 'unconnected until it appears')
        elif interface.is_vrf:
            problems.add(path + ['source-interface'], f'{interface.name} is a VRF, not an '
                         f'interface: set system flow-accounting vrf {interface.name} instead')
        elif config.vrf and not facts.in_vrf(interface, config.vrf):
            problems.add(path + ['source-interface'], f'{interface.name} is not in VRF '
                         f'"{config.vrf}"')
    # a VRF device names no link: only a source-interface does
    if collector.ip.version == 6 and collector.ip.is_link_local and not collector.source_interface:
        problems.add(path, f'Link-local collector {collector.address} needs a '
                     'source-interface to say which link it is on')


def _vrf_of(interface, facts: SystemFacts):
    """The VRF an interface belongs to (a VRF device belongs to itself), or None."""
    if interface.is_vrf:
        return interface.name
    if interface.master in facts.vrf_names():
        return interface.master
    return None


def _check_duplicates(config: FlowConfig, problems: _Problems) -> None:
    """The module keeps one destination per address and port and drops the
    rest silently, so two spellings of one collector must not both pass."""
    seen: dict = {}
    for collector in config.collectors:
        key = (collector.ip, collector.port)
        if key in seen:
            problems.add(collector.path, f'Collector {collector.address} port {collector.port} '
                         f'is the same as {seen[key]} port {collector.port}: the module would '
                         'keep only one; delete one of them')
        seen.setdefault(key, collector.address)


def _check_lengths(config: FlowConfig, problems: _Problems) -> None:
    entries = desired.destination_entries(config)
    if len(','.join(entries)) > desired.DESTINATION_LIMIT:
        fitting, length = 0, -1
        for entry in entries:
            length += len(entry) + 1
            if length > desired.DESTINATION_LIMIT:
                break
            fitting += 1
        problems.add(NETFLOW + ['server'], f'The collectors need {len(",".join(entries))} '
                     f'characters in the module\'s destination string, which holds '
                     f'{desired.DESTINATION_LIMIT}: only {fitting} of these {len(entries)} '
                     'servers fit')
    snmp = desired.snmp_rules_string(config)
    if None not in config.snmp_rules.values() and len(snmp) > desired.SNMP_RULES_LIMIT:
        problems.add(NETFLOW + ['snmp-index-rule'], f'SNMP index rules need {len(snmp)} '
                     f'characters; the module holds {desired.SNMP_RULES_LIMIT}')


def _check_aggregation(config: FlowConfig, problems: _Problems) -> None:
    rule_path = NETFLOW + ['aggregation']
    for network in config.networks:
        path = rule_path + ['network', network.network]
        if ipaddress.ip_network(network.network).version == 6:
            problems.add(path, f'{network.network}: the module aggregates IPv4 networks '
                         'only (port rules apply to IPv6 too)')
        elif network.prefix_length is None:
            problems.add(path + ['prefix-length'], f'Aggregation of {network.network} needs '
                         'prefix-length <0-32>')
    for port in config.ports:
        if port.to is None:
            problems.add(rule_path + ['port', port.spelled, 'to'],
                         f'Aggregation of ports {port.spelled} needs "to <port>"')
    if any(p.to is None for p in config.ports) or any(n.prefix_length is None for n in config.networks):
        return
    text = desired.aggregation_string(config)
    if len(text) > desired.AGGREGATION_LIMIT:
        problems.add(rule_path, f'Aggregation rules need {len(text)} characters; the module '
                     f'holds {desired.AGGREGATION_LIMIT}')


def _check_module(config: FlowConfig, facts: SystemFacts, problems: _Problems) -> None:
    module = facts.module
    if module is None:
        problems.add(BASE, f'The ipt_NETFLOW kernel module is not installed: install '
                     f'{MODULE_PACKAGES}, or use "vyflow --dry-run" to plan without it')
        return
    needs = []
    if config.sampling_rate is not None:
        needs.append((NETFLOW + ['sampling-rate'], SAMPLER))
        if config.sampling_mode == 'hash':
            needs.append((NETFLOW + ['sampling-mode'], HASH_SAMPLER))
    if config.natevents:
        needs.append((NETFLOW + ['natevents'], NATEVENTS))
    if config.networks or config.ports:
        needs.append((NETFLOW + ['aggregation'], AGGREGATION))
    if config.snmp_rules:
        needs.append((NETFLOW + ['snmp-index-rule'], SNMP_RULES))
    has = ' '.join(sorted(module.features)) or 'no optional features'
    for path, feature in needs:
        if module.has(feature):
            continue
        if module.origin == 'assumed':  # nothing is installed: say what was assumed
            problems.add(path, "Dry run without ipt_NETFLOW installed: assuming Debian 12's "
                         f'build, which lacks {DESCRIPTIONS[feature]}; it has: {has}')
        else:
            problems.add(path, f'The installed ipt_NETFLOW was built without '
                         f'{DESCRIPTIONS[feature]}; this build has: {has}')


def _warnings(config: FlowConfig, facts: SystemFacts) -> None:
    if facts.module is not None and facts.module.origin == 'assumed':
        warn('ipt_NETFLOW is not installed; this dry run assumes the features of Debian 12\'s '
             f'build: {" ".join(sorted(facts.module.features))}')
    missing = [name for name in config.interfaces if name not in facts.interfaces]
    if missing:
        warn(f'Interface {missing[0]} does not exist yet; it is accounted once it appears'
             if len(missing) == 1 else f'Interfaces {", ".join(missing)} do not exist yet; '
             'they are accounted once they appear')
    if config.version == 5:
        with_ipv6 = [name for name in config.interfaces
                     if name in facts.interfaces and facts.interfaces[name].has_global_ipv6()]
        if with_ipv6:
            warn(f'NetFlow version 5 cannot carry IPv6: IPv6 traffic on {", ".join(with_ipv6)} '
                 'is not accounted (use version 9 or 10)')
        if config.template_set:
            warn('Template settings have no effect with NetFlow version 5')
    if config.inactive_timeout >= config.active_timeout:
        warn(f'inactive-timeout ({config.inactive_timeout}) is not shorter than active-timeout '
             f'({config.active_timeout}): idle flows are exported by the active timeout')
    offloaded = sorted(set(config.interfaces) & facts.offloaded)
    if offloaded:
        warn(f'{", ".join(offloaded)} use nftables flowtable offload: offloaded traffic '
             'bypasses the accounting hooks and is not counted')
    if config.netflow and not config.collectors and config.history is None:  # issue 16
        warn('No NetFlow server is configured: flows are accounted locally and visible with '
             '"show flow-accounting flows", but not exported')
    if config.sampling_mode_set and config.sampling_rate is None:
        warn('sampling-mode has no effect without sampling-rate')
    if config.buffer_size_mib is not None and not config.collectors and config.history is None:
        warn('buffer-size has no effect without a NetFlow server')
    if config.dscp is not None and not config.collectors:
        warn('dscp has no effect without a NetFlow server')
