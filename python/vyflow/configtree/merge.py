"""Three-way merge of configuration trees.

Two sides edited copies of the same base; the result holds both sides'
changes. Where both changed the same leaf (or one deleted what the other
changed), ``ours`` wins: the caller names the side whose edits must not be
lost without a word (a configure session's pending edits, which ``compare``
still shows).
"""

from __future__ import annotations

from typing import Optional

from vyflow.configtree.node import ConfigNode


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
