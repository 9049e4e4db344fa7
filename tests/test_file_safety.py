"""Files vyflow keeps, and files the operator names, against a hostile local user.

The attacker is a real unprivileged user (``nobody`` through setpriv) planting
real symbolic links; the victims are root-only files outside vyflow's own. The
same checks run on the real root of the guest, with fs.protected_symlinks=0
(tests/guest/inside/test_symlinks.py); here the directories an attacker can
write are not sticky, so the kernel's link protection never applies and only
vyflow's own O_NOFOLLOW / O_EXCL / directory checks stand between them.
"""

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT, Cli
from vyflow import atomicfile
from vyflow.atomicfile import OPERATOR, OPERATOR_IN_ROOT, OWN
from vyflow.errors import FileKindError, UnsafePathError, UsageError
from vyflow.paths import Paths

NOBODY = 65534
ALPHA = ['set', 'service', 'alpha']
needs_root = pytest.mark.skipif(os.geteuid() != 0 or shutil.which('setpriv') is None,
                                reason='needs root and setpriv to act as an unprivileged user')


def as_nobody(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(['setpriv', f'--reuid={NOBODY}', f'--regid={NOBODY}', '--clear-groups',
                           *argv], capture_output=True, text=True)


@pytest.fixture
def world(tmp_path):
    """A directory others can reach (pytest's tmp dirs are 0700), and
    root-only victim files outside any vyflow root."""
    base = Path(tempfile.mkdtemp(prefix='vyflow-safety-', dir='/tmp'))
    base.chmod(0o755)
    victims = base / 'victims'
    victims.mkdir()
    for name in ('shadow', 'cron', 'secret'):
        (victims / name).write_text(f'{name}: root only\n')
        (victims / name).chmod(0o600)
    yield base
    shutil.rmtree(base)


def snapshot(directory: Path) -> dict:
    return {path.name: (path.read_bytes(), path.stat().st_mtime_ns, stat.S_IMODE(path.stat().st_mode))
            for path in sorted(directory.iterdir())}


# ---- the primitives ------------------------------------------------------------------

def test_temp_files_are_unpredictable_and_never_followed(tmp_path):
    """The old temp name was .NAME.PID.tmp opened O_CREAT|O_TRUNC: links
    planted at it for this process's pid redirected the write."""
    victim = tmp_path / 'victim'
    victim.write_text('precious\n')
    home = tmp_path / 'home'
    home.mkdir()
    for name in ('config.boot', 'x.boot'):
        (home / f'.{name}.{os.getpid()}.tmp').symlink_to(victim)
    atomicfile.write_atomic(home / 'x.boot', 'new text\n')
    assert victim.read_text() == 'precious\n'
    assert (home / 'x.boot').read_text() == 'new text\n'
    assert sorted(p.name for p in home.iterdir() if not p.is_symlink()) == ['x.boot']


def test_every_primitive_refuses_a_link_at_the_file(tmp_path):
    victim = tmp_path / 'victim'
    victim.write_text('precious\n')
    home = tmp_path / 'home'
    home.mkdir()
    link = home / 'vyflow.file'
    link.symlink_to(victim)
    for action in (lambda: atomicfile.read_text(link),
                   lambda: atomicfile.write_atomic(link, 'x'),
                   lambda: atomicfile.write_atomic(link, 'x', policy=OPERATOR),
                   lambda: atomicfile.open_lock(link),
                   lambda: atomicfile.open_for_append(link)):
        with pytest.raises(FileKindError, match='is a symbolic link'):
            action()
    assert victim.read_text() == 'precious\n' and link.is_symlink()


def test_directories_are_walked_without_links_and_checked(tmp_path):
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    (tmp_path / 'linked').symlink_to(elsewhere)
    with pytest.raises(UnsafePathError, match='linked is a symbolic link, not a directory'):
        atomicfile.write_atomic(tmp_path / 'linked' / 'sub' / 'f', 'x')
    assert list(elsewhere.iterdir()) == []
    open_dir = tmp_path / 'open'
    open_dir.mkdir()
    open_dir.chmod(0o777)
    with pytest.raises(UnsafePathError, match=r'open is writable by group or others \(mode 0777\)'):
        atomicfile.read_text(open_dir / 'f')
    sticky = tmp_path / 'sticky'
    sticky.mkdir()
    sticky.chmod(0o1777)
    with pytest.raises(UnsafePathError):   # vyflow's own files never live in a /tmp-like dir
        atomicfile.write_atomic(sticky / 'f', 'x')
    atomicfile.write_atomic(sticky / 'f', 'x', policy=OPERATOR)  # the operator may save there
    assert (sticky / 'f').read_text() == 'x'


@needs_root
def test_a_directory_owned_by_another_user_is_refused(tmp_path):
    theirs = tmp_path / 'theirs'
    theirs.mkdir()
    os.chown(theirs, NOBODY, NOBODY)
    with pytest.raises(UnsafePathError, match=f'theirs is owned by uid {NOBODY}, not by root'):
        atomicfile.write_atomic(theirs / 'f', 'x')
    assert list(theirs.iterdir()) == []


@needs_root
def test_operator_paths_follow_only_links_root_or_the_user_owns(world):
    """On the real system, save/load FILE may pass through a link root made
    (/var/run -> /run) but not through one another user planted."""
    shared = world / 'shared'
    shared.mkdir()
    shared.chmod(0o1777)                             # a /tmp
    (world / 'real').mkdir()
    (shared / 'by-root').symlink_to(world / 'real')
    atomicfile.write_atomic(shared / 'by-root' / 'a.boot', 'a', policy=OPERATOR)
    assert (world / 'real' / 'a.boot').read_text() == 'a'
    assert as_nobody('ln', '-s', str(world / 'victims'), str(shared / 'planted')).returncode == 0
    assert as_nobody('ln', '-s', str(world / 'victims' / 'secret'),
                     str(shared / 'planted.boot')).returncode == 0
    before = snapshot(world / 'victims')
    with pytest.raises(UnsafePathError, match='planted is a symbolic link'):
        atomicfile.write_atomic(shared / 'planted' / 'shadow', 'x', policy=OPERATOR)
    with pytest.raises(FileKindError, match='is a symbolic link'):
        atomicfile.read_text(shared / 'planted.boot', policy=OPERATOR)
    with pytest.raises(FileKindError, match='is a symbolic link'):
        atomicfile.write_atomic(shared / 'planted.boot', 'x', policy=OPERATOR)
    assert snapshot(world / 'victims') == before


def test_modes_are_explicit_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        atomicfile.write_atomic(tmp_path / 'a' / 'b' / 'config', 'x')
        lock = atomicfile.open_lock(tmp_path / 'a' / 'lock')
        log = atomicfile.open_for_append(tmp_path / 'a' / 'log')
    finally:
        os.umask(old)
    os.close(lock)
    os.close(log)
    modes = {path.relative_to(tmp_path).as_posix(): stat.S_IMODE(path.stat().st_mode)
             for path in tmp_path.rglob('*')}
    assert modes == {'a': 0o755, 'a/b': 0o755, 'a/b/config': 0o640, 'a/lock': 0o600,
                     'a/log': 0o640}


# ---- the whole command ----------------------------------------------------------------

def cli_modes(root: Path) -> dict:
    return {path.relative_to(root).as_posix(): oct(stat.S_IMODE(path.lstat().st_mode))
            for path in sorted(root.rglob('*'))}


def test_every_file_and_directory_has_its_mode_under_umask_000(tmp_path, engine_tree):
    cli = Cli(tmp_path / 'root', engine_tree)
    umask_000 = dict(preexec_fn=lambda: os.umask(0))
    for words in ((*ALPHA, 'port', '81'), ('commit',), ('save',), ('save', 'copy.boot'),
                  (*ALPHA, 'port', '82'), ('commit-confirm', '--seconds', '600'), ('confirm',)):
        subprocess.run(cli.argv(*words), env=cli.env, check=True, capture_output=True, **umask_000)
    modes = cli_modes(cli.root)
    directories = {path for path in modes if (cli.root / path).is_dir()}
    assert {modes[path] for path in directories} == {'0o755'}
    assert {modes[path] for path in modes if path not in directories} == {'0o640', '0o600'}
    assert {modes[f] for f in ('etc/vyflow/config.boot', 'etc/vyflow/copy.boot',
                               'var/lib/vyflow/running.boot')} == {'0o640'}
    assert modes['run/vyflow/commit.lock'] == modes['run/vyflow/session.lock'] == '0o600'


@needs_root
def test_links_planted_at_every_path_vyflow_writes_touch_nothing_outside(world, engine_tree):
    """Directories left writable by others (as vyflow made them under umask
    000) let a local user plant links at every file: each command refuses,
    naming the directory, and no victim changes. With the modes fixed but the
    links still there, each command refuses the link. Removed, all works."""
    root = world / 'root'
    victims = world / 'victims'
    files = {'run/vyflow': ['working.boot', 'session.lock', 'commit.lock', 'commit-confirm.json'],
             'var/lib/vyflow': ['running.boot'],
             'var/lib/vyflow/archive': ['rev-00000001.json.gz'],
             'var/log/vyflow': ['vyflow.log'],
             'etc/vyflow': ['config.boot', 'copy.boot']}
    for directory in files:
        (root / directory).mkdir(parents=True)
    for directory in [*files, 'run', 'var', 'var/lib', 'var/log', 'etc']:
        (root / directory).chmod(0o777)
    for directory, names in files.items():
        for name in names:
            assert as_nobody('ln', '-s', str(victims / 'shadow'),
                             str(root / directory / name)).returncode == 0
    before = snapshot(victims)
    cli = Cli(root, engine_tree)
    commands = [(*ALPHA, 'port', '81'), ('show',), ('compare',), ('commit',),
                ('commit-confirm', '--seconds', '600'), ('confirm',), ('discard',),
                ('save',), ('save', 'copy.boot'), ('load', 'copy.boot'), ('rollback', '1'),
                ('show', 'system', 'commit'), ('boot',)]
    for words in commands:
        result = cli(*words, check=False)
        assert result.returncode != 0, words
        assert 'writable by group or others' in result.stderr, (words, result.stderr)
        assert 'Traceback' not in result.stderr and 'root only' not in result.stdout + result.stderr
    assert snapshot(victims) == before
    for directory in [*files, 'run', 'var', 'var/lib', 'var/log', 'etc']:
        (root / directory).chmod(0o755)
    for words in commands:
        result = cli(*words, check=False)
        assert 'Traceback' not in result.stderr and 'root only' not in result.stdout + result.stderr
        if words[0] in ('set', 'commit', 'save', 'discard', 'show', 'compare'):
            assert result.returncode != 0 and 'is a symbolic link' in result.stderr, (words, result)
    assert snapshot(victims) == before
    for directory, names in files.items():
        for name in names:
            (root / directory / name).unlink()
    cli(*ALPHA, 'port', '81')
    cli('commit')
    cli('save')
    assert 'port "81"' in (root / 'etc/vyflow/config.boot').read_text()
    assert as_nobody('ln', '-s', str(victims / 'shadow'),
                     str(root / 'run/vyflow/working.boot')).returncode != 0  # 0755 now
    assert snapshot(victims) == before


# ---- save and load FILE ------------------------------------------------------------------

def test_operator_files_are_found_in_the_root_or_refused(tmp_path):
    sandbox = Paths(tmp_path / 'root')
    root, config_dir = sandbox.root, sandbox.config_dir
    assert sandbox.operator_file(None) == (sandbox.saved_config, OWN)
    assert sandbox.operator_file('x.boot') == (f'{config_dir}/x.boot', OWN)
    assert sandbox.operator_file('/tmp/x.boot') == (f'{root}/tmp/x.boot', OPERATOR_IN_ROOT)
    assert sandbox.operator_file('/../../x') == (f'{root}/x', OPERATOR_IN_ROOT)
    for escaping in ('../../../../tmp/x.boot', '../../..', '/'):
        with pytest.raises(UsageError, match='leads out of the root'):
            sandbox.operator_file(escaping)
    system = Paths()
    assert system.operator_file('x.boot') == ('/etc/vyflow/x.boot', OWN)
    assert system.operator_file('/tmp/x.boot') == ('/tmp/x.boot', OPERATOR)
    assert system.operator_file('../../tmp/x') == ('/tmp/x', OPERATOR)


def test_save_and_load_stay_in_the_root(cli, tmp_path):
    cli(*ALPHA, 'port', '81')
    cli('commit')
    outside = tmp_path / 'outside.boot'
    refused = cli('save', f'../../../../../../../../..{outside}', check=False)
    assert refused.returncode == 2 and 'leads out of the root' in refused.stderr
    assert not outside.exists()
    (cli.root / 'tmp').mkdir()
    assert f"Saving configuration to '{cli.root}/tmp/x.boot'" in cli('save', '/tmp/x.boot').stdout
    assert 'port "81"' in (cli.root / 'tmp/x.boot').read_text()
    cli(*ALPHA, 'port', '82')
    cli('commit')
    assert "[edit service alpha]\n- port 82\n+ port 81" in cli('load', '/tmp/x.boot').stdout


@needs_root
def test_save_never_replaces_a_device_or_fifo_and_load_refuses_them(cli):
    cli(*ALPHA, 'port', '81')
    cli('commit')
    (cli.root / 'dev').mkdir()
    os.mknod(cli.root / 'dev/null', 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    os.mkfifo(cli.root / 'dev/fifo')
    for name, kind in (('/dev/null', 'a character device'), ('/dev/fifo', 'a FIFO')):
        saved = cli('save', name, check=False)
        assert saved.returncode == 1 and f'is {kind}: vyflow writes only regular files' in saved.stderr
        loaded = cli('load', name, check=False, timeout=20)   # a FIFO must not hang the load
        assert loaded.returncode == 1 and f'is {kind}' in loaded.stderr
    assert stat.S_ISCHR((cli.root / 'dev/null').stat().st_mode)
    assert stat.S_ISFIFO((cli.root / 'dev/fifo').stat().st_mode)


def test_load_refuses_what_is_not_a_config_file_without_echoing_it(cli):
    secret = '$6$rounds=5000$saltsalt$hashhashhashhash'
    files = {'shadow': f'root:{secret}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n',
             'passwd': 'root:x:0:0:root:/root:/bin/bash\n',
             'fstab': f'UUID={secret} / ext4 defaults 0 1\n',
             'hostname': 'router1\n',
             'binary': 'system {\n}\n\0\0ELF\0' + secret}
    (cli.root / 'etc').mkdir(parents=True)
    for name, text in files.items():
        (cli.root / 'etc' / name).write_text(text)
    for name in files:
        result = cli('load', f'/etc/{name}', check=False)
        assert result.returncode == 1, name
        assert 'not a configuration file' in result.stderr, (name, result.stderr)
        assert secret not in result.stdout + result.stderr and 'root:' not in result.stderr
        assert 'router1' not in result.stdout + result.stderr
    assert not (cli.root / 'run/vyflow/working.boot').exists()
    assert not (cli.root / 'var/lib/vyflow/running.boot').exists()


# ---- the root ---------------------------------------------------------------------------

def test_the_root_is_normalised_once_and_sandboxed_is_decided_on_it(tmp_path):
    assert not Paths.from_root('/tmp/..').sandboxed
    assert not Paths.from_root('//').sandboxed
    assert not Paths(Path('/tmp/../')).sandboxed
    (tmp_path / 'to-slash').symlink_to('/')
    assert not Paths.from_root(str(tmp_path / 'to-slash')).sandboxed
    inner = Paths.from_root(f'{tmp_path}//a/../b/')
    assert inner.sandboxed and inner.root == str(tmp_path / 'b')
    for empty in ('', ' '):
        with pytest.raises(UsageError, match='--root is empty'):
            Paths.from_root(empty)


@pytest.mark.parametrize('argv, env, word', [
    (['--root', ''], {}, '--root'),
    (['--root='], {}, '--root'),
    ([], {'VYFLOW_ROOT': ''}, 'VYFLOW_ROOT'),
])
def test_an_empty_root_is_an_error_not_the_real_system(argv, env, word):
    result = subprocess.run(['/usr/bin/python3', str(PROJECT_ROOT / 'bin/vyflow'), *argv,
                             'show', 'system', 'commit'], capture_output=True, text=True,
                            env={**os.environ, **env})
    assert result.returncode == 2
    assert result.stderr.strip() == (f'vyflow: {word} is empty: give the directory to keep '
                                     'every file under, or leave it out to work on this system')
    assert result.stdout == ''


# ---- VYFLOW_SOURCE_TREE ------------------------------------------------------------------

def _located(python_path: Path, source_tree: str) -> str:
    code = 'from vyflow.paths import Resources; print(Resources.locate().conf_mode_dir)'
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                            check=True, env={**os.environ, 'PYTHONPATH': str(python_path),
                                             'VYFLOW_SOURCE_TREE': source_tree})
    return result.stdout.strip()


def test_vyflow_source_tree_is_honoured_only_from_a_checkout(tmp_path):
    elsewhere = tmp_path / 'planted'
    assert _located(PROJECT_ROOT / 'python', str(elsewhere)) == str(elsewhere / 'src/conf_mode')
    prefix = tmp_path / 'usr'
    installed = prefix / 'lib/python3/dist-packages'
    shutil.copytree(PROJECT_ROOT / 'python/vyflow', installed / 'vyflow',
                    ignore=shutil.ignore_patterns('__pycache__'))
    assert _located(installed, str(elsewhere)) == str(prefix / 'libexec/vyflow/conf_mode')
