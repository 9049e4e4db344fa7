"""Link state of the accounted interfaces, for ``show flow-accounting``.

Read through pyroute2 (netlink, no subprocess). Only op-mode status imports
this module: pyroute2's import alone costs more than a whole commit's own
work, so neither commits nor ``show flows`` (whose 2-million-row scan is
timed against sort) load it; they name interfaces from socket.if_nameindex().
"""

from __future__ import annotations

from typing import Iterable

MISSING = 'missing'


def link_states(names: Iterable[str]) -> dict[str, str]:
    """name -> operational state ('up', 'down', 'lowerlayerdown', ... or
    'missing') for each name, in this network namespace."""
    from pyroute2 import IPRoute
    wanted = set(names)
    states = dict.fromkeys(wanted, MISSING)
    with IPRoute() as ipr:
        for link in ipr.get_links():
            name = link.get_attr('IFLA_IFNAME')
            if name in wanted:
                states[name] = str(link.get_attr('IFLA_OPERSTATE') or 'unknown').lower()
    return states
