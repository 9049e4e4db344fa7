"""``restart flow-accounting``: reload ipt_NETFLOW with the committed settings.

The only deliberate reload (it drops the flow cache after exporting it):
hooks off, rmmod, modprobe with the modprobe.d options, hooks back on — as
two transactions over the same plan machinery as a commit, under the commit
lock so it never races a commit.
"""

from __future__ import annotations

import os

from vyflow.config import Config, RunEnvironment
from vyflow.definitions.model import Definitions
from vyflow.errors import UnconfiguredSubsystem
from vyflow.locking import file_lock
from vyflow.netflow.capture import iptables
from vyflow.netflow.transaction import ApplyReport, apply_state
from vyflow.records import replace
from vyflow.scriptload import import_script
from vyflow.store import ConfigStore

SCRIPT = 'system_flow-accounting.py'


def restart(environment: RunEnvironment,
            definitions: Definitions) -> tuple[ApplyReport, ApplyReport]:
    with file_lock(environment.paths.commit_lock, what='commit'):
        running = ConfigStore(environment.paths, definitions.component_versions).running()
        script = import_script(os.path.join(environment.resources.conf_mode_dir, SCRIPT),
                               'vyflow_conf_mode_')
        flow = script.get_config(Config(running, running, definitions, environment))
        if flow.config is None:
            raise UnconfiguredSubsystem('flow-accounting is not configured')
        script.verify(flow)
        script.generate(flow)
        # our nft capture table stays: the module must load after it
        stopped = replace(flow.desired, module_loaded=False, settings={}, hooks=iptables.absent())
        return apply_state(flow.kernel, stopped), apply_state(flow.kernel, flow.desired)
