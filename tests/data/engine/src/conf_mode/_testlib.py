"""Shared by the test conf_mode scripts: a journal of phases and state files
under the commit's root, so tests can see what ran, in which order, and what
the "system" (the state files) looks like afterwards."""

import json
import os

from vyflow.atomicfile import open_for_append, remove_durable, write_atomic


def state_dir(environment):
    return environment.paths.under('/var/lib/test')


def journal(environment, script, phase):
    tag = os.environ.get('VYOS_TAGNODE_VALUE', '-')
    journal_file = os.path.join(state_dir(environment), 'journal')
    with open(open_for_append(journal_file), 'a', encoding='utf-8') as handle:
        handle.write(f'{script} {phase} {tag}\n')


def write_state(environment, name, data):
    path = os.path.join(state_dir(environment), f'{name}.json')
    if data is None:
        remove_durable(path)
    else:
        write_atomic(path, json.dumps(data, sort_keys=True))
