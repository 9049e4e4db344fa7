"""The three configurations: running, working (the configure session) and saved.

The running config is what the system was last committed to; the working config
is the session's edits, persisted between ``vyflow`` invocations like a VyOS
configure session until it is committed or discarded (no working file means
"no changes"). All writes are atomic; reads never lock.

Footers carry this system's component versions plus the versions of
components it does not know (from a whole VyOS config.boot that was loaded),
so a config saved here still tells VyOS how old its other sections are.
"""

from __future__ import annotations

from pathlib import Path

from vyflow import __version__
from vyflow.atomicfile import read_text, remove_durable, write_atomic
from vyflow.configtree import ConfigNode, parse_config, render_config
from vyflow.configtree.version import split_footer
from vyflow.paths import Paths


class ConfigStore:
    """Reads and writes the config files under one root."""

    def __init__(self, paths: Paths, component_versions: dict[str, int]):
        self.paths = paths
        self.component_versions = component_versions

    def render(self, tree: ConfigNode, foreign: dict[str, int] | None = None) -> str:
        """config.boot text with the version footer (ours win over ``foreign``)."""
        return render_config(tree, {**(foreign or {}), **self.component_versions}, __version__)

    def foreign_versions(self, versions: dict[str, int] | None) -> dict[str, int]:
        return {name: number for name, number in (versions or {}).items()
                if name not in self.component_versions}

    def _read(self, path: Path) -> ConfigNode | None:
        text = read_text(path)
        return None if text is None else parse_config(text, str(path)).tree

    def _kept_versions(self, *paths: Path) -> dict[str, int]:
        """Foreign versions from the first of ``paths`` that exists."""
        for path in paths:
            text = read_text(path)
            if text is not None:
                footer = split_footer(text, str(path))[1]
                return self.foreign_versions(footer.versions if footer else None)
        return {}

    def running(self) -> ConfigNode:
        return self._read(self.paths.running_config) or ConfigNode()

    def running_text(self) -> str | None:
        return read_text(self.paths.running_config)

    def working(self) -> ConfigNode:
        """The working config: the session's file, else the running config."""
        tree = self._read(self.paths.working_config)
        return tree if tree is not None else self.running()

    def has_changes(self) -> bool:
        working = self._read(self.paths.working_config)
        return working is not None and working != self.running()

    def write_working(self, tree: ConfigNode, foreign: dict[str, int] | None = None) -> None:
        """Persist the session; a session equal to running is simply removed.
        Foreign versions are kept from the session (or running) file unless given."""
        if foreign is None:
            foreign = self._kept_versions(self.paths.working_config, self.paths.running_config)
        if tree == self.running() and foreign == self._kept_versions(self.paths.running_config):
            remove_durable(self.paths.working_config)
        else:
            write_atomic(self.paths.working_config, self.render(tree, foreign))

    def discard(self) -> bool:
        """Drop the session; True if there were changes to drop."""
        had_changes = self.has_changes()
        remove_durable(self.paths.working_config)
        return had_changes

    def write_running(self, tree: ConfigNode, foreign: dict[str, int] | None = None) -> str:
        """Persist the running config; returns the text written. Foreign
        versions come from the session being committed unless given."""
        if foreign is None:
            foreign = self._kept_versions(self.paths.working_config, self.paths.running_config)
        text = self.render(tree, foreign)
        write_atomic(self.paths.running_config, text)
        return text

    def running_foreign_versions(self) -> dict[str, int]:
        return self._kept_versions(self.paths.running_config)
