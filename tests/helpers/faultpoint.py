"""Run a Python program with one os call failing for one file.

    python3 faultpoint.py FUNCTION SUFFIX ERRNO PROGRAM [ARGS...]

``os.FUNCTION`` (e.g. ``rename``) raises OSError(ERRNO) whenever its last
path argument ends with SUFFIX; everything else is real. For failures no
real filesystem produces on demand, such as a rename that fails after the
data was written.
"""

import errno
import os
import runpy
import sys

function, suffix, code, program = sys.argv[1:5]
sys.argv = sys.argv[4:]
real = getattr(os, function)
number = getattr(errno, code)


def failing(*args, **kwargs):
    if str(args[-1]).endswith(suffix):
        raise OSError(number, os.strerror(number), str(args[-1]))
    return real(*args, **kwargs)


setattr(os, function, failing)
runpy.run_path(program, run_name='__main__')
