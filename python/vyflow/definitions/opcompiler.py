"""Compile op-mode definition XML into the op-mode cache.

Each word of an operational command is a node; ``<command>`` says what runs,
written VyOS-style (``${vyos_op_scripts_dir}/x.py show --host "$6"``). The
command is split into argv words here, at build time, and ``$N`` may only
stand for a whole word, so a typed value can never become shell syntax.

A command ending in the word ``$*`` takes options: its command-less tagNode
children may follow it in any order, each once (``flows top 10 host 192.0.2.1``);
``$*`` becomes those typed words, each one argument.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Iterable

from lxml import etree

from vyflow.definitions.compiler import CACHE_FORMAT, compile_help, load_schema, parse_expanded
from vyflow.errors import DefinitionError

_KINDS = {'node': 'node', 'tagNode': 'tag', 'leafNode': 'leaf'}
_POSITIONAL = re.compile(r'\$(\d+)')
KNOWN_VARIABLES = ('${vyos_op_scripts_dir}', '${vyos_completion_dir}')


def _compile_command(text: str, depth: int, where: str) -> list[str]:
    try:
        argv = shlex.split(text)
    except ValueError as exc:
        raise DefinitionError(f'{where}: command cannot be split into words: {exc}') from None
    if not argv:
        raise DefinitionError(f'{where}: empty command')
    if argv[0] == 'sudo':
        argv = argv[1:]  # vyflow already runs with the privileges it needs
    for index, word in enumerate(argv):
        positions = _POSITIONAL.findall(word)
        if positions and not _POSITIONAL.fullmatch(word):
            raise DefinitionError(f'{where}: "{word}": a $N reference must be a whole word')
        for position in positions:
            if not 1 <= int(position) <= depth:
                raise DefinitionError(f'{where}: ${position} is beyond the {depth} words of '
                                      'this command')
        if word == '$*':
            if index != len(argv) - 1:
                raise DefinitionError(f'{where}: $* must be the last word of a command')
            continue
        if '$' in word and not positions and not word.startswith(KNOWN_VARIABLES):
            raise DefinitionError(f'{where}: unknown variable in "{word}"')
    return argv


def _compile_node(element: etree._Element, expanded, depth: int,
                  takes_options: bool = False) -> dict:
    where = expanded.origin(element.sourceline)
    entry: dict = {'kind': _KINDS[element.tag], 'source': where}
    properties = element.find('properties')
    if properties is not None:
        compile_help(properties, entry)
    command = element.findtext('command')
    if command is not None:
        entry['command'] = _compile_command(command, depth, where)
        takes_options = entry['command'][-1] == '$*'
        if takes_options:
            entry['options'] = True
    container = element.find('children')
    if command is None and container is None and not takes_options:
        raise DefinitionError(f'{where}: "{element.get("name")}" has neither a command nor '
                              'children, and no ancestor command takes options ($*)')
    if container is not None:
        children: dict = {}
        for child in container:
            name = child.get('name')
            if name in children:
                raise DefinitionError(f'{expanded.origin(child.sourceline)}: "{name}" is '
                                      'defined twice here')
            # A tag node consumes two words: its name and the typed value.
            children[name] = _compile_node(child, expanded,
                                           depth + (2 if child.tag == 'tagNode' else 1),
                                           takes_options)
        entry['children'] = children
    return entry


def _merge(into: dict, entry: dict, path: str) -> None:
    if into['kind'] != entry['kind'] or ('command' in into and 'command' in entry):
        raise DefinitionError(f'{entry["source"]}: "{path}" is already defined at {into["source"]}')
    for key, value in entry.items():
        if key != 'children':
            into.setdefault(key, value)
    for name, child in entry.get('children', {}).items():
        children = into.setdefault('children', {})
        if name in children:
            _merge(children[name], child, f'{path} {name}')
        else:
            children[name] = child


def compile_op_files(paths: Iterable[Path], schema_path: Path) -> dict:
    """Compile and merge op-mode files into one cache dict."""
    schema = load_schema(schema_path)
    root: dict = {'kind': 'node', 'source': '<root>', 'children': {}}
    for path in sorted(paths):
        element, expanded = parse_expanded(path, schema)
        for child in element:
            name = child.get('name')
            entry = _compile_node(child, expanded, 2 if child.tag == 'tagNode' else 1)
            if name in root['children']:
                _merge(root['children'][name], entry, name)
            else:
                root['children'][name] = entry
    return {'format': CACHE_FORMAT, 'tree': root}
