"""Every file vyflow reads, damaged every way: a clear error, never a traceback,
and a path back to a working commit.

Each case copies one prepared root (flow accounting committed twice, saved,
an uncommitted edit, the remembered netflow state, a commit-confirm state),
damages one file one way, runs the commands an operator would try (through
the real entry point, several per process: tests/helpers/commands.py), and
then the remedy the messages name, followed by a commit that must work.
"""

import gzip
import json
import shutil
import subprocess

import pytest
from conftest import PROJECT_ROOT, PYTHON
from helpers.confirm import timer_lock_held

NETFLOW = 'system flow-accounting netflow'
COMMANDS = ['show', 'compare', 'show system commit', f'set {NETFLOW} active-timeout 120',
            'commit', 'rollback 1', 'confirm', f'delete {NETFLOW} max-flows', 'commit',
            'boot', 'discard']

TEXT, GZIP, JSON, LOCK = 'text', 'gz', 'json', 'lock'
FILES = {   # name: (path under the root, kind, remedy commands)
    'revision': ('var/lib/vyflow/archive/rev-00000003.json.gz', GZIP, []),     # the newest
    'running': ('var/lib/vyflow/running.boot', TEXT, ['discard', 'rollback 0']),
    'working': ('run/vyflow/working.boot', TEXT, ['discard']),
    'saved': ('etc/vyflow/config.boot', TEXT, ['save', 'boot']),
    'confirm': ('run/vyflow/commit-confirm.json', JSON, ['confirm']),
    'netflow-state': ('var/lib/vyflow/netflow-state.json', JSON, []),
    'commit-lock': ('run/vyflow/commit.lock', LOCK, []),
    'session-lock': ('run/vyflow/session.lock', LOCK, []),
    'timer-lock': ('run/vyflow/commit-confirm-timer.lock', LOCK, []),
}
GARBAGE = bytes((i * 151 + 7) % 256 for i in range(700))


def _inner(change):
    """A damage of a gzip file's content, the gzip layer intact."""
    return lambda data: gzip.compress(change(gzip.decompress(data)))


def _bad_crc(data: bytes) -> bytes:
    damaged = bytearray(data)
    damaged[-8] ^= 0xFF                                   # the CRC32 in the trailer
    return bytes(damaged)


DAMAGES = {
    'truncated': lambda data: data[:len(data) // 2],
    'empty': lambda data: b'',
    'garbage': lambda data: GARBAGE,
    'bad-utf8': lambda data: data[:12] + b'\xff\xfe\xc3' + data[12:],
    'gzipped': lambda data: gzip.compress(data),
    'bad-gzip': _bad_crc,
    'bad-json': lambda data: b'{"config": "x", "time": ',
    'wrong-types': lambda data: json.dumps({'config': 5, 'time': 'x', 'armed': 'y',
                                            'format': 1, 'revert_to': []}).encode(),
    'inner-bad-utf8': _inner(lambda data: b'\xff' + data),
    'inner-bad-json': _inner(lambda data: data[:len(data) // 2]),
    'inner-wrong-types': _inner(lambda data: json.dumps([1, 2, 3]).encode()),
}
KIND_DAMAGES = {
    TEXT: ['truncated', 'empty', 'garbage', 'bad-utf8', 'gzipped'],
    GZIP: ['truncated', 'empty', 'garbage', 'bad-gzip', 'inner-bad-utf8', 'inner-bad-json',
           'inner-wrong-types'],
    JSON: ['truncated', 'empty', 'garbage', 'bad-utf8', 'bad-json', 'wrong-types'],
    LOCK: ['garbage', 'bad-utf8'],
}
CASES = [(name, damage) for name, (_, kind, _) in FILES.items() for damage in KIND_DAMAGES[kind]]


def run_commands(flow_cli, lines) -> list:
    """[(command, exit, stdout, stderr)] of ``lines`` run in one process."""
    script = ''.join(f'--root {flow_cli.root} {line}\n' for line in lines)
    result = subprocess.run([PYTHON, str(PROJECT_ROOT / 'tests/helpers/commands.py')],
                            input=script, capture_output=True, text=True, env=flow_cli.env,
                            timeout=300)
    outs = result.stdout.split('### --root ')[1:]
    errs = result.stderr.split('### --root ')[1:]
    assert len(outs) == len(lines), result.stderr[-3000:]
    runs = []
    for line, out, err in zip(lines, outs, errs):
        body, _, code = out.rpartition('### exit ')
        runs.append((line, code.strip(), body, err))
    return runs


@pytest.fixture(scope='module')
def prepared(tmp_path_factory):
    from conftest import Cli
    root = tmp_path_factory.mktemp('damage') / 'start'
    cli = Cli(root)
    cli('set', *NETFLOW.split(), 'interface', 'eth0')
    cli('set', *NETFLOW.split(), 'server', '192.0.2.10')
    cli('commit')
    cli('set', *NETFLOW.split(), 'max-flows', '5000')
    cli('commit')
    cli('save')
    (root / 'var/lib/vyflow/netflow-state.json').write_text('{"conntrack_events_before": "2"}')
    with timer_lock_held(root):                           # a state, but no timer
        cli('set', *NETFLOW.split(), 'active-timeout', '100')
        cli('commit-confirm', '--seconds', '3600')
    cli('set', *NETFLOW.split(), 'inactive-timeout', '20')   # an uncommitted edit
    for name, (path, _, _) in FILES.items():
        assert (root / path).exists(), name
    yield root
    cli('confirm')   # the timer the last command started here ends with its state


@pytest.mark.parametrize('name,damage', CASES)
def test_damaged_file(prepared, flow_cli, name, damage):
    shutil.copytree(prepared, flow_cli.root, symlinks=True)
    path, kind, remedy = FILES[name]
    target = flow_cli.root / path
    target.write_bytes(DAMAGES[damage](target.read_bytes()))
    with timer_lock_held(flow_cli.root):                 # no timer may start behind our back
        runs = run_commands(flow_cli, COMMANDS + remedy + [
            'discard', f'set {NETFLOW} active-timeout 130', 'commit', 'confirm'])
    for line, code, out, err in runs:
        assert code in ('0', '1'), f'{line}: exit {code}\n{err}'
        assert 'Traceback' not in err and 'internal error' not in err, f'{line}\n{err}'
        if code == '1' and 'configuration modified' not in err:
            assert target.name in err, f'{line}: {err}'    # the error names the file
    if kind != LOCK:                                       # reported, not passed over
        assert any(target.name in out + err for _, _, out, err in runs)
    assert runs[-2][1] == '0', runs[-2]                   # the path back: a working commit
    assert 'active-timeout "130"' in (flow_cli.root / 'var/lib/vyflow/running.boot').read_text()
