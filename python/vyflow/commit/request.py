"""The commit API's data: what is asked, what was found running, what happened."""

from __future__ import annotations

from vyflow.commit.scripts import ScriptRun
from vyflow.configtree import ConfigNode
from vyflow.errors import DamagedFileError
from vyflow.records import dataclass

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass
class CommitResult:
    changed: bool
    runs: list[ScriptRun]
    revision: int | None = None          # archive sequence recorded
    recorded: bool = True                   # False: a dry run
    confirm_deadline: float | None = None  # commit-confirm: reverted then unless confirmed
    timer_pid: int | None = None         # a timer this commit started
    ended_confirm: bool = False             # this commit ended a pending commit-confirm


@dataclass
class Running:
    """The running config as read under the lock; ``damaged`` when
    running.boot cannot be read (``tree`` is then the newest readable
    revision, and the commit applies everything)."""

    tree: ConfigNode
    text: str | None
    damaged: DamagedFileError | None = None


@dataclass
class Request:
    proposed: ConfigNode | None          # None: the working config
    via: str
    comment: str
    user: str
    apply_all: bool = False
    versions: dict[str, int] | None = None
    confirm_seconds: float | None = None
    confirms_unchanged: bool = False        # no change still confirms (plain commit, revert)
    base: ConfigNode | None = None       # refused unless running is still this (the API)
    after_commit: Callable[[], None] | None = None   # after the commit point, under the lock
