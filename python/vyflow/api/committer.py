"""API commits: one at a time, each built on the running config it replaces.

This module is the API's only user of the commit engine and of
commit-confirm, so a change of their library interface is absorbed here.

A commit takes a *build* function: given a copy of the running config, it
returns the proposed one. Under the server's lock the build runs on the
current running config and the result is committed with that config as its
base; the engine refuses it if another committer (the CLI, a confirm timer)
got in between, and it is then rebuilt on the new running config, so nobody's
commit is silently undone. Commits are archived ``via api`` with the key ID
as the user; what the commit prints (warnings, plans, summaries) becomes the
answer's ``data``.
"""

from __future__ import annotations

import io
import threading
from contextlib import redirect_stdout
from typing import Callable, Optional

from vyflow.api.protocol import ApiError
from vyflow.api.rebase import rebase_session
from vyflow.commit import confirm
from vyflow.commit.engine import CommitEngine
from vyflow.config import RunEnvironment
from vyflow.configtree import ConfigNode, parse_config
from vyflow.definitions.model import Definitions
from vyflow.errors import RunningChangedError
from vyflow.locking import file_lock
from vyflow.store import ConfigStore

ATTEMPTS = 5
LOCK_WAIT = 30.0            # seconds to wait for a CLI commit in progress
VIA = 'api'


class Committer:
    def __init__(self, environment: RunEnvironment, definitions: Definitions):
        self.environment = environment
        self.paths = environment.paths
        self.definitions = definitions
        self.store = ConfigStore(self.paths, definitions.component_versions)
        self._lock = threading.Lock()

    def commit(self, build: Callable[[ConfigNode], ConfigNode], key_id: str, *,
               confirm_minutes: Optional[float] = None,
               versions: Optional[dict[str, int]] = None) -> str:
        """Commit ``build(copy of running)``; returns what the commit printed.
        Raises the engine's errors (CommitFailed: nothing was changed)."""
        with self._lock:
            for _ in range(ATTEMPTS):
                running_text = self.store.running_text() or ''
                base = parse_config(running_text, str(self.paths.running_config)).tree
                proposed = build(base.copy())
                out = io.StringIO()
                engine = CommitEngine(self.environment, self.definitions, out, key_id)
                try:
                    with redirect_stdout(out):  # conf_mode scripts print their reports
                        engine.commit(proposed, via=VIA, lock_wait=LOCK_WAIT, versions=versions,
                                      base=base, after_commit=lambda: rebase_session(
                                          self.paths, self.definitions, base, proposed),
                                      confirm_seconds=None if confirm_minutes is None
                                      else confirm_minutes * 60)
                except RunningChangedError:
                    continue
                return out.getvalue()
        raise ApiError('The running configuration kept changing while this request was '
                       'prepared; send it again')

    def confirm(self) -> str:
        """Keep a commit-confirm'ed config: cancel its revert."""
        with self._lock:
            engine = CommitEngine(self.environment, self.definitions, io.StringIO(), VIA)
            return engine.confirm(lock_wait=LOCK_WAIT).message

    def confirm_pending(self) -> bool:
        return confirm.load_pending(self.paths) is not None
