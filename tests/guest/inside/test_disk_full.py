"""A full or read-only /var/lib/vyflow with the real module: a commit that cannot
be recorded is not applied either.

vyflow writes the running config and its archive revision before it touches
the kernel, so a disk without room (a real small tmpfs mounted over the state
directory) stops the commit with the module, its hooks and the modprobe.d
file exactly as they were, and a clear error; with room again the same
commit goes through.
"""

import os
import shutil
import subprocess
import tempfile

import pytest

from guestlib import cmd, module
from guestlib.vyflow import MODPROBE_CONF, our_rules
from test_vyflow import vyflow  # noqa: F401  (the fixture: no earlier vyflow state)

NF = 'set system flow-accounting netflow'
STATE_DIR = '/var/lib/vyflow'
FILLER = os.path.join(STATE_DIR, '.filler')


@pytest.fixture
def committed(vyflow):
    """Flow accounting committed on the real module (active-timeout 300)."""
    vyflow.configure(f'{NF} interface lo', f'{NF} server 127.0.0.1 port 2055',
                     f'{NF} active-timeout 300')
    assert module.sysctl('active_timeout') == '300'
    return vyflow


@pytest.fixture
def small_state_dir(committed):
    """Move /var/lib/vyflow onto a 64 KiB tmpfs; ``fill()`` takes every byte left."""
    keep = tempfile.mkdtemp()
    shutil.copytree(STATE_DIR, keep, dirs_exist_ok=True)
    cmd.run(['mount', '-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', STATE_DIR])
    shutil.copytree(keep, STATE_DIR, dirs_exist_ok=True)
    shutil.rmtree(keep)

    def fill():
        with open(FILLER, 'ab', buffering=0) as handle:
            try:
                while True:
                    handle.write(b'\0' * 4096)
            except OSError:
                pass

    yield fill
    subprocess.run(['umount', STATE_DIR], check=False)


def system_state():
    """Everything a commit may change: module settings, hooks, files."""
    with open(MODPROBE_CONF) as handle:
        modprobe = handle.read()
    with open(os.path.join(STATE_DIR, 'running.boot')) as handle:
        running = handle.read()
    return (module.parameters(), module.sysctls(), our_rules(4), our_rules(6), modprobe,
            running, sorted(os.listdir(os.path.join(STATE_DIR, 'archive'))))


def refused(result, reason):
    assert result.code == 1, result
    assert reason in result.err and 'nothing was changed' in result.err, result
    assert 'Traceback' not in result.err and 'internal error' not in result.err, result


def test_a_full_state_dir_stops_the_commit_before_the_module_changes(committed,
                                                                     small_state_dir):
    vyflow = committed
    small_state_dir()
    before = system_state()
    vyflow.run(*f'{NF} active-timeout 120'.split())
    refused(vyflow.run('commit', check=False), 'No space left on device')
    assert system_state() == before
    os.unlink(FILLER)
    vyflow.run('commit')
    assert module.sysctl('active_timeout') == '120'
    assert 'active-timeout "120"' in system_state()[5]


def test_a_read_only_state_dir_stops_the_commit_before_the_module_changes(committed,
                                                                          small_state_dir):
    vyflow = committed
    cmd.run(['mount', '-o', 'remount,ro', STATE_DIR])
    before = system_state()
    vyflow.run(*f'{NF} active-timeout 150'.split())
    refused(vyflow.run('commit', check=False), 'Read-only file system')
    assert system_state() == before
    cmd.run(['mount', '-o', 'remount,rw', STATE_DIR])
    vyflow.run('commit')
    assert module.sysctl('active_timeout') == '150'
