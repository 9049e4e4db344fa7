"""Running commands: argument lists only, never a shell."""
import os
import signal
import subprocess
import time


class CommandError(RuntimeError):
    def __init__(self, argv, returncode, stdout, stderr):
        self.argv = list(argv)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        super().__init__('command %r exited %s\nstdout: %s\nstderr: %s' % (
            self.argv, returncode, (stdout or '').strip()[-2000:],
            (stderr or '').strip()[-2000:]))


def in_netns(netns, argv):
    """The argument list that runs argv inside netns (None = the router/root)."""
    argv = [str(a) for a in argv]
    if netns is None:
        return argv
    return ['ip', 'netns', 'exec', netns] + argv


def run(argv, netns=None, check=True, timeout=60, input=None, env=None):
    """Run a command to completion; returns CompletedProcess (text output).

    check=True raises CommandError on a non-zero exit status.
    """
    full = in_netns(netns, argv)
    try:
        proc = subprocess.run(full, input=input, capture_output=True, text=True,
                              timeout=timeout, env=env)
    except subprocess.TimeoutExpired as exc:
        raise CommandError(full, 'timeout after %ss' % timeout,
                           _text(exc.stdout), _text(exc.stderr)) from None
    if check and proc.returncode != 0:
        raise CommandError(full, proc.returncode, proc.stdout, proc.stderr)
    return proc


def out(argv, **kw):
    """stdout of a successful command."""
    return run(argv, **kw).stdout


def _text(data):
    if data is None:
        return ''
    if isinstance(data, bytes):
        return data.decode('utf-8', 'replace')
    return data


def read(path):
    with open(path) as fh:
        return fh.read()


def write(path, value):
    """Write value to a file the way `echo value > path` does (one write call).

    Errors from the kernel (EINVAL, EPERM, ...) surface as OSError.
    """
    data = str(value)
    if not data.endswith('\n'):
        data += '\n'
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    try:
        os.write(fd, data.encode())
    finally:
        os.close(fd)


def wait_for(predicate, timeout=10.0, interval=0.2, what='condition'):
    """Call predicate until it returns something truthy; return that value.

    Raises TimeoutError naming `what` when the timeout passes.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError('timed out after %.1fs waiting for %s' % (timeout, what))
        time.sleep(interval)


class Background:
    """A long-running process (server, collector) started in a namespace.

    Output goes to `log` (a path).  stop() sends SIGTERM, then SIGKILL.
    Usable as a context manager.
    """

    def __init__(self, argv, netns=None, log=None, env=None, cwd=None):
        self.argv = in_netns(netns, argv)
        self.netns = netns
        self.log = log
        self._logfh = open(log, 'ab') if log else subprocess.DEVNULL
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=self._logfh, stderr=subprocess.STDOUT,
                                     env=env, cwd=cwd, start_new_session=True)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def log_text(self):
        if not self.log or not os.path.exists(self.log):
            return ''
        with open(self.log, errors='replace') as fh:
            return fh.read()

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        """Stop the process; returns its exit status."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout)
        if self._logfh is not subprocess.DEVNULL and not self._logfh.closed:
            self._logfh.close()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def udp_bound(pid, port):
    """True when process pid's network namespace has a UDP socket on port."""
    return _bound(pid, port, ('udp', 'udp6'))


def tcp_listening(pid, port):
    return _bound(pid, port, ('tcp', 'tcp6'), state='0A')


def _bound(pid, port, tables, state=None):
    want = ':%04X' % int(port)
    for table in tables:
        try:
            with open('/proc/%d/net/%s' % (pid, table)) as fh:
                next(fh)
                for line in fh:
                    fields = line.split()
                    if fields[1].endswith(want) and (state is None or fields[3] == state):
                        return True
        except (FileNotFoundError, ProcessLookupError):
            continue
    return False
