"""Typed op-mode functions: one function serves the CLI and the API.

An op-mode script is a module of plain functions such as
``show_flows(environment, raw: bool, top: Optional[int] = None, …)``. Command
arguments map to parameters through their type hints (``--top 10``; a bool is
a flag; ``Literal[...]`` restricts choices). ``raw`` selects JSON-ready data
(dicts and lists with stable snake_case keys) instead of text for people;
``environment`` (where files live) is supplied by the runner, never typed.
"""

from __future__ import annotations

import json
import re
import typing
from types import ModuleType
from typing import Any, Callable, Optional

from vyflow.errors import IncorrectValue, VyflowError
from vyflow.text import decimal, quoted

EXPOSED_PREFIXES = ('show', 'clear', 'reset', 'restart')
INJECTED = ('environment', 'raw')


def _convert(name: str, text: Optional[str], hint: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin is typing.Union:  # Optional[T]
        inner = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _convert(name, text, inner[0])
    if hint is bool:
        return True
    if origin is typing.Literal:
        choices = typing.get_args(hint)
        if text not in choices:
            raise IncorrectValue(f'{name.replace("_", "-")} must be one of: {", ".join(choices)}')
        return text
    if hint is int:
        number = None if text is None else decimal(text)
        if number is None:
            raise IncorrectValue(f'{name.replace("_", "-")} must be a non-negative number in '
                                 f'digits 0-9, not {quoted(text or "")}')
        return number
    return text


def parse_arguments(function: Callable, argv: list[str]) -> dict:
    """Map ``--name value`` words (or VyOS-style ``name value`` option words)
    onto the function's typed parameters."""
    hints = typing.get_type_hints(function)
    kwargs: dict = {}
    index = 0
    while index < len(argv):
        option = argv[index]
        name = option.removeprefix('--').replace('-', '_')
        if name not in hints or name in INJECTED or name == 'return':
            raise IncorrectValue(f'unexpected argument "{option}"')
        if hints[name] is bool:
            kwargs[name] = True
            index += 1
            continue
        if index + 1 >= len(argv):
            raise IncorrectValue(f'{option} needs a value')
        kwargs[name] = _convert(name, argv[index + 1], hints[name])
        index += 2
    return kwargs


def error_object(error: VyflowError) -> dict:
    """An error as JSON-ready data, for callers that asked for JSON: the kind
    (``data_unavailable``, ``unconfigured_subsystem``, ``incorrect_value``…)
    and the operator's message."""
    kind = re.sub(r'(?<!^)(?=[A-Z])', '_', type(error).__name__).lower()
    return {'error': {'kind': kind, 'message': str(error)}}


def call(module: ModuleType, argv: list[str], *, raw: bool, environment) -> Optional[str]:
    """Run ``argv[0]`` of ``module`` with the remaining words; returns text to print."""
    if not argv or not argv[0].startswith(EXPOSED_PREFIXES) or argv[0].startswith('_'):
        raise IncorrectValue(f'no such operational function: {argv[:1]}')
    function = getattr(module, argv[0], None)
    if not callable(function):
        raise IncorrectValue(f'{module.__name__} has no function {argv[0]}')
    kwargs = parse_arguments(function, argv[1:])
    hints = typing.get_type_hints(function)
    if 'environment' in hints:
        kwargs['environment'] = environment
    if 'raw' in hints:
        kwargs['raw'] = raw
    result = function(**kwargs)
    if raw:
        return json.dumps(result, indent=2, sort_keys=False)
    return result if isinstance(result, str) else None
