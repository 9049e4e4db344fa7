"""The three configurations: running, working (the configure session) and saved.

The running config is what the system was last committed to; the working config
is the session's edits, persisted between ``vyflow`` invocations like a VyOS
configure session until it is committed or discarded (no working file means
"no changes"). All writes are atomic; reads never lock.

Both files are always written by vyflow with a version footer, which ends the
file: one that cannot be read as UTF-8 config text, or lacks its footer (a
truncated file loses its end first), is damaged, and every reader says which
file and what to do (``discard`` drops a damaged working config; ``rollback 0``
rewrites a damaged running config from the archive) instead of guessing.

Footers carry this system's component versions plus the versions of
components it does not know (from a whole VyOS config.boot that was loaded),
so a config saved here still tells VyOS how old its other sections are.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from vyflow import __version__
from vyflow.atomicfile import StagedWrite, read_bytes, remove_durable, write_atomic
from vyflow.configtree import ConfigFile, ConfigNode, parse_config, render_config
from vyflow.errors import ConfigParseError, DamagedFileError, StorageError
from vyflow.paths import Paths

BOM = '\ufeff'
RUNNING_REMEDY = ('the running configuration cannot be read; "vyflow rollback 0" rewrites it '
                  'from the newest archived revision (see "show system commit")')
WORKING_REMEDY = 'the uncommitted changes cannot be read; "vyflow discard" drops them'


def decode_config(data: bytes) -> str:
    """Config file bytes as text: UTF-8, a leading byte-order mark being only
    that (ValueError says what is wrong)."""
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as exc:
        raise ValueError(f'not UTF-8 text: byte {exc.start} ({exc.reason})') from None
    return text[1:] if text.startswith(BOM) else text


def storage_error(path: str, exc: OSError, consequence: str) -> StorageError:
    """A clear message for a file that could not be written."""
    return StorageError(f'Cannot write {path}: {exc.strerror or exc}; {consequence}. '
                        'Make room on (or remount read-write) the filesystem holding it '
                        'and try again.')


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

    @staticmethod
    def load_file(path: str, remedy: str) -> tuple[str, ConfigFile] | None:
        """(text, parsed) of a file vyflow wrote, None when absent;
        DamagedFileError naming it when it cannot be what vyflow wrote."""
        try:
            data = read_bytes(path)
            if data is None:
                return None
            text = decode_config(data)
            parsed = parse_config(text, path)
        except OSError as exc:
            raise DamagedFileError(path, f'cannot be read: {exc.strerror or exc}', remedy) from None
        except ConfigParseError as exc:
            raise DamagedFileError(path, f'line {exc.line}, column {exc.column}: {exc.reason}',
                                   remedy) from None
        except ValueError as exc:
            raise DamagedFileError(path, str(exc), remedy) from None
        if parsed.footer is None:
            reason = 'empty' if not text else 'truncated: its version footer is missing'
            raise DamagedFileError(path, reason, remedy)
        return text, parsed

    def load_running(self) -> tuple[str, ConfigFile] | None:
        return self.load_file(self.paths.running_config, RUNNING_REMEDY)

    def load_working(self) -> tuple[str, ConfigFile] | None:
        return self.load_file(self.paths.working_config, WORKING_REMEDY)

    def _kept_versions(self, *loaders) -> dict[str, int]:
        """Foreign versions from the first of the files that exists."""
        for load in loaders:
            loaded = load()
            if loaded is not None:
                return self.foreign_versions(loaded[1].versions)
        return {}

    def running(self) -> ConfigNode:
        loaded = self.load_running()
        return loaded[1].tree if loaded else ConfigNode()

    def running_text(self) -> str | None:
        loaded = self.load_running()
        return loaded[0] if loaded else None

    def working_text(self) -> str | None:
        loaded = self.load_working()
        return loaded[0] if loaded else None

    def working(self) -> ConfigNode:
        """The working config: the session's file, else the running config."""
        loaded = self.load_working()
        return loaded[1].tree if loaded else self.running()

    def has_changes(self) -> bool:
        loaded = self.load_working()
        return loaded is not None and loaded[1].tree != self.running()

    @contextmanager
    def editing_working(self) -> Iterator[ConfigNode]:
        """The working tree to edit in place, persisted after as by
        ``write_working`` (not when the edit raised). Running and the session's
        file are each read and parsed once: on a large config a ``set`` is
        mostly parsing."""
        running = self.load_running()
        working = self.load_working()
        running_tree = running[1].tree if running else ConfigNode()
        tree = working[1].tree if working else running_tree.copy()
        yield tree
        kept = working or running
        self._persist(tree, self.foreign_versions(kept[1].versions) if kept else {}, running)

    def write_working(self, tree: ConfigNode, foreign: dict[str, int] | None = None) -> None:
        """Persist the session; a session equal to running is simply removed.
        Foreign versions are kept from the session (or running) file unless given."""
        running = self.load_running()
        if foreign is None:
            kept = self.load_working() or running
            foreign = self.foreign_versions(kept[1].versions) if kept else {}
        self._persist(tree, foreign, running)

    def _persist(self, tree: ConfigNode, foreign: dict[str, int],
                 running: tuple[str, ConfigFile] | None) -> None:
        running_tree = running[1].tree if running else ConfigNode()
        running_foreign = self.foreign_versions(running[1].versions) if running else {}
        try:
            if tree == running_tree and foreign == running_foreign:
                remove_durable(self.paths.working_config)
            else:
                write_atomic(self.paths.working_config, self.render(tree, foreign))
        except OSError as exc:
            raise storage_error(self.paths.working_config, exc, 'the change was not made') from None

    def discard(self) -> bool:
        """Drop the session, readable or not; True if there were changes to drop."""
        try:
            had_changes = self.has_changes()
        except DamagedFileError:
            had_changes = os.path.exists(self.paths.working_config)
        try:
            remove_durable(self.paths.working_config)
        except OSError as exc:
            raise storage_error(self.paths.working_config, exc, 'nothing was discarded') from None
        return had_changes

    def stage_running(self, tree: ConfigNode,
                      foreign: dict[str, int] | None = None) -> tuple[str, StagedWrite]:
        """The running config's new text, staged (not yet in place). Foreign
        versions come from the session being committed unless given."""
        if foreign is None:
            foreign = self._kept_versions(self.load_working, self.load_running)
        text = self.render(tree, foreign)
        return text, StagedWrite(self.paths.running_config, text)

    def running_foreign_versions(self) -> dict[str, int]:
        return self._kept_versions(self.load_running)
