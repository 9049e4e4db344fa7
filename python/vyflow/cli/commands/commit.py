"""``commit [comment TEXT]`` and ``commit-confirm [MINUTES] [comment TEXT]``."""

from __future__ import annotations

from vyflow.cli.context import Context
from vyflow.errors import IncorrectValue

USAGE = {'commit': 'usage: vyflow commit [comment TEXT]',
         'commit-confirm': 'usage: vyflow commit-confirm [MINUTES] [comment TEXT]'}


def parse_arguments(verb: str, args: list[str]) -> tuple[float, str]:
    """(confirm seconds, comment). ``--seconds N`` is a testing aid."""
    seconds, comment = 600.0, ''
    args = list(args)
    if verb == 'commit-confirm' and args:
        if args[0] == '--seconds' and len(args) > 1 and args[1].isdigit() and int(args[1]) > 0:
            seconds = float(args[1])
            del args[:2]
        elif args[0].isdigit():
            if not 1 <= int(args[0]) <= 1440:
                raise IncorrectValue('commit-confirm MINUTES must be 1 to 1440')
            seconds = int(args[0]) * 60.0
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
        shown = (f'{minutes:g} minute{"" if minutes == 1 else "s"}' if seconds >= 60
                 else f'{seconds:g} second{"" if seconds == 1 else "s"}')
        context.say(f'Initialized commit-confirm; {shown} to confirm before the configuration '
                    f'is reverted (timer pid {pending.timer_pid}). Run "confirm" to keep it.')

    engine.commit(via='commit-confirm', comment=comment, after_success=arm)
    return 0
