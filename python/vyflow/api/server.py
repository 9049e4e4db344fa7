"""Run the API server: sockets, TLS, uvicorn.

The listening sockets are made here, not by uvicorn, so each can be bound to
exactly the configured addresses (IPv6 sockets v6-only, no wildcard) and to
the VRF (``SO_BINDTODEVICE``). When they are all bound, systemd is told the
service is ready (``Type=notify``), so ``systemctl restart`` in a commit
waits for the server and fails, undoing the commit, when it cannot listen.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from typing import Optional

from vyflow.api.settings import DEFAULT_LISTEN, SERVER_ENV, ServerSettings, SettingsFiles
from vyflow.api.tls import ensure_self_signed, server_context
from vyflow.paths import Paths

log = logging.getLogger('vyflow.api')


class ServerError(Exception):
    """The server cannot start; the message says why."""


def listening_sockets(settings: ServerSettings) -> list[socket.socket]:
    sockets, problems = [], []
    for address in settings.listen:
        family = socket.AF_INET6 if ':' in address else socket.AF_INET
        # IPPROTO_TCP by name: asyncio sets TCP_NODELAY on accepted connections
        # only then, and without it every answer waits out a delayed ACK (40 ms)
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            if settings.vrf:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE,
                                settings.vrf.encode())
            sock.bind((address, settings.port))
            sock.listen(128)
        except OSError as exc:
            sock.close()
            problems.append(f'cannot listen on {address} port {settings.port}'
                            + (f' in VRF {settings.vrf}' if settings.vrf else '')
                            + f': {exc.strerror or exc}')
            continue
        sockets.append(sock)
    # The default pair is best effort (a host may have IPv6 disabled); a
    # configured address that cannot be bound is an error.
    if problems and (settings.listen != DEFAULT_LISTEN or not sockets):
        for sock in sockets:
            sock.close()
        raise ServerError('; '.join(problems))
    for problem in problems:
        log.warning('%s', problem)
    return sockets


def _tls_files(settings: ServerSettings, files: SettingsFiles) -> tuple:
    if settings.certificate and settings.private_key:
        return settings.certificate, settings.private_key
    if ensure_self_signed(files.self_signed_certificate, files.self_signed_key,
                          settings.listen):
        log.warning('generated a self-signed certificate (%s); set service https '
                    'certificates certificate to use your own', files.self_signed_certificate)
    else:
        log.warning('using the self-signed certificate %s', files.self_signed_certificate)
    return files.self_signed_certificate, files.self_signed_key


def notify_ready() -> None:
    """sd_notify(READY=1) when started by systemd with Type=notify."""
    target = os.environ.get('NOTIFY_SOCKET')
    if not target:
        return
    if target.startswith('@'):
        target = '\0' + target[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.sendto(b'READY=1', target)


def serve(paths: Paths, dry_run: bool) -> int:
    """Run until SIGTERM; the exit code for the process."""
    import ssl

    import uvicorn

    from vyflow.api.app import build_app
    from vyflow.api.state import ServerState

    os.environ[SERVER_ENV] = '1'
    state = ServerState(paths, dry_run)
    active = state.settings()
    try:
        if active is None:
            raise ServerError(f'service https is not configured ({state.files.settings} '
                              'is missing): commit a "service https api keys" configuration')
        settings = active.settings
        certificate, key = _tls_files(settings, state.files)
        try:
            context = server_context(certificate, key, settings.tls_versions)
        except (OSError, ssl.SSLError) as exc:
            raise ServerError(f'cannot use the certificate {certificate}: {exc}') from None
        sockets = listening_sockets(settings)
    except ServerError as exc:
        log.error('%s', exc)
        return 1
    config = uvicorn.Config(build_app(state), log_config=None, server_header=False,
                            proxy_headers=False, lifespan='off', ws='none',
                            timeout_keep_alive=15, limit_concurrency=64)
    config.load()
    config.ssl = context
    log.info('listening on %s (TLS %s)',
             ', '.join(f'{a} port {settings.port}' for a in settings.listen),
             ' and '.join(settings.tls_versions))
    notify_ready()
    uvicorn.Server(config).run(sockets=sockets)
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    import argparse
    parser = argparse.ArgumentParser(prog='python3 -m vyflow.api',
                                     description='The vyflow HTTPS API server (service https)')
    parser.add_argument('--root', help='keep every file under DIR (tests, demos): commits '
                                       'there only plan system changes')
    parser.add_argument('--dry-run', action='store_true',
                        help='plan system changes instead of making them')
    options = parser.parse_args(argv)
    paths = Paths.from_root(options.root)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format='%(levelname)s %(name)s: %(message)s')
    from vyflow.cli.context import Context
    Context(paths).open_log()        # internal errors and commit-confirm reverts, as the CLI
    return serve(paths, options.dry_run or paths.sandboxed)
