"""``copy PATH TAG VALUE to TAG NEW-VALUE`` and ``rename …``: duplicate or move
one tag value with its whole subtree, as VyOS's configure mode does."""

from __future__ import annotations

from vyflow.cli.context import Context


def run(context: Context, verb: str, args: list[str]) -> int:
    # The target is always two words, so a path word that reads "to" stays harmless.
    if len(args) < 5 or args[-3] != 'to':
        context.warn(f'usage: vyflow {verb} PATH TAG VALUE to TAG NEW-VALUE\n'
                     f'  e.g. vyflow {verb} system flow-accounting netflow server 192.0.2.10 '
                     'to server 192.0.2.11')
        return 2
    action = context.session.copy if verb == 'copy' else context.session.rename
    return context.edit(verb, lambda: action(args[:-3], args[-2:]))
