"""How packets reach ipt_NETFLOW: one module per capture mode, one small interface.

- ``iptables`` (the default; every build): our chains jump to the NETFLOW
  target for each accounted interface (capture/iptables.py).
- ``nftables`` (builds with hooks mode, ipt-netflow 2.8.0 and later): the
  module's own netfilter hooks account the packets that our nft table marks
  for the interfaces in its sets, with no iptables rule (capture/nftables.py).

Each mode module has ``NAME``, ``module_parameters(config)`` (the load-time
parameters it needs on a hooks-mode build) and ``wanted(config…)`` (what it
keeps on the system). ``wanted`` here gives both modes' parts for a config:
the chosen mode's, and the other mode's as absent, so a switch removes one
and creates the other in the same transaction.
"""

from __future__ import annotations


from vyflow.netflow.capture import iptables, nftables
from vyflow.records import dataclass

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from vyflow.netflow.model import FlowConfig

MODES = {iptables.NAME: iptables, nftables.NAME: nftables}
LOAD_TIME_PARAMETERS = tuple(iptables.MODULE_PARAMETERS)


@dataclass(frozen=True)
class Wanted:
    hooks: dict                       # iptables chains: family -> table -> ChainState
    table: nftables.Table | None   # our nft capture table; None: absent


def module_parameters(config: FlowConfig) -> dict[str, str]:
    return MODES[config.capture].module_parameters(config)


def wanted(config: FlowConfig, target: str = iptables.TARGET) -> Wanted:
    if config.capture == nftables.NAME:
        return Wanted(iptables.absent(), nftables.wanted(config))
    return Wanted(iptables.wanted(config, target), None)


def absent() -> Wanted:
    return Wanted(iptables.absent(), None)


def mode_of_parameters(settings: dict[str, str]) -> str | None:
    """The capture mode a loaded hooks-mode module was loaded for (None:
    not such a build)."""
    if 'hooks' not in settings:
        return None
    return nftables.NAME if settings['hooks'] not in ('', '0') else iptables.NAME
