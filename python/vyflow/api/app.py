"""The routes, and what every request goes through first.

Order for a request: allow-client (403), body size (413), the failure limit
for its address (429), parsing (400/422), the key (401), then the operation
in a worker thread. Every answer is the envelope; an operation error is a 400
carrying the CLI's message; anything unexpected is logged with its traceback
and answered with a 500 that says nothing more. Secret values (configured
keys, or one a request is setting) are scrubbed from every text answer.
"""

from __future__ import annotations

import logging
import math
import socket
from typing import Any, Callable

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from vyflow import __version__
from vyflow.api.auth import identify
from vyflow.api.committer import Committer
from vyflow.api.configfile import config_file
from vyflow.api.protocol import (INTERNAL_ERROR, KEY_REQUIRED, ApiError, envelope,
                                 read_request)
from vyflow.api.retrieve import retrieve
from vyflow.api.sessions import apply_commands, parse_configure, submitted_secrets
from vyflow.api.show import OpMode
from vyflow.api.state import ServerState
from vyflow.errors import VyflowError
from vyflow.definitions.masking import redact

log = logging.getLogger('vyflow.api')

# VyOS endpoints that act on a whole router: answered clearly, never a 404.
UNSUPPORTED = ('generate', 'reset', 'reboot', 'poweroff', 'image', 'container-image',
               'import-pki', 'traceroute', 'renew', 'configure-section', 'graphql')


def _scrub(value: Any, secrets: set[str]) -> Any:
    return redact(value, secrets) if isinstance(value, str) else value


class Api:
    """The operations behind the routes, with the checks they share."""

    def __init__(self, state: ServerState):
        self.state = state
        self.committer = Committer(state.environment, state.definitions)
        self.opmode = OpMode(state.environment)

    async def handle(self, request: Request, work: Callable[[dict, str], Any]):
        client = request.client.host if request.client else ''
        try:
            secrets = set(self.state.running().secrets)
        except VyflowError as exc:      # a damaged running config: where, never what it holds
            log.error('cannot read the running configuration (%s at %s:%s)', type(exc).__name__,
                      getattr(exc, 'line', '?'), getattr(exc, 'column', '?'))
            return envelope(error=INTERNAL_ERROR, status=500)
        try:
            wait = self.state.limiter.retry_after(client)
            if wait:
                raise ApiError(f'Too many failed authentications from {client}; try again '
                               f'in {math.ceil(wait)} s', 429,
                               {'Retry-After': str(math.ceil(wait))})
            parsed = await read_request(request)
            settings = self.state.settings()
            key_id = identify(parsed.key, settings.settings.keys) if settings else None
            if key_id is None:
                self.state.limiter.failed(client)
                log.warning('%s %s: no valid key', client, request.url.path)
                raise ApiError(KEY_REQUIRED, 401)
            result = await run_in_threadpool(self._run, work, parsed.data, key_id, secrets)
        except ApiError as exc:
            return envelope(error=_scrub(str(exc), secrets), status=exc.status,
                            headers=exc.headers)
        # changes are worth a line in the log; reads (retrieve, show) only when debugging
        level = logging.DEBUG if request.url.path in ('/retrieve', '/show') else logging.INFO
        log.log(level, '%s %s: key %s: done', client, request.url.path, key_id)
        return envelope(_scrub(result, secrets))

    def _run(self, work: Callable[[dict, str], Any], data: dict, key_id: str,
             secrets: set[str]) -> Any:
        try:
            return work(data, key_id)
        except ApiError:
            raise
        except VyflowError as exc:
            raise ApiError(str(exc)) from None
        except Exception:
            log.exception('internal error answering a request of key %s', key_id)
            raise ApiError(INTERNAL_ERROR, 500) from None

    # ---- operations (run in a worker thread) ---------------------------

    def retrieve(self, data: dict, key_id: str) -> Any:
        return retrieve(self.state.running(), data)

    def configure(self, data: dict, key_id: str) -> Any:
        request = parse_configure(data)
        if request.confirm_only:
            return self.committer.confirm()
        settings = self.state.settings()
        strict = settings is not None and settings.settings.strict
        definitions = self.state.definitions
        secrets = submitted_secrets(request.commands, definitions)
        try:
            output = self.committer.commit(
                lambda base: apply_commands(base, request.commands, definitions, strict),
                key_id, confirm_minutes=request.confirm_minutes)
        except (ApiError, VyflowError) as exc:
            raise ApiError(redact(str(exc), secrets), getattr(exc, 'status', 400)) from None
        return redact(output, secrets).strip('\n') or None

    def config_file(self, data: dict, key_id: str) -> Any:
        return config_file(data, key_id, self.state.paths, self.state.definitions,
                           self.committer)

    def show(self, data: dict, key_id: str) -> Any:
        return self.opmode.show(data)

    def unsupported(self, data: dict, key_id: str) -> Any:
        raise ApiError('This endpoint is not supported by vyflow, which manages flow '
                       'accounting and its own API, not the whole router')


def build_app(state: ServerState) -> ASGIApp:
    api = Api(state)
    app = FastAPI(title='vyflow API', version=__version__, docs_url=None, redoc_url=None,
                  openapi_url=None)
    routes = {'retrieve': api.retrieve, 'configure': api.configure,
              'config-file': api.config_file, 'show': api.show}
    routes.update({name: api.unsupported for name in UNSUPPORTED})
    for name, work in routes.items():
        app.add_api_route(f'/{name}', _route(api, work), methods=['POST'])
    app.add_api_route('/info', _info, methods=['GET'])

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        return envelope(error=str(exc.detail), status=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_query(request: Request, exc: RequestValidationError):
        return envelope(error='Invalid query: ' + '; '.join(
            f'{".".join(map(str, error["loc"]))}: {error["msg"]}' for error in exc.errors()),
            status=400)

    return Guard(app, state)


def _route(api: Api, work: Callable[[dict, str], Any]):
    async def route(request: Request):
        return await api.handle(request, work)
    return route


async def _info(version: bool = True, hostname: bool = True):
    """Version and host name, without a key (as VyOS; allow-client still applies)."""
    return envelope({'version': f'vyflow {__version__}' if version else '',
                     'hostname': socket.gethostname() if hostname else '', 'banner': ''})


class Guard:
    """ASGI wrapper: the service is configured, the client is allowed, and
    the body fits ``request-body-size-limit`` (read here, whole, before the
    application sees any of it, whatever the transfer encoding)."""

    def __init__(self, app: ASGIApp, state: ServerState):
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        active = self.state.settings()
        client = scope.get('client') or ('', 0)
        if active is None:
            await self._refuse(send, scope, 503, 'The API is not configured (service https)')
            return
        if not active.admits(client[0]):
            await self._refuse(send, scope, 403, 'Client address not allowed')
            return
        limit = active.settings.body_limit
        too_large = f'Request body larger than {limit // (1024 * 1024)} MiB ' \
                    '(service https request-body-size-limit)'
        declared = dict(scope['headers']).get(b'content-length', b'0')
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(send, scope, 413, too_large)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message['type'] != 'http.request':
                return          # the client went away
            body += message.get('body', b'')
            if len(body) > limit:
                await self._refuse(send, scope, 413, too_large)
                return
            if not message.get('more_body'):
                break
        await self.app(scope, _replay(bytes(body), receive), send)

    @staticmethod
    async def _refuse(send: Send, scope: Scope, status: int, message: str) -> None:
        response = envelope(error=message, status=status, headers={'Connection': 'close'})
        await response(scope, None, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> dict:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {'type': 'http.request', 'body': body, 'more_body': False}
    return replayed
