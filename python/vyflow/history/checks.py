"""verify() for ``netflow history``: what would make the collector fail or surprise.

The facts (who holds the port, free disk space, whether nfcapd is installed)
are read in get_config, before anything changes, so a taken port is a
configuration error naming the program that holds it, not a failed apply.
"""

from __future__ import annotations

import ipaddress
import os

from vyflow.base import warn
from vyflow.errors import ConfigError, ConfigErrors
from vyflow.history import service, sockets
from vyflow.history.collector import NFCAPD
from vyflow.history.settings import MAX_RETENTION_DAYS, PATH, HistoryPaths, retention_words
from vyflow.records import dataclass

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from vyflow.netflow.kernel import Kernel
    from vyflow.netflow.model import FlowConfig

MANY_FILES = 100_000


@dataclass(frozen=True)
class HistoryFacts:
    port_holder: str | None = None      # another program on the port, if any
    free_bytes: int | None = None       # free space where the files go
    nfcapd_installed: bool = True


def gather(config: FlowConfig | None, kernel: Kernel) -> HistoryFacts:
    if config is None or config.history is None:
        return HistoryFacts()
    paths = HistoryPaths(kernel.paths)
    port = config.history.port
    ours = service.collector_pids(kernel, paths)
    holder = None if sockets.held_by(port, ours) else sockets.holder(port)
    return HistoryFacts(port_holder=holder, free_bytes=_free_bytes(paths),
                        nfcapd_installed=kernel.dry_run or os.access(NFCAPD, os.X_OK))


def _free_bytes(paths: HistoryPaths) -> int | None:
    where = paths.flow_dir
    while not os.path.exists(where) and where != os.path.dirname(where):
        where = os.path.dirname(where)
    import shutil  # only with history configured: every commit imports this module
    try:
        return shutil.disk_usage(where).free
    except OSError:
        return None


def verify(config: FlowConfig, facts: HistoryFacts) -> None:
    history = config.history
    if history is None:
        return
    problems = []
    if history.retention_seconds > MAX_RETENTION_DAYS * 86400:
        problems.append(ConfigError(f'History retention {history.retention} is longer than '
                                    f'{MAX_RETENTION_DAYS} days', PATH + ['retention']))
    for collector in config.collectors:
        address = ipaddress.ip_address(collector.address)
        if collector.port == history.port and (address.is_loopback or address.is_unspecified):
            problems.append(ConfigError(
                f'History uses port {history.port} on 127.0.0.1, and so does server '
                f'{collector.address}: the module keeps one destination per port; set '
                'another history port', PATH + ['port']))
    if facts.port_holder:
        problems.append(ConfigError(f'UDP port {history.port} on 127.0.0.1 is taken by '
                                    f'{facts.port_holder}: set another history port, or stop '
                                    'that program', PATH + ['port']))
    if not facts.nfcapd_installed:
        problems.append(ConfigError(f'Flow history needs nfcapd ({NFCAPD}): install the nfdump '
                                    'package', PATH))
    if problems:
        raise problems[0] if len(problems) == 1 else ConfigErrors(problems)
    _warnings(config, facts)


def _warnings(config: FlowConfig, facts: HistoryFacts) -> None:
    history = config.history
    if not config.collectors:
        warn('No NetFlow server is configured: flows are exported to the local history '
             'collector only')
    if config.version == 5:
        warn('NetFlow version 5 cannot carry IPv6: the history has IPv4 flows only')
    limit = history.max_size_mib * 1024 * 1024
    if facts.free_bytes is not None and facts.free_bytes < limit:
        warn(f'History may use {history.max_size_mib} MiB but only '
             f'{facts.free_bytes // (1024 * 1024)} MiB are free where it is kept: the disk may '
             'fill before the size limit expires anything')
    files = history.retention_seconds // history.rotation_interval
    if files > MANY_FILES:
        warn(f'{retention_words(history.retention)} at a file every '
             f'{history.rotation_interval} s is {files} files: queries over all of it open '
             'every one; a longer rotation-interval keeps fewer')
