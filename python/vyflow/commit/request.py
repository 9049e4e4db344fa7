"""The commit API's data: what is asked, what was found running, what happened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from vyflow.commit.scripts import ScriptRun
from vyflow.configtree import ConfigNode
from vyflow.errors import DamagedFileError


@dataclass
class CommitResult:
    changed: bool
    runs: list[ScriptRun]
    revision: Optional[int] = None          # archive sequence recorded
    recorded: bool = True                   # False: a dry run
    confirm_deadline: Optional[float] = None  # commit-confirm: reverted then unless confirmed
    timer_pid: Optional[int] = None         # a timer this commit started
    ended_confirm: bool = False             # this commit ended a pending commit-confirm


@dataclass
class Running:
    """The running config as read under the lock; ``damaged`` when
    running.boot cannot be read (``tree`` is then the newest readable
    revision, and the commit applies everything)."""

    tree: ConfigNode
    text: Optional[str]
    damaged: Optional[DamagedFileError] = None


@dataclass
class Request:
    proposed: Optional[ConfigNode]          # None: the working config
    via: str
    comment: str
    user: str
    apply_all: bool = False
    versions: Optional[dict[str, int]] = None
    confirm_seconds: Optional[float] = None
    confirms_unchanged: bool = False        # no change still confirms (plain commit, revert)
    base: Optional[ConfigNode] = None       # refused unless running is still this (the API)
    after_commit: Optional[Callable[[], None]] = None   # after the commit point, under the lock
