"""Running the owner scripts of a commit: verify all, then apply, or restore.

``verify_all`` runs get_config + verify of *every* affected script before
anything changes; any ConfigError is reported as ``[path] message`` and the
commit fails. ``apply_all`` runs generate + apply in order; if one fails, every
script touched is re-run against the previous running config (``restore``), so
the system ends where it started, and the error names the path. Warnings
raised by scripts are printed and never fail the commit. What scripts print
goes to the commit's output, which never raises (see output.py).
"""

from __future__ import annotations

import os
from contextlib import contextmanager, redirect_stdout

from vyflow.base import printed_warnings
from vyflow.commit.scripts import ScriptRun, load_script
from vyflow.config import Config
from vyflow.errors import CommitFailed, ConfigError, VyflowError
from vyflow.logfile import logger
from vyflow.records import dataclass

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, TextIO



@dataclass
class Prepared:
    """A verified script run: its module and what its get_config returned."""

    run: ScriptRun
    module: Any
    data: Any


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


def describe(exc: BaseException) -> str:
    if isinstance(exc, VyflowError):
        return str(exc)
    import traceback
    logger('vyflow.commit').error('internal error in commit:\n%s',
                                  ''.join(traceback.format_exception(exc)))
    return f'internal error: {type(exc).__name__}: {exc} (details in the vyflow log)'


def exc_path(exc: BaseException, run: ScriptRun) -> str:
    """The config path an error is about: its own, else the script's subtree."""
    path = getattr(exc, 'path', None)
    return ' '.join(path) if path else run.label


@contextmanager
def script_output(out: TextIO) -> Iterator[None]:
    """Scripts' prints and warnings go to ``out``; ConfigWarnings as
    ``WARNING: …``, other warnings to the log."""
    with redirect_stdout(out), printed_warnings(
            out, lambda item: logger('vyflow.commit').warning('%s', item.message)):
        yield


def verify_all(runs: list[ScriptRun], config: Config, out: TextIO) -> list[Prepared]:
    prepared, problems = [], []
    with script_output(out):
        for run in runs:
            try:
                module = load_script(run.script)
                with _tag_value(run):
                    data = module.get_config(config)
                    module.verify(data)
                prepared.append(Prepared(run, module, data))
            except ConfigError as exc:
                for error in getattr(exc, 'errors', [exc]):
                    problems.append(f'[{exc_path(error, run)}]\n{error}')
            except Exception as exc:  # a broken script must not crash the CLI
                problems.append(f'[{run.label}]\n{describe(exc)}')
    if problems:
        raise CommitFailed('\n\n'.join(problems) + '\n\nCommit failed')
    return prepared


def apply_all(prepared: list[Prepared], previous: Config, out: TextIO) -> None:
    """generate + apply each; on any exception restore what was touched."""
    touched: list[ScriptRun] = []
    with script_output(out):
        for item in prepared:
            touched.append(item.run)
            try:
                with _tag_value(item.run):
                    item.module.generate(item.data)
                    item.module.apply(item.data)
            except Exception as exc:
                message = describe(exc)
                problems = restore(touched, previous)
                raise CommitFailed(apply_failure(item.run, exc, message, problems)) from None


def restore(touched: list[ScriptRun], previous: Config) -> list[str]:
    """Re-run the touched scripts against the previous running config
    (``previous``: that config as proposed); returns what could not be restored."""
    problems = []
    for run in reversed(touched):
        try:
            module = load_script(run.script)
            with _tag_value(run):
                data = module.get_config(previous)
                module.generate(data)
                module.apply(data)
        except Exception as exc:
            problems.append(f'[{run.label}] could not be restored: {describe(exc)}')
    return problems


def restore_report(problems: list[str]) -> str:
    if problems:
        return '\n'.join(problems + ['Commit failed: the previous configuration could NOT be '
                                     'fully restored; fix the cause and commit again'])
    return 'Commit failed: the previous configuration was restored'


def apply_failure(run: ScriptRun, exc: BaseException, message: str, problems: list[str]) -> str:
    return '\n'.join([f'[{exc_path(exc, run)}]', message, '', restore_report(problems)])
