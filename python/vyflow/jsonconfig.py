"""Configs given as JSON (``vyflow load --json FILE``).

The JSON is the config dict (the shape ``get_config_dict`` returns, keys not
mangled). It is checked against the JSON Schema compiled from the definitions
before anything is accepted; the schema's ``x-vyflow-validator`` keyword runs
the same in-process validators as ``set``. Then it becomes a tree. Nesting is
bounded as in config.boot (parser.MAX_DEPTH), so no recursive check can
overflow the stack.
"""

from __future__ import annotations

import json
from typing import Any

from vyflow.atomicfile import OWN, Policy, read_text
from vyflow.configtree import ConfigNode
from vyflow.configtree.parser import MAX_DEPTH
from vyflow.definitions.config_schema import VALIDATOR_KEYWORD
from vyflow.definitions.model import Definition, Definitions
from vyflow.errors import ConfigError
from vyflow.paths import read_compiled
from vyflow.safepath import StrPath
from vyflow.text import shown


def _validator_class():
    import jsonschema
    from jsonschema import validators

    from vyflow.validators import compile_validator

    def check_with_validator(validator, spec, instance, schema):
        if isinstance(instance, str):
            reason = compile_validator(spec[0], spec[1])(instance)
            if reason is not None:
                yield jsonschema.ValidationError(reason)

    return validators.extend(jsonschema.Draft7Validator, {VALIDATOR_KEYWORD: check_with_validator})


def schema_problems(data: Any, schema: dict) -> list[str]:
    """Every schema violation as ``path: message``."""
    validator = _validator_class()(schema)
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        where = ' '.join(map(str, error.absolute_path)) or '(top level)'
        problems.append(f'[{shown(where)}] {shown(error.message)}')
    return problems


def load_json_config(path: StrPath, schema_path: StrPath, definitions: Definitions,
                     policy: Policy = OWN) -> ConfigNode:
    """Read, validate and convert a JSON config; ConfigError lists problems."""
    where = shown(str(path))
    try:
        text = read_text(path, policy)
        if text is None:
            raise ConfigError(f'{where}: no such file')
        data = json.loads(text)
    except UnicodeDecodeError as exc:
        raise ConfigError(f'{where}: not UTF-8 text ({exc.reason})') from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f'{where}:{exc.lineno}:{exc.colno}: not a JSON configuration: '
                          f'{exc.msg}') from None
    except RecursionError:
        raise ConfigError(f'{where}: JSON nested too deeply') from None
    if not isinstance(data, dict):
        raise ConfigError(f'{where}: not a JSON configuration (an object at the top level)')
    if _depth(data) > MAX_DEPTH:
        raise ConfigError(f'{where}: nested more than {MAX_DEPTH} levels deep')
    schema = read_compiled(schema_path)
    problems = schema_problems(data, schema)
    if problems:
        raise ConfigError(f'{where} does not match the configuration schema:\n'
                          + '\n'.join(problems))
    return tree_from_dict(data, definitions.root)


def _depth(data: Any) -> int:
    """How deeply objects and lists nest (iteratively: any depth is measured)."""
    deepest, pending = 0, [(data, 1)]
    while pending:
        item, depth = pending.pop()
        deepest = max(deepest, depth)
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def tree_from_dict(data: dict, definition: Definition) -> ConfigNode:
    root = ConfigNode()
    _fill(root, data, definition)
    return root


def _fill(node: ConfigNode, data: dict, definition: Definition | None) -> None:
    children = definition.children if definition is not None else {}
    for name, value in data.items():
        child_definition = children.get(name)
        child = ConfigNode(name)
        node.children[name] = child
        if child_definition is not None and child_definition.is_tag:
            child.is_tag = True
            for tag_value, instance_data in value.items():
                instance = ConfigNode(tag_value)
                child.children[tag_value] = instance
                _fill(instance, instance_data, child_definition)
        elif isinstance(value, str):
            child.values = [value]
        elif isinstance(value, list):
            child.values = [str(item) for item in value]
        elif value and not (child_definition is not None and child_definition.is_leaf):
            _fill(child, value, child_definition)
