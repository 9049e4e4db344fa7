"""What every subcommand needs, built lazily so cheap commands stay cheap."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Callable, TextIO

from vyflow.errors import ConfigError
from vyflow.paths import Paths, Resources
from vyflow.text import terminal_safe

if TYPE_CHECKING:  # imported lazily at run time: cheap commands stay cheap
    from vyflow.commit.engine import CommitEngine
    from vyflow.definitions.model import Definitions
    from vyflow.editing import Session


@dataclass
class Context:
    """Paths, resources and loaded definitions for one invocation."""

    paths: Paths
    dry_run: bool = False
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)

    @cached_property
    def resources(self) -> Resources:
        return Resources.locate()

    @cached_property
    def definitions(self) -> Definitions:
        from vyflow.definitions.model import Definitions
        return Definitions.load(self.resources.definitions)

    @cached_property
    def session(self) -> Session:
        from vyflow.editing import Session
        return Session(self.paths, self.definitions)

    @property
    def user(self) -> str:
        """Who is committing (the sudo caller, when there is one)."""
        name = os.environ.get('SUDO_USER') or os.environ.get('USER')
        if not name:
            import pwd
            try:
                name = pwd.getpwuid(os.getuid()).pw_name
            except KeyError:
                name = str(os.getuid())
        return name

    def open_log(self) -> None:
        """Send vyflow's log (internal errors, commit-confirm reverts) to the
        log file under the root; opened only when something is written."""
        from vyflow.logfile import log_to
        log_to(self.paths.log_file)

    def engine(self) -> CommitEngine:
        """A commit engine for this invocation."""
        from vyflow.commit.engine import CommitEngine
        from vyflow.config import RunEnvironment
        self.open_log()
        environment = RunEnvironment(self.paths, self.resources, self.dry_run)
        return CommitEngine(environment, self.definitions, self.out, self.user)

    def say(self, text: str) -> None:
        """Print ``text``; control characters other than newline and tab
        never reach the terminal, whatever a message quotes."""
        if text:
            print(terminal_safe(text.rstrip('\n')), file=self.out)

    def warn(self, text: str) -> None:
        if text:
            print(terminal_safe(text.rstrip('\n')), file=self.err)

    def edit(self, verb: str, action: Callable[[], str]) -> int:
        """Run one working-config edit: its message, or the error followed by
        "<Verb> failed" as VyOS words it (exit 1)."""
        try:
            self.say(action())
        except ConfigError as exc:
            self.warn(f'{exc}\n\n{verb.capitalize()} failed')
            return 1
        return 0
