#!/usr/bin/python3
"""conf_mode for ``service https`` (and the ``pki certificate`` it uses).

get_config reads the service, the certificate it names and what the server
runs with now; verify refuses a service without a key, duplicate keys and a
certificate that is missing, unreadable or not matching its key; generate
writes the server's settings (key digests, never keys) and the certificate
files; apply starts, restarts or stops vyflow-https.service through systemd —
only when a listening socket is affected, since the server picks up new keys
and limits by itself. Under ``--root`` (or ``--dry-run``) apply only says what
it would do (and ``--dry-run`` writes nothing). Inside the API server itself a restart or stop is queued
(``--no-block``), so the request that asked for it still gets its answer.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
from dataclasses import dataclass
from typing import Optional

from vyflow.api.settings import (DEFAULT_LISTEN, SERVER_ENV, UNIT, ServerSettings,
                                 SettingsFiles, key_digest)
from vyflow.base import ConfigError, warn
from vyflow.config import Config, RunEnvironment
from vyflow.errors import ApplyError

BASE = ['service', 'https']
KEYS = BASE + ['api', 'keys', 'id']


@dataclass
class HttpsService:
    environment: RunEnvironment
    files: SettingsFiles
    config: Optional[dict] = None           # None: service https is not configured
    certificates: Optional[dict] = None     # pki certificate
    settings: Optional[ServerSettings] = None
    # what the server ran with before this script wrote its settings (read in
    # generate, so a second run in the same commit, for pki, sees the first's)
    previous: Optional[ServerSettings] = None
    certificate_pem: Optional[str] = None
    key_pem: Optional[str] = None


def get_config(config: Config) -> HttpsService:
    service = HttpsService(config.environment, SettingsFiles(config.environment.paths))
    if config.exists(BASE):
        service.config = config.get_config_dict(BASE, key_mangling=('-', '_'),
                                                get_first_key=True, no_tag_node_value_mangle=True,
                                                with_recursive_defaults=True)
        service.certificates = config.get_config_dict(['pki', 'certificate'],
                                                      get_first_key=True,
                                                      no_tag_node_value_mangle=True)
    return service


def _pem(kind: str, body: str) -> str:
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return '\n'.join([f'-----BEGIN {kind}-----', *lines, f'-----END {kind}-----', ''])


def _verify_certificate(service: HttpsService, name: str) -> None:
    path = BASE + ['certificates', 'certificate']
    entry = (service.certificates or {}).get(name)
    if entry is None or 'certificate' not in entry or 'key' not in entry.get('private', {}):
        raise ConfigError(f'Certificate "{name}" needs "pki certificate {name} certificate" '
                          f'and "pki certificate {name} private key"', path)
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    service.certificate_pem = _pem('CERTIFICATE', entry['certificate'])
    service.key_pem = _pem('PRIVATE KEY', entry['private']['key'])
    try:
        certificate = x509.load_pem_x509_certificate(service.certificate_pem.encode())
        key = serialization.load_pem_private_key(service.key_pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f'pki certificate {name}: not a usable certificate and unencrypted '
                          f'PKCS#8 private key ({exc})', ['pki', 'certificate', name]) from None
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if (certificate.public_key().public_bytes(serialization.Encoding.DER, public)
            != key.public_key().public_bytes(serialization.Encoding.DER, public)):
        raise ConfigError(f'pki certificate {name}: the private key does not belong to the '
                          'certificate', ['pki', 'certificate', name])


SERVER_MODULES = {'fastapi': 'python3-fastapi', 'uvicorn': 'python3-uvicorn',
                  'multipart': 'python3-multipart', 'cryptography': 'python3-cryptography'}


def verify(service: HttpsService) -> None:
    if service.config is None:
        return
    https = service.config
    missing = [package for module, package in SERVER_MODULES.items()
               if importlib.util.find_spec(module) is None]
    if missing:
        raise ConfigError(f'The HTTPS API needs {", ".join(missing)}: install '
                          f'{"it" if len(missing) == 1 else "them"} (apt install '
                          f'{" ".join(missing)}) and commit again', BASE)
    keys = https.get('api', {}).get('keys', {}).get('id', {})
    if not keys:
        raise ConfigError('The API needs at least one key: set service https api keys id ID '
                          'key KEY', KEYS)
    seen: dict[str, str] = {}
    for key_id, entry in keys.items():
        if 'key' not in entry:
            raise ConfigError(f'Key ID "{key_id}" has no key: set service https api keys id '
                              f'{key_id} key KEY', KEYS + [key_id])
        if entry['key'] in seen:
            raise ConfigError(f'Key IDs "{seen[entry["key"]]}" and "{key_id}" have the same '
                              'key: give each client its own, so the ID says who committed',
                              KEYS + [key_id])
        seen[entry['key']] = key_id
    name = https.get('certificates', {}).get('certificate')
    if name:
        _verify_certificate(service, name)
    else:
        warn('service https: no certificate configured, so a self-signed one is used '
             '(clients must skip verification or pin it); set service https certificates '
             'certificate NAME for your own')
    if 'listen_address' not in https:
        warn('service https: no listen-address, so the API is reachable from this host only '
             f'({" and ".join(DEFAULT_LISTEN)}); set service https listen-address to serve '
             'it on the network')


def _writes(service: HttpsService) -> bool:
    """``--dry-run`` on a real system changes nothing; a sandbox root (tests,
    demos) is its own system, whose settings a sandboxed server reads."""
    return not service.environment.dry_run or service.environment.paths.sandboxed


def generate(service: HttpsService) -> None:
    service.previous = service.files.load()
    if service.config is None:
        if _writes(service):
            service.files.remove()
        return
    https = service.config
    keys = https['api']['keys']['id']
    certificate_digest = None
    if service.certificate_pem is not None:
        certificate_digest = hashlib.sha256(
            (service.certificate_pem + service.key_pem).encode()).hexdigest()
    service.settings = ServerSettings(
        keys={key_id: key_digest(entry['key']) for key_id, entry in keys.items()},
        port=int(https['port']),
        listen=tuple(_as_list(https.get('listen_address'))) or DEFAULT_LISTEN,
        vrf=https.get('vrf'),
        allow_clients=tuple(_as_list(https.get('allow_client', {}).get('address'))),
        body_limit=int(https['request_body_size_limit']) * 1024 * 1024,
        tls_versions=tuple(sorted(_as_list(https['tls_version']))),
        certificate=str(service.files.certificate) if certificate_digest else None,
        private_key=str(service.files.private_key) if certificate_digest else None,
        certificate_digest=certificate_digest,
        strict='strict' in https['api'].get('rest', {}))
    if _writes(service):
        service.files.write(service.settings, service.certificate_pem, service.key_pem)


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _action(previous: Optional[ServerSettings], current: Optional[ServerSettings]) -> str:
    if current is None:
        return 'stop'
    if previous is None:
        return 'start'
    if previous.listener() != current.listener():
        return 'restart'
    return 'start'      # running already: a no-op; stopped or failed: started again


def apply(service: HttpsService) -> None:
    if service.settings is None and service.previous is None:
        return
    action = _action(service.previous, service.settings)
    environment = service.environment
    if environment.dry_run:
        reason = 'a sandbox root' if environment.paths.sandboxed else 'vyflow --dry-run'
        print(f'service https (dry run, {reason}): would {action} {UNIT}')
        return
    argv = ['systemctl', action, UNIT]
    if os.environ.get(SERVER_ENV) and action in ('restart', 'stop'):
        argv.insert(1, '--no-block')    # this very server: answer first, then go
        print(f'service https: the API server will {action} after this request')
    try:
        result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ApplyError(f'service https: cannot run "{" ".join(argv)}": {exc}') from None
    if result.returncode != 0:
        raise ApplyError(f'service https: "{" ".join(argv)}" failed: '
                         f'{(result.stderr or result.stdout).strip()} '
                         f'(see "journalctl -u {UNIT}")')
