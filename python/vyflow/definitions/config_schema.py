"""Derive a JSON Schema for the config dict from the compiled definitions.

The dict is the shape ``Config.get_config_dict`` returns without mangling:
nodes and tag nodes are objects (tag values as keys), a valueless leaf is ``{}``,
a leaf value is a string, a multi leaf a list of strings (one string accepted).
Regex constraints become anchored patterns, pure alternations of literals
become enumerations, and validators (numeric ranges, addresses, …) are kept as
an ``x-vyflow-validator`` keyword that ``vyflow.jsonconfig`` enforces with the
same in-process validators ``set`` uses. Sections the definitions do not know,
outside any owned subtree (``interfaces``, ``system host-name``), are allowed in
any config shape: they are kept verbatim, never applied.
"""

from __future__ import annotations

import re
from typing import Optional

_LITERAL_ALTERNATION = re.compile(r'^\(?((?:[A-Za-z0-9_.-]+\|)*[A-Za-z0-9_.-]+)\)?$')
VALIDATOR_KEYWORD = 'x-vyflow-validator'


def _constraint_schema(constraint: list) -> dict:
    if constraint[0] == 'regex':
        literal = _LITERAL_ALTERNATION.match(constraint[1])
        if literal and '(' not in literal.group(1):
            return {'enum': literal.group(1).split('|')}
        return {'pattern': f'^(?:{constraint[1]})$'}
    return {VALIDATOR_KEYWORD: [constraint[1], constraint[2]]}


def value_schema(entry: dict) -> dict:
    """Schema for one value of a leaf (or one tag value)."""
    schema: dict = {'type': 'string', 'pattern': '^[^\\x00-\\x1f\\x7f]*$'}
    constraints = [_constraint_schema(c) for c in entry.get('constraints', [])]
    if len(constraints) == 1:
        schema.update(constraints[0])
        if 'enum' in constraints[0]:
            del schema['pattern']
    elif constraints:
        schema['anyOf'] = constraints
    return schema


def _describe(schema: dict, entry: dict) -> dict:
    if entry.get('help'):
        schema['description'] = entry['help']
    if 'default' in entry and entry['kind'] == 'leaf':
        schema['default'] = entry['default']
    return schema


def node_schema(entry: dict, owned: bool = False) -> dict:
    """Outside any owned subtree, unknown children are foreign sections
    (kept verbatim, as when a config.boot is loaded); inside, they are errors."""
    kind = entry['kind']
    owned = owned or 'owner' in entry
    if kind == 'leaf':
        if entry.get('valueless'):
            return _describe({'type': 'object', 'maxProperties': 0}, entry)
        one = value_schema(entry)
        if entry.get('multi'):
            many = {'type': 'array', 'items': one, 'minItems': 1}
            return _describe({'anyOf': [one, many]}, entry)
        return _describe(one, entry)
    children = {name: node_schema(child, owned)
                for name, child in entry.get('children', {}).items()}
    body = {'type': 'object', 'properties': children,
            'additionalProperties': False if owned else {'$ref': '#/definitions/foreign'}}
    if kind == 'tag':
        return _describe({'type': 'object', 'propertyNames': value_schema(entry),
                          'additionalProperties': body}, entry)
    return _describe(body, entry)


# A section this system does not define: any config shape (nodes, values, lists).
FOREIGN = {'anyOf': [{'type': 'string'}, {'type': 'array', 'items': {'type': 'string'}},
                     {'type': 'object', 'additionalProperties': {'$ref': '#/definitions/foreign'}}]}


def config_schema(cache: dict, title: Optional[str] = 'vyflow configuration') -> dict:
    root = node_schema(cache['tree'])
    return {'$schema': 'http://json-schema.org/draft-07/schema#', 'title': title,
            'definitions': {'foreign': FOREIGN}, **root}
