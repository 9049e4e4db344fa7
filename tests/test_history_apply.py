"""The history collector inside the flow-accounting transaction (issue 16).

Real iptables-nft in a network namespace and the module's settings as a
replica of its files (see test_flow_netns), a real nfcapd under our supervisor:
adding history starts the collector and appends it to the destinations, a
failure at any step leaves both as they were, deleting it stops the collector.
"""

import os
import shutil
from pathlib import Path

import pytest

from test_history import free_port
from test_flow_netns import desired_state, flow_config, module_replica, netns, ruleset  # noqa: F401
from vyflow.errors import ApplyError
from vyflow.history import collector, service
from vyflow.history.settings import HistoryConfig, HistoryPaths
from vyflow.netflow.kernel import FAULT_ENV, Kernel
from vyflow.netflow.plan import plan
from vyflow.netflow.state import read_current
from vyflow.netflow.transaction import apply_state
from vyflow.paths import Paths

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which('iptables-nft-save') is None or shutil.which('nfcapd') is None,
    reason='needs root, iptables-nft and nfdump')
HISTORY_FILES = ('var/lib/vyflow/history', 'var/log/vyflow', 'run/vyflow/history')


@pytest.fixture
def kernel(tmp_path, netns):  # noqa: F811
    root = tmp_path / 'root'
    module_replica(root)
    kernel = Kernel(Paths(root), command_prefix=('ip', 'netns', 'exec', netns))
    yield kernel
    service.apply(kernel, HistoryPaths(kernel.paths), None)


def with_history(kernel, port, **changes):
    config = flow_config(history=HistoryConfig(port=port, rotation_interval=2), **changes)
    target = desired_state(kernel, config)
    target.history = collector.desired(config.history, config.sampling_rate,
                                       HistoryPaths(kernel.paths))
    return target


def snapshot(kernel, netns):  # noqa: F811
    """System state, rules and files, but for history's own (flow files, its
    log, the sampling record: they grow by design)."""
    root = Path(kernel.paths.root)
    files = {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob('*'))
             if p.is_file() and not p.name.startswith('.')
             and not str(p.relative_to(root)).startswith(HISTORY_FILES)}
    return read_current(kernel), ruleset(netns), files


def test_history_is_one_more_destination_started_first(kernel, netns):  # noqa: F811
    apply_state(kernel, desired_state(kernel, flow_config()))
    port = free_port()
    target = with_history(kernel, port)
    steps = plan(read_current(kernel), target, kernel.writable())
    ids = [step.id for step in steps]
    assert ids[0] == 'history:collector' and 'param:destination' in ids
    report = apply_state(kernel, target)
    assert 'start the history collector' in report.summary()
    current = read_current(kernel)
    assert current.history == target.history
    assert current.settings['destination'] == \
        f'192.0.2.10:2055,[2001:db8::10]:2056,127.0.0.1:{port}'
    assert 'module' not in report.summary()                 # live: no load or reload
    apply_state(kernel, desired_state(kernel, flow_config()))
    current = read_current(kernel)
    assert current.history is None
    assert current.settings['destination'] == '192.0.2.10:2055,[2001:db8::10]:2056'


def test_every_failing_step_restores_collector_and_destination(kernel, netns, monkeypatch):  # noqa: F811
    apply_state(kernel, desired_state(kernel, flow_config()))
    target = with_history(kernel, free_port(), sampling_rate=10, version=10)
    step_ids = [step.id for step in plan(read_current(kernel), target, kernel.writable())]
    assert {'history:collector', 'param:destination', 'param:protocol'} <= set(step_ids)
    before = snapshot(kernel, netns)
    for step_id in step_ids:
        monkeypatch.setenv(FAULT_ENV, step_id)
        with pytest.raises(ApplyError, match='The previous state was restored'):
            apply_state(Kernel(kernel.paths, command_prefix=kernel.command_prefix), target)
        assert snapshot(kernel, netns) == before
        assert service.read_current(kernel, HistoryPaths(kernel.paths)) is None, step_id
    monkeypatch.delenv(FAULT_ENV)
    apply_state(kernel, target)
    assert read_current(kernel).history.sampling_rate == 10


def test_a_failed_removal_leaves_the_collector_running(kernel, netns, monkeypatch):  # noqa: F811
    port = free_port()
    apply_state(kernel, with_history(kernel, port))
    running = service.read_current(kernel, HistoryPaths(kernel.paths))
    monkeypatch.setenv(FAULT_ENV, 'history:collector')
    with pytest.raises(ApplyError, match='injected fault at history:collector'):
        apply_state(Kernel(kernel.paths, command_prefix=kernel.command_prefix),
                    desired_state(kernel, flow_config()))
    current = read_current(kernel)
    assert current.history == running
    assert current.settings['destination'].endswith(f',127.0.0.1:{port}')
