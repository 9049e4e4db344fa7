"""apply(): snapshot, run the plan, read back, verify — or restore exactly.

nmstate's shape without NetworkManager's checkpoints, so we keep our own:
the snapshot is the full current state; on any failure, including a
verification mismatch, a plan from "now" back to the snapshot runs, then the
original error is reported (with whatever could not be restored, if anything).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from vyflow.errors import ApplyError, VerificationError
from vyflow.netflow.plan import Step, plan
from vyflow.netflow.state import SystemState, mismatches, read_current

if TYPE_CHECKING:
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
    """Bring the system to ``desired``, or leave it exactly as it was."""
    snapshot = read_current(kernel)
    steps = plan(snapshot, desired, kernel.writable())
    report = ApplyReport(steps, kernel.dry_run)
    if kernel.dry_run or not steps:
        return report
    try:
        for step in steps:
            step.run(kernel)
        problems = mismatches(desired, read_current(kernel))
        if problems:
            raise VerificationError('flow-accounting did not read back as desired:\n'
                                    + '\n'.join(problems))
    except Exception as error:
        left = restore(kernel, snapshot)
        message = str(error)
        if left:
            raise ApplyError(f'{message}\nRestoring the previous state also failed:\n'
                             + '\n'.join(left)) from None
        raise ApplyError(f'{message}\nThe previous state was restored.') from None
    return report


def _restorable(snapshot: SystemState) -> SystemState:
    """The snapshot as a target: without sndbuf when there was no destination
    (the module has no socket to size then, and refuses the write)."""
    if snapshot.settings.get('destination', '') != '' or 'sndbuf' not in snapshot.settings:
        return snapshot
    settings = {k: v for k, v in snapshot.settings.items() if k != 'sndbuf'}
    return replace(snapshot, settings=settings)  # every other field (history too) kept


def restore(kernel: Kernel, snapshot: SystemState) -> list[str]:
    """Return the system to ``snapshot``; what could not be restored."""
    snapshot = _restorable(snapshot)
    problems = []
    try:
        for step in plan(read_current(kernel), snapshot, kernel.writable()):
            try:
                step.run(kernel)
            except ApplyError as exc:
                problems.append(f'{step.description}: {exc}')
        problems += mismatches(snapshot, read_current(kernel))
    except ApplyError as exc:
        problems.append(str(exc))
    return problems
