"""What the API server runs with: the ``service https`` config, compiled.

conf_mode ``service_https.py`` writes this file at commit (generate); the
server reads it at start and again whenever it changes, so a new or removed
key takes effect at the next request without a restart. Only what a listening
socket depends on (addresses, port, VRF, certificate, TLS versions) needs a
restart, which the conf_mode script asks systemd for.

The file holds SHA-256 digests of the keys, never the keys: the server only
ever needs to recognise a key. It is still written mode 0600.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

from vyflow.atomicfile import read_text, remove_durable, write_atomic
from vyflow.paths import Paths

# Without listen-address the API is reachable from this host only: setting a
# key must not by itself open a configuration interface to the network.
DEFAULT_LISTEN = ('127.0.0.1', '::1')
UNIT = 'vyflow-https.service'
SERVER_ENV = 'VYFLOW_API_SERVER'     # set in the server: conf_mode knows it runs inside it


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode('utf-8')).hexdigest()


@dataclass(frozen=True)
class ServerSettings:
    keys: dict[str, str]                      # key ID -> key_digest(key)
    port: int = 443
    listen: tuple[str, ...] = DEFAULT_LISTEN
    vrf: Optional[str] = None
    allow_clients: tuple[str, ...] = ()       # addresses or prefixes; empty: any client
    body_limit: int = 1024 * 1024             # bytes
    tls_versions: tuple[str, ...] = ('1.2', '1.3')
    certificate: Optional[str] = None         # PEM file; None: the self-signed one
    private_key: Optional[str] = None
    certificate_digest: Optional[str] = None  # of the PEM files: a renewal restarts
    strict: bool = False                      # deleting a missing path is an error

    def listener(self) -> tuple:
        """What the listening sockets depend on: a change needs a restart."""
        return (self.port, self.listen, self.vrf, self.tls_versions, self.certificate,
                self.private_key, self.certificate_digest)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ServerSettings:
        data = json.loads(text)
        for name in ('listen', 'allow_clients', 'tls_versions'):
            data[name] = tuple(data[name])
        return cls(**data)


@dataclass(frozen=True)
class SettingsFiles:
    """Where the settings and certificate files live under a root."""

    paths: Paths

    @property
    def directory(self) -> Path:
        return Path(self.paths.run_dir) / 'https'

    settings = property(lambda self: self.directory / 'api.json')
    certificate = property(lambda self: self.directory / 'certificate.pem')
    private_key = property(lambda self: self.directory / 'private-key.pem')
    self_signed_certificate = property(
        lambda self: Path(self.paths.state_dir) / 'https' / 'self-signed.pem')
    self_signed_key = property(
        lambda self: Path(self.paths.state_dir) / 'https' / 'self-signed.key')

    def load(self) -> Optional[ServerSettings]:
        """The settings, or None when the service is not configured (or the
        file is unreadable, which conf_mode rewrites at the next commit)."""
        text = read_text(self.settings)
        if text is None:
            return None
        try:
            return ServerSettings.from_json(text)
        except (ValueError, TypeError, KeyError):
            return None

    def stamp(self) -> Optional[tuple]:
        """Changes whenever the settings file is replaced (atomic renames
        give a new inode), so the server can notice cheaply."""
        try:
            status = os.stat(self.settings)
        except FileNotFoundError:
            return None
        return status.st_ino, status.st_mtime_ns, status.st_size

    def write(self, settings: ServerSettings, certificate_pem: Optional[str],
              key_pem: Optional[str]) -> None:
        if certificate_pem is not None and key_pem is not None:
            write_atomic(self.private_key, key_pem, mode=0o600)
            write_atomic(self.certificate, certificate_pem, mode=0o644)
        else:
            remove_durable(self.certificate)
            remove_durable(self.private_key)
        write_atomic(self.settings, settings.to_json(), mode=0o600)

    def remove(self) -> None:
        for path in (self.settings, self.certificate, self.private_key):
            remove_durable(path)
