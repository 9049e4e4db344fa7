"""Config, the scripts' view: exists/return_value(s)/list_nodes/get_config_dict."""

import json

import pytest

from vyflow.config import Config
from vyflow.configtree import parse_config
from vyflow.definitions.model import Definitions
from vyflow.jsonconfig import schema_problems

PROPOSED = '''
service {
    alpha {
        address "192.0.2.1"
        disable
        user bob {
        }
        user carol-x {
            level "admin"
        }
    }
    beta 3 {
        size "7"
    }
}
'''


@pytest.fixture
def config(engine_tree):
    definitions = Definitions(json.loads((engine_tree / 'build/definitions.json').read_text()))
    running = parse_config('service {\n alpha {\n  port 81\n }\n}\n').tree
    return Config(parse_config(PROPOSED).tree, running, definitions)


def test_value_access(config):
    assert config.exists('service alpha disable')
    assert config.exists(['service', 'alpha', 'address', '192.0.2.1'])
    assert not config.exists('service alpha port')
    assert config.exists_effective('service alpha port')
    assert config.return_value('service alpha port') is None
    assert config.return_effective_value('service alpha port') == '81'
    assert config.return_values('service alpha address') == ['192.0.2.1']
    assert config.list_nodes('service alpha user') == ['bob', 'carol-x']
    assert config.is_node_changed('service alpha') and not config.is_node_changed('service gamma')


def test_get_config_dict_shapes_mangling_and_defaults(config):
    plain = config.get_config_dict('service alpha')
    assert plain == {'alpha': {'address': ['192.0.2.1'], 'disable': {},
                               'user': {'bob': {}, 'carol-x': {'level': 'admin'}}}}
    mangled = config.get_config_dict('service alpha', key_mangling=('-', '_'), get_first_key=True,
                                     no_tag_node_value_mangle=True, with_defaults=True)
    assert mangled['port'] == '80' and mangled['mode'] == 'fast'
    assert mangled['names'] == ['red', 'green']
    assert 'options' not in mangled                       # absent node: only with recursive
    assert mangled['user'] == {'bob': {'level': 'operator'}, 'carol-x': {'level': 'admin'}}
    recursive = config.get_config_dict('service alpha', get_first_key=True,
                                       with_recursive_defaults=True)
    assert recursive['options'] == {'retries': '3'}
    assert config.get_config_dict('service alpha user', get_first_key=True, key_mangling=('-', '_'))\
        == {'bob': {}, 'carol_x': {'level': 'admin'}}       # tag values mangled unless asked
    assert config.get_config_dict('service beta 3') == {'3': {'size': '7'}}
    assert config.get_config_dict('service gamma', with_defaults=True) == {}  # absent: no defaults
    assert config.get_config_dict('service alpha', effective=True, get_first_key=True) == {'port': '81'}


def test_sample_configs_validate_against_the_json_schema(engine_tree, config):
    schema = json.loads((engine_tree / 'build/config.schema.json').read_text())
    whole = config.get_config_dict([])
    assert schema_problems(whole, schema) == [
        "[service alpha user] 'carol-x' does not match '^(?:[a-z][a-z0-9]*)$'"]
    del whole['service']['alpha']['user']['carol-x']
    assert schema_problems(whole, schema) == []
    whole['service']['alpha']['port'] = '08'
    whole['service']['beta']['300'] = {}
    problems = schema_problems(whole, schema)
    assert any('[service alpha port]' in p for p in problems)
    assert any('"300" is not in any allowed range' in p for p in problems)
