"""A real terminal for tests: a program in a tmux session, driven by keys."""

import shlex
import subprocess
import time


class Terminal:
    def __init__(self, argv: list, name: str, env: dict = None):
        self.name = name
        settings = ' '.join(f'{key}={shlex.quote(value)}' for key, value in (env or {}).items())
        command = f'env {settings} USER=tester {shlex.join(argv)}'
        subprocess.run(['tmux', 'new-session', '-d', '-s', name, '-x', '160', '-y', '50', command],
                       check=True)
        self.wait_for('tester@')

    def screen(self) -> str:
        return subprocess.run(['tmux', 'capture-pane', '-p', '-N', '-t', self.name],
                              capture_output=True, text=True, check=True).stdout

    def keys(self, *keys):
        subprocess.run(['tmux', 'send-keys', '-t', self.name, *keys], check=True)

    def type(self, text):
        self.keys('-l', text)

    def wait_for(self, text, timeout=10.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.05)
        raise AssertionError(f'{text!r} never appeared on screen:\n{self.screen()}')

    def close(self):
        subprocess.run(['tmux', 'kill-session', '-t', self.name], check=False)
