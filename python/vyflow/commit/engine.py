"""Commit: make the proposed config running, all or nothing.

1. Under the commit lock, diff running vs proposed and pick the owner scripts.
2. get_config + verify for *every* affected script before anything changes;
   any ConfigError -> report ``[path] message`` and "Commit failed".
3. generate + apply in order. If one fails, every script touched in this
   commit is re-run against the previous running config, so the system ends
   where it started, and the error names the path.
4. Persist the running config (the commit point, an atomic rename), record an
   archive revision, and clear the session if nobody edited it meanwhile.
Warnings raised by scripts are printed and never fail the commit.
"""

from __future__ import annotations

import logging
import os
import traceback
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Optional, TextIO

from vyflow.atomicfile import read_text, remove_durable
from vyflow.base import ConfigWarning
from vyflow.commit.archive import Archive
from vyflow.commit.scripts import ScriptRun, affected_runs, load_script
from vyflow.config import Config, RunEnvironment
from vyflow.configtree import ConfigNode, parse_config
from vyflow.definitions.model import Definitions
from vyflow.errors import CommitFailed, ConfigError, RunningChangedError, VyflowError
from vyflow.locking import file_lock
from vyflow.store import ConfigStore

log = logging.getLogger('vyflow.commit')


@dataclass
class CommitResult:
    changed: bool
    runs: list[ScriptRun]
    revision: Optional[int] = None


@contextmanager
def _tag_value(run: ScriptRun) -> Iterator[None]:
    """Expose the tag value the way VyOS scripts expect it."""
    if run.tag_value is None:
        yield
        return
    os.environ['VYOS_TAGNODE_VALUE'] = run.tag_value
    try:
        yield
    finally:
        os.environ.pop('VYOS_TAGNODE_VALUE', None)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, VyflowError):
        return str(exc)
    log.error('internal error in commit:\n%s', ''.join(traceback.format_exception(exc)))
    return f'internal error: {type(exc).__name__}: {exc} (details in the vyflow log)'


class CommitEngine:
    """Runs commits for one root; ``out`` receives warnings and summaries."""

    def __init__(self, environment: RunEnvironment, definitions: Definitions,
                 out: TextIO, user: str):
        self.environment = environment
        self.definitions = definitions
        self.out = out
        self.user = user
        self.paths = environment.paths
        self.store = ConfigStore(self.paths, definitions.component_versions)
        self.archive = Archive(self.paths.archive_dir)

    def commit(self, proposed: Optional[ConfigNode] = None, *, via: str = 'cli',
               comment: str = '', lock_wait: float = 0.0, apply_all: bool = False,
               after_success: Optional[Callable[[], None]] = None,
               versions: Optional[dict[str, int]] = None,
               base: Optional[ConfigNode] = None) -> CommitResult:
        """Commit ``proposed`` (default: the working config). ``apply_all``
        runs every owner script with config on either side, changed or not
        (boot: the system may hold nothing, or stale state, of ours).
        ``after_success`` runs still under the lock (commit-confirm arms its
        timer there). ``versions``: the footer that came with ``proposed``,
        whose foreign components are kept. ``base``: the running config
        ``proposed`` was built from, outside any configure session (the
        API): the commit is refused with RunningChangedError if running has
        moved on meanwhile, and the configure session is left alone."""
        with file_lock(self.paths.commit_lock, wait=lock_wait):
            running = self.store.running()
            if base is not None and running != base:
                raise RunningChangedError('The running configuration changed while this '
                                          'change was prepared; prepare it again')
            self._record_unarchived()
            session_text = read_text(self.paths.working_config)
            if proposed is None:
                proposed = (parse_config(session_text, str(self.paths.working_config)).tree
                            if session_text is not None else running)
            if proposed == running and not apply_all:
                print('No configuration changes to commit', file=self.out)
                return CommitResult(False, [])
            runs = affected_runs(self.definitions, running, proposed,
                                 self.environment.resources.expand_variables, apply_all)
            prepared = self._verify_all(runs, Config(proposed, running, self.definitions,
                                                     self.environment))
            self._apply_all(prepared, running, proposed)
            foreign = None if versions is None else self.store.foreign_versions(versions)
            text = self.store.write_running(proposed, foreign)
            revision = self.archive.record(text, self.user, via, comment)
            if base is None and read_text(self.paths.working_config) == session_text:
                remove_durable(self.paths.working_config)
            if after_success is not None:
                after_success()
            return CommitResult(True, runs, revision)

    def _record_unarchived(self) -> None:
        """A commit killed between its commit point and its archive write
        leaves the running config unarchived; record it before going on."""
        text = self.store.running_text()
        if text is None:
            return
        newest = self.archive.newest()
        if newest is None or newest.config != text:
            self.archive.record(text, self.user, 'recovered', 'running config found unarchived')

    @contextmanager
    def _printing_warnings(self) -> Iterator[None]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always', ConfigWarning)
            try:
                yield
            finally:
                for item in caught:
                    if issubclass(item.category, ConfigWarning):
                        print(f'WARNING: {item.message}', file=self.out)
                    else:
                        log.warning('%s', item.message)

    def _verify_all(self, runs: list[ScriptRun], config: Config) -> list[tuple]:
        prepared, problems = [], []
        with self._printing_warnings():
            for run in runs:
                try:
                    module = load_script(run.script)
                    with _tag_value(run):
                        data = module.get_config(config)
                        module.verify(data)
                    prepared.append((run, module, data))
                except ConfigError as exc:
                    for error in getattr(exc, 'errors', [exc]):
                        problems.append(f'[{exc_path(error, run)}]\n{error}')
                except Exception as exc:  # a broken script must not crash the CLI
                    problems.append(f'[{run.label}]\n{_describe(exc)}')
        if problems:
            raise CommitFailed('\n\n'.join(problems) + '\n\nCommit failed')
        return prepared

    def _apply_all(self, prepared: list[tuple], running: ConfigNode,
                   proposed: ConfigNode) -> None:
        touched: list[ScriptRun] = []
        with self._printing_warnings():
            for run, module, data in prepared:
                touched.append(run)
                try:
                    with _tag_value(run):
                        module.generate(data)
                        module.apply(data)
                except Exception as exc:
                    message = _describe(exc)
                    restore_problems = self._restore(touched, running, proposed)
                    raise CommitFailed(self._apply_failure(run, exc, message,
                                                           restore_problems)) from None

    def _restore(self, touched: list[ScriptRun], running: ConfigNode,
                 proposed: ConfigNode) -> list[str]:
        """Re-run the touched scripts against the previous running config."""
        previous = Config(running, proposed, self.definitions, self.environment)
        problems = []
        for run in reversed(touched):
            try:
                module = load_script(run.script)
                with _tag_value(run):
                    data = module.get_config(previous)
                    module.generate(data)
                    module.apply(data)
            except Exception as exc:
                problems.append(f'[{run.label}] could not be restored: {_describe(exc)}')
        return problems

    @staticmethod
    def _apply_failure(run: ScriptRun, exc: BaseException, message: str,
                       restore_problems: list[str]) -> str:
        lines = [f'[{exc_path(exc, run)}]', message, '']
        if restore_problems:
            lines += restore_problems
            lines.append('Commit failed: the previous configuration could NOT be fully '
                         'restored; fix the cause and commit again')
        else:
            lines.append('Commit failed: the previous configuration was restored')
        return '\n'.join(lines)


def exc_path(exc: BaseException, run: ScriptRun) -> str:
    """The config path an error is about: its own, else the script's subtree."""
    path = getattr(exc, 'path', None)
    return ' '.join(path) if path else run.label
