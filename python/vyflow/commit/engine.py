"""Commit: make a proposed config running, all or nothing, recorded as applied.

Under the commit lock:

1. Settle a commit-confirm state (confirm.py): revert now if it is overdue,
   drop it if it no longer applies.
2. Diff running vs proposed, pick the owner scripts, verify all (runner.py).
3. Stage every file the commit records — running.boot and the archive
   revision, plus the commit-confirm state — written and fsynced under temp
   names. A full or read-only disk stops the commit here: nothing changed.
4. Apply; a failure restores the previous state and drops the staged files.
5. Rename running.boot into place: the commit point. Should even that fail,
   the system is restored to the previous config.
6. Put the revision in place, remove the working config if nobody edited it
   meanwhile, and remove a commit-confirm state this commit ended.

A killed commit leaves the old config recorded and (after the next commit's
restore-free convergence) applied, or the new one; the next commit records
an unarchived running config before anything else. A dry run (``record``
False) verifies and plans with the environment's dry run and writes nothing:
no lock, no running config, archive, working config or commit-confirm state.

This is the library API the CLI and the HTTPS API share: ``commit`` (of the
working config, or of a given tree, optionally as a commit-confirm),
``confirm`` and, for the timer, ``settle_confirm``.
"""

from __future__ import annotations

import os
import time

from vyflow.atomicfile import read_bytes, remove_durable, stale_temps
from vyflow.commit import confirm as cc
from vyflow.commit import runner
from vyflow.commit.archive import Archive
from vyflow.commit.output import tolerant
from vyflow.commit.request import CommitResult, Request, Running
from vyflow.commit.scripts import affected_runs
from vyflow.commit.settling import ConfirmResult, ConfirmSettling, Settled
from vyflow.commit.staging import StagedCommit
from vyflow.config import Config, RunEnvironment
from vyflow.configtree import ConfigNode, parse_config
from vyflow.definitions.model import Definitions
from vyflow.errors import (ConfigParseError, ConfirmExpiredError, DamagedFileError,
                           RunningChangedError, VyflowError)
from vyflow.locking import file_lock
from vyflow.logfile import logger
from vyflow.store import RUNNING_REMEDY, ConfigStore

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TextIO

__all__ = ['CommitEngine', 'CommitResult', 'ConfirmResult']  # the library API

class CommitEngine(ConfirmSettling):
    """Runs commits for one root; ``out`` receives warnings and summaries."""

    def __init__(self, environment: RunEnvironment, definitions: Definitions,
                 out: TextIO, user: str, *, record: bool = True):
        self.environment = environment
        self.definitions = definitions
        self.out = tolerant(out)
        self.user = user
        self.record = record
        self.paths = environment.paths
        self.store = ConfigStore(self.paths, definitions.component_versions)
        self.archive = Archive(self.paths.archive_dir)

    # ---- the API -------------------------------------------------------------

    def commit(self, proposed: ConfigNode | None = None, *, via: str = 'cli',
               comment: str = '', user: str | None = None, lock_wait: float = 0.0,
               apply_all: bool = False, versions: dict[str, int] | None = None,
               confirm_seconds: float | None = None, base: ConfigNode | None = None,
               after_commit: Callable[[], None] | None = None) -> CommitResult:
        """Commit ``proposed`` (default: the working config, which is then
        removed unless edited meanwhile). ``apply_all`` runs every owner script
        with config on either side (boot). ``versions``: the footer that came
        with ``proposed``, whose foreign components are kept.
        ``confirm_seconds``: a commit-confirm, reverted unless ``confirm`` is
        called in time. Any other commit that changes the config ends a
        pending commit-confirm; one of the working config with no change
        confirms it (as Junos's ``commit``). ``base``: the running config
        ``proposed`` was built from outside any configure session (the API):
        RunningChangedError, with nothing changed, if running has moved on.
        ``after_commit`` runs after the commit point, still under the lock
        (the API moves the configure session's edits onto the new config
        there); its failure is a warning, as the commit stands."""
        request = Request(proposed, via, comment, user or self.user, apply_all, versions,
                          confirm_seconds, confirms_unchanged=proposed is None, base=base,
                          after_commit=after_commit)
        if not self.record:
            return self._dry_run(request)
        with file_lock(self.paths.commit_lock, wait=lock_wait):
            running = self._read_running()
            try:
                settled = self._settle(running)
            except VyflowError as exc:   # the revert (or repair) failed: say so, go on
                print(f'WARNING: settling the pending commit-confirm failed:\n{exc}',
                      file=self.out)
                settled = Settled(self._pending(running))
            if settled.reverted:
                running = self._read_running()
                if not apply_all:
                    raise ConfirmExpiredError(
                        'The pending commit-confirm was not confirmed by its deadline and has '
                        'just been reverted to the last confirmed configuration, so nothing '
                        'else was committed. Uncommitted changes are kept: check them with '
                        '"compare" and commit again.')
            result = self._commit_locked(request, running, settled.pending)
            if settled.damaged and result.changed:
                print('This commit removed the damaged commit-confirm state: nothing will be '
                      'reverted.', file=self.out)
            return result

    # ---- reading ---------------------------------------------------------------

    def _read_running(self) -> Running:
        try:
            loaded = self.store.load_running()
        except DamagedFileError as exc:
            newest = self.archive.newest()
            try:
                tree = parse_config(newest.config).tree if newest else ConfigNode()
            except ConfigParseError:
                tree = ConfigNode()
            print(f'WARNING: {exc}\nCommitting applies the whole configuration, taking the '
                  'newest archived revision as the previous one.', file=self.out)
            return Running(tree, None, exc)
        return Running(loaded[1].tree, loaded[0]) if loaded else Running(ConfigNode(), None)

    # ---- the commit ------------------------------------------------------------

    def _proposed(self, request: Request, running: Running):
        """(proposed tree, foreign versions, working file bytes at the start)."""
        session = self.store.load_working()
        session_bytes = read_bytes(self.paths.working_config) if session else None
        if request.proposed is not None:
            foreign = (self.store.foreign_versions(request.versions)
                       if request.versions is not None else None)
            return request.proposed, foreign, session_bytes, session
        if session is None:
            return running.tree, None, None, None
        return (session[1].tree, self.store.foreign_versions(session[1].versions),
                session_bytes, session)

    def _commit_locked(self, request: Request, running: Running,
                       pending: cc.Pending | None) -> CommitResult:
        self._record_unarchived(running)
        if request.base is not None and request.base != running.tree:
            raise RunningChangedError('The running configuration changed while this change was '
                                      'prepared; prepare it again')
        proposed, foreign, session_bytes, session = self._proposed(request, running)
        apply_all = request.apply_all or running.damaged is not None
        if proposed == running.tree and not apply_all:
            return self._unchanged(request, running, pending)
        if request.confirm_seconds is not None and running.damaged is not None:
            raise DamagedFileError(self.paths.running_config, running.damaged.reason,
                                   f'commit-confirm needs the configuration to revert to; '
                                   f'{RUNNING_REMEDY}')
        runs = affected_runs(self.definitions, running.tree, proposed,
                             self.environment.resources.expand_variables, apply_all)
        prepared = runner.verify_all(runs, Config(proposed, running.tree, self.definitions,
                                                  self.environment), self.out)
        previous = Config(running.tree, proposed, self.definitions, self.environment)
        staged = StagedCommit.prepare(self, request, running, pending, proposed, foreign)
        try:
            runner.apply_all(prepared, previous, self.out)
        except BaseException:
            staged.abandon()
            raise
        staged.commit_point(lambda: runner.restore([item.run for item in prepared], previous),
                            self.out)
        result = CommitResult(True, runs, staged.record_revision(self.out),
                              timer_pid=staged.timer_pid,
                              ended_confirm=pending is not None and request.confirm_seconds is None)
        if staged.confirm_state is not None:
            result.confirm_deadline = staged.confirm_state.armed[0].deadline
        self._clear_session(request, running, session, session_bytes)
        if request.after_commit is not None:
            try:
                request.after_commit()
            except Exception as exc:   # the commit stands: say what was not done
                print(f'WARNING: committed, but {runner.describe(exc)}', file=self.out)
        if result.ended_confirm or (request.confirm_seconds is None
                                    and os.path.exists(self.paths.confirm_state)):
            self._drop_state_quietly()
        self._report(request, result)
        return result

    def _unchanged(self, request: Request, running: Running,
                   pending: cc.Pending | None) -> CommitResult:
        result = CommitResult(False, [])
        print('No configuration changes to commit', file=self.out)
        if request.confirm_seconds is not None and pending is not None:
            state = cc.ConfirmState.arm(request.confirm_seconds, running.text, running.text,
                                        pending.state)
            StagedCommit.write_state(self.paths, state)
            result.timer_pid = StagedCommit.start_timer(self.paths)
            result.confirm_deadline = state.armed[0].deadline
            print('The pending commit-confirm now reverts in '
                  f'{cc.describe(request.confirm_seconds)} unless confirmed.', file=self.out)
        elif request.confirm_seconds is not None:
            print('Nothing to confirm: no revert was armed.', file=self.out)
        elif pending is not None and request.confirms_unchanged:
            cc.remove_state(self.paths)
            result.ended_confirm = True
            print('The pending commit-confirm is confirmed: the configuration is kept.',
                  file=self.out)
        elif pending is not None:
            print(f'A commit-confirm is still pending: it reverts in '
                  f'{cc.describe(pending.remaining())} unless "confirm" is run.', file=self.out)
        return result

    def _report(self, request: Request, result: CommitResult) -> None:
        if result.confirm_deadline is not None:
            when = time.strftime('%H:%M:%S', time.localtime(result.confirm_deadline))
            timer = (f'timer pid {result.timer_pid}' if result.timer_pid
                     else 'the running timer follows the new deadline')
            print(f'Initialized commit-confirm; {cc.describe(request.confirm_seconds)} to confirm '
                  f'before the configuration is reverted (at {when}; {timer}). Run "confirm" to '
                  'keep it.', file=self.out)
        elif result.ended_confirm and request.via != 'commit-confirm':
            print('This commit ended the pending commit-confirm: its revert is cancelled.',
                  file=self.out)

    def _record_unarchived(self, running: Running) -> None:
        """A commit killed between its commit point and its archive write
        leaves the running config unarchived; record it before going on."""
        if running.text is None:
            return
        try:
            for temp in stale_temps(self.paths.state_dir, 'running.boot.'):
                remove_durable(temp)
            if self.archive.recover_staged(running.text) is None:
                self.archive.record(running.text, self.user, 'recovered',
                                    'running config found unarchived')
        except OSError as exc:
            from vyflow.store import storage_error
            raise storage_error(self.paths.archive_dir, exc, 'nothing was changed') from None

    def _clear_session(self, request: Request, running: Running, session,
                       session_bytes: bytes | None) -> None:
        """Remove the working config if nobody edited it during the commit and
        it was what got committed (or held no changes)."""
        if session is None or read_bytes(self.paths.working_config) != session_bytes:
            return
        if request.proposed is not None and session[1].tree != running.tree:
            return
        try:
            remove_durable(self.paths.working_config)
        except OSError as exc:
            print(f'WARNING: committed, but {self.paths.working_config} could not be removed '
                  f'({exc.strerror}); "discard" removes it', file=self.out)

    def _drop_state_quietly(self) -> None:
        try:
            cc.remove_state(self.paths)
        except OSError as exc:  # inert now: the next holder of the lock removes it
            logger('vyflow.commit').warning('cannot remove %s: %s', self.paths.confirm_state, exc)

    def _dry_run(self, request: Request) -> CommitResult:
        running = self._read_running()
        proposed, _, _, _ = self._proposed(request, running)
        apply_all = request.apply_all or running.damaged is not None
        if proposed == running.tree and not apply_all:
            print('No configuration changes to commit', file=self.out)
            return CommitResult(False, [], recorded=False)
        runs = affected_runs(self.definitions, running.tree, proposed,
                             self.environment.resources.expand_variables, apply_all)
        prepared = runner.verify_all(runs, Config(proposed, running.tree, self.definitions,
                                                  self.environment), self.out)
        runner.apply_all(prepared, Config(running.tree, proposed, self.definitions,
                                          self.environment), self.out)
        armed = ' and no revert timer was armed' if request.confirm_seconds is not None else ''
        print('Dry run: nothing was recorded (the running and working configurations, the '
              f'archive and any commit-confirm are as they were){armed}.', file=self.out)
        return CommitResult(True, runs, recorded=False)
