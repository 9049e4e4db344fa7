"""System state for flow accounting, the same shape for "desired" and "current".

Desired state comes from ``desired.build``; current state is read back from
the system. Comparing the two after an apply is the verification step; a
mismatch is reported as ``path: desired X, current Y``.
"""

from __future__ import annotations

from vyflow.history import collector as history_collector, service as history_service
from vyflow.history.collector import CollectorSpec
from vyflow.history.settings import HistoryPaths
from vyflow.netflow import dscp, hooks
from vyflow.netflow.hooks import ABSENT, FAMILIES, TABLES
from vyflow.records import dataclass, field

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from vyflow.netflow.kernel import Kernel


@dataclass
class SystemState:
    module_loaded: bool = False
    settings: dict[str, str] = field(default_factory=dict)     # managed ones only when desired
    modprobe_conf: str | None = None
    hooks: dict[str, dict] = field(default_factory=dict)        # family -> table -> ChainState
    marks: dscp.Marks = None                                     # DSCP marks; None: no table
    conntrack_events: str | None = None                       # None in desired: unmanaged
    remembered: dict = field(default_factory=dict)               # our state file (values to restore)
    history: CollectorSpec | None = None                      # issue 16: None: no collector

    def family_hooks(self, family: str) -> dict:
        return {table: self.hooks.get(family, {}).get(table, ABSENT) for table in TABLES}


def read_current(kernel: Kernel) -> SystemState:
    """What the system holds now, read-only, so a dry run plans exactly what a
    commit would do. A sandbox root has no firewall of its own: there our
    hooks and nft table are taken as absent."""
    loaded = kernel.module_loaded()
    state = SystemState(module_loaded=loaded,
                        settings=kernel.read_settings() if loaded else {},
                        modprobe_conf=kernel.read_modprobe_conf(),
                        conntrack_events=kernel.read_conntrack_events(),
                        remembered=kernel.read_state_file(),
                        history=history_service.read_current(kernel, HistoryPaths(kernel.paths)))
    if kernel.reads_system:
        state.hooks = {family: hooks.read_family(kernel, family) for family in FAMILIES}
        state.marks = dscp.parse_listing(kernel.nft_list_table(dscp.TABLE_FAMILY, dscp.TABLE,
                                                                 numeric=True))
    return state


def mismatches(desired: SystemState, current: SystemState) -> list[str]:
    """Every way ``current`` differs from ``desired``, as ``path: desired X, current Y``."""
    problems = []

    def differ(path: str, want: object, have: object) -> None:
        if want != have:
            problems.append(f'{path}: desired {want!r}, current {have!r}')

    differ('module ipt_NETFLOW loaded', desired.module_loaded, current.module_loaded)
    for key, value in desired.settings.items():
        differ(f'netflow.{key}', value, current.settings.get(key))
    differ('file /etc/modprobe.d/ipt_NETFLOW.conf', desired.modprobe_conf, current.modprobe_conf)
    for family in FAMILIES:
        want, have = desired.family_hooks(family), current.family_hooks(family)
        for table in TABLES:
            if want[table] != have[table]:
                problems.append(f'hooks.{family}.{table}: desired {want[table].describe()}, '
                                f'current {have[table].describe()}')
    if desired.marks != current.marks:
        problems.append(f'nft table inet vyflow_export: desired {dscp.describe(desired.marks)}, '
                        f'current {dscp.describe(current.marks)}')
    if desired.conntrack_events is not None:
        differ('net.netfilter.nf_conntrack_events', desired.conntrack_events,
               current.conntrack_events)
    differ('file /var/lib/vyflow/netflow-state.json', desired.remembered, current.remembered)
    if desired.history != current.history:  # issue 16
        problems.append(f'history collector: desired {history_collector.describe(desired.history)}'
                        f', current {history_collector.describe(current.history)}')
    return problems
