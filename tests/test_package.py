"""The Debian package, end to end, plus the files that ship with it.

Fast checks (always run): the README's configuration reference is what
tools/reference.py generates, the package version matches the library's, the
hidden ``_complete`` command and the bash completion script answer from the
definitions, and ``make install`` lays out a working tree under a prefix.

The package test (root, debootstrap and Debian's mirror needed; otherwise it
is skipped, saying why) builds the .deb (``tools/build-deb``, as ``make deb``;
or takes ``VYFLOW_DEB=path``), checks it with lintian, and installs it with apt
into a clean Debian 12 root: debootstrap makes a pristine minbase root once
(cached in ``VYFLOW_PACKAGE_CACHE``, default ``~/.cache/vyflow/package-test``,
with the packages apt downloads), and every run works on a fresh copy of it.
From the installed paths only (the source tree is not visible in there) it
runs vyflow under ``--root``: set, compare, commit (a dry run, no module),
show, commit again, rollback, show system commit, save, boot. Then it purges
the package and checks that nothing of it is left. Timings are printed and
written to ``timings.json`` in the cache dir. ``VYFLOW_KEEP_PACKAGE_ROOT=1``
keeps the root for a look.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PYTHON = '/usr/bin/python3'
PACKAGE = 'vyos-flow-accounting'
SUITE = 'bookworm'
MIRROR = os.environ.get('VYFLOW_DEBIAN_MIRROR', 'http://deb.debian.org/debian')
CACHE = Path(os.environ.get('VYFLOW_PACKAGE_CACHE')
             or Path.home() / '.cache' / 'vyflow' / 'package-test')
PRISTINE = CACHE / f'{SUITE}-minbase'
ARCHIVES = CACHE / 'apt-archives'
CHROOT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
SANDBOX = '/tmp/r'  # the --root used inside the installed system


def run(argv, *, check=True, timeout=600, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f'{" ".join(map(str, argv))} failed ({result.returncode}):\n'
                             f'{result.stdout[-4000:]}\n{result.stderr[-4000:]}')
    return result


# ---- the README reference, versions, completion, make install -------------------

def test_readme_configuration_reference_is_generated_from_the_definitions(tmp_path):
    from vyflow.definitions.build import build
    build(PROJECT_ROOT / 'interface-definitions', PROJECT_ROOT / 'op-mode-definitions',
          PROJECT_ROOT / 'schema', tmp_path / 'build')
    result = run([PYTHON, str(PROJECT_ROOT / 'tools' / 'reference.py'),
                  '--definitions', str(tmp_path / 'build' / 'definitions.json'),
                  '--check', str(PROJECT_ROOT / 'README.md')], check=False)
    assert result.returncode == 0, result.stderr + '\n(run "make" to regenerate it)'
    section = run([PYTHON, str(PROJECT_ROOT / 'tools' / 'reference.py'),
                   '--definitions', str(tmp_path / 'build' / 'definitions.json')]).stdout
    definitions = json.loads((tmp_path / 'build' / 'definitions.json').read_text())
    flow = definitions['tree']['children']['system']['children']['flow-accounting']
    server = flow['children']['netflow']['children']['server']
    assert server['help'] in section                           # help texts
    assert '`2055`' in section                                  # defaults
    assert 'IPv4 address of the collector' in section          # valueHelp


def test_package_version_is_the_library_version():
    import vyflow
    version = run(['dpkg-parsechangelog', '-S', 'Version'], cwd=PROJECT_ROOT).stdout.strip()
    assert version == vyflow.__version__


def complete(*words, root=None) -> list[str]:
    prefix = ['--root', str(root)] if root else []
    result = run([PYTHON, str(PROJECT_ROOT / 'bin' / 'vyflow'), '_complete', '--',
                  *prefix, *words])
    assert result.stderr == ''
    return result.stdout.split('\n')[:-1]


def test_complete_command_answers_from_the_definitions(tmp_path):
    root = tmp_path / 'root'
    run([PYTHON, str(PROJECT_ROOT / 'bin' / 'vyflow'), '--root', str(root), 'set', 'system',
         'flow-accounting', 'netflow', 'server', '2001:db8::5', 'port', '2055'])
    assert 'set' in complete('') and '_complete' not in complete('')
    assert complete('s') == ['save', 'set', 'show']
    assert complete('--r') == ['--root']
    assert complete('--root', '') == ['@dirs']
    assert complete('set', 'system', '') == ['flow-accounting']
    assert 'netflow' in complete('set', 'system', 'flow-accounting', '')
    assert complete('set', 'system', 'flow-accounting', 'netflow', 'version', '') == \
        ['5', '9', '10']
    # existing values come from the working config of the --root given
    assert complete('delete', 'system', 'flow-accounting', 'netflow', 'server', '',
                    root=root) == ['2001:db8::5']
    # "show" offers config paths and operational show commands
    assert {'system', 'flow-accounting'} <= set(complete('show', ''))
    assert 'statistics' in complete('show', 'flow-accounting', '')
    assert complete('run', 'show', 'system', '') == ['commit']
    assert complete('load', '') == ['@files']
    assert complete('set', 'no-such-node', '') == []


@pytest.mark.skipif(not Path('/usr/share/bash-completion/bash_completion').exists(),
                    reason='bash-completion is not installed (make setup installs it)')
def test_bash_completion_script(tmp_path):
    root = tmp_path / 'root'
    run([PYTHON, str(PROJECT_ROOT / 'bin' / 'vyflow'), '--root', str(root), 'set', 'system',
         'flow-accounting', 'netflow', 'server', '2001:db8::5', 'port', '2055'])
    (tmp_path / 'file.boot').write_text('')
    script = f'''
source /usr/share/bash-completion/bash_completion
source {PROJECT_ROOT}/data/bash-completion/vyflow
vyflow() {{ {PYTHON} {PROJECT_ROOT}/bin/vyflow "$@"; }}
try() {{
    COMP_LINE=$1 COMP_POINT=${{#1}}
    COMP_WORDS=($1); [[ $1 == *' ' ]] && COMP_WORDS+=('')
    COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
    COMPREPLY=()
    _vyflow vyflow "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
    echo "${{COMPREPLY[*]}}"
}}
cd {tmp_path}
try 'vyflow se'
try 'vyflow set system flow-accounting netflow ver'
try 'vyflow show flow-accounting st'
try 'vyflow --root {root} delete system flow-accounting netflow server 2001:db8:'
try 'vyflow load fi'
'''
    lines = run(['bash', '-c', script]).stdout.splitlines()
    assert lines == ['set', 'version', 'statistics',
                     ':5',            # bash replaces only the word after the last ':'
                     'file.boot']


def test_make_install_under_a_prefix_runs(tmp_path):
    """make install PREFIX=DIR (another distribution's layout) gives a working vyflow."""
    prefix = tmp_path / 'prefix'
    run(['make', '-s', 'install', f'PREFIX={prefix}'], cwd=PROJECT_ROOT)
    assert os.access(prefix / 'bin' / 'vyflow', os.X_OK)
    for name in ('definitions.json', 'op-definitions.json', 'config.schema.json', 'templates'):
        assert (prefix / 'share' / 'vyflow' / name).exists(), name
    for name in ('conf_mode', 'op_mode'):
        assert any((prefix / 'libexec' / 'vyflow' / name).iterdir()), name
    assert (prefix / 'share' / 'man' / 'man1' / 'vyflow.1').is_file()
    unit = (prefix / 'lib' / 'systemd' / 'system' / 'vyflow-boot.service').read_text()
    assert f'ExecStart={prefix}/bin/vyflow boot' in unit
    for path in prefix.rglob('*'):
        assert '__pycache__' not in path.parts and path.suffix != '.pyc', path
    environment = {'PATH': os.environ['PATH'], 'HOME': str(tmp_path), 'LANG': 'C.UTF-8'}
    vyflow = [str(prefix / 'bin' / 'vyflow'), '--root', str(tmp_path / 'root')]
    where = run([str(prefix / 'bin' / 'vyflow'), '--help'], env=environment)
    assert 'usage: vyflow' in where.stdout
    run(vyflow + ['set', 'system', 'flow-accounting', 'netflow', 'interface', 'eth0'],
        env=environment)
    run(vyflow + ['set', 'system', 'flow-accounting', 'netflow', 'server', '192.0.2.1'],
        env=environment)
    assert 'dry run' in run(vyflow + ['commit'], env=environment).stdout.lower()
    # the installed copy ran, and left no byte-code caches beside its files
    for path in prefix.rglob('*'):
        assert '__pycache__' not in path.parts, path


# ---- the .deb in a clean Debian 12 root ----------------------------------------

class Timings:
    def __init__(self):
        self.steps: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, name: str):
        start = time.monotonic()
        try:
            yield
        finally:
            self.steps[name] = round(time.monotonic() - start, 1)

    def report(self) -> str:
        total = sum(self.steps.values())
        return ('package test timings (s): '
                + ', '.join(f'{name} {seconds}' for name, seconds in self.steps.items())
                + f'; total {total:.1f}')


@contextlib.contextmanager
def cache_lock():
    """Serialise work on the shared cache (other test runs may be going on)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / '.lock', 'w') as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_pristine() -> None:
    """The cached clean Debian 12 root (debootstrap --variant=minbase), made once."""
    with cache_lock():
        if (PRISTINE / 'etc' / 'debian_version').is_file():
            return
        partial = CACHE / f'{SUITE}-minbase.partial'
        shutil.rmtree(partial, ignore_errors=True)
        result = run(['debootstrap', '--variant=minbase', SUITE, str(partial), MIRROR],
                     check=False, timeout=900)
        if result.returncode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            pytest.skip(f'debootstrap cannot run here ({MIRROR}): '
                        + (result.stderr or result.stdout).strip()[-500:])
        ARCHIVES.mkdir(parents=True, exist_ok=True)
        keep_packages(partial / 'var' / 'cache' / 'apt' / 'archives', ARCHIVES)
        run(['chroot', str(partial), 'apt-get', 'clean'])
        partial.rename(PRISTINE)


def keep_packages(source: Path, destination: Path) -> None:
    """Hard-link (or copy) the .debs of source into destination."""
    destination.mkdir(parents=True, exist_ok=True)
    for deb in source.glob('*.deb'):
        target = destination / deb.name
        if not target.exists():
            try:
                os.link(deb, target)
            except OSError:
                shutil.copy2(deb, target)


def mounts_under(path: Path) -> list[str]:
    prefix = str(path.resolve())
    with open('/proc/self/mountinfo') as handle:
        points = [line.split()[4].replace('\\040', ' ') for line in handle]
    return [point for point in points if point == prefix or point.startswith(prefix + '/')]


class Chroot:
    """A fresh copy of the pristine root, with /proc mounted while in use."""

    def __init__(self, root: Path, timings: Timings):
        self.root = root
        self.timings = timings

    def __call__(self, *argv, check=True, timeout=600, input=None) -> subprocess.CompletedProcess:
        environment = {'PATH': CHROOT_PATH, 'HOME': '/root', 'LANG': 'C.UTF-8',
                       'DEBIAN_FRONTEND': 'noninteractive', 'TERM': 'dumb'}
        return run(['chroot', str(self.root), *argv], check=check, timeout=timeout,
                   env=environment, input=input)

    def vyflow(self, *words, check=True) -> subprocess.CompletedProcess:
        return self('vyflow', '--root', SANDBOX, *words, check=check)

    def path(self, absolute: str) -> Path:
        return self.root / absolute.lstrip('/')

    def files(self) -> set[str]:
        """Every path in the root, as the system inside sees it (no /proc, /tmp)."""
        found = set()
        for directory, subdirs, names in os.walk(self.root):
            relative = '/' + os.path.relpath(directory, self.root).lstrip('.')
            if relative in ('/proc', '/sys', '/dev', '/tmp'):
                subdirs[:] = []
                continue
            for name in subdirs + names:
                found.add(os.path.join(relative, name).replace('//', '/'))
        return found


@pytest.fixture(scope='module')
def timings(pytestconfig):
    collected = Timings()
    yield collected
    if collected.steps:
        with contextlib.suppress(OSError):
            (CACHE / 'timings.json').write_text(json.dumps(collected.steps, indent=1) + '\n')
        capture = pytestconfig.pluginmanager.getplugin('capturemanager')
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            print('\n' + collected.report(), flush=True)


@pytest.fixture(scope='module')
def deb(tmp_path_factory, timings) -> Path:
    """The .deb: built now from this tree (as "make deb"), or VYFLOW_DEB."""
    if os.environ.get('VYFLOW_DEB'):
        return Path(os.environ['VYFLOW_DEB']).resolve()
    for tool in ('dpkg-buildpackage', 'dh', 'dh_python3'):
        assert shutil.which(tool), f'{tool} is missing: run "make setup" (or .ci/install-deps)'
    out = tmp_path_factory.mktemp('deb')
    with timings('build .deb'):
        run([str(PROJECT_ROOT / 'tools' / 'build-deb'), str(out)], cwd=PROJECT_ROOT,
            env={**os.environ, 'LINTIAN': '0'})
    found = sorted(out.glob(f'{PACKAGE}_*_all.deb'))
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope='module')
def system(deb, tmp_path_factory, timings):
    """A clean Debian 12 root with the package installed by apt."""
    if os.geteuid() != 0:
        pytest.skip('the package test needs root (debootstrap, chroot, mounts)')
    if not shutil.which('debootstrap'):
        pytest.skip('debootstrap is not installed (make setup installs it)')
    with timings('pristine root (debootstrap once)'):
        ensure_pristine()
    root = tmp_path_factory.mktemp('debian12') / 'root'
    with timings('copy pristine root'):
        run(['cp', '-a', str(PRISTINE), str(root)])
    chroot = Chroot(root, timings)
    mounted = False
    try:
        run(['mount', '-t', 'proc', 'proc', str(root / 'proc')])
        mounted = True
        (root / 'usr/sbin/policy-rc.d').write_text('#!/bin/sh\nexit 101\n')  # start nothing
        (root / 'usr/sbin/policy-rc.d').chmod(0o755)
        shutil.copy(deb, root / 'tmp' / deb.name)
        with cache_lock():
            keep_packages(ARCHIVES, root / 'var/cache/apt/archives')
        with timings('apt-get update'):
            update = chroot('apt-get', 'update', '-q', check=False)
        if update.returncode != 0 or re.search(r'^(W|E): Failed to fetch', update.stderr, re.M):
            pytest.skip(f'the Debian mirror cannot be reached: {update.stderr.strip()[-500:]}')
        with timings('apt-get install ./deb'):
            chroot.installed_log = chroot('apt-get', 'install', '-y', '-q',
                                          '--no-install-recommends', f'/tmp/{deb.name}').stdout
        with cache_lock():
            keep_packages(root / 'var/cache/apt/archives', ARCHIVES)
        (root / 'usr/sbin/policy-rc.d').unlink()
        yield chroot
    finally:
        if mounted:
            if run(['umount', str(root / 'proc')], check=False).returncode != 0:
                run(['umount', '-l', str(root / 'proc')], check=False)
        if mounts_under(root):
            print(f'NOT removing {root}: still mounted: {mounts_under(root)}', file=sys.stderr)
        elif os.environ.get('VYFLOW_KEEP_PACKAGE_ROOT') != '1':
            shutil.rmtree(root.parent, ignore_errors=True)


def test_lintian_reports_no_errors(deb, timings):
    if not shutil.which('lintian'):
        pytest.skip('lintian is not installed (make setup installs it)')
    with timings('lintian'):
        result = run(['lintian', '--fail-on', 'none', str(deb)], timeout=300)
    tags = [line for line in result.stdout.splitlines() if re.match(r'[EW]: ', line)]
    errors = [line for line in tags if line.startswith('E: ')]
    assert not errors, '\n'.join(tags)


def test_installed_package_layout(system):
    assert 'vyos-flow-accounting' in system.installed_log
    where = system('python3', '-c', 'import vyflow, vyflow.paths as p; print(vyflow.__file__); '
                   'r = p.Resources.locate(); print(r.data_dir); print(r.conf_mode_dir)').stdout
    assert where.split() == ['/usr/lib/python3/dist-packages/vyflow/__init__.py',
                             '/usr/share/vyflow', '/usr/libexec/vyflow/conf_mode']
    assert system('sh', '-c', 'command -v vyflow').stdout.strip() == '/usr/bin/vyflow'
    assert system.path('/usr/bin/vyflow').read_text().startswith('#!/usr/bin/python3\n')
    for name in ('definitions.json', 'op-definitions.json', 'config.schema.json',
                 'templates/ipt-netflow/ipt_NETFLOW.conf.tmpl'):
        assert system.path(f'/usr/share/vyflow/{name}').is_file(), name
    source_scripts = sorted((PROJECT_ROOT / 'src' / 'migration-scripts').rglob('*-to-*'))
    for script in source_scripts:
        installed = system.path('/usr/share/vyflow/migration-scripts') / \
            script.relative_to(PROJECT_ROOT / 'src' / 'migration-scripts')
        assert installed.is_file() and os.access(installed, os.X_OK), installed
    assert system.path('/usr/libexec/vyflow/conf_mode/system_flow-accounting.py').is_file()
    assert system.path('/usr/share/bash-completion/completions/vyflow').is_file()
    assert system.path('/usr/share/man/man1/vyflow.1.gz').is_file()
    unit = system.path('/lib/systemd/system/vyflow-boot.service').read_text()
    assert 'ExecStart=/usr/bin/vyflow boot' in unit and 'network-online.target' in unit
    # enabled for the next boot, not started by the installation
    assert system.path('/etc/systemd/system/multi-user.target.wants/vyflow-boot.service') \
        .is_symlink()
    # the package ships nothing under /etc, /var or /run: vyflow creates it all
    listed = system('dpkg', '-L', PACKAGE).stdout.split()
    assert not [path for path in listed if path.startswith(('/etc', '/var', '/run'))]
    assert not system.path('/etc/vyflow').exists()


def test_installed_vyflow_configures_commits_and_rolls_back(system, timings):
    v = system.vyflow
    sandbox = system.path(SANDBOX)
    with timings('vyflow scenario'):
        assert 'usage: vyflow' in system('vyflow', '--help').stdout
        v('set', 'system', 'flow-accounting', 'netflow', 'interface', 'eth0')
        v('set', 'system', 'flow-accounting', 'netflow', 'server', '192.0.2.10', 'port', '2055')
        v('set', 'system', 'flow-accounting', 'netflow', 'version', '9')
        assert '+' in v('compare').stdout
        first = v('commit')
        assert 'dry run' in first.stdout.lower(), first.stdout
        assert 'modprobe ipt_NETFLOW' in first.stdout      # the plan, not applied
        running = sandbox / 'var/lib/vyflow/running.boot'
        assert 'server 192.0.2.10' in running.read_text()
        shown = v('show').stdout
        assert 'server 192.0.2.10' in shown and '+' not in shown
        v('set', 'system', 'flow-accounting', 'netflow', 'active-timeout', '120')
        assert 'active-timeout' in v('compare').stdout
        v('commit', 'comment', 'shorter active timeout')
        assert 'active-timeout "120"' in running.read_text()
        v('rollback', '1')
        assert 'active-timeout' not in running.read_text()
        log = v('show', 'system', 'commit').stdout
        assert 'shorter active timeout' in log and 'rollback' in log
        assert len(re.findall(r'^\d+\s', log, re.MULTILINE)) == 3
        v('save')
        assert 'server 192.0.2.10' in (sandbox / 'etc/vyflow/config.boot').read_text()
        v('set', 'system', 'flow-accounting', 'netflow', 'version', '10')
        v('commit')                                         # committed, never saved
        v('boot')                                           # as after a reboot
        assert 'version "9"' in running.read_text()
        assert 'via boot' in v('show', 'system', 'commit').stdout
        completions = v('_complete', '--', 'set', 'system', 'flow-accounting', 'netflow', '')
        assert 'server' in completions.stdout.split()
    # nothing written outside the sandbox root, no byte-code caches of our own
    assert not system.path('/etc/vyflow').exists() and not system.path('/var/lib/vyflow').exists()
    assert not list(system.path('/usr/share/vyflow').rglob('__pycache__'))


def test_purge_leaves_nothing_behind(system, timings):
    # Give purge something to clean at the system's real paths: a configure
    # session (/run/vyflow), a saved config (/etc/vyflow), what a commit
    # leaves in /var/lib/vyflow (running config, archive; laid down by hand:
    # a dry run records nothing, and a real commit needs the kernel module)
    # and a module options file.
    system('vyflow', 'set', 'system', 'flow-accounting', 'netflow', 'interface', 'eth0')
    system('vyflow', 'set', 'system', 'flow-accounting', 'netflow', 'server', '192.0.2.10')
    system('vyflow', 'save')
    state = system.path('/var/lib/vyflow')
    (state / 'archive').mkdir(parents=True, exist_ok=True)
    shutil.copyfile(system.path('/etc/vyflow/config.boot'), state / 'running.boot')
    (state / 'archive' / 'rev-00000001.json.gz').write_bytes(gzip.compress(b'{}'))
    system('vyflow', 'set', 'system', 'flow-accounting', 'netflow', 'version', '10')
    modprobe_conf = system.path('/etc/modprobe.d/ipt_NETFLOW.conf')
    modprobe_conf.write_text('# Generated by vyflow from "system flow-accounting"; do not edit.\n'
                             'options ipt_NETFLOW protocol=9\n')
    for path in ('/etc/vyflow/config.boot', '/var/lib/vyflow/running.boot',
                 '/run/vyflow/working.boot'):
        assert system.path(path).is_file(), path
    owned = system('dpkg', '-L', PACKAGE).stdout.split()
    before = system.files()
    with timings('apt-get purge'):
        system('apt-get', 'purge', '-y', '-q', PACKAGE)
    after = system.files()
    assert system('dpkg-query', '-W', '-f=${db:Status-Abbrev}', PACKAGE,
                  check=False).stdout.strip() in ('', 'un')
    # every file the package owned is gone (directories shared with others stay)
    left = [path for path in owned if path in after and not system.path(path).is_dir()]
    assert not left, left
    for path in ('/etc/vyflow', '/var/lib/vyflow', '/run/vyflow', '/var/log/vyflow',
                 '/usr/share/vyflow', '/usr/libexec/vyflow', '/usr/lib/python3/dist-packages/vyflow',
                 '/etc/modprobe.d/ipt_NETFLOW.conf', '/lib/systemd/system/vyflow-boot.service',
                 '/etc/systemd/system/multi-user.target.wants/vyflow-boot.service'):
        assert not system.path(path).exists() and not system.path(path).is_symlink(), path
    # and nothing anywhere mentions us, except the package managers' logs
    logs = ('/var/log/apt/', '/var/log/dpkg.log', '/var/cache/', '/var/lib/apt/')
    mentions = [path for path in after if re.search(r'vyflow|vyos-flow', path)
                and not path.startswith(logs)]
    assert not mentions, mentions
    # the only paths that appeared since before the purge are the package managers' own
    appeared = [path for path in after - before if not path.startswith(logs + ('/var/lib/dpkg/',))]
    assert not appeared, appeared
