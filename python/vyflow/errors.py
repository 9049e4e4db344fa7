"""Exception types, one per thing the user (or the system) must do about it.

Every error the CLI shows is one of these; anything else escaping is a bug.
``exit_code`` is what the ``vyflow`` command exits with.
"""

from __future__ import annotations

from collections.abc import Sequence


class VyflowError(Exception):
    """Base class: a message meant for the operator, never a traceback."""

    exit_code = 1


class ConfigError(VyflowError):
    """The configuration is wrong: fix it and commit again.

    ``path`` names the config node the message is about, when one is known.
    """

    def __init__(self, message: str, path: Sequence[str] | None = None):
        super().__init__(message)
        self.path = list(path) if path else None


class ConfigPathError(ConfigError):
    """A `set`/`delete` path does not exist in the definitions: fix the command."""


class NothingToDeleteError(ConfigError):
    """`delete` names a node or value that is not in the working config: check it with `show`."""


class ValueValidationError(ConfigError):
    """A value failed its node's constraints at `set` time: use an allowed value."""


class CommandUsageError(VyflowError):
    """A command line is malformed (missing words, unknown verb): see the usage shown."""

    exit_code = 2


class ConfigParseError(VyflowError):
    """A config file is not valid config.boot syntax: fix the file at file:line:col."""

    def __init__(self, message: str, line: int, column: int, source: str = '<config>'):
        super().__init__(f'{source}:{line}:{column}: {message}')
        self.line = line
        self.column = column
        self.source = source
        self.reason = message


class UsageError(VyflowError):
    """The command line is wrong (an empty ``--root``, an option without its
    value): correct it."""

    exit_code = 2


class UnsafePathError(VyflowError):
    """A file or directory vyflow would use could be changed by someone else
    (a symbolic link, another owner, writable by group or others): fix it as
    the message says, then run the command again."""


class FileKindError(VyflowError):
    """A file is not what the command needs (a device, FIFO or directory
    instead of a regular file; not a configuration file): name the right one."""


class LimitError(VyflowError):
    """An input is larger than vyflow accepts (file size, nesting, value
    length): make it smaller."""


class ResourceError(VyflowError):
    """A compiled file vyflow ships (definitions, schema) is missing: build or reinstall."""


class DefinitionError(VyflowError):
    """An interface/op-mode definition file is invalid: fix it (a build error)."""


class CommitInProgressError(VyflowError):
    """Another process holds the commit lock: wait and retry."""

    exit_code = 3


class RunningChangedError(CommitInProgressError):
    """Another commit changed the running config while a change built on it was
    being prepared: prepare it again on the new running config."""


class UncommittedChangesError(VyflowError):
    """The working config has changes: commit or discard them first."""


class RevisionError(VyflowError):
    """A commit-archive revision number is out of range: pick one that exists."""


class ApplyError(VyflowError):
    """Applying a change to the system failed; the previous state was restored."""


class VerificationError(ApplyError):
    """After apply, the system did not read back as desired; the previous state
    was restored. The message says ``path: desired X, current Y``."""


class MigrationError(VyflowError):
    """An old config could not be migrated: the original file is left untouched."""


class OpModeError(VyflowError):
    """An operational command cannot do what was asked (see subclasses)."""


class UnconfiguredSubsystem(OpModeError):
    """The subsystem is not configured or not running: configure it first."""


class DataUnavailable(OpModeError):
    """The data the command needs cannot be read right now."""


class IncorrectValue(OpModeError):
    """An argument of an operational command is invalid: correct it."""


class CommitFailed(VyflowError):
    """A commit was refused or rolled back; the message lists each ``[path]``
    problem. The working config is kept so the operator can fix and retry."""


class ConfigErrors(ConfigError):
    """Several configuration problems found together; each is a ConfigError."""

    def __init__(self, errors: list[ConfigError]):
        super().__init__('\n'.join(str(error) for error in errors))
        self.errors = errors


class DamagedFileError(VyflowError):
    """A file vyflow keeps cannot be read (truncated, not UTF-8, bad gzip or
    JSON, wrong types): the message names it, says why, and what to do."""

    def __init__(self, path: object, reason: str, remedy: str):
        super().__init__(f'{path} is damaged ({reason}): {remedy}')
        self.path = path
        self.reason = reason
        self.remedy = remedy


class StorageError(VyflowError):
    """A file could not be written (disk full, read-only filesystem, ...):
    make room or make it writable, and run the command again."""


class ConfirmExpiredError(VyflowError):
    """A commit-confirm was not confirmed in time and has just been reverted,
    so the commit asked for was not made: review the changes and commit again."""
