"""``load [--json] [FILE]`` (replace the working config) and ``merge FILE``."""

from __future__ import annotations

from pathlib import Path

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
    path = session.resolve_file(names[0] if names else None)
    versions = None
    if as_json:
        from vyflow.jsonconfig import load_json_config
        tree = load_json_config(Path(path), context.resources.config_schema, context.definitions)
        notices: list[str] = []
    else:
        loaded = read_config(Path(path), context.definitions, rewrite=False)
        tree, notices, versions = loaded.tree, loaded.notices, loaded.versions
    context.say(f"Loading configuration from '{path}'")
    for notice in notices:
        context.say(notice)
    context.say(session.replace_working(tree, versions) if verb == 'load'
                else session.merge_tree(tree))
    return 0
