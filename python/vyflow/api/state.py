"""What a running API server knows: definitions, settings, the running config.

Settings and the running config are re-read only when their file was
replaced (inode, mtime and size), so a commit made by the CLI, by another
request or by conf_mode shows at the very next request, and an idle check
costs one ``stat``.
"""

from __future__ import annotations

import ipaddress
import os
import threading
from dataclasses import dataclass
from typing import Any, Callable, Optional

from vyflow.api.auth import FailureLimiter
from vyflow.api.settings import ServerSettings, SettingsFiles
from vyflow.atomicfile import read_text
from vyflow.config import RunEnvironment
from vyflow.configtree import ConfigNode, parse_config
from vyflow.definitions.model import Definitions
from vyflow.definitions.masking import mask_secrets, secret_values
from vyflow.paths import Paths, Resources
from vyflow.safepath import StrPath


@dataclass(frozen=True)
class RunningView:
    """The running config as the API shows it."""

    masked: ConfigNode          # secrets replaced by the mask: all a client ever sees
    secrets: frozenset[str]     # the real secret values, scrubbed from any text answer


@dataclass(frozen=True)
class ActiveSettings:
    settings: ServerSettings
    networks: tuple             # allow-client as ip_network objects

    def admits(self, address: str) -> bool:
        if not self.networks:
            return True
        try:
            client = ipaddress.ip_address(address)
        except ValueError:
            return False
        client = getattr(client, 'ipv4_mapped', None) or client
        return any(client in network for network in self.networks)


def _stamp(path: StrPath) -> Optional[tuple]:
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    return status.st_ino, status.st_mtime_ns, status.st_size


class _Cached:
    """A value rebuilt when its file's stamp changes (thread-safe)."""

    def __init__(self, path: StrPath, build: Callable[[], Any]):
        self.path = path
        self.build = build
        self._stamp: Any = object()
        self._value: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        stamp = _stamp(self.path)
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._value, self._stamp = self.build(), stamp
        return self._value


class ServerState:
    """Shared by every request of one server process."""

    def __init__(self, paths: Paths, dry_run: bool):
        self.paths = paths
        self.resources = Resources.locate()
        self.environment = RunEnvironment(paths, self.resources, dry_run)
        self.definitions = Definitions.load(self.resources.definitions)
        self.files = SettingsFiles(paths)
        self.limiter = FailureLimiter()
        self._settings = _Cached(self.files.settings, self._read_settings)
        self._running = _Cached(paths.running_config, self._read_running)

    def settings(self) -> Optional[ActiveSettings]:
        return self._settings.get()

    def running(self) -> RunningView:
        return self._running.get()

    def _read_settings(self) -> Optional[ActiveSettings]:
        settings = self.files.load()
        if settings is None:
            return None
        networks = tuple(ipaddress.ip_network(item, strict=False)
                         for item in settings.allow_clients)
        return ActiveSettings(settings, networks)

    def _read_running(self) -> RunningView:
        text = read_text(self.paths.running_config) or ''
        tree = parse_config(text, str(self.paths.running_config)).tree
        return RunningView(mask_secrets(tree, self.definitions),
                           frozenset(secret_values(tree, self.definitions)))
