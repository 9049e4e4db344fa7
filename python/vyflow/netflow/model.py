"""The flow-accounting configuration as typed values.

Built from the config dict ``get_config`` reads (keys mangled ``-`` -> ``_``,
defaults applied under present nodes, so defaults live only in the XML).
Every value here already passed the definitions' constraints; the
cross-field rules live in ``checks``.
"""

from __future__ import annotations

import ipaddress

from vyflow.history import settings as history_settings
from vyflow.records import dataclass, field

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from vyflow.config import Config

BASE = ['system', 'flow-accounting']
NETFLOW = BASE + ['netflow']


@dataclass(frozen=True)
class Collector:
    address: str
    port: int
    source_address: str | None = None
    source_interface: str | None = None

    @property
    def ip(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
        return ipaddress.ip_address(self.address)

    @property
    def path(self) -> list[str]:
        return NETFLOW + ['server', self.address]


@dataclass(frozen=True)
class NetworkAggregation:
    network: str
    prefix_length: int | None


@dataclass(frozen=True)
class PortAggregation:
    first: int
    last: int
    to: int | None
    spelled: str  # as configured: "53" or "1024-65535"


@dataclass
class FlowConfig:
    """``system flow-accounting``; ``netflow`` False when that node is absent."""

    netflow: bool = False
    interfaces: list[str] = field(default_factory=list)
    egress: bool = False
    vrf: str | None = None
    buffer_size_mib: int | None = None
    version: int = 9
    collectors: list[Collector] = field(default_factory=list)
    engine_id: int | None = None
    engine_type: int | None = None   # only from the v5 spelling TYPE:ID
    max_flows: int | None = None
    sampling_rate: int | None = None
    sampling_mode: str = 'random'
    sampling_mode_set: bool = False
    active_timeout: int = 1800
    inactive_timeout: int = 15
    template_set: bool = False
    template_refresh_packets: int = 20
    template_refresh_minutes: int = 30
    hash_size: int | None = None
    natevents: bool = False
    networks: list[NetworkAggregation] = field(default_factory=list)
    ports: list[PortAggregation] = field(default_factory=list)
    snmp_rules: dict[str, int | None] = field(default_factory=dict)
    dscp: str | None = None
    history: history_settings.HistoryConfig | None = None  # issue 16: on-box history


def _int(value: str | None) -> int | None:
    return None if value is None else int(value)


def _port_range(spelled: str) -> tuple[int, int]:
    first, _, last = spelled.partition('-')
    return int(first), int(last or first)


def from_dict(data: dict, explicit: dict) -> FlowConfig:
    """Typed config from the mangled ``system flow-accounting`` dict with
    defaults (``data``) and without (``explicit``, to know what the operator
    actually set)."""
    netflow = data.get('netflow')
    explicit_netflow = explicit.get('netflow', {})
    config = FlowConfig(egress='enable_egress' in data, vrf=data.get('vrf'),
                        buffer_size_mib=_int(data.get('buffer_size')))
    if netflow is None:
        return config
    config.netflow = True
    config.interfaces = list(netflow.get('interface', []))
    config.version = int(netflow['version'])
    config.collectors = [
        Collector(address, int(server['port']), server.get('source_address'),
                  server.get('source_interface'))
        for address, server in netflow.get('server', {}).items()]
    engine = netflow.get('engine_id')
    if engine is not None and ':' in engine:
        config.engine_type, config.engine_id = (int(part) for part in engine.split(':'))
    else:
        config.engine_id = _int(engine)
    config.max_flows = _int(netflow.get('max_flows'))
    config.sampling_rate = _int(netflow.get('sampling_rate'))
    config.sampling_mode = netflow['sampling_mode']
    config.sampling_mode_set = 'sampling_mode' in explicit_netflow
    config.active_timeout = int(netflow['active_timeout'])
    config.inactive_timeout = int(netflow['inactive_timeout'])
    template = netflow['template']
    config.template_set = 'template' in explicit_netflow
    config.template_refresh_packets = int(template['refresh_packets'])
    config.template_refresh_minutes = int(template['refresh_minutes'])
    config.hash_size = _int(netflow.get('hash_size'))
    config.natevents = 'natevents' in netflow
    aggregation = netflow.get('aggregation', {})
    config.networks = [NetworkAggregation(network, _int(rule.get('prefix_length')))
                       for network, rule in aggregation.get('network', {}).items()]
    config.ports = [PortAggregation(*_port_range(spelled), _int(rule.get('to')), spelled)
                    for spelled, rule in aggregation.get('port', {}).items()]
    config.snmp_rules = {prefix: _int(rule.get('base'))
                         for prefix, rule in netflow.get('snmp_index_rule', {}).items()}
    config.dscp = netflow.get('dscp')
    # issue 16: recursive defaults fill an absent history node; only a set one counts
    if 'history' in explicit_netflow:
        config.history = history_settings.from_dict(netflow['history'])
    return config


def read_config(config: Config) -> FlowConfig | None:
    """The typed config from a vyflow.config.Config; None when not configured.
    Defaults apply only under nodes that exist (netflow defaults only when
    netflow is configured)."""
    if not config.exists(BASE):
        return None
    mangle = dict(key_mangling=('-', '_'), get_first_key=True, no_tag_node_value_mangle=True)
    data = config.get_config_dict(BASE, with_defaults=True, **mangle)
    if config.exists(NETFLOW):
        data['netflow'] = config.get_config_dict(NETFLOW, with_recursive_defaults=True, **mangle)
    return from_dict(data, config.get_config_dict(BASE, **mangle))
