"""The plan: the ordered, minimal steps from the current to the desired state.

Only what differs is written: protocol, destination and sampler writes flush
the cache or reset sockets, so an unchanged value is never rewritten. Order
follows what the module demands: the modprobe.d file before anything can
autoload the module; ip6 hooks off before switching to version 5 and on only
after switching to 9/10 (hooks come after settings); destination before
sndbuf; hooks off before rmmod. A setting this build cannot change at
runtime is the only reason for a reload, and the step says so.
"""

from __future__ import annotations

from vyflow.netflow import dscp, hooks
from vyflow.netflow.hooks import ABSENT, FAMILIES, TABLES
from vyflow.netflow.state import SystemState
from vyflow.records import dataclass

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from vyflow.netflow.kernel import Kernel

SETTING_ORDER = ('protocol', 'destination', 'sndbuf', 'active_timeout', 'inactive_timeout',
                 'maxflows', 'hashsize', 'sampler', 'aggregation', 'natevents', 'refresh_rate',
                 'timeout_rate', 'snmp_rules', 'engine_id')
SYSCTL_NAMES = {'refresh_rate': 'refresh-rate', 'timeout_rate': 'timeout-rate',
                'snmp_rules': 'snmp-rules'}


@dataclass(frozen=True)
class Step:
    """One change. ``id`` names it for fault injection and summaries."""

    id: str
    description: str
    kind: str
    argument: object = None

    def details(self) -> list[str]:
        """What exactly is written, for the dry-run plan."""
        if self.kind == 'modprobe-conf' and self.argument:
            return [line for line in self.argument.splitlines() if line.startswith('options')]
        if self.kind == 'hooks':
            return self.argument[1].splitlines()
        if self.kind == 'dscp':
            return dscp.nft_script(self.argument).splitlines()
        if self.kind == 'history' and self.argument:  # issue 16
            return [' '.join(self.argument.argv)]
        return []

    def run(self, kernel: Kernel) -> None:
        kind, argument = self.kind, self.argument
        if kind == 'modprobe-conf':
            kernel.write_modprobe_conf(argument)
        elif kind == 'load':
            kernel.load_module()
        elif kind == 'unload':
            kernel.unload_module()
        elif kind == 'setting':
            kernel.write_setting(*argument)
        elif kind == 'hooks':
            kernel.iptables_restore(*argument)
        elif kind == 'dscp':
            kernel.nft_apply(dscp.nft_script(argument))
        elif kind == 'conntrack-events':
            kernel.write_conntrack_events(argument)
        elif kind == 'remember':
            kernel.write_state_file(argument)
        elif kind == 'history':  # issue 16: the local history collector
            from vyflow.history import service
            from vyflow.history.settings import HistoryPaths
            service.apply(kernel, HistoryPaths(kernel.paths), argument)
        else:
            raise ValueError(f'unknown step kind {kind}')


def _shown(value: str) -> str:
    return repr(value) if value == '' or ' ' in value else value


def setting_step(key: str, value: str) -> Step:
    where = (f'/sys/module/ipt_NETFLOW/parameters/{key}' if key == 'engine_id'
             else f'net.netflow.{SYSCTL_NAMES.get(key, key)}')
    return Step(f'param:{key}', f'set {where} = {_shown(value)}', 'setting', (key, value))


def hooks_step(family: str, current: dict, desired: dict) -> Step | None:
    payload = hooks.restore_payload(current, desired)
    if not payload:
        return None
    tool = 'iptables' if family == 'ipv4' else 'ip6tables'
    summary = ', '.join(f'{table} {desired[table].describe()}' for table in TABLES
                        if current[table] != desired[table])
    return Step(f'hooks:{family}', f'{tool}-restore --noflush: {summary}', 'hooks',
                (family, payload))


def _file_step(text: str | None) -> Step:
    action = 'remove' if text is None else 'write'
    return Step('file:modprobe', f'{action} /etc/modprobe.d/ipt_NETFLOW.conf', 'modprobe-conf', text)


def _dscp_step(marks: dscp.Marks) -> Step:
    if marks is None:
        return Step('dscp', 'remove nft table inet vyflow_export', 'dscp', None)
    if isinstance(marks, dscp.Unrecognised):
        return Step('dscp', 'nft: put table inet vyflow_export back as it was', 'dscp', marks)
    return Step('dscp', f'nft: mark export packets ({dscp.describe(marks)})', 'dscp', marks)


def _remember_step(current: SystemState, desired: SystemState) -> list[Step]:
    """Save values to restore later before anything overwrites them."""
    if desired.remembered != current.remembered and len(desired.remembered) >= len(current.remembered):
        return [Step('file:state', 'remember values to restore later', 'remember',
                     desired.remembered)]
    return []


def _conntrack_steps(current: SystemState, desired: SystemState) -> list[Step]:
    """nf_conntrack_events (after the module settings: enabling NAT events
    loads nf_conntrack, which provides that sysctl), then forget what was restored."""
    steps = []
    if desired.conntrack_events is not None and desired.conntrack_events != current.conntrack_events:
        steps.append(Step('sysctl:nf_conntrack_events',
                          f'set net.netfilter.nf_conntrack_events = {desired.conntrack_events}',
                          'conntrack-events', desired.conntrack_events))
    if desired.remembered != current.remembered and len(desired.remembered) < len(current.remembered):
        steps.append(Step('file:state', 'forget restored values', 'remember', desired.remembered))
    return steps


def plan(current: SystemState, desired: SystemState, writable: set[str]) -> list[Step]:
    """Steps turning ``current`` into ``desired``; empty when they agree."""
    first, last = _history_steps(current, desired)
    return first + _module_plan(current, desired, writable) + last


def _history_steps(current: SystemState, desired: SystemState) -> tuple[list[Step], list[Step]]:
    """Issue 16: the local collector listens before the module sends to it (its
    first templates arrive) and stops last (rmmod exports the cache to it)."""
    if desired.history == current.history:
        return [], []
    from vyflow.history.collector import describe
    if desired.history is None:
        return [], [Step('history:collector', 'stop the history collector', 'history', None)]
    if current.history is None:
        verb = 'start the history collector'
    elif current.history.argv == desired.history.argv:
        verb = 'store new limits for the history collector'
    else:
        verb = 'restart the history collector'
    return [Step('history:collector', f'{verb}: {describe(desired.history)}', 'history',
                 desired.history)], []


def _module_plan(current: SystemState, desired: SystemState, writable: set[str]) -> list[Step]:
    steps: list[Step] = []
    if not desired.module_loaded:
        for family in reversed(FAMILIES):
            step = hooks_step(family, current.family_hooks(family), desired.family_hooks(family))
            steps += [step] if step else []
        if desired.marks != current.marks:
            steps.append(_dscp_step(desired.marks))
        if current.module_loaded:
            steps.append(Step('module:unload', 'rmmod ipt_NETFLOW (exports the flow cache)', 'unload'))
        if desired.modprobe_conf != current.modprobe_conf:
            steps.append(_file_step(desired.modprobe_conf))
        return _remember_step(current, desired) + steps + _conntrack_steps(current, desired)

    if desired.modprobe_conf != current.modprobe_conf:
        steps.append(_file_step(desired.modprobe_conf))
    steps += _remember_step(current, desired)
    pending = {family: current.family_hooks(family) for family in FAMILIES}
    if not current.module_loaded:
        steps.append(Step('module:load', 'modprobe ipt_NETFLOW (settings from modprobe.d)', 'load'))
    else:
        ip6_off = all(not chain.exists for chain in desired.family_hooks('ipv6').values())
        if ip6_off:  # before a switch to version 5, which refuses ip6 rules
            step = hooks_step('ipv6', pending['ipv6'], desired.family_hooks('ipv6'))
            if step:
                steps.append(step)
                pending['ipv6'] = desired.family_hooks('ipv6')
        changed = [key for key in SETTING_ORDER if key in desired.settings
                   and current.settings.get(key) != desired.settings[key]]
        frozen = [key for key in changed if key not in writable]
        if frozen:
            steps += _reload_steps(frozen, pending, desired)
            pending = {family: desired.family_hooks(family) for family in FAMILIES}
        else:
            steps += [setting_step(key, desired.settings[key]) for key in changed]
    steps += _conntrack_steps(current, desired)
    for family in FAMILIES:
        step = hooks_step(family, pending[family], desired.family_hooks(family))
        steps += [step] if step else []
    if desired.marks != current.marks:
        steps.append(_dscp_step(desired.marks))
    return steps


def _reload_steps(frozen: list[str], pending: dict, desired: SystemState) -> list[Step]:
    """A setting without a runtime write path: hooks off, reload, hooks on."""
    absent = {table: ABSENT for table in TABLES}
    steps = [step for family in reversed(FAMILIES)
             if (step := hooks_step(family, pending[family], absent))]
    reason = ', '.join(frozen)
    steps.append(Step('module:unload', f'rmmod ipt_NETFLOW: {reason} cannot change at runtime '
                                       'in this build', 'unload'))
    steps.append(Step('module:load', 'modprobe ipt_NETFLOW (settings from modprobe.d)', 'load'))
    steps += [step for family in FAMILIES
              if (step := hooks_step(family, absent, desired.family_hooks(family)))]
    return steps
