"""Fuzzed input never produces a traceback: only the errors meant for people."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vyflow.definitions.model import Definitions
from vyflow.errors import ConfigError
from vyflow.jsonconfig import schema_problems, tree_from_dict
from vyflow.validation import validate_tree

WORDS = ['system', 'flow-accounting', 'netflow', 'server', 'interface', 'port', 'version',
         'vrf', 'enable-egress', 'aggregation', 'network', 'prefix-length', 'sampling-rate',
         'snmp-index-rule', 'base', 'dscp', 'template', 'refresh-packets', '192.0.2.1',
         '2001:db8::1', 'eth0', '0', '65536', '-1', '02055', 'ef', '10', '']


@pytest.fixture(scope='module')
def compiled(project_build):
    return (Definitions.load(project_build / 'definitions.json'),
            json.loads((project_build / 'config.schema.json').read_text()))


words = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=12)), max_size=8)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words, st.booleans())
def test_set_and_delete_paths(compiled, typed, for_set):
    definitions, _ = compiled
    try:
        definitions.resolve(typed, for_set=for_set)
    except ConfigError as error:
        assert str(error)


json_values = st.recursive(st.one_of(st.text(max_size=8), st.integers(), st.none(), st.booleans()),
                           lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(st.sampled_from(WORDS), inner,
                                                                   max_size=4)),
                           max_leaves=20)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(WORDS), json_values, max_size=3))
def test_json_configs(compiled, data):
    """Whatever JSON arrives, it is either refused with messages or becomes a
    tree that validates."""
    definitions, schema = compiled
    problems = schema_problems(data, schema)
    if not problems:
        report = validate_tree(tree_from_dict(data, definitions.root), definitions)
        assert report.problems == [], (data, report.problems)
