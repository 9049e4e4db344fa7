"""Import a script file (conf_mode, op_mode, migration) as a module, once.

Script file names carry dashes and no ``.py`` in places (VyOS naming), so they
are loaded by path rather than imported by name. Running them in-process
avoids an interpreter start per script.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import re
import sys
from collections.abc import Sequence
from types import ModuleType

from vyflow.errors import DefinitionError
from vyflow.safepath import StrPath

_loaded: dict[str, ModuleType] = {}


def import_script(path: StrPath, prefix: str, required: Sequence[str] = ()) -> ModuleType:
    """Load ``path`` as a module named ``prefix`` + its stem; check it defines
    the ``required`` callables."""
    key = os.fspath(path)
    module = _loaded.get(key)
    if module is not None:
        return module
    if not os.path.isfile(key):
        raise DefinitionError(f'script {key} does not exist')
    name = prefix + re.sub(r'\W', '_', os.path.basename(key))
    loader = importlib.machinery.SourceFileLoader(name, key)
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    # Scripts without a .py suffix (migration N-to-M) are not byte-compiled by
    # the package; never leave a __pycache__ of ours next to installed files.
    writes_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = writes_bytecode or os.path.splitext(key)[1] != '.py'
    try:
        loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = writes_bytecode
    missing = [item for item in required if not callable(getattr(module, item, None))]
    if missing:
        raise DefinitionError(f'script {key} lacks {", ".join(missing)}')
    _loaded[key] = module
    return module
