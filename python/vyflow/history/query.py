"""What every history query shares: filters, the sampling in effect, running nfdump.

Filters reach nfdump only as text built here from checked values: an
interface becomes ``if N`` (its exported index: traffic that entered *or*
left through it), a host ``host A`` and a prefix ``net P/L``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Optional

from vyflow.errors import IncorrectValue, UnconfiguredSubsystem
from vyflow.history import files, nfdump, service
from vyflow.history.names import InterfaceNames
from vyflow.history.settings import HistoryConfig, HistoryPaths
from vyflow.history.window import Window
from vyflow.netflow.flowview import parse_ports
from vyflow.netflow.units import protocol_number

NOT_CONFIGURED = ('flow history is not configured: set system flow-accounting netflow history '
                  '(and commit) to keep flows on this router')


@dataclass
class Filters:
    interface: Optional[str] = None
    host: Optional[str] = None
    port: Optional[str] = None
    protocol: Optional[str] = None
    expression: str = ''

    def to_dict(self) -> dict:
        return {'interface': self.interface, 'host': self.host, 'port': self.port,
                'protocol': self.protocol}

    def describe(self) -> str:
        parts = []
        if self.interface:
            parts.append(f'interface {self.interface} (in or out)')
        if self.host:
            parts.append(f'{"network" if "/" in self.host else "host"} {self.host}')
        if self.port:
            parts.append(f'port {self.port}')
        if self.protocol:
            parts.append(f'protocol {self.protocol}')
        return ', '.join(parts)


def _port_term(port: str) -> str:
    first, last = parse_ports(port)
    if first == last:
        return f'port {first}'
    return f'((src port >= {first} and src port <= {last}) or (dst port >= {first} and dst port <= {last}))'


def build_filters(names: InterfaceNames, interface: Optional[str], host: Optional[str],
                  port: Optional[str] = None, protocol: Optional[str] = None) -> Filters:
    terms = []
    if port is not None:
        terms.append(_port_term(port))
    if protocol is not None:
        try:
            terms.append(f'proto {protocol_number(protocol)}')
        except ValueError as exc:
            raise IncorrectValue(str(exc)) from None
    if interface is not None:
        index = names.index(interface)
        if index is None:
            raise IncorrectValue(f'interface {interface} does not exist on this system')
        terms.append(f'if {index}')
    if host is not None:
        try:
            network = ipaddress.ip_network(host, strict=False)
        except ValueError:
            raise IncorrectValue(f'host must be an IPv4 or IPv6 address or prefix, not '
                                 f'"{host}"') from None
        full = network.prefixlen == network.max_prefixlen and '/' not in host
        terms.append(f'host {network.network_address}' if full else f'net {network}')
        host = str(network.network_address) if full else str(network)
    return Filters(interface, host, port, protocol, ' and '.join(terms))


@dataclass
class Sampling:
    """The rates the collector scaled packets and bytes by within a window."""

    rates: list[int] = field(default_factory=list)

    @property
    def single(self) -> Optional[int]:
        return self.rates[0] if len(set(self.rates)) == 1 else None

    @property
    def scaled(self) -> bool:
        return any(rate > 1 for rate in self.rates)

    def flow_factor(self) -> int:
        """Flow counts are stored as sampled; one rate over the window scales them too."""
        return self.single or 1

    def to_dict(self) -> dict:
        return {'rates': self.rates, 'scaled': self.scaled,
                'flows_scaled': self.scaled and self.single is not None}

    def describe(self) -> str:
        if not self.scaled:
            return 'off (every flow counted)'
        if self.single:
            return (f'1 flow in {self.single}: packets, bytes and flows are estimates '
                    f'(recorded counts x{self.single})')
        return (f'rates {", ".join(f"1 in {rate}" if rate > 1 else "off" for rate in self.rates)}'
                ' in this window: packets and bytes are estimates, flows are as recorded')


def sampling_in(paths: HistoryPaths, window: Window) -> Sampling:
    periods = service.sampling_periods(paths)
    rates = [rate for since, rate in periods if since <= window.start][-1:]
    rates += [rate for since, rate in periods if window.start < since < window.end]
    return Sampling(rates or [1])


@dataclass
class Context:
    """Where history is and what names its indexes have."""

    paths: HistoryPaths
    names: InterfaceNames
    config: Optional[HistoryConfig]

    def select(self, window: Window) -> files.Selection:
        if self.config is None and not files.list_files(self.paths.flow_dir):
            raise UnconfiguredSubsystem(NOT_CONFIGURED)
        return files.select(self.paths.flow_dir, window.start, window.end)


def ask(selection: files.Selection, arguments: list[str], records: int = 0) -> nfdump.Answer:
    """Run nfdump over the selection (``records``: key fields of a ``-A`` run,
    0 for statistics); once more if it lost part of its file list (a file
    expired or broke while it read)."""
    if not selection.files:
        return nfdump.Answer()
    for attempt in (1, 2):
        text, complaints = nfdump.run(arguments, nfdump.FileSet(selection.files, selection.listed))
        if not nfdump.lost_files(complaints) or attempt == 2:
            break
        fresh = files.select(selection.files[0].path.parent, selection.files[0].start,
                             selection.files[-1].start + 1)
        selection.files, selection.listed = fresh.files, fresh.listed
        selection.skipped.update(fresh.skipped)
    answer = nfdump.parse_records(text, records) if records else nfdump.parse_statistics(text)
    answer.warnings = [line for line in complaints if not line.startswith('Add flow source')]
    return answer
