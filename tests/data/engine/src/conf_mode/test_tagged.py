"""Test owner of ``service beta <N>``: one run per tag value."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from _testlib import journal, write_state  # noqa: E402

from vyflow.errors import ApplyError  # noqa: E402

NAME = 'test_tagged'


def get_config(config):
    tag = os.environ['VYOS_TAGNODE_VALUE']
    path = ['service', 'beta', tag]
    journal(config.environment, NAME, 'get_config')
    return {'environment': config.environment, 'tag': tag,
            'beta': config.get_config_dict(path, get_first_key=True) if config.exists(path) else None}


def verify(data):
    journal(data['environment'], NAME, 'verify')


def generate(data):
    journal(data['environment'], NAME, 'generate')


def apply(data):
    journal(data['environment'], NAME, 'apply')
    write_state(data['environment'], f'beta-{data["tag"]}', data['beta'])
    if 'fail-apply' in (data['beta'] or {}):
        raise ApplyError(f'beta {data["tag"]} could not start')
