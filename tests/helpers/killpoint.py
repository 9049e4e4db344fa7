"""Run a Python program and SIGKILL it at its Nth profiled call.

    python3 killpoint.py N COUNT_FILE PROGRAM [ARGS...]

Counts every call into vyflow code and conf_mode scripts, plus calls of the os
functions that touch files (open, write, fsync, replace, unlink, …). At the
Nth event the process kills itself with SIGKILL — no cleanup of any kind runs,
exactly like a power cut for that process. N = 0 only counts and writes the
total to COUNT_FILE when the program ends; with KILLPOINT_TRACE=FILE it also
writes one line per counted call, ``N module.function``, so a test can aim at
the steps of a protocol.
"""

import os
import runpy
import signal
import sys

WATCHED_C = {'open', 'write', 'fsync', 'replace', 'rename', 'unlink', 'close', 'ftruncate',
             'mkdir', 'makedirs'}
kill_at = int(sys.argv[1])
count_file = sys.argv[2]
program = sys.argv[3]
sys.argv = sys.argv[3:]
count = 0
trace_file = os.environ.pop('KILLPOINT_TRACE', None) if kill_at == 0 else None
trace = []


def profiler(frame, event, arg):
    global count
    if event == 'call':
        name = frame.f_code.co_filename
        if '/vyflow/' not in name and '/conf_mode/' not in name:
            return
    elif event == 'c_call':
        if getattr(arg, '__module__', None) not in ('posix', 'os') or arg.__name__ not in WATCHED_C:
            return
    else:
        return
    count += 1
    if trace_file is not None and event == 'call':
        module = os.path.splitext(os.path.basename(frame.f_code.co_filename))[0]
        trace.append(f'{count} {module}.{frame.f_code.co_name}\n')
    if count == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)


sys.setprofile(profiler)
try:
    runpy.run_path(program, run_name='__main__')
finally:
    sys.setprofile(None)
    if kill_at == 0:
        with open(count_file, 'w') as handle:
            handle.write(str(count))
        if trace_file is not None:
            with open(trace_file, 'w') as handle:
                handle.writelines(trace)
