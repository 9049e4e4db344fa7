"""``system flow-accounting netflow history`` as typed values, and where history lives.

History sits under ``netflow`` because the module's NetFlow export feeds it:
the local collector is one more destination of the same export, so version,
sampling and interfaces configured there apply to it too. Defaults live in the
definitions (history.xml.i); the constants here are the same values for the
migration message and for tests, which check that both agree.
"""

from __future__ import annotations

import os

from vyflow.paths import Paths
from vyflow.records import dataclass

LOCAL_ADDRESS = '127.0.0.1'
DEFAULT_RETENTION = '7d'
DEFAULT_MAX_SIZE_MIB = 256
DEFAULT_PORT = 2058
DEFAULT_ROTATION = 60
MAX_RETENTION_DAYS = 366
_UNIT_SECONDS = {'h': 3600, 'd': 86400, 'w': 7 * 86400}
_UNIT_WORDS = {'h': 'hour', 'd': 'day', 'w': 'week'}
PATH = ['system', 'flow-accounting', 'netflow', 'history']


def retention_seconds(spelled: str) -> int:
    """``7d`` -> 604800 (the definitions allow N followed by h, d or w)."""
    return int(spelled[:-1]) * _UNIT_SECONDS[spelled[-1]]


def retention_words(spelled: str) -> str:
    """``7d`` -> ``7 days``: how messages say it."""
    number = int(spelled[:-1])
    return f'{number} {_UNIT_WORDS[spelled[-1]]}{"" if number == 1 else "s"}'


@dataclass(frozen=True)
class HistoryConfig:
    retention: str = DEFAULT_RETENTION
    max_size_mib: int = DEFAULT_MAX_SIZE_MIB
    port: int = DEFAULT_PORT
    rotation_interval: int = DEFAULT_ROTATION

    @property
    def retention_seconds(self) -> int:
        return retention_seconds(self.retention)

    @property
    def destination(self) -> str:
        """The module destination entry: loopback, never bound to a VRF or
        source (the collector is on this host, in the default table)."""
        return f'{LOCAL_ADDRESS}:{self.port}'


def from_dict(node: dict | None) -> HistoryConfig | None:
    """From the mangled ``netflow history`` dict with defaults; None when absent."""
    if node is None:
        return None
    return HistoryConfig(retention=node['retention'], max_size_mib=int(node['max_size']),
                         port=int(node['port']), rotation_interval=int(node['rotation_interval']))


@dataclass(frozen=True)
class HistoryPaths:
    """History's files under one root (``--root`` or ``/``)."""

    paths: Paths

    @property
    def flow_dir(self) -> str:
        """nfcapd's directory: nothing else may be written there (nfdump and
        nfexpire read every file in it)."""
        return os.path.join(self.paths.state_dir, 'history')

    @property
    def run_dir(self) -> str:
        return os.path.join(self.paths.run_dir, 'history')

    @property
    def env_file(self) -> str:
        """The unit's EnvironmentFile: the collector's arguments."""
        return os.path.join(self.run_dir, 'nfcapd.env')

    @property
    def supervisor_pid(self) -> str:
        return os.path.join(self.run_dir, 'supervisor.pid')

    @property
    def collector_log(self) -> str:
        """nfcapd's output when our supervisor runs it (systemd has the journal)."""
        return os.path.join(self.paths.log_dir, 'history-collector.log')

    @property
    def sampling_log(self) -> str:
        """When each sampling rate took effect (counts in the files are scaled by it)."""
        return os.path.join(self.paths.state_dir, 'history-sampling.json')
