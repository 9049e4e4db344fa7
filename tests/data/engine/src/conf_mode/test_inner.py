"""Test owner of the nested ``service gamma inner`` subtree."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from _testlib import journal, write_state  # noqa: E402

NAME = 'test_inner'


def get_config(config):
    journal(config.environment, NAME, 'get_config')
    path = ['service', 'gamma', 'inner']
    return {'environment': config.environment,
            'inner': config.get_config_dict(path, get_first_key=True) if config.exists(path) else None}


def verify(data):
    journal(data['environment'], NAME, 'verify')


def generate(data):
    journal(data['environment'], NAME, 'generate')


def apply(data):
    journal(data['environment'], NAME, 'apply')
    write_state(data['environment'], 'inner', data['inner'])
