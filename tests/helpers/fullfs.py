"""Run vyflow commands with one directory on a small, full (or read-only) tmpfs.

    unshare --mount --propagation private python3 fullfs.py DIR SIZE STEPS_JSON

In a private mount namespace, DIR's files move onto a tmpfs of SIZE bytes
mounted over DIR, and a filler file takes every byte left. STEPS is a list:
an argv list runs as a command; ``["!free"]`` removes the filler, ``["!fill"]``
fills again, ``["!ro"]`` / ``["!rw"]`` remount read-only / read-write,
``["!files", ROOT]`` records path -> sha256 of every file under ROOT. The
results are printed as JSON, one entry per step. Nothing outlives the
namespace: the host's DIR is untouched.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile


def fill(directory: str) -> None:
    with open(os.path.join(directory, '.filler'), 'ab', buffering=0) as handle:
        try:
            while True:
                handle.write(b'\0' * 4096)
        except OSError:
            pass
        try:
            os.fsync(handle.fileno())
        except OSError:
            pass


def files(root: str) -> dict:
    found = {}
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            if name != '.filler' and os.path.isfile(path) and not os.path.islink(path):
                with open(path, 'rb') as handle:
                    found[os.path.relpath(path, root)] = hashlib.sha256(handle.read()).hexdigest()
    return found


def main() -> None:
    directory, size, steps = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    os.makedirs(directory, exist_ok=True)
    keep = tempfile.mkdtemp()
    shutil.copytree(directory, keep, symlinks=True, dirs_exist_ok=True)
    subprocess.run(['mount', '-t', 'tmpfs', '-o', f'size={size}', 'tmpfs', directory], check=True)
    shutil.copytree(keep, directory, symlinks=True, dirs_exist_ok=True)
    shutil.rmtree(keep)
    fill(directory)
    results = []
    for step in steps:
        if step == ['!free']:
            os.unlink(os.path.join(directory, '.filler'))
            results.append({})
        elif step == ['!fill']:
            fill(directory)
            results.append({})
        elif step in (['!ro'], ['!rw']):
            flag = step[0][1:]
            subprocess.run(['mount', '-o', f'remount,{flag}', directory], check=True)
            results.append({})
        elif step[0] == '!files':
            results.append({'files': files(step[1])})
        else:
            done = subprocess.run(step, capture_output=True, text=True, timeout=300)
            results.append({'code': done.returncode, 'stdout': done.stdout,
                            'stderr': done.stderr})
    print(json.dumps(results))


if __name__ == '__main__':
    main()
