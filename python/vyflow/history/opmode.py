"""The history commands behind ``src/op_mode/flow_accounting.py`` (CLI and API alike).

``raw`` gives the JSON-ready data; otherwise text for people. The running
config says where history is and how interface indexes map to names (SNMP
index rules); with history deleted, files left from before are still read.
"""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING, Optional

from vyflow.history import graph, health, query, top, window
from vyflow.history.names import InterfaceNames
from vyflow.history.settings import HistoryPaths

if TYPE_CHECKING:
    from vyflow.config import RunEnvironment
    from vyflow.netflow.kernel import Kernel
    from vyflow.netflow.model import FlowConfig


def context(environment: RunEnvironment, config: Optional[FlowConfig]) -> query.Context:
    rules = config.snmp_rules if config else {}
    return query.Context(HistoryPaths(environment.paths), InterfaceNames(rules),
                         config.history if config else None)


def show_top(environment: RunEnvironment, config: Optional[FlowConfig], raw: bool,
             spec: top.TopQuery, last: Optional[str], since: Optional[str],
             until: Optional[str], interface: Optional[str], host: Optional[str],
             port: Optional[str] = None, protocol: Optional[str] = None):
    where = context(environment, config)
    span = window.build(last, since, until)
    filters = query.build_filters(where.names, interface, host, port, protocol)
    data = top.run(where, spec, span, filters)
    return data if raw else top.render(data)


def unicode_terminal(environ: Optional[dict] = None) -> bool:
    """Whether the locale the operator chose is UTF-8 (LC_ALL, else LC_CTYPE, else
    LANG). Python's own stdout is UTF-8 even in the C locale, so it cannot say;
    and the C.UTF-8 that Python puts in LC_CTYPE when the locale is C or unset
    (PEP 538) is not the operator's choice."""
    environ = os.environ if environ is None else environ
    coerced = (not environ.get('LC_ALL') and environ.get('LC_CTYPE') == 'C.UTF-8'
               and environ.get('LANG', 'C') in ('C', 'POSIX', ''))
    for name in ('LC_ALL', 'LC_CTYPE', 'LANG'):
        value = environ.get(name, '')
        if value and not (name == 'LC_CTYPE' and coerced):
            return 'utf8' in value.lower().replace('-', '')
    return False


def show_graph(environment: RunEnvironment, config: Optional[FlowConfig], raw: bool, by: str,
               last: Optional[str], since: Optional[str], until: Optional[str],
               interface: Optional[str], host: Optional[str]):
    where = context(environment, config)
    span = window.build(last, since, until)
    filters = query.build_filters(where.names, interface, host)
    width = shutil.get_terminal_size((100, 24)).columns
    data = graph.run(where, span, by, filters, width=max(10, width - 40))
    return data if raw else graph.render(data, unicode_terminal())


def status(kernel: Kernel, config: Optional[FlowConfig]) -> Optional[dict]:
    """The ``history`` section of ``show flow-accounting`` (None: no history)."""
    return health.build(kernel, HistoryPaths(kernel.paths), config.history if config else None)
