"""The three configurations: running, working (the configure session) and saved.

The running config is what the system was last committed to; the working config
is the session's edits, persisted between ``vyflow`` invocations like a VyOS
configure session until it is committed or discarded (no working file means
"no changes"). All writes are atomic; reads never lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from vyflow import __version__
from vyflow.atomicfile import read_text, remove_durable, write_atomic
from vyflow.configtree import ConfigNode, parse_config, render_config
from vyflow.paths import Paths


class ConfigStore:
    """Reads and writes the config files under one root."""

    def __init__(self, paths: Paths, component_versions: dict[str, int]):
        self.paths = paths
        self.component_versions = component_versions

    def render(self, tree: ConfigNode) -> str:
        """config.boot text with this system's version footer."""
        return render_config(tree, self.component_versions, __version__)

    def _read(self, path: Path) -> Optional[ConfigNode]:
        text = read_text(path)
        return None if text is None else parse_config(text, str(path)).tree

    def running(self) -> ConfigNode:
        return self._read(self.paths.running_config) or ConfigNode()

    def running_text(self) -> Optional[str]:
        return read_text(self.paths.running_config)

    def working(self) -> ConfigNode:
        """The working config: the session's file, else the running config."""
        tree = self._read(self.paths.working_config)
        return tree if tree is not None else self.running()

    def has_changes(self) -> bool:
        working = self._read(self.paths.working_config)
        return working is not None and working != self.running()

    def write_working(self, tree: ConfigNode) -> None:
        """Persist the session; a session equal to running is simply removed."""
        if tree == self.running():
            remove_durable(self.paths.working_config)
        else:
            write_atomic(self.paths.working_config, self.render(tree))

    def discard(self) -> bool:
        """Drop the session; True if there were changes to drop."""
        had_changes = self.has_changes()
        remove_durable(self.paths.working_config)
        return had_changes

    def write_running(self, tree: ConfigNode) -> str:
        """Persist the running config; returns the text written."""
        text = self.render(tree)
        write_atomic(self.paths.running_config, text)
        return text
