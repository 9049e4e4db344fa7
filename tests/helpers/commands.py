"""Run several ``vyflow`` command lines in one process, as separate commands.

    python3 commands.py < LINES        (each line: the argv of one vyflow run)

Each line goes through the real entry point (``vyflow.cli.main.main``) with a
fresh context, so a test can try a dozen commands against one damaged root
for the cost of one interpreter start. Before each command a ``### argv``
marker is printed on stdout and stderr, after it ``### exit N`` on stdout; an
exception escaping ``main`` is printed as a traceback and marked ``exit
traceback`` (it is exactly what the operator would have seen).
"""

import os
import shlex
import sys
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'python'))

from vyflow.cli.main import main  # noqa: E402

for line in sys.stdin:
    if not line.strip():
        continue
    for stream in (sys.stdout, sys.stderr):
        print(f'### {line.strip()}', file=stream, flush=True)
    try:
        code = main(shlex.split(line))
    except SystemExit as exc:
        code = exc.code
    except BaseException:
        traceback.print_exc()
        code = 'traceback'
    sys.stdout.flush()
    sys.stderr.flush()
    print(f'### exit {code}', flush=True)
