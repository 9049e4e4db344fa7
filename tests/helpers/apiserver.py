"""The API server as the tests run it: a real ``python3 -m vyflow.api`` on a
temp ``--root``, inside a private network namespace that the test process
itself enters, so clients (http.client, curl, openssl, pyvyos) reach it on
loopback and nothing clashes with other test runs or the host."""

from __future__ import annotations

import ctypes
import http.client
import json
import os
import socket
import ssl
import subprocess
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

CLONE_NEWNET = 0x40000000
PYTHON = '/usr/bin/python3'
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _setns(fd: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), 'setns failed')


@contextmanager
def network_namespace(name: str) -> Iterator[str]:
    """Create ``name``, bring its loopback up and move this thread into it."""
    subprocess.run(['ip', 'netns', 'add', name], check=True)
    original = os.open('/proc/thread-self/ns/net', os.O_RDONLY)
    try:
        subprocess.run(['ip', '-n', name, 'link', 'set', 'lo', 'up'], check=True)
        target = os.open(f'/run/netns/{name}', os.O_RDONLY)
        try:
            _setns(target)
        finally:
            os.close(target)
        try:
            yield name
        finally:
            _setns(original)
    finally:
        os.close(original)
        subprocess.run(['ip', 'netns', 'del', name], check=False)


class ApiServer:
    """One server process; ``call`` sends a request and returns (status, body)."""

    def __init__(self, root: Path, log: Path, port: int = 443, host: str = '127.0.0.1',
                 extra_env: Optional[dict] = None):
        self.root, self.log, self.port, self.host = root, log, port, host
        self.env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT / 'python'),
                        PYTHONDONTWRITEBYTECODE='1', **(extra_env or {}))
        self.env.pop('VYFLOW_ROOT', None)
        self.process: Optional[subprocess.Popen] = None

    @property
    def certificate(self) -> Path:
        return self.root / 'var/lib/vyflow/https/self-signed.pem'

    def process_argv(self) -> list[str]:
        return [PYTHON, '-m', 'vyflow.api', '--root', str(self.root)]

    def start(self, timeout: float = 30) -> ApiServer:
        with open(self.log, 'ab') as log:
            self.process = subprocess.Popen(self.process_argv(), env=self.env, stdout=log,
                                            stderr=log, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f'the API server exited:\n{self.log.read_text()}')
            try:
                socket.create_connection((self.host, self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f'the API server did not listen:\n{self.log.read_text()}')

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def context(self) -> ssl.SSLContext:
        """A client context that verifies the server's own self-signed certificate."""
        return ssl.create_default_context(cafile=str(self.certificate))

    def connection(self, source: Optional[str] = None) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(self.host, self.port, context=self.context(),
                                           timeout=120,
                                           source_address=(source, 0) if source else None)

    def call(self, endpoint: str, body: Any = None, *, form: Optional[dict] = None,
             raw: Optional[bytes] = None, content_type: str = 'application/json',
             method: str = 'POST', source: Optional[str] = None,
             connection: Optional[http.client.HTTPSConnection] = None) -> tuple[int, Any]:
        """POST ``body`` as JSON, ``form`` urlencoded, or ``raw`` bytes."""
        if form is not None:
            payload = urllib.parse.urlencode(form).encode()
            content_type = 'application/x-www-form-urlencoded'
        elif raw is not None:
            payload = raw
        else:
            payload = json.dumps(body).encode() if body is not None else None
        own = connection is None
        connection = connection or self.connection(source)
        try:
            headers = {'Content-Type': content_type} if payload is not None else {}
            connection.request(method, endpoint, body=payload, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            if own:
                connection.close()
        try:
            return response.status, json.loads(text)
        except ValueError:
            return response.status, text


def form(data: Any, key: str) -> dict:
    """The form fields pyvyos and the Terraform providers send."""
    return {'data': json.dumps(data), 'key': key}
