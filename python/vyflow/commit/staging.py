"""Everything a commit records, staged before the system is touched.

The running config and its archive revision are written and fsynced under
temp names, and a commit-confirm's state is written, *before* the apply; a
disk that is full or read-only stops the commit there, with nothing changed.
After the apply only renames are left: the running config's (the commit
point) and the revision's.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Callable, Optional, TextIO

from vyflow.atomicfile import StagedWrite
from vyflow.commit import confirm as cc
from vyflow.commit import runner
from vyflow.commit.archive import StagedRevision
from vyflow.commit.timer import ensure_timer
from vyflow.errors import StorageError
from vyflow.paths import Paths
from vyflow.store import storage_error

if TYPE_CHECKING:
    from vyflow.commit.engine import CommitEngine
    from vyflow.commit.request import Request, Running
    from vyflow.configtree import ConfigNode

NOTHING_CHANGED = 'nothing was changed'


class StagedCommit:
    def __init__(self, paths: Paths, running_file: StagedWrite, revision: StagedRevision):
        self.paths = paths
        self.running_file = running_file
        self.revision = revision
        self.confirm_state: Optional[cc.ConfirmState] = None
        self.earlier_state: Optional[cc.ConfirmState] = None
        self.timer_pid: Optional[int] = None

    @classmethod
    def prepare(cls, engine: CommitEngine, request: Request, running: Running,
                pending: Optional[cc.Pending], proposed: ConfigNode,
                foreign: Optional[dict[str, int]]) -> StagedCommit:
        paths = engine.paths
        try:
            text, running_file = engine.store.stage_running(proposed, foreign)
        except OSError as exc:
            raise storage_error(paths.running_config, exc, NOTHING_CHANGED) from None
        try:
            revision = engine.archive.stage(text, request.user, request.via, request.comment)
        except OSError as exc:
            running_file.abandon()
            raise storage_error(paths.archive_dir, exc, NOTHING_CHANGED) from None
        staged = cls(paths, running_file, revision)
        try:
            if request.confirm_seconds is not None:
                staged._arm(request.confirm_seconds, text, running.text, pending)
            elif pending is not None and len(pending.state.armed) > 1:
                # Keep only the entry of the config running now, so that this
                # commit's text cannot match a stale one after its commit point.
                current = cc.fingerprint(running.text)
                cls.write_state(paths, replace(pending.state, armed=[
                    armed for armed in pending.state.armed if armed.config == current]))
        except BaseException:
            staged.abandon()
            raise
        return staged

    def _arm(self, seconds: float, text: str, running_text: Optional[str],
             pending: Optional[cc.Pending]) -> None:
        """Write the state (inert until the commit point), then make sure a
        timer lives: it exists before the new config can be running."""
        self.earlier_state = pending.state if pending is not None else None
        self.confirm_state = cc.ConfirmState.arm(seconds, text, running_text, self.earlier_state)
        self.write_state(self.paths, self.confirm_state)
        self.timer_pid = self.start_timer(self.paths)

    @staticmethod
    def write_state(paths: Paths, state: cc.ConfirmState) -> None:
        try:
            cc.write_state(paths, state)
        except OSError as exc:
            raise storage_error(paths.confirm_state, exc, NOTHING_CHANGED) from None

    @staticmethod
    def start_timer(paths: Paths) -> Optional[int]:
        try:
            return ensure_timer(paths)
        except OSError as exc:
            raise StorageError(f'Cannot start the commit-confirm revert timer '
                               f'({exc.strerror or exc}); {NOTHING_CHANGED}.') from None

    def abandon(self) -> None:
        """Drop the staged files; a state this commit armed goes back to what
        it was (it is inert anyway while the old config runs)."""
        self.running_file.abandon()
        self.revision.abandon()
        if self.confirm_state is None:
            return
        try:
            if self.earlier_state is not None:
                cc.write_state(self.paths, self.earlier_state)
            else:
                cc.remove_state(self.paths)
        except OSError:
            pass

    def commit_point(self, restore: Callable[[], list[str]], out: TextIO) -> None:
        """Rename the running config into place; if that fails, put the
        system back (``restore``) and say what happened."""
        try:
            self.running_file.commit()
        except OSError as exc:
            self.revision.abandon()
            with runner.script_output(out):
                problems = restore()
            raise storage_error(self.paths.running_config, exc,
                                runner.restore_report(problems).replace('Commit failed: ', 'the '
                                                                        'commit was not made; '))

    def record_revision(self, out: TextIO) -> Optional[int]:
        try:
            return self.revision.commit()
        except OSError as exc:
            print(f'WARNING: committed, but its archive revision could not be written '
                  f'({exc.strerror or exc}); the next commit records it.', file=out)
            return None
