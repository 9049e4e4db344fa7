"""Facts about the system that verify() and generate() depend on.

Read once per commit through the Kernel (one ``ip -json`` call, about 4 ms,
instead of importing a netlink library on every commit), then passed to
pure functions, so tests can state facts as plain data.
"""

from __future__ import annotations

import ipaddress

from vyflow.netflow.features import ModuleInfo
from vyflow.records import dataclass, field

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from vyflow.netflow.kernel import Kernel


@dataclass(frozen=True)
class Interface:
    name: str
    index: int
    kind: str | None = None          # 'vrf', 'veth', 'vlan', … (None: physical or unknown)
    master: str | None = None        # e.g. the VRF an interface is enslaved to
    addresses: tuple[str, ...] = ()     # "192.0.2.1", "2001:db8::1" (no prefix length)

    @property
    def is_vrf(self) -> bool:
        return self.kind == 'vrf'

    def has_global_ipv6(self) -> bool:
        return any(ipaddress.ip_address(a).version == 6 and not ipaddress.ip_address(a).is_link_local
                   for a in self.addresses)


@dataclass
class SystemFacts:
    interfaces: dict[str, Interface] = field(default_factory=dict)
    module: ModuleInfo | None = None
    offloaded: set[str] = field(default_factory=set)   # interfaces in an nft flowtable
    dry_run: bool = False

    def vrf_names(self) -> set[str]:
        return {name for name, interface in self.interfaces.items() if interface.is_vrf}

    def address_owner(self, address: str) -> Interface | None:
        """The interface that has ``address`` assigned, if any."""
        wanted = ipaddress.ip_address(address)
        for interface in self.interfaces.values():
            if any(ipaddress.ip_address(a) == wanted for a in interface.addresses):
                return interface
        return None

    def in_vrf(self, interface: Interface, vrf: str) -> bool:
        return interface.name == vrf or interface.master == vrf


def interfaces_from_ip_json(data: list[dict]) -> dict[str, Interface]:
    """Interfaces from ``ip -json -details address show`` output."""
    interfaces = {}
    for item in data:
        name = item.get('ifname')
        if not name:
            continue
        kind = item.get('linkinfo', {}).get('info_kind')
        addresses = tuple(entry['local'] for entry in item.get('addr_info', [])
                          if 'local' in entry and entry.get('family') in ('inet', 'inet6'))
        interfaces[name] = Interface(name, int(item.get('ifindex', 0)), kind, item.get('master'),
                                     addresses)
    return interfaces


def gather(kernel: Kernel, need_flowtables: bool) -> SystemFacts:
    """Read the facts a commit needs."""
    facts = SystemFacts(interfaces_from_ip_json(kernel.addresses()),
                        kernel.module_or_assumed(), dry_run=kernel.dry_run)
    if need_flowtables and kernel.reads_system:   # read-only: a dry run checks it too
        facts.offloaded = kernel.flowtable_devices()
    return facts
