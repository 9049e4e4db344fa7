"""Run vyflow commands as on a real system (root ``/``, no ``--root``), safely.

    unshare --mount --net --propagation private python3 realroot.py STATE COMMANDS_JSON

Inside a private mount and network namespace: a tmpfs becomes the new ``/``,
the host's /usr, /lib*, /proc, /sys, /dev and the checkout (read-only) are
bound into it, /etc is copied, and the vyflow files of STATE (a prepared
``--root`` tree: etc/vyflow, var/lib/vyflow, run/vyflow; not the log) are
copied to their real places. Each command of COMMANDS_JSON (a list of argv
lists) runs chrooted there; the result, printed as JSON, holds each command's
exit code and output and a snapshot (path -> sha256, mode) of every file
under the new root's /etc, /var and /run before and after each command.
Nothing of it outlives the namespace, and the empty network namespace keeps
any change a bug might make away from the host's firewall.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

BIND = ('/usr', '/lib', '/lib64', '/proc', '/sys', '/dev')
VYFLOW_DIRS = ('etc/vyflow', 'var/lib/vyflow', 'run/vyflow')   # no log dir: none may appear


def mount(*argv):
    subprocess.run(['mount', *argv], check=True)


def build_root(new: str, checkout: str, state: str) -> None:
    mount('-t', 'tmpfs', 'tmpfs', new)
    for name in ('/bin', '/sbin'):           # merged /usr: symlinks; else bind them too
        if os.path.islink(name):
            os.symlink(os.readlink(name), new + name)
        elif os.path.isdir(name):
            os.makedirs(new + name)
            mount('--bind', name, new + name)
    for name in BIND + (checkout,):
        if os.path.islink(name):
            os.symlink(os.readlink(name), new + name)
        elif os.path.isdir(name):
            os.makedirs(new + name, exist_ok=True)
            mount('--rbind' if name in ('/proc', '/sys', '/dev') else '--bind', name, new + name)
            if name not in ('/proc', '/sys', '/dev'):
                mount('-o', 'remount,bind,ro', new + name)
    shutil.copytree('/etc', new + '/etc', symlinks=True, ignore_dangling_symlinks=True,
                    dirs_exist_ok=True)
    for name in ('tmp', 'var', 'run', 'root'):
        os.makedirs(os.path.join(new, name), exist_ok=True)
    for name in VYFLOW_DIRS:
        if os.path.isdir(os.path.join(state, name)):
            shutil.copytree(os.path.join(state, name), os.path.join(new, name), symlinks=True)


def snapshot(new: str) -> dict:
    files = {}
    for top in ('etc', 'var', 'run'):
        for directory, dirs, names in os.walk(os.path.join(new, top)):
            for name in dirs + names:
                path = os.path.join(directory, name)
                info = os.lstat(path)
                digest = ''
                if os.path.isfile(path) and not os.path.islink(path):
                    with open(path, 'rb') as handle:
                        digest = hashlib.sha256(handle.read()).hexdigest()
                files[os.path.relpath(path, new)] = [digest, info.st_mode]
    return files


def main() -> None:
    state, commands = sys.argv[1], json.loads(sys.argv[2])
    checkout = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    new = tempfile.mkdtemp(prefix='vyflow-realroot-')
    try:
        results = run_all(new, checkout, state, commands)
    finally:
        subprocess.run(['umount', '-R', '-l', new], check=False)
        os.rmdir(new)
    print(json.dumps(results))


def run_all(new: str, checkout: str, state: str, commands: list) -> list:
    build_root(new, checkout, state)
    results = []
    for argv in commands:
        before = snapshot(new)
        environment = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'USER': 'root', 'HOME': '/root',
                       'LANG': 'C.UTF-8'}
        done = subprocess.run(argv, capture_output=True, text=True, env=environment,
                              preexec_fn=lambda: (os.chroot(new), os.chdir('/')), timeout=300)
        results.append({'argv': argv, 'code': done.returncode, 'stdout': done.stdout,
                        'stderr': done.stderr, 'before': before, 'after': snapshot(new)})
    return results


if __name__ == '__main__':
    main()
