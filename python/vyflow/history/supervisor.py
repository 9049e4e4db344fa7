"""Keeps the collector running where systemd does not: ``python3 -m vyflow.history.supervisor``.

    python3 -m vyflow.history.supervisor --pidfile FILE -- /usr/bin/nfcapd ARGS…

It detaches (the committing process never has to reap it), records its pid,
runs the command with TZ=UTC (nfcapd names its files by the clock: UTC names
have no daylight-saving gaps or repeats), and restarts it when it dies, a
second later at first and up to a minute later while it keeps dying — what
``Restart=on-failure`` does for the systemd unit. SIGTERM stops the command
(nfcapd then closes its last file) and then the supervisor. Its argv keeps
the command after ``--``, so reading the running collector back needs nothing
but /proc. Output goes where the launcher pointed stdout and stderr (the
collector log).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from vyflow.atomicfile import read_text, remove_durable, write_atomic
from vyflow.errors import VyflowError

FIRST_DELAY = 1.0
LONGEST_DELAY = 60.0
STEADY_SECONDS = 60.0  # a run this long resets the delay
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


class Supervisor:
    def __init__(self, pidfile: Path, command: list[str]):
        self.pidfile = pidfile
        self.command = command
        self.stopping = False
        self.child: subprocess.Popen | None = None

    def _stop(self, signum: int, _frame: object) -> None:
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signal.SIGTERM)

    def run(self) -> int:
        _prctl(PR_SET_CHILD_SUBREAPER, 1)  # nfcapd's own children come back to us
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        write_atomic(self.pidfile, f'{os.getpid()}\n')
        delay = FIRST_DELAY
        try:
            while not self.stopping:
                started = time.monotonic()
                code = self._run_once()
                if self.stopping:
                    break
                delay = FIRST_DELAY if time.monotonic() - started > STEADY_SECONDS else delay
                _say(f'{self.command[0]} exited ({_exit_text(code)}); starting it again in '
                     f'{delay:.0f} s')
                self._sleep(delay)
                delay = min(delay * 2, LONGEST_DELAY)
        finally:
            self._remove_pidfile()
        return 0

    def _run_once(self) -> int:
        try:
            self.child = subprocess.Popen(self.command, stdin=subprocess.DEVNULL,
                                          env={**os.environ, 'TZ': 'UTC'},
                                          preexec_fn=_end_with_parent)
        except OSError as exc:
            _say(f'cannot start {self.command[0]}: {exc.strerror}')
            return 127
        code = self.child.wait()  # a signal interrupts nothing here (PEP 475)
        _end_leftovers()
        return code

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, deadline - time.monotonic()))

    def _remove_pidfile(self) -> None:
        try:
            if (read_text(self.pidfile) or '').strip() == str(os.getpid()):
                remove_durable(self.pidfile)
        except (OSError, VyflowError):  # not ours to remove, or not safe to: left as it is
            pass


def _prctl(option: int, value: int) -> None:
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def _end_with_parent() -> None:
    """In the child: SIGTERM it when the supervisor dies, even by SIGKILL, so no
    collector is left holding the port with nobody watching it."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _end_leftovers() -> None:
    """nfcapd runs its expiry in a child of its own (the "launcher"), which
    outlives an nfcapd that was killed: as the subreaper we inherit it; end and
    reap every such descendant before starting a new nfcapd."""
    me = os.getpid()
    deadline = time.monotonic() + 5
    signalled = False
    while True:
        try:
            children = Path(f'/proc/{me}/task/{me}/children').read_text().split()
        except OSError:
            children = []
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            return
        if not children:
            return
        kill = signal.SIGKILL if time.monotonic() > deadline else signal.SIGTERM
        if not signalled or kill == signal.SIGKILL:
            for child in children:
                try:
                    os.kill(int(child), kill)
                except ProcessLookupError:
                    pass
            signalled = True
        time.sleep(0.05)


def _exit_text(code: int) -> str:
    return f'signal {-code}' if code < 0 else f'exit {code}'


def _say(message: str) -> None:
    print(f'{time.strftime("%Y-%m-%d %H:%M:%S")} vyflow-history: {message}', flush=True)


def _detach() -> None:
    """Fork once more: the launcher's child exits at once (it is reaped by the
    launcher), the grandchild is adopted by init and carries on."""
    if os.fork() > 0:
        os._exit(0)


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[0] != '--pidfile' or argv[2] != '--':
        print('usage: python3 -m vyflow.history.supervisor --pidfile FILE -- COMMAND ARGS...',
              file=sys.stderr)
        return 2
    _detach()
    return Supervisor(Path(argv[1]), argv[3:]).run()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
