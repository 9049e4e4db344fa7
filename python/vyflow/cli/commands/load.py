"""``load [--json] [FILE]`` (replace the working config) and ``merge FILE``.

FILE is found as ``save`` writes it (Paths.operator_file): under ``--root`` it
stays in the root. It must be a regular file holding a configuration; anything
else (a device, a FIFO, /etc/shadow) is refused without echoing what it holds.
"""

from __future__ import annotations

from vyflow.cli.context import Context
from vyflow.loading import read_config


def run(context: Context, verb: str, args: list[str]) -> int:
    as_json = '--json' in args
    names = [a for a in args if a != '--json']
    if len(names) > 1 or (verb == 'merge' and not names) or (as_json and not names):
        context.warn(f'usage: vyflow {verb} {"[--json] " if verb == "load" else ""}FILE')
        return 2
    context.open_log()  # migration messages are logged too
    session = context.session
    path, policy = context.paths.operator_file(names[0] if names else None)
    versions = None
    if as_json:
        from vyflow.jsonconfig import load_json_config
        tree = load_json_config(path, context.resources.config_schema, context.definitions,
                                policy)
        notices: list[str] = []
    else:
        loaded = read_config(path, context.definitions, rewrite=False, policy=policy)
        tree, notices, versions = loaded.tree, loaded.notices, loaded.versions
    context.say(f"Loading configuration from '{path}'")
    for notice in notices:
        context.say(notice)
    context.say(session.replace_working(tree, versions) if verb == 'load'
                else session.merge_tree(tree))
    return 0
