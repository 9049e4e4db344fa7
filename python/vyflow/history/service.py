"""Starting, stopping and reading back the local collector.

Where systemd runs (``/run/systemd/system`` exists), the collector is our unit
``vyflow-history.service``, its arguments in an EnvironmentFile; elsewhere
(containers, the test guest) it runs under our supervisor. Reading back looks
for both, so a switch between them (the unit installed later, say) never
leaves a second collector behind. Only our own processes are ever signalled:
the supervisor's pid comes from its pidfile and is checked against its
command line first.

Fault injection: ``VYFLOW_INJECT_FAULT=history:collector`` fails the step.
"""

from __future__ import annotations

import json
import os
import sys
import time

from vyflow.atomicfile import (ensure_directory, open_for_append, read_text, remove_durable,
                               write_atomic)
from vyflow.errors import ApplyError
from vyflow.history import sockets
from vyflow.history.collector import WATERMARK, CollectorSpec, Limits, parse_limits
from vyflow.history.settings import HistoryPaths
from vyflow.paths import library_dir

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from vyflow.netflow.kernel import Kernel

UNIT = 'vyflow-history.service'
# Run with ``python3 -m``, never imported here: it imports subprocess, and every
# commit imports this module.
SUPERVISOR = 'vyflow.history.supervisor'
STEP_ID = 'history:collector'
READY_SECONDS = 10.0
STOP_SECONDS = 15.0


def _cmdline(pid: int) -> list[str]:
    try:
        with open(f'/proc/{pid}/cmdline', 'rb') as handle:
            raw = handle.read()
    except OSError:
        return []
    return [part.decode(errors='replace') for part in raw.split(b'\0')[:-1]]


def _alive(pid: int) -> bool:
    try:
        with open(f'/proc/{pid}/stat') as handle:
            state = handle.read().rsplit(')', 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ('Z', 'X')


class Supervised:
    """The collector under our supervisor process."""

    name = 'supervised process'

    def __init__(self, kernel: Kernel, paths: HistoryPaths):
        self.kernel, self.paths = kernel, paths

    def pid(self) -> int | None:
        """The running supervisor's pid (checked: a reused pid is not ours)."""
        text = read_text(self.paths.supervisor_pid)
        if not text or not text.strip().isdigit():
            return None
        pid = int(text.strip())
        argv = _cmdline(pid)
        if SUPERVISOR not in argv or self.paths.supervisor_pid not in argv or not _alive(pid):
            return None
        return pid

    def collector_pids(self) -> set[int]:
        pid = self.pid()
        if pid is None:
            return set()
        try:
            with open(f'/proc/{pid}/task/{pid}/children') as handle:
                children = handle.read().split()
        except OSError:
            return set()
        return {int(child) for child in children if _alive(int(child))}

    def argv(self) -> tuple[str, ...] | None:
        pid = self.pid()
        if pid is None:
            return None
        argv = _cmdline(pid)
        return tuple(argv[argv.index('--') + 1:]) if '--' in argv else None

    def start(self, spec: CollectorSpec) -> None:
        log = self.paths.collector_log
        environment = {**os.environ,
                       'PYTHONPATH': os.pathsep.join(filter(None, [library_dir(),
                                                                   os.environ.get('PYTHONPATH')]))}
        import subprocess  # only when a collector starts: every commit imports this module
        with open(open_for_append(log), 'ab') as output:
            launcher = subprocess.Popen(
                [sys.executable, '-m', SUPERVISOR, '--pidfile', self.paths.supervisor_pid,
                 '--', *spec.argv], stdin=subprocess.DEVNULL, stdout=output, stderr=output,
                start_new_session=True, env=environment, close_fds=True)
        if launcher.wait(timeout=30) != 0:
            raise ApplyError(f'history collector: the supervisor did not start (exit '
                             f'{launcher.returncode}); see {log}')

    def stop(self) -> None:
        pid = self.pid()
        if pid is None:
            return
        import signal  # only when a collector stops: every commit imports this module
        os.kill(pid, signal.SIGTERM)
        if not _wait(lambda: not _alive(pid), STOP_SECONDS):
            os.kill(pid, signal.SIGKILL)  # our own supervisor, checked above
            for child in self.collector_pids():
                os.kill(child, signal.SIGKILL)
        remove_durable(self.paths.supervisor_pid)

    def problems(self) -> str:
        lines = (read_text(self.paths.collector_log) or '').strip().splitlines()
        return '; '.join(line.split('vyflow-history: ')[-1] for line in lines[-3:])


class Systemd:
    """The collector as our systemd unit."""

    name = 'systemd unit ' + UNIT

    def __init__(self, kernel: Kernel, paths: HistoryPaths):
        self.kernel, self.paths = kernel, paths

    def main_pid(self) -> int | None:
        result = self.kernel.run(['systemctl', 'show', '--property=ActiveState,MainPID', UNIT],
                                 check=False)
        values = dict(line.partition('=')[::2] for line in result.stdout.splitlines())
        pid = values.get('MainPID', '0')
        if values.get('ActiveState') != 'active' or not pid.isdigit() or pid == '0':
            return None
        return int(pid)

    def collector_pids(self) -> set[int]:
        pid = self.main_pid()
        return {pid} if pid else set()

    def argv(self) -> tuple[str, ...] | None:
        pid = self.main_pid()
        return tuple(_cmdline(pid)) if pid else None

    def start(self, spec: CollectorSpec) -> None:
        write_atomic(self.paths.env_file, f'NFCAPD_OPTIONS={" ".join(spec.argv[1:])}\n')
        self.kernel.run(['systemctl', 'restart', UNIT], what=f'systemctl restart {UNIT}')

    def stop(self) -> None:
        self.kernel.run(['systemctl', 'stop', UNIT], what=f'systemctl stop {UNIT}', check=False)
        remove_durable(self.paths.env_file)

    def problems(self) -> str:
        result = self.kernel.run(['journalctl', '--unit', UNIT, '--lines', '3', '--no-pager',
                                  '--output', 'cat'], check=False)
        return '; '.join(result.stdout.strip().splitlines())


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def backends(kernel: Kernel, paths: HistoryPaths) -> list:
    """The preferred place to run first, then the other (for reading back)."""
    supervised = Supervised(kernel, paths)
    if os.path.isdir(paths.paths.under('/run/systemd/system')) and not paths.paths.sandboxed:
        return [Systemd(kernel, paths), supervised]
    return [supervised]


def _running(kernel: Kernel, paths: HistoryPaths):
    for backend in backends(kernel, paths):
        if backend.argv() is not None:
            return backend
    return None


def problems(kernel: Kernel, paths: HistoryPaths) -> str:
    """The collector's last complaints (its log or journal)."""
    return backends(kernel, paths)[0].problems()


def read_limits(kernel: Kernel, paths: HistoryPaths) -> Limits:
    """nfexpire's stored limits (none stored: no limits)."""
    if not os.path.exists(os.path.join(paths.flow_dir, '.nfstat')):
        return Limits(0, 0)
    result = kernel.run(['nfexpire', '-l', paths.flow_dir], check=False)
    return parse_limits(result.stdout) or Limits(0, 0)


def read_current(kernel: Kernel, paths: HistoryPaths) -> CollectorSpec | None:
    """The running collector as a spec; None when none runs."""
    backend = _running(kernel, paths)
    if backend is None:
        return None
    return CollectorSpec(backend.argv(), read_limits(kernel, paths))


def collector_pids(kernel: Kernel, paths: HistoryPaths) -> set[int]:
    backend = _running(kernel, paths)
    return backend.collector_pids() if backend else set()


def apply(kernel: Kernel, paths: HistoryPaths, want: CollectorSpec | None) -> None:
    """Make the collector ``want`` (None: stopped); ApplyError if it cannot."""
    kernel.inject_fault(STEP_ID)
    running = _running(kernel, paths)
    if want is None:
        if running is not None:
            running.stop()
        return
    if running is not None and running.argv() == want.argv:
        _set_limits(kernel, paths, want.limits)  # the limits alone: no restart
        return
    ours = running.collector_pids() if running else set()
    taken = sockets.holder(want.port)
    if taken and not sockets.held_by(want.port, ours):
        raise ApplyError(f'history collector: UDP port {want.port} on 127.0.0.1 is taken by '
                         f'{taken}: choose another with "set system flow-accounting netflow '
                         'history port <port>"')
    if running is not None:
        running.stop()
    _set_limits(kernel, paths, want.limits)
    record_sampling(paths, want.sampling_rate)
    backend = backends(kernel, paths)[0]
    backend.start(want)
    if not _wait(lambda: _ready(backend, want), READY_SECONDS):
        detail = backend.problems()
        backend.stop()
        raise ApplyError(f'history collector ({backend.name}) did not start listening on '
                         f'127.0.0.1:{want.port} within {READY_SECONDS:.0f} s'
                         + (f': {detail}' if detail else ''))


def _ready(backend, want: CollectorSpec) -> bool:
    return backend.argv() == want.argv and sockets.held_by(want.port, backend.collector_pids())


def _set_limits(kernel: Kernel, paths: HistoryPaths, limits: Limits) -> None:
    """Store the limits nfcapd's expiry (``-e``) applies at every rotation;
    nothing is deleted here, so a failed commit loses no history."""
    try:
        ensure_directory(paths.flow_dir)
    except OSError as exc:
        raise ApplyError(f'history: cannot create {paths.flow_dir}: {exc.strerror}') from None
    kernel.run(['nfexpire', '-u', paths.flow_dir, '-s', f'{limits.max_bytes // 1048576}M',
                '-t', f'{limits.max_seconds // 3600}H', '-w', str(WATERMARK)],
               what='nfexpire (history limits)')


def sampling_periods(paths: HistoryPaths) -> list[tuple[float, int]]:
    """``(since, rate)`` for each sampling rate the collector has scaled by."""
    try:
        return [(float(since), int(rate))
                for since, rate in json.loads(read_text(paths.sampling_log) or '[]')]
    except (ValueError, TypeError):
        return []


def record_sampling(paths: HistoryPaths, rate: int) -> None:
    periods = sampling_periods(paths)
    if periods and periods[-1][1] == rate:
        return
    try:
        write_atomic(paths.sampling_log, json.dumps(periods + [(time.time(), rate)]))
    except OSError as exc:
        raise ApplyError(f'history: cannot write {paths.sampling_log}: {exc.strerror}') from None
