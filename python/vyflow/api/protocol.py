"""The wire format VyOS's API clients speak.

A request is a POST with either form fields ``data`` (a JSON string) and
``key``, or a JSON body carrying ``key`` itself (whatever its content type:
``curl -d`` labels JSON as a form). A ``data`` that is a list is a list of commands. Fields the
server does not use are ignored: pyvyos 0.2 sends a stray ``url`` in every
command. Every answer is ``{"success", "data", "error"}``, as JSON (VyOS sends
it as text/html with escaped error text; JSON with its own media type is
parsed the same way by every client and cannot be rendered as a page).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional, Sequence

from starlette.requests import Request
from starlette.responses import Response

FORM_TYPES = ('application/x-www-form-urlencoded', 'multipart/form-data')
INTERNAL_ERROR = 'An internal error occurred. Check the logs for details.'
KEY_REQUIRED = 'Valid API key is required'


class ApiError(Exception):
    """An answer with ``success: false``; ``status`` is the HTTP status."""

    def __init__(self, message: str, status: int = 400, headers: Optional[dict] = None):
        super().__init__(message)
        self.status = status
        self.headers = headers


@dataclass
class ApiRequest:
    key: Optional[str]
    data: dict


def envelope(data: Any = None, error: Optional[str] = None, status: int = 200,
             headers: Optional[dict] = None) -> Response:
    body = json.dumps({'success': error is None, 'data': data, 'error': error})
    return Response(body, status_code=status, media_type='application/json', headers=headers)


def _parse_json(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(f'Failed to parse JSON: {exc}') from None


async def read_request(request: Request) -> ApiRequest:
    """The key and the command data of a request (see the module doc)."""
    content_type = request.headers.get('content-type', '').split(';')[0].strip().lower()
    body = await request.body()
    # curl -d '{json}' labels its JSON as a form: a form never starts with '{'
    if content_type in FORM_TYPES and not body.lstrip().startswith(b'{'):
        try:
            form = await request.form()
        except Exception as exc:  # the multipart parser's errors have no common type
            raise ApiError(f'Malformed form data: {exc}') from None
        key, text = form.get('key'), form.get('data')
        if not isinstance(text, str) or not text.strip():
            raise ApiError('Non-empty data field is required', 422)
        data = _parse_json(text)
    else:
        data = _parse_json(body)
        if not isinstance(data, dict):
            raise ApiError('The request must be a JSON object holding "key", or form '
                           'fields "data" and "key"')
        key = data.get('key')
    if isinstance(data, list):
        data = {'commands': data}
    if not isinstance(data, dict):
        raise ApiError('"data" must be a JSON object or a list of commands')
    return ApiRequest(key if isinstance(key, str) else None, data)


def words(value: Any, field: str = 'path') -> list[str]:
    """A path: a list of strings (missing means ``[]``, as pyvyos 0.4 omits it)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(word, str) for word in value):
        raise ApiError(f'"{field}" must be a list of strings')
    return list(value)


def operation(data: dict, allowed: Sequence[str]) -> str:
    op = data.get('op')
    if not isinstance(op, str) or not op:
        raise ApiError('Missing "op" field')
    if op not in allowed:
        raise ApiError(f"'{op}' is not a valid operation (valid here: {', '.join(allowed)})")
    return op
