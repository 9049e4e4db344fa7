"""``commit [comment TEXT]`` and ``commit-confirm [MINUTES] [comment TEXT]``.

While a commit-confirm is pending, ``commit`` confirms it (as Junos's
``commit`` does): with changes, the new config replaces the unconfirmed one
and nothing is reverted; with none, the unconfirmed config is kept.
"""

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
    confirm_seconds = seconds if verb == 'commit-confirm' else None
    context.engine().commit(comment=comment, confirm_seconds=confirm_seconds,
                            via='commit-confirm' if confirm_seconds else 'cli')
    return 0
