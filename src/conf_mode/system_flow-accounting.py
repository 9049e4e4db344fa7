#!/usr/bin/python3
"""conf_mode for ``system flow-accounting``: config -> ipt_NETFLOW, live.

get_config reads the config and the system facts, verify refuses what the
module would silently mangle, generate computes the exact desired state, and
apply brings the system there transactionally (every setting changed live
where the module allows it, verified by reading it back, restored on any
failure) and prints one line saying what changed.
"""

from __future__ import annotations

from vyflow.config import Config, RunEnvironment
from vyflow.history import checks as history_checks, collector as history_collector
from vyflow.history.settings import HistoryPaths
from vyflow.netflow import checks, desired, facts, model
from vyflow.netflow.kernel import Kernel
from vyflow.netflow.state import SystemState
from vyflow.netflow.transaction import apply_state
from vyflow.records import dataclass


@dataclass
class FlowAccounting:
    environment: RunEnvironment
    kernel: Kernel
    config: model.FlowConfig | None          # None: flow-accounting is deleted
    facts: facts.SystemFacts | None = None
    on_disk: SystemState | None = None       # remembered values, conntrack events
    wmem_default: str | None = None
    desired: SystemState | None = None
    history_facts: history_checks.HistoryFacts | None = None   # issue 16


def get_config(config: Config) -> FlowAccounting:
    environment = config.environment
    kernel = Kernel(environment.paths, environment.dry_run)
    on_disk = SystemState(conntrack_events=kernel.read_conntrack_events(),
                          remembered=kernel.read_state_file())
    flow_config = model.read_config(config)
    if flow_config is None:
        return FlowAccounting(environment, kernel, None, on_disk=on_disk)
    return FlowAccounting(environment, kernel, flow_config,
                          facts.gather(kernel, need_flowtables=bool(flow_config.interfaces)),
                          on_disk, kernel.wmem_default(),
                          history_facts=history_checks.gather(flow_config, kernel))


def verify(flow: FlowAccounting) -> None:
    if flow.config is not None:
        checks.verify(flow.config, flow.facts)
        history_checks.verify(flow.config, flow.history_facts)


def generate(flow: FlowAccounting) -> None:
    if flow.config is None:
        flow.desired = desired.build_removed(flow.on_disk)
    else:
        flow.desired = desired.build(flow.config, flow.facts, flow.on_disk, flow.wmem_default,
                                     flow.environment.resources.templates_dir)
        flow.desired.history = history_collector.desired(   # issue 16: the local collector
            flow.config.history, flow.config.sampling_rate, HistoryPaths(flow.environment.paths))


def apply(flow: FlowAccounting) -> None:
    report = apply_state(flow.kernel, flow.desired)
    if flow.kernel.dry_run:
        reason = ('a sandbox root' if flow.environment.paths.sandboxed
                  else 'vyflow --dry-run')
        print(report.plan_text(reason))
    else:
        print(report.summary())
