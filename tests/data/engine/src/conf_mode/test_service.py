"""Test owner of ``service alpha`` and ``service gamma``."""

import sys
import time

sys.path.insert(0, __import__('os').path.dirname(__file__))

from _testlib import journal, write_state  # noqa: E402

from vyflow.base import ConfigError, warn  # noqa: E402
from vyflow.errors import ApplyError  # noqa: E402

NAME = 'test_service'


def get_config(config):
    data = {'environment': config.environment}
    for service in ('alpha', 'gamma'):
        data[service] = (config.get_config_dict(['service', service], key_mangling=('-', '_'),
                                                get_first_key=True, with_recursive_defaults=True)
                         if config.exists(['service', service]) else None)
    journal(config.environment, NAME, 'get_config')
    return data


def verify(data):
    journal(data['environment'], NAME, 'verify')
    alpha = data['alpha'] or {}
    if 'fail_verify' in alpha:
        raise ConfigError('alpha refuses to run: fail-verify is set',
                          path=['service', 'alpha', 'fail-verify'])
    if 'warn' in alpha:
        warn('alpha: you asked for a warning')


def generate(data):
    journal(data['environment'], NAME, 'generate')


def apply(data):
    journal(data['environment'], NAME, 'apply')
    time.sleep(int((data['alpha'] or {}).get('delay', 0)))
    environment = data['environment']
    write_state(environment, 'alpha', data['alpha'])
    write_state(environment, 'gamma', data['gamma'])
    if 'fail_apply' in (data['alpha'] or {}):
        raise ApplyError('alpha could not start (fail-apply is set)')
