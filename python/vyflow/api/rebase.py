"""Keep the CLI's pending edits on top of a commit made outside its session.

The configure session's working file is a whole tree: the running config as
it was when editing began, plus the edits. When the API commits something
else meanwhile, committing that file later would silently undo the API's
change. So after an API commit the working file is rebased: the session's
own edits (working against the old running config) are replayed onto the
new running config. Where both changed the same leaf, the session's pending
value wins — it is still pending, and ``compare`` shows it.
"""

from __future__ import annotations

from typing import Optional

from vyflow.atomicfile import read_text
from vyflow.configtree import ConfigNode, parse_config
from vyflow.definitions.model import Definitions
from vyflow.locking import file_lock
from vyflow.paths import Paths
from vyflow.store import ConfigStore


def rebase_session(paths: Paths, definitions: Definitions, base: ConfigNode,
                   committed: ConfigNode) -> None:
    """After ``committed`` (built on ``base``) became running, move the
    session's edits onto it; no session, nothing to do."""
    with file_lock(paths.session_lock, wait=-1, what='edit'):
        text = read_text(paths.working_config)
        if text is None:
            return
        working = parse_config(text, str(paths.working_config)).tree
        merged = merge3(base, working, committed) or ConfigNode()
        ConfigStore(paths, definitions.component_versions).write_working(merged)


def merge3(base: Optional[ConfigNode], ours: Optional[ConfigNode],
           theirs: Optional[ConfigNode]) -> Optional[ConfigNode]:
    """Three-way merge of config subtrees: ``ours`` (the session) and
    ``theirs`` (the commit) both started from ``base``; None is "absent"."""
    if ours == base or ours == theirs:
        return theirs.copy() if theirs is not None else None
    if theirs == base:
        return ours.copy() if ours is not None else None
    if ours is None or theirs is None or ours.values is not None or theirs.values is not None:
        return ours.copy() if ours is not None else None    # a conflict: the session's edit
    base_children = base.children if base is not None else {}
    base_comment = base.comment if base is not None else None
    merged = ConfigNode(ours.name, is_tag=ours.is_tag or theirs.is_tag,
                        comment=ours.comment if ours.comment != base_comment else theirs.comment)
    for name in list(dict.fromkeys([*theirs.children, *ours.children, *base_children])):
        child = merge3(base_children.get(name), ours.children.get(name),
                       theirs.children.get(name))
        if child is not None:
            merged.children[name] = child
    if not merged.children:     # everything below went on one side or the other
        return None
    return merged
