"""What every subcommand needs, built lazily so cheap commands stay cheap."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import cached_property

from vyflow.errors import ConfigError
from vyflow.paths import Paths, Resources
from vyflow.text import terminal_safe

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:  # the others are imported lazily at run time: cheap commands stay cheap
    from typing import TextIO

    from vyflow.commit.engine import CommitEngine
    from vyflow.definitions.model import Definitions
    from vyflow.editing import Session


class Context:
    """Paths, resources and loaded definitions for one invocation.

    ``edit_level`` is the interactive shell's edit level (``edit PATH``), for
    the commands that print paths relative to it (``show | commands``)."""

    def __init__(self, paths: Paths, dry_run: bool = False, recording: bool = True,
                 out: TextIO | None = None, err: TextIO | None = None):
        self.paths = paths
        self.dry_run = dry_run  # system changes are only planned (--dry-run, or a sandbox root)
        self.recording = recording  # commits are recorded (False only with --dry-run)
        self.out = out if out is not None else sys.stdout
        self.err = err if err is not None else sys.stderr
        self.edit_level: list[str] = []

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
        """Send vyflow's log (internal errors, commit-confirm reverts,
        migrations) to the log file under the root, for modules that log
        through ``logging.getLogger('vyflow.…')``; the file is opened only
        when something is written."""
        from vyflow.logfile import log_to, logger
        if not self.recording and not os.path.isdir(self.paths.log_dir):
            return  # a dry run creates nothing, not even the log directory
        log_to(self.paths.log_file)
        logger('vyflow')

    def engine(self) -> CommitEngine:
        """A commit engine for this invocation."""
        from vyflow.commit.engine import CommitEngine
        from vyflow.config import RunEnvironment
        from vyflow.logfile import log_to
        if self.recording or os.path.isdir(self.paths.log_dir):   # a dry run creates nothing
            log_to(self.paths.log_file)    # logging itself is imported only if the commit logs
        environment = RunEnvironment(self.paths, self.resources, self.dry_run)
        return CommitEngine(environment, self.definitions, self.out, self.user,
                            record=self.recording)

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
