"""In-process validators for ``<constraint><validator name=… argument=…/>``.

VyOS runs each validator as a separate program per value. Our CLI is already a
fresh process per command, so validators are plain functions instead: a
definition's validator is compiled once into a ``Check`` (arguments parsed and
checked up front) and then called per value.

``compile_validator`` runs at build time for every validator in the
definitions, so an unknown name or bad argument fails the build with
``ValidatorDefinitionError``; at runtime it is called lazily and memoised.
Validator modules are imported only when one of their validators is compiled,
keeping ``import vyflow.validators`` cheap for commands that validate nothing.
"""

from __future__ import annotations

import functools

from vyflow.validators._common import Check, ValidatorDefinitionError

__all__ = ['Check', 'ValidatorDefinitionError', 'compile_validator', 'validator_names']

# Validator name -> module (in this package) whose FACTORIES holds it.
_MODULES = {
    'numeric': 'numeric',
    'ipv4-address': 'address',
    'ipv6-address': 'address',
    'ip-address': 'address',
    'ipv4-host': 'address',
    'ipv6-host': 'address',
    'ip-host': 'address',
    'ipv4-prefix': 'address',
    'ipv6-prefix': 'address',
    'ip-prefix': 'address',
    'port': 'port',
    'port-range': 'port',
    'interface-name': 'names',
    'vrf-name': 'names',
}


def validator_names() -> list[str]:
    """All validator names a definition may use, sorted."""
    return sorted(_MODULES)


def _split(text: str) -> list[str]:
    """Shell-style words; shlex (slow to import) only when quoting is used."""
    if any(char in text for char in '"\'\\'):
        import shlex
        return shlex.split(text)
    return text.split()


@functools.lru_cache(maxsize=None)
def compile_validator(name: str, argument: str | None = None) -> Check:
    """Compile ``<validator name=NAME argument=ARGUMENT/>`` into a check.

    Like VyOS, ``name`` may carry arguments itself (``"numeric --range 1-10"``);
    those words come first, then the shell-style words of ``argument``.
    Raises ValidatorDefinitionError for an unknown name or bad arguments.
    """
    import importlib

    spec = name if argument is None else f'{name} {argument}'
    try:
        words = _split(name) + (_split(argument) if argument is not None else [])
    except ValueError as exc:
        raise ValidatorDefinitionError(f'validator {spec!r}: {exc}') from None
    if not words:
        raise ValidatorDefinitionError('validator with an empty name')
    validator, args = words[0], words[1:]
    module = _MODULES.get(validator)
    if module is None:
        raise ValidatorDefinitionError(
            f'unknown validator {validator!r}; known: {", ".join(validator_names())}')
    factory = importlib.import_module(f'{__name__}.{module}').FACTORIES[validator]
    try:
        return factory(args)
    except ValidatorDefinitionError as exc:
        raise ValidatorDefinitionError(f'validator {spec!r}: {exc}') from None
