"""Acting on a commit-confirm state, always under the commit lock.

Every commit starts by settling: an overdue commit-confirm is reverted
(every owner script runs, so a half-applied re-arm is undone too), a
commit-confirm killed before its commit point is undone by re-applying the
running config, and a state that no longer applies is removed. ``confirm``
and the timer (``settle_confirm``) use the same step. Part of CommitEngine.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Optional

from vyflow.commit import confirm as cc
from vyflow.commit import runner
from vyflow.commit.request import Request, Running
from vyflow.commit.scripts import affected_runs
from vyflow.config import Config
from vyflow.configtree import parse_config
from vyflow.errors import ConfigParseError, DamagedFileError
from vyflow.locking import file_lock


log = logging.getLogger('vyflow.commit')
REVERT_COMMENT = 'commit-confirm: not confirmed in time, reverted'


@dataclass
class ConfirmResult:
    confirmed: bool
    reverted: bool
    message: str


@dataclass
class Settled:
    pending: Optional[cc.Pending] = None
    reverted: bool = False
    damaged: bool = False                   # the state file cannot be read


class ConfirmSettling:
    """The commit-confirm half of CommitEngine (which provides ``paths``,
    ``out``, ``user``, ``record``, ``definitions``, ``environment``,
    ``_read_running`` and ``_commit_locked``)."""

    def confirm(self, lock_wait: float = 30.0) -> ConfirmResult:
        """Keep the running config of a pending commit-confirm."""
        if not self.record:
            pending = cc.load_pending(self.paths)
            return ConfirmResult(False, False, 'Dry run: nothing confirmed (a commit-confirm is '
                                 f'{"" if pending else "not "}pending)')
        with file_lock(self.paths.commit_lock, wait=lock_wait):
            try:
                cc.read_state(self.paths)
            except DamagedFileError as exc:
                cc.remove_state(self.paths)
                return ConfirmResult(True, False, f'WARNING: {exc}\nThe damaged state was '
                                     'removed: the running configuration is kept, nothing will '
                                     'be reverted.')
            settled = self._settle(self._read_running())
            if settled.reverted:
                return ConfirmResult(False, True, 'Too late: the commit-confirm deadline had '
                                     'passed, and the configuration was reverted.')
            if settled.pending is None:
                return ConfirmResult(False, False, 'No confirm pending')
            cc.remove_state(self.paths)
        return ConfirmResult(True, False, 'Confirmed: the configuration is kept; the pending '
                             'revert is cancelled.')

    def settle_confirm(self, lock_wait: float = -1.0) -> Optional[float]:
        """For the timer, at a deadline: revert if due, drop an ended state;
        the deadline still ahead, or None when nothing is pending any more."""
        with file_lock(self.paths.commit_lock, wait=lock_wait):
            settled = self._settle(self._read_running())
        return settled.pending.deadline if settled.pending else None

    def _pending(self, running: Running) -> Optional[cc.Pending]:
        try:
            state = cc.read_state(self.paths)
        except DamagedFileError:
            return None
        if state is not None and running.damaged is not None:
            return cc.Pending(state, state.armed[0].deadline)  # unknown: assume unconfirmed
        return cc.pending_for(state, running.text)

    def _settle(self, running: Running) -> Settled:
        """Revert an overdue commit-confirm, undo an interrupted one, drop an
        ended one; what is still pending."""
        try:
            state = cc.read_state(self.paths)
            target = parse_config(state.revert_to, f'{self.paths.confirm_state} (revert target)'
                                  ) if state is not None else None
        except ConfigParseError as exc:
            return self._damaged(DamagedFileError(self.paths.confirm_state, str(exc),
                                                  cc.STATE_REMEDY))
        except DamagedFileError as exc:
            return self._damaged(exc)
        if state is None:
            return Settled()
        pending = self._pending(running)
        if pending is None:
            if running.damaged is None and state.interrupted(running.text):
                self._repair(running)
            cc.remove_state(self.paths)
            return Settled()
        if not pending.overdue:
            return Settled(pending)
        log.warning('commit-confirm not confirmed in time: reverting')
        print('The commit-confirm was not confirmed in time: reverting to the last confirmed '
              'configuration.', file=self.out)
        # Every script runs (apply_all): a re-arm killed half-way may have
        # left parts of a config that the revert's diff alone would not touch.
        revert = Request(target.tree, 'commit-confirm', REVERT_COMMENT, self.user, True,
                         target.versions or {}, confirms_unchanged=True)
        self._commit_locked(revert, running, pending)
        return Settled(reverted=True)

    def _damaged(self, exc: DamagedFileError) -> Settled:
        print(f'WARNING: {exc}', file=self.out)
        return Settled(damaged=True)

    def _repair(self, running: Running) -> None:
        """Re-apply the running config everywhere: a commit-confirm killed
        before its commit point may have applied part of its config."""
        print('A commit-confirm was interrupted before it was committed: re-applying the '
              'running configuration.', file=self.out)
        log.warning('commit-confirm interrupted before its commit point: re-applying running')
        runs = affected_runs(self.definitions, running.tree, running.tree,
                             self.environment.resources.expand_variables, True)
        config = Config(running.tree, running.tree, self.definitions, self.environment)
        runner.apply_all(runner.verify_all(runs, config, self.out), config, self.out)
