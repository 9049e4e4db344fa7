"""``/show``: op-mode words, answered with the text the CLI prints.

``{"op": "show", "path": ["flow-accounting", "flows", "top", "10"]}`` is
resolved through the same compiled op-mode definitions as ``vyflow show …``
and runs the same typed op-mode function in-process. Only vyflow's own Python
op-mode functions are reachable this way: a definition that names another
program is refused rather than run from a network request.
"""

from __future__ import annotations

import threading
from typing import Optional

from vyflow.api.protocol import ApiError, words
from vyflow.cli.commands.run import expand, load_op_tree, possible, resolve
from vyflow.cli.context import Context
from vyflow.config import RunEnvironment
from vyflow.opmode import call
from vyflow.scriptload import import_script

_import_lock = threading.Lock()


class OpMode:
    """Op-mode dispatch for one server (the definitions are read once)."""

    def __init__(self, environment: RunEnvironment):
        self.environment = environment
        self.context = Context(environment.paths, dry_run=environment.dry_run)
        self.tree = load_op_tree(self.context)

    def show(self, data: dict) -> Optional[str]:
        typed = ['show'] + words(data.get('path'))
        command = resolve(self.tree, typed)
        if command is None:
            hint = ', '.join(possible(self.tree, typed))
            raise ApiError(f'Invalid command: {" ".join(typed)}'
                           + (f'\nPossible completions: {hint}' if hint else ''))
        argv = expand(command, self.context)
        script = argv[0]
        if not (script.endswith('.py')
                and script.startswith(str(self.environment.resources.op_mode_dir))):
            raise ApiError(f'"{" ".join(typed)}" is not available through the API')
        with _import_lock:
            module = import_script(script, 'vyflow_op_mode_')
        return call(module, argv[1:], raw=False, environment=self.environment)
