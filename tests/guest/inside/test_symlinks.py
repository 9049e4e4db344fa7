"""Links planted by a local user at every path vyflow writes, on a real root.

With fs.protected_symlinks=0 the kernel follows any link anywhere (the host
keeps its own setting: this runs in the throw-away guest), so only vyflow's
own safety stands between ``nobody`` and root's files: no link is followed in
vyflow's directories, temp names are unpredictable and created O_EXCL, a save
never replaces anything but a regular file, and directories others could
write are refused. Every victim is compared byte for byte and by mtime.
"""

import os
import stat
import subprocess

import pytest

from guestlib.vyflow import MODPROBE_CONF, Vyflow

NOBODY = 65534
NF = 'set system flow-accounting netflow'
OWN_FILES = {
    '/run/vyflow': ['working.boot', 'session.lock', 'commit.lock', 'commit-confirm.json',
                    'collector-history.json'],
    '/var/lib/vyflow': ['running.boot', 'netflow-state.json'],
    '/var/lib/vyflow/archive': ['rev-00000001.json.gz'],
    '/var/log/vyflow': ['vyflow.log'],
    '/etc/vyflow': ['config.boot', 'config.boot.pre-migration'],
    '/etc/modprobe.d': ['ipt_NETFLOW.conf'],
}


def as_nobody(*argv):
    return subprocess.run(['setpriv', '--reuid=%d' % NOBODY, '--regid=%d' % NOBODY,
                           '--clear-groups'] + list(argv), capture_output=True, text=True)


def plant(target, *links):
    """``nobody`` makes each of ``links`` a symbolic link to ``target``."""
    code = ('import os, sys\nfor link in sys.argv[2:]:\n'
            '    os.symlink(sys.argv[1], link)\n')
    result = as_nobody('/usr/bin/python3', '-c', code, target, *links)
    assert result.returncode == 0, result.stderr


def snapshot(paths):
    return {path: (open(path, 'rb').read(), os.stat(path).st_mtime_ns) for path in paths}


@pytest.fixture
def unprotected():
    """fs.protected_symlinks=0 for the test (the guest's kernel only)."""
    setting = '/proc/sys/fs/protected_symlinks'
    with open(setting) as handle:
        before = handle.read().strip()
    with open(setting, 'w') as handle:
        handle.write('0\n')
    yield
    with open(setting, 'w') as handle:
        handle.write(before + '\n')


@pytest.fixture
def victims(workdir):
    paths = []
    for name in ('shadow', 'cron', 'secret'):
        path = os.path.join(workdir, name)
        with open(path, 'w') as handle:
            handle.write('%s: root only\n' % name)
        os.chmod(path, 0o600)
        paths.append(path)
    return paths


@pytest.fixture
def vyflow(netflow):
    tool = Vyflow()
    tool.reset()
    modes = {directory: os.stat(directory).st_mode for directory in ('/etc/modprobe.d',)}
    yield tool
    for directory, mode in modes.items():
        os.chmod(directory, stat.S_IMODE(mode))
    for name in OWN_FILES['/etc/modprobe.d']:
        path = os.path.join('/etc/modprobe.d', name)
        if os.path.islink(path):
            os.unlink(path)
    tool.reset()


def test_save_and_load_in_tmp_never_follow_a_planted_link(vyflow, victims, unprotected):
    vyflow.configure('%s interface lo' % NF, '%s server 127.0.0.1 port 2055' % NF)
    before = snapshot(victims)
    with open('/proc/sys/kernel/ns_last_pid') as handle:
        last_pid = int(handle.read())
    predictable = ['/tmp/.x.boot.%d.tmp' % pid for pid in range(last_pid, last_pid + 300)]
    plant(victims[0], '/tmp/x.boot', '/tmp/evil.boot', *predictable)
    try:
        saved = vyflow.run('save', '/tmp/x.boot', check=False)
        assert saved.code == 1 and 'is a symbolic link' in saved.err, saved
        loaded = vyflow.run('load', '/tmp/evil.boot', check=False)
        assert loaded.code == 1 and 'is a symbolic link' in loaded.err, loaded
        assert 'root only' not in loaded.out + loaded.err
        os.unlink('/tmp/x.boot')  # the operator removes it (root may, in sticky /tmp)
        vyflow.run('save', '/tmp/x.boot')
        assert stat.S_ISREG(os.lstat('/tmp/x.boot').st_mode)
        assert stat.S_IMODE(os.stat('/tmp/x.boot').st_mode) == 0o640
        assert snapshot(victims) == before
    finally:
        for path in ['/tmp/x.boot', '/tmp/evil.boot'] + predictable:
            if os.path.lexists(path):
                os.unlink(path)


def test_links_at_every_file_vyflow_keeps_touch_nothing_outside(vyflow, victims, unprotected):
    """Directories left writable by others let ``nobody`` plant a link at every
    file: each command refuses, naming the directory. Fixed, vyflow works and
    every file has its mode."""
    before = snapshot(victims)
    for directory in OWN_FILES:
        os.makedirs(directory, exist_ok=True)
        os.chmod(directory, 0o777)
    for index, (directory, names) in enumerate(OWN_FILES.items()):
        plant(victims[index % len(victims)], *[os.path.join(directory, n) for n in names])
    commands = [('set', 'system', 'flow-accounting', 'netflow', 'interface', 'lo'), ('show',),
                ('compare',), ('commit',), ('commit-confirm', '5'), ('confirm',), ('save',),
                ('discard',), ('boot',), ('rollback', '0'), ('show', 'system', 'commit'),
                ('show', 'flow-accounting')]
    for words in commands:
        result = vyflow.run(*words, check=False)
        assert result.code != 0, (words, result)
        assert 'Traceback' not in result.err and 'root only' not in result.out + result.err
    refusals = vyflow.run('commit', check=False).err
    assert 'is writable by group or others (mode 0777)' in refusals, refusals
    assert snapshot(victims) == before
    for directory, names in OWN_FILES.items():
        os.chmod(directory, 0o755)
        for name in names:
            os.unlink(os.path.join(directory, name))
    vyflow.configure('%s interface lo' % NF, '%s server 127.0.0.1 port 2055' % NF)
    vyflow.run('save')
    assert snapshot(victims) == before
    modes = {}
    for top in ('/run/vyflow', '/var/lib/vyflow', '/etc/vyflow', '/var/log/vyflow'):
        for directory, _, names in os.walk(top):
            modes[directory] = stat.S_IMODE(os.lstat(directory).st_mode)
            for name in names:
                path = os.path.join(directory, name)
                modes[path] = stat.S_IMODE(os.lstat(path).st_mode)
    assert {modes[path] for path in modes if os.path.isdir(path)} == {0o755}
    assert {modes[path] for path in modes if not os.path.isdir(path)} <= {0o640, 0o600}
    assert modes['/var/lib/vyflow/running.boot'] == modes['/etc/vyflow/config.boot'] == 0o640
    assert modes['/run/vyflow/commit.lock'] == 0o600
    assert stat.S_IMODE(os.lstat(MODPROBE_CONF).st_mode) == 0o644
    for directory in OWN_FILES:  # nobody can plant anything any more
        assert as_nobody('ln', '-s', victims[0], os.path.join(directory, 'x')).returncode != 0
