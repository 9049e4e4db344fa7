"""apply(): snapshot, run the plan, read back, verify — or restore exactly.

nmstate's shape without NetworkManager's checkpoints, so we keep our own:
the snapshot is the full current state; on any failure, including a
verification mismatch, a bug or an interrupt, a plan from "now" back to the
snapshot runs, then the original error is reported (with whatever could not
be restored, if anything).
"""

from __future__ import annotations

from contextlib import contextmanager

from vyflow.errors import ApplyError, VerificationError, VyflowError
from vyflow.netflow.plan import Step, plan
from vyflow.netflow.state import SystemState, mismatches, read_current
from vyflow.records import dataclass, replace

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from collections.abc import Iterator

    from vyflow.netflow.kernel import Kernel


@dataclass
class ApplyReport:
    steps: list[Step]
    dry_run: bool
    reloads: int = 0

    def summary(self) -> str:
        if not self.steps:
            return 'flow-accounting: the system already matches, nothing to change'
        ids = [step.id for step in self.steps]
        live = [step.description.split(' = ')[0].replace('set ', '') for step in self.steps
                if step.kind == 'setting']
        parts = []
        if 'module:load' in ids and 'module:unload' in ids:
            parts.append('module reloaded')
        elif 'module:load' in ids:
            parts.append('module loaded')
        elif 'module:unload' in ids:
            parts.append('module unloaded')
        if live:
            parts.append(f'changed live: {", ".join(live)}')
        hooks = [step.id.split(':')[1] for step in self.steps if step.kind == 'hooks']
        if hooks:
            parts.append(f'hooks updated ({", ".join(hooks)})')
        if 'capture:nftables' in ids:
            parts.append('capture table updated')
        if 'dscp' in ids:
            parts.append('export DSCP marking updated')
        if 'file:modprobe' in ids:
            parts.append('modprobe.d updated')
        parts += [step.description.split(':')[0] for step in self.steps  # issue 16
                  if step.kind == 'history']
        return 'flow-accounting: ' + '; '.join(parts or ['settings updated'])

    def plan_text(self, reason: str) -> str:
        lines = [f'flow-accounting: dry run, NOT applied ({reason}). The plan:']
        for number, step in enumerate(self.steps, 1):
            lines.append(f'  {number}. {step.description}')
            lines += [f'       {detail}' for detail in step.details()]
        if not self.steps:
            lines.append('  (nothing to change)')
        return '\n'.join(lines)


def apply_state(kernel: Kernel, desired: SystemState) -> ApplyReport:
    """Bring the system to ``desired``, or leave it exactly as it was.

    Whatever interrupts the steps — an expected ApplyError, a bug (ValueError,
    KeyError…), Ctrl-C — the snapshot is restored first. Expected errors are
    then reported with the outcome of the restore; anything else propagates
    unchanged (a bare ``raise``), carrying that outcome as a note, so a bug
    is never disguised as an operator's problem and never leaves the system
    half-changed."""
    snapshot = read_current(kernel)
    steps = plan(snapshot, desired, kernel.writable())
    report = ApplyReport(steps, kernel.dry_run)
    if kernel.dry_run or not steps:
        return report
    try:
        _run(kernel, steps, desired)
    except VyflowError as error:
        left = restore(kernel, snapshot)
        raise ApplyError(f'{error}\n{_outcome(left)}') from None
    except BaseException as error:
        error.add_note(_outcome(restore(kernel, snapshot)))
        raise
    return report


def _run(kernel: Kernel, steps: list[Step], desired: SystemState) -> None:
    for step in steps:
        step.run(kernel)
    kernel.inject_fault('read-back')
    problems = mismatches(desired, read_current(kernel))
    if problems:
        raise VerificationError('flow-accounting did not read back as desired:\n'
                                + '\n'.join(problems))


def _outcome(left: list[str]) -> str:
    if left:
        return 'Restoring the previous state also failed:\n' + '\n'.join(left)
    return 'The previous state was restored.'


def _restorable(snapshot: SystemState) -> SystemState:
    """The snapshot as a target: without sndbuf when there was no destination
    (the module has no socket to size then, and refuses the write)."""
    if snapshot.settings.get('destination', '') != '' or 'sndbuf' not in snapshot.settings:
        return snapshot
    settings = {k: v for k, v in snapshot.settings.items() if k != 'sndbuf'}
    return replace(snapshot, settings=settings)  # every other field (history too) kept


def _why(exc: Exception) -> str:
    return str(exc) if isinstance(exc, VyflowError) else f'{type(exc).__name__}: {exc}'


def restore(kernel: Kernel, snapshot: SystemState) -> list[str]:
    """Return the system to ``snapshot``; what could not be restored.

    Never raises an Exception: each step is tried on its own, and a failing
    step or read is reported, not propagated. Ctrl-C waits until it is done
    (a half-restored system is the one outcome worse than a failed apply)."""
    snapshot = _restorable(snapshot)
    with _interrupts_deferred():
        try:
            steps = plan(read_current(kernel), snapshot, kernel.writable())
        except Exception as exc:
            return [f'reading the current state: {_why(exc)}']
        problems = []
        for step in steps:
            try:
                step.run(kernel)
            except Exception as exc:
                problems.append(f'{step.description}: {_why(exc)}')
        try:
            problems += mismatches(snapshot, read_current(kernel))
        except Exception as exc:
            problems.append(f'reading back the restored state: {_why(exc)}')
    return problems


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT until the block ends, then deliver it as KeyboardInterrupt."""
    import signal
    import threading
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: received.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt
