"""``commit [comment TEXT]`` and ``commit-confirm [MINUTES] [comment TEXT]``."""

from __future__ import annotations

from vyflow.cli.context import Context
from vyflow.errors import IncorrectValue
from vyflow.text import decimal, quoted

USAGE = {'commit': 'usage: vyflow commit [comment TEXT]',
         'commit-confirm': 'usage: vyflow commit-confirm [MINUTES] [comment TEXT]'}


def parse_arguments(verb: str, args: list[str]) -> tuple[float, str]:
    """(confirm seconds, comment). ``--seconds N`` is a testing aid."""
    seconds, comment = 600.0, ''
    args = list(args)
    if verb == 'commit-confirm' and args:
        if args[0] == '--seconds' and len(args) > 1 and (decimal(args[1]) or 0) > 0:
            seconds = float(args[1])
            del args[:2]
        elif args[0] != 'comment':
            minutes = decimal(args[0])  # ASCII digits only: "١" is not 1 here
            if minutes is None or not 1 <= minutes <= 1440:
                raise IncorrectValue(f'commit-confirm MINUTES must be 1 to 1440 in digits 0-9, '
                                     f'not {quoted(args[0])}')
            seconds = minutes * 60.0
            del args[0]
    if args:
        if args[0] != 'comment' or len(args) < 2:
            raise IncorrectValue(USAGE[verb])
        comment = ' '.join(args[1:])
    return seconds, comment


def run(context: Context, verb: str, args: list[str]) -> int:
    seconds, comment = parse_arguments(verb, args)
    engine = context.engine()
    if verb == 'commit':
        engine.commit(comment=comment)
        return 0
    from vyflow.commit import confirm
    previous = context.session.store.running_text() or ''

    def arm() -> None:
        pending = confirm.arm(context.paths, seconds, previous, context.dry_run)
        minutes = seconds / 60
        shown = f'{minutes:g} minutes' if seconds >= 60 else f'{seconds:g} seconds'
        context.say(f'Initialized commit-confirm; {shown} to confirm before the configuration '
                    f'is reverted (timer pid {pending.timer_pid}). Run "confirm" to keep it.')

    engine.commit(via='commit-confirm', comment=comment, after_success=arm)
    return 0
