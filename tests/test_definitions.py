"""Definitions: compiling every XML feature, build errors at file:line, VyOS schema."""

import json
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from conftest import PROJECT_ROOT, PYTHON
from vyflow.definitions.build import build
from vyflow.definitions.compiler import compile_files
from vyflow.definitions.model import Definitions
from vyflow.errors import ConfigPathError, DefinitionError, ValueValidationError

SCHEMA = PROJECT_ROOT / 'schema' / 'interface_definition.rng'
VYOS_SCHEMAS = PROJECT_ROOT.parent / 'shared' / 'vyos-schema'


def load(tree: Path) -> Definitions:
    return Definitions(json.loads((tree / 'build' / 'definitions.json').read_text()))


def test_every_feature_is_compiled(engine_tree):
    definitions = load(engine_tree)
    assert definitions.component_versions == {'test': 2}
    alpha = definitions.lookup(['service', 'alpha'])
    assert alpha.owner.endswith('/test_service.py') and alpha.priority == 500
    port = alpha.children['port']  # from a nested #include
    assert port.default == '80' and port.value_help == [['u32:1-65535', 'Port number']]
    assert port.source.endswith('include/port.xml.i:2')
    address = alpha.children['address']
    assert address.multi and address.completion == {
        'list': ['any'], 'script': ['${vyos_completion_dir}/list_test_addresses']}
    assert address.check_value('192.0.2.1') is None and address.check_value('any') is None
    assert 'not a valid IPv4' in address.check_value('anything') or address.check_value('anything')
    assert alpha.children['names'].default == ['red', 'green']
    assert alpha.children['disable'].valueless
    assert alpha.children['debug'].hidden and alpha.children['password'].secret
    mode = alpha.children['mode']
    assert mode.check_value('fast') is None
    assert mode.check_value('fastest') == 'Mode must be fast or slow'  # whole-value match
    user = alpha.children['user']
    assert user.is_tag and user.check_value('bob') is None and user.check_value('Bob')
    assert user.children['peer'].completion == {'path': ['service beta']}
    beta = definitions.lookup(['service', 'beta', '7'])
    assert beta.is_tag and beta.priority == 300
    assert definitions.locate(['service', 'beta', '7']) == (beta, True)
    inner = definitions.lookup(['service', 'gamma', 'inner'])
    assert inner.owner.endswith('test_inner.py') and inner.priority == 800


def test_resolve_messages(engine_tree):
    definitions = load(engine_tree)
    resolved = definitions.resolve(['service', 'alpha', 'user', 'bob', 'level', 'admin'], for_set=True)
    assert resolved.path == ['service', 'alpha', 'user', 'bob', 'level']
    assert resolved.value == 'admin' and resolved.tag_flags == [False, False, True, False, False]
    with pytest.raises(ConfigPathError, match=r'\[service alpha nope\] is not valid; possible '
                                              r'completions: address, delay, disable'):
        definitions.resolve(['service', 'alpha', 'nope'], for_set=True)
    with pytest.raises(ConfigPathError, match=r'\[service alpha port\] requires a value'):
        definitions.resolve(['service', 'alpha', 'port'], for_set=True)
    with pytest.raises(ConfigPathError, match='takes no value'):
        definitions.resolve(['service', 'alpha', 'disable', 'yes'], for_set=True)
    with pytest.raises(ValueValidationError, match=r'Invalid value "Bob" for \[service alpha user\]'):
        definitions.resolve(['service', 'alpha', 'user', 'Bob'], for_set=True)
    with pytest.raises(ValueValidationError, match='"70000" is not a port number 1-65535'):
        definitions.resolve(['service', 'alpha', 'port', '70000'], for_set=True)
    with pytest.raises(ValueValidationError, match='control characters'):
        definitions.resolve(['service', 'alpha', 'names', 'a\nb'], for_set=True)


BROKEN = {
    'xml syntax': ('<interfaceDefinition>\n<node name="a">\n</interfaceDefinition>\n',
                   ':3:', 'XML syntax error'),
    'schema': ('<interfaceDefinition>\n<node name="a">\n<bogus/>\n</node>\n</interfaceDefinition>\n',
               ':3:', 'does not match the schema'),
    'multi on a node': ('<interfaceDefinition>\n<node name="a">\n<properties>\n<multi/>\n'
                        '</properties>\n</node>\n</interfaceDefinition>\n', ':', 'schema'),
    'owner without priority': ('<interfaceDefinition>\n<node name="a" owner="x.py">\n<properties>\n'
                               '<help>h</help>\n</properties>\n</node>\n</interfaceDefinition>\n',
                               ':2:', 'has an owner but no priority'),
    'bad regex': ('<interfaceDefinition>\n<node name="a">\n<children>\n<leafNode name="b">\n'
                  '<properties>\n<constraint>\n<regex>(unclosed</regex>\n</constraint>\n'
                  '</properties>\n</leafNode>\n</children>\n</node>\n</interfaceDefinition>\n',
                  ':7:', 'invalid regex'),
    'unknown validator': ('<interfaceDefinition>\n<node name="a">\n<children>\n<leafNode name="b">\n'
                          '<properties>\n<constraint>\n<validator name="nope"/>\n</constraint>\n'
                          '</properties>\n</leafNode>\n</children>\n</node>\n'
                          '</interfaceDefinition>\n', ':7:', 'validator "nope"'),
    'bad default': ('<interfaceDefinition>\n<node name="a">\n<children>\n<leafNode name="b">\n'
                    '<properties>\n<constraint>\n<validator name="port"/>\n</constraint>\n'
                    '</properties>\n<defaultValue>0</defaultValue>\n</leafNode>\n</children>\n'
                    '</node>\n</interfaceDefinition>\n', ':10:', 'default value of "a b" is invalid'),
    'valueless and multi': ('<interfaceDefinition>\n<node name="a">\n<children>\n<leafNode name="b">\n'
                            '<properties>\n<valueless/>\n<multi/>\n</properties>\n</leafNode>\n'
                            '</children>\n</node>\n</interfaceDefinition>\n', ':5:',
                            'both multi and valueless'),
    'priority inversion': ('<interfaceDefinition>\n<node name="a" owner="x.py">\n<properties>\n'
                           '<priority>500</priority>\n</properties>\n<children>\n'
                           '<node name="b" owner="y.py">\n<properties>\n<priority>100</priority>\n'
                           '</properties>\n</node>\n</children>\n</node>\n</interfaceDefinition>\n',
                           ':7:', 'must be greater than its parent'),
    'completion path': ('<interfaceDefinition>\n<node name="a">\n<children>\n<leafNode name="b">\n'
                        '<properties>\n<completionHelp>\n<path>a nowhere</path>\n</completionHelp>\n'
                        '</properties>\n</leafNode>\n</children>\n</node>\n'
                        '</interfaceDefinition>\n', ':4', 'does not name a defined node'),
    'missing include': ('<interfaceDefinition>\n#include <include/none.xml.i>\n'
                        '</interfaceDefinition>\n', ':2:', 'not found'),
}


@pytest.mark.parametrize('case', sorted(BROKEN))
def test_broken_definition_fails_with_file_and_line(tmp_path, case):
    text, location, reason = BROKEN[case]
    source = tmp_path / 'broken.xml.in'
    source.write_text(text)
    with pytest.raises(DefinitionError) as caught:
        compile_files([source], SCHEMA)
    message = str(caught.value)
    assert message.startswith(f'{source}{location}'), message
    assert reason in message


def test_error_inside_an_include_points_at_the_fragment(tmp_path):
    (tmp_path / 'include').mkdir()
    (tmp_path / 'include' / 'frag.xml.i').write_text(
        '<leafNode name="b">\n<properties>\n<constraint>\n<regex>[</regex>\n</constraint>\n'
        '</properties>\n</leafNode>\n')
    source = tmp_path / 'top.xml.in'
    source.write_text('<interfaceDefinition>\n<node name="a">\n<children>\n'
                      '#include <include/frag.xml.i>\n</children>\n</node>\n</interfaceDefinition>\n')
    with pytest.raises(DefinitionError, match=r'include/frag\.xml\.i:4: invalid regex'):
        compile_files([source], SCHEMA)


def test_make_fails_on_a_broken_definition(tmp_path):
    """The build command exits non-zero and prints file:line (what make shows)."""
    definitions = tmp_path / 'interface-definitions'
    definitions.mkdir()
    (definitions / 'x.xml.in').write_text('<interfaceDefinition>\n<node name="a" owner="s.py"/>\n'
                                          '</interfaceDefinition>\n')
    (tmp_path / 'op-mode-definitions').mkdir()
    result = subprocess.run([PYTHON, '-m', 'vyflow.definitions.build', '--out', str(tmp_path / 'b'),
                             '--interface-definitions', str(definitions),
                             '--op-mode-definitions', str(tmp_path / 'op-mode-definitions'),
                             '--schema-dir', str(PROJECT_ROOT / 'schema')],
                            capture_output=True, text=True, env={'PYTHONPATH': str(PROJECT_ROOT / 'python')})
    assert result.returncode == 1
    assert f'{definitions}/x.xml.in:2: ' in result.stderr and 'no priority' in result.stderr


def test_same_path_in_two_files_merges_and_conflicts_fail(tmp_path):
    one, two = tmp_path / 'a.xml.in', tmp_path / 'b.xml.in'
    one.write_text('<interfaceDefinition><node name="s"><children><leafNode name="x">'
                   '<properties><help>x</help></properties></leafNode></children></node>'
                   '</interfaceDefinition>\n')
    two.write_text('<interfaceDefinition><node name="s"><children><leafNode name="y">'
                   '<properties><help>y</help></properties></leafNode></children></node>'
                   '</interfaceDefinition>\n')
    cache = compile_files([one, two], SCHEMA)
    assert set(cache['tree']['children']['s']['children']) == {'x', 'y'}
    two.write_text(one.read_text())
    with pytest.raises(DefinitionError, match='already defined'):
        compile_files([one, two], SCHEMA)


def _expanded_files(tree: Path, kind: str) -> list:
    return sorted((tree / 'build' / kind).glob('*.xml'))


@pytest.mark.skipif(not VYOS_SCHEMAS.is_dir(), reason='VyOS schemas not present beside the project')
@pytest.mark.parametrize('kind, schema', [('interface-definitions', 'interface_definition.rng'),
                                          ('op-mode-definitions', 'op-mode-definition.rng')])
def test_expanded_definitions_validate_under_vyos_schema(engine_tree, tmp_path, kind, schema):
    project_build = tmp_path / 'project'
    build(PROJECT_ROOT / 'interface-definitions', PROJECT_ROOT / 'op-mode-definitions',
          PROJECT_ROOT / 'schema', project_build / 'build')
    relaxng = etree.RelaxNG(etree.parse(str(VYOS_SCHEMAS / schema)))
    files = _expanded_files(project_build, kind) + _expanded_files(engine_tree, kind)
    assert files
    for path in files:
        document = etree.parse(str(path))
        assert relaxng.validate(document), f'{path}: {relaxng.error_log}'


def test_project_definitions_build_and_every_value_node_is_documented(tmp_path):
    build(PROJECT_ROOT / 'interface-definitions', PROJECT_ROOT / 'op-mode-definitions',
          PROJECT_ROOT / 'schema', tmp_path / 'build')
    definitions = Definitions(json.loads((tmp_path / 'build' / 'definitions.json').read_text()))

    def walk(definition, path):
        assert definition.help, f'{path} has no help'
        takes_value = definition.is_tag or (definition.is_leaf and not definition.valueless)
        if takes_value:
            assert definition.value_help, f'{path} has no valueHelp'
            assert definition.entry.get('constraints'), f'{path} has no constraint'
        for name, child in definition.children.items():
            walk(child, path + [name])

    walk(definitions.lookup(['system', 'flow-accounting']), ['system', 'flow-accounting'])
