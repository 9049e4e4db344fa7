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

from vyflow.atomicfile import read_text
from vyflow.configtree import ConfigNode, parse_config
from vyflow.configtree.merge import merge3
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
