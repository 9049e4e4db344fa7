"""Load: 20 API clients x 200 operations over loopback (a private network
namespace), with a CLI user committing in between.

Each client has its own key and its own leaf (``pki certificate loadN
certificate``); every 50th operation it sets a new value there, the rest are
reads, which must always see its own last accepted write. Afterwards the
archive must hold every accepted change exactly once, in each client's order,
archived by that client's key ID, each revision differing from the one before
by exactly that change; the CLI's commits must be there too, and nothing may
have been lost (the running config holds everyone's last value).
"""

import os
import subprocess
import threading
import time

import pytest

from conftest import Cli
from helpers.apiserver import ApiServer, network_namespace
from vyflow.commit.archive import Archive
from vyflow.configtree import parse_config

CLIENTS = 20
OPERATIONS = 200
WRITE_EVERY = 50            # 4 commits per client: every change fits in the archive (100)
CLI_COMMITS = 5

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='needs root for a network namespace')


def leaf(name):
    return ['pki', 'certificate', name, 'certificate']


def key_of(number):
    return f'load-client-key-{number:02d}-0123456789'


def client(api, number, accepted, problems):
    connection = api.connection()
    key, path = key_of(number), leaf(f'load{number}')
    mine = None
    for operation in range(OPERATIONS):
        try:
            if operation % WRITE_EVERY == 0:
                value = f'C{number}x{operation}'
                status, body = api.call('/configure', {'op': 'set', 'path': path + [value],
                                                       'key': key}, connection=connection)
                if status == 200:
                    mine = value
                    accepted[number].append(value)
                else:
                    problems.append(f'client {number}: {status} {body}')
            else:
                status, body = api.call('/retrieve', {'op': 'returnValues', 'path': path,
                                                      'key': key}, connection=connection)
                if status != 200 or body['data'] != ([mine] if mine else []):
                    problems.append(f'client {number} read {body} after writing {mine}')
        except OSError as exc:        # count it, reconnect, go on
            problems.append(f'client {number}: {exc!r}')
            connection.close()
            connection = api.connection()
    connection.close()


def cli_user(cli, accepted, problems):
    """set + commit a few times while the clients run (a busy commit lock
    makes ``vyflow commit`` give up at once: it is tried again)."""
    for number in range(CLI_COMMITS):
        value = f'CLIx{number}'
        cli('set', *leaf('cli'), value)
        for _ in range(600):
            result = cli('commit', check=False)
            if result.returncode == 0:
                accepted.append(value)
                break
            if 'Another commit is in progress' not in result.stderr:
                problems.append(f'cli commit: {result.stderr}')
                return
            time.sleep(0.05)
        time.sleep(0.3)


def leaves(config_text):
    tree = parse_config(config_text).tree
    found = tree.find(['pki', 'certificate'])
    return {name: node.return_value(['certificate'])
            for name, node in (found.children.items() if found else [])}


def test_twenty_clients_lose_nothing(tmp_path):
    cli = Cli(tmp_path / 'root')
    for number in range(CLIENTS):
        cli('set', 'service', 'https', 'api', 'keys', 'id', f'load{number}', 'key', key_of(number))
    cli('commit')
    accepted = {number: [] for number in range(CLIENTS)}
    cli_accepted, problems = [], []
    with network_namespace(f'api-load-{os.getpid()}'):
        api = ApiServer(cli.root, tmp_path / 'server.log').start()
        try:
            threads = [threading.Thread(target=client, args=(api, n, accepted, problems))
                       for n in range(CLIENTS)]
            cli_thread = threading.Thread(target=cli_user, args=(cli, cli_accepted, problems))
            for thread in threads + [cli_thread]:
                thread.start()
            for thread in threads + [cli_thread]:
                thread.join(timeout=600)
        finally:
            api.stop()
    assert not problems, problems[:10]
    assert all(len(values) == OPERATIONS // WRITE_EVERY for values in accepted.values())
    assert len(cli_accepted) == CLI_COMMITS

    revisions = list(reversed(Archive(cli.root / 'var/lib/vyflow/archive').list()))
    seen = {f'load{number}': [] for number in range(CLIENTS)}
    seen['cli'] = []
    previous = leaves(revisions[0].config)
    for revision in revisions[1:]:
        current = leaves(revision.config)
        changed = [name for name in set(current) | set(previous)
                   if current.get(name) != previous.get(name)]
        assert len(changed) == 1, (revision.sequence, changed)    # one change per commit
        name = changed[0]
        assert (revision.via, revision.user) == (('cli', 'root') if name == 'cli'
                                                 else ('api', name)), revision.sequence
        seen[name].append(current[name])
        previous = current
    for number in range(CLIENTS):
        assert seen[f'load{number}'] == accepted[number]         # all, once each, in order
    assert seen['cli'] == cli_accepted
    final = leaves(cli.running())
    assert final == {**{f'load{n}': accepted[n][-1] for n in range(CLIENTS)},
                     'cli': cli_accepted[-1]}
    sequences = [revision.sequence for revision in revisions]
    assert sequences == list(range(sequences[0], sequences[0] + len(sequences)))
    assert subprocess.run(['ip', 'netns', 'list'], capture_output=True, text=True).stdout \
        .count(f'api-load-{os.getpid()}') == 0
