"""Compile interface-definition XML into the runtime cache (a JSON-ready dict).

Pipeline per file: expand includes -> parse -> validate against our RelaxNG
schema -> check what a schema cannot (owner needs priority, regexes compile,
validators exist with valid arguments, defaults satisfy constraints, no
priority inversion) -> merge every file into one tree. Every error names the
file and line the author wrote, so a broken definition fails the build there.

Cache entry keys (omitted when empty/false): kind (node|tag|leaf), children,
help, value_help [[format, description]], constraints [["regex", re] |
["validator", name, argument]], constraint_error, completion {list, path,
script}, multi, valueless, default, priority, owner, hidden, secret, source.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Optional

from lxml import etree

from vyflow.definitions.transclude import Expanded, expand
from vyflow.errors import DefinitionError

CACHE_FORMAT = 1
_KINDS = {'node': 'node', 'tagNode': 'tag', 'leafNode': 'leaf'}
_FLAGS = ('multi', 'valueless', 'hidden', 'secret')


def load_schema(path: Path) -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(path)))


def parse_expanded(path: Path, schema: etree.RelaxNG) -> tuple[etree._Element, Expanded]:
    """Expand and parse one file, validating it against ``schema``."""
    expanded = expand(path)
    parser = etree.XMLParser(remove_comments=True, resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(expanded.text.encode('utf-8'), parser)
    except etree.XMLSyntaxError as exc:
        raise DefinitionError(f'{expanded.origin(exc.lineno)}: XML syntax error: {exc.msg}') from None
    if not schema.validate(root):
        first = schema.error_log[0]
        raise DefinitionError(f'{expanded.origin(first.line)}: does not match the schema: '
                              f'{first.message}')
    return root, expanded


def compile_help(properties: etree._Element, entry: dict) -> None:
    """help and completionHelp, which interface and op-mode definitions share."""
    help_text = properties.findtext('help')
    if help_text:
        entry['help'] = ' '.join(help_text.split())
    completion: dict = {}
    for block in properties.findall('completionHelp'):
        for item in block:
            words = item.text.split() if item.tag == 'list' else [(item.text or '').strip()]
            completion.setdefault(item.tag, []).extend(w for w in words if w)
    if completion:
        entry['completion'] = completion


class _FileCompiler:
    """Compiles one expanded file; ``fail`` turns an element into file:line."""

    def __init__(self, expanded: Expanded):
        self.expanded = expanded

    def where(self, element: etree._Element) -> str:
        return self.expanded.origin(element.sourceline)

    def fail(self, element: etree._Element, message: str) -> DefinitionError:
        return DefinitionError(f'{self.where(element)}: {message}')

    def compile_children(self, parent: etree._Element, path: tuple,
                         parent_priority: Optional[int]) -> dict:
        children: dict = {}
        container = parent.find('children')
        if container is None:
            return children
        for element in container:
            name = element.get('name')
            if name in children:
                raise self.fail(element, f'"{name}" is defined twice under "{" ".join(path)}"')
            children[name] = self.compile_node(element, path + (name,), parent_priority)
        return children

    def compile_node(self, element: etree._Element, path: tuple,
                     parent_priority: Optional[int]) -> dict:
        entry: dict = {'kind': _KINDS[element.tag], 'source': self.where(element)}
        properties = element.find('properties')
        if properties is not None:
            self.compile_properties(properties, entry)
        owner = element.get('owner')
        if owner is not None:
            if 'priority' not in entry:
                raise self.fail(element, f'"{" ".join(path)}" has an owner but no priority '
                                         '(an owner needs a priority to order commits)')
            entry['owner'] = owner.strip()
        priority = entry.get('priority')
        if priority is not None and parent_priority is not None and priority <= parent_priority:
            raise self.fail(element, f'priority {priority} of "{" ".join(path)}" must be '
                                     f'greater than its parent\'s {parent_priority}')
        default = element.find('defaultValue')
        if default is not None:
            self.compile_default(default, entry, path)
        if entry['kind'] != 'leaf':
            children = self.compile_children(element, path, priority or parent_priority)
            if children:
                entry['children'] = children
        return entry

    def compile_properties(self, properties: etree._Element, entry: dict) -> None:
        compile_help(properties, entry)
        value_help = [[vh.findtext('format').strip(), ' '.join(vh.findtext('description').split())]
                      for vh in properties.findall('valueHelp')]
        if value_help:
            entry['value_help'] = value_help
        constraint = properties.find('constraint')
        if constraint is not None:
            entry['constraints'] = [self.compile_constraint(item) for item in constraint]
        message = properties.findtext('constraintErrorMessage')
        if message is not None:
            entry['constraint_error'] = ' '.join(message.split())
        for flag in _FLAGS:
            if properties.find(flag) is not None:
                entry[flag] = True
        priority = properties.findtext('priority')
        if priority is not None:
            entry['priority'] = int(priority)
        if entry.get('multi') and entry.get('valueless'):
            raise self.fail(properties, 'a leaf cannot be both multi and valueless')
        if entry.get('valueless') and ('constraints' in entry or 'value_help' in entry):
            raise self.fail(properties, 'a valueless leaf takes no value, so it cannot have '
                                        'a constraint or valueHelp')

    def compile_constraint(self, item: etree._Element) -> list:
        if item.tag == 'regex':
            pattern = (item.text or '').strip()
            try:
                re.compile(pattern)
            except re.error as exc:
                raise self.fail(item, f'invalid regex "{pattern}": {exc}') from None
            return ['regex', pattern]
        from vyflow.validators import ValidatorDefinitionError, compile_validator
        name, argument = item.get('name'), item.get('argument')
        try:
            compile_validator(name, argument)
        except ValidatorDefinitionError as exc:
            raise self.fail(item, f'validator "{name}": {exc}') from None
        return ['validator', name, argument]

    def compile_default(self, default: etree._Element, entry: dict, path: tuple) -> None:
        if entry.get('valueless'):
            raise self.fail(default, 'a valueless leaf cannot have a defaultValue')
        text = (default.text or '').strip()
        values = text.split() if entry.get('multi') else [text]
        from vyflow.definitions.model import Definition
        if entry['kind'] == 'leaf':
            for value in values:
                problem = Definition(path[-1], entry).check_value(value)
                if problem:
                    raise self.fail(default, f'default value of "{" ".join(path)}" is invalid: '
                                             f'{problem}')
        entry['default'] = values if entry.get('multi') else text


def _merge(into: dict, entry: dict, path: tuple) -> None:
    """Merge a node defined in several files; leaves may not be redefined."""
    if into['kind'] != entry['kind'] or entry['kind'] == 'leaf':
        raise DefinitionError(f'{entry["source"]}: "{" ".join(path)}" is already defined '
                              f'at {into["source"]}')
    for key, value in entry.items():
        if key not in ('children', 'source') and key in into and into[key] != value:
            raise DefinitionError(f'{entry["source"]}: "{" ".join(path)}" sets {key} '
                                  f'differently from {into["source"]}')
        into.setdefault(key, value)
    for name, child in entry.get('children', {}).items():
        children = into.setdefault('children', {})
        if name in children:
            _merge(children[name], child, path + (name,))
        else:
            children[name] = child


def _check_completion_paths(root: dict) -> None:
    """A completionHelp <path> must name a real node, or completion silently breaks."""
    def walk(entry: dict, path: tuple) -> None:
        for target in entry.get('completion', {}).get('path', []):
            node = root
            for word in target.split():
                node = node.get('children', {}).get(word)
                if node is None:
                    raise DefinitionError(f'{entry["source"]}: completionHelp path "{target}" '
                                          'does not name a defined node')
        for name, child in entry.get('children', {}).items():
            walk(child, path + (name,))
    walk(root, ())


def compile_files(paths: Iterable[Path], schema_path: Path) -> dict:
    """Compile and merge interface-definition files into one cache dict."""
    schema = load_schema(schema_path)
    root: dict = {'kind': 'node', 'source': '<root>'}
    versions: dict[str, int] = {}
    for path in sorted(paths):
        element, expanded = parse_expanded(path, schema)
        compiler = _FileCompiler(expanded)
        for version in element.findall('syntaxVersion'):
            component, number = version.get('component'), int(version.get('version'))
            if versions.setdefault(component, number) != number:
                raise compiler.fail(version, f'component {component} already has version '
                                             f'{versions[component]}')
        file_tree = {'kind': 'node', 'source': str(path),
                     'children': compiler.compile_children(
                         _wrap_top_level(element), (), None)}
        _merge_root(root, file_tree)
    _check_completion_paths(root)
    return {'format': CACHE_FORMAT, 'component_versions': versions, 'tree': root}


def _wrap_top_level(element: etree._Element) -> etree._Element:
    """Top-level nodes sit directly under interfaceDefinition; present them
    as a children container so one code path compiles every level."""
    wrapper = etree.Element('wrapper')
    container = etree.SubElement(wrapper, 'children')
    container.extend([child for child in element if child.tag in _KINDS])
    return wrapper


def _merge_root(root: dict, file_tree: dict) -> None:
    children = root.setdefault('children', {})
    for name, entry in file_tree['children'].items():
        if name in children:
            _merge(children[name], entry, (name,))
        else:
            children[name] = entry
