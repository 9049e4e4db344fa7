"""The edit commands on the working config: ``set PATH [VALUE]``,
``delete PATH [VALUE]``, ``copy|rename PATH TAG VALUE to TAG NEW-VALUE`` and
``comment PATH TEXT`` (``""`` removes the comment)."""

from __future__ import annotations

from vyflow.cli.context import Context
from vyflow.editor import check_usage


def run(context: Context, verb: str, args: list[str]) -> int:
    check_usage(verb, args)   # a malformed line is a usage error (exit 2), not "Set failed"
    return context.edit(verb, lambda: context.session.edit(verb, args))
