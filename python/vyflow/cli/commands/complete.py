"""``_complete [--] WORD… PARTIAL`` (hidden): what bash completion offers.

The bash completion script (``data/bash-completion/vyflow``) passes the words
typed after ``vyflow`` up to the cursor; the last one is the word being
completed (possibly empty). Printed: the matching words, one a line. A line
``@files`` asks the shell to complete a file name instead, ``@dirs`` a
directory. Global options (``--root DIR``) among the words are honoured, so
values already in that root's working config are offered. Never fails: on any
problem it prints nothing.
"""

from __future__ import annotations

from vyflow.cli.context import Context
from vyflow.paths import Paths

GLOBAL_OPTIONS = ('--root', '--dry-run', '--help')
# Commands whose argument is a file name.
FILE_COMMANDS = ('save', 'load', 'merge', 'batch')


def _split_globals(words: list[str]) -> tuple[str | None, list[str], bool]:
    """(root, words from the command on, True if the partial word is --root's value)."""
    root, index = None, 0
    while index < len(words) and words[index].startswith('-'):
        if words[index] == '--root':
            if index + 1 >= len(words):
                return root, [], True
            root = words[index + 1]
            index += 2
            continue
        if words[index].startswith('--root='):
            root = words[index].split('=', 1)[1]
        index += 1
    return root, words[index:], False


def candidates(context: Context, words: list[str], partial: str) -> list[str]:
    """Completions for ``partial`` after the complete ``words`` (command first)."""
    from vyflow.cli.dispatch import COMMANDS
    if not words:
        if partial.startswith('--root='):
            return ['@dirs']
        names = sorted(name for name in COMMANDS if not name.startswith('_'))
        if partial.startswith('-'):
            names = list(GLOBAL_OPTIONS)
        return [name for name in names if name.startswith(partial)]
    verb, rest = words[0], words[1:]
    if verb in FILE_COMMANDS:
        return ['@files'] if (verb != 'load' or rest in ([], ['--json'])) else []
    from vyflow.cli.commands.run import load_op_tree
    from vyflow.cli.completion import Completer
    completer = Completer(context.definitions, load_op_tree(context),
                          context.session.store.working, context.resources.expand_variables)
    if verb in ('set', 'delete', 'copy', 'rename', 'comment'):
        found = completer.complete(words, configure=True).choices
    elif verb == 'show':
        # "show" shows the config, or runs an operational show command.
        found = (completer.complete(words, configure=True).choices
                 + completer.op_path(words).choices)
    elif verb == 'run':
        found = completer.op_path(rest).choices
    elif verb in ('clear', 'restart', 'reset'):
        found = completer.op_path(words).choices
    else:
        return []
    words_out: list[str] = []
    for choice in found:
        if choice.word == '|':      # a shell pipe: quoted by hand ('|') in bash
            continue
        if choice.word.startswith(partial) and choice.word not in words_out:
            words_out.append(choice.word)
    return words_out


def run(context: Context, verb: str, args: list[str]) -> int:
    if args and args[0] == '--':
        args = args[1:]
    if not args:
        args = ['']
    words, partial = args[:-1], args[-1]
    try:
        root, words, root_value = _split_globals(words)
        if root_value:
            found = ['@dirs']
        else:
            if root is not None:
                context = Context(Paths.from_root(root), dry_run=True,
                                  out=context.out, err=context.err)
            found = candidates(context, words, partial)
    except Exception:  # noqa: BLE001 - completion must never print a traceback
        return 0
    for word in found:
        print(word, file=context.out)
    return 0
