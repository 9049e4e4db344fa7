"""The history part of ``show flow-accounting``: is it recording, how much, how far back.

Cheap enough for every status look: the directory listing (sizes on disk, as
nfexpire counts them), the running collector from /proc, and ``nfdump -I``
over the newest files for the flow rate and the export packets lost on the
way (sequence failures). Hints say what to do: a collector that is down, a
disk that is full, a size limit that cuts the history shorter than the
retention.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from typing import TYPE_CHECKING, Optional

from vyflow.history import files, service
from vyflow.history.settings import HistoryConfig, HistoryPaths, retention_words
from vyflow.history.window import iso_time, shown
from vyflow.netflow.units import human_bytes

if TYPE_CHECKING:
    from vyflow.netflow.kernel import Kernel

RATE_FILES = 5
FULL_DISK_BYTES = 16 * 1024 * 1024
LIMIT_SHARE = 0.9   # nfexpire trims to 95 % of the limit: near it, the limit is what expires files


def _recent_totals(newest: list[files.FlowFile]) -> dict[str, int]:
    """``nfdump -I`` totals (Flows, Sequence failures, …) of the newest files."""
    if not newest or shutil.which('nfdump') is None:
        return {}
    selection = (['-r', str(newest[0].path)] if len(newest) == 1 else
                 ['-R', f'{newest[0].path}:{newest[-1].path.name}'])
    try:
        result = subprocess.run(['nfdump', '-I', *selection], capture_output=True, text=True,
                                errors='replace', timeout=30, check=False,
                                env={**os.environ, 'TZ': 'UTC', 'LC_ALL': 'C'})
    except (OSError, subprocess.TimeoutExpired):
        return {}
    totals = {}
    for line in result.stdout.splitlines():
        name, _, value = line.partition(':')
        if value.strip().isdigit():
            totals[name.strip()] = int(value)
    return totals


def build(kernel: Kernel, paths: HistoryPaths, config: Optional[HistoryConfig],
          now: Optional[float] = None) -> Optional[dict]:
    """The history status as JSON-ready data; None when there is no history at all."""
    now = time.time() if now is None else now
    listed = files.list_files(paths.flow_dir)
    if config is None and not listed:
        return None
    running = service.read_current(kernel, paths)
    used = files.disk_bytes(listed)
    try:
        free = shutil.disk_usage(paths.flow_dir).free
    except OSError:
        free = None
    newest = listed[-RATE_FILES:]
    totals = _recent_totals(newest)
    span = (newest[-1].start - newest[0].start + config.rotation_interval
            if newest and config else 0)
    data = {
        'configured': config is not None,
        'collector': {'running': running is not None,
                      'port': running.port if running else (config.port if config else None)},
        'directory': str(paths.flow_dir),
        'files': len(listed),
        'disk': {'used_bytes': used, 'limit_bytes': (config.max_size_mib * 1024 * 1024
                                                     if config else None),
                 'free_bytes': free},
        'retention': config.retention if config else None,
        'oldest_record': iso_time(listed[0].start) if listed else None,
        'newest_file': iso_time(listed[-1].start) if listed else None,
        'flows_per_second': round(totals['Flows'] / span, 2) if span and 'Flows' in totals else None,
        'export_packets_lost': totals.get('Sequence failures'),
    }
    data['hints'] = hints(kernel, data, config, listed, now, running is not None)
    return data


def hints(kernel: Kernel, data: dict, config: Optional[HistoryConfig],
          listed: list[files.FlowFile], now: float, running: bool) -> list[str]:
    paths = HistoryPaths(kernel.paths)
    out = []
    if config is None:
        out.append(f'History is not configured: {data["files"]} old files remain in '
                   f'{data["directory"]} (nothing expires them)')
        return out
    if not running:
        problem = service.problems(kernel, paths)
        out.append('The history collector is not running: new flows are not recorded (export '
                   'to the NetFlow servers is not affected); commit again to restart it'
                   + (f'. Its log: {problem}' if problem else ''))
    elif listed and now - listed[-1].start > 3 * config.rotation_interval + 60:
        out.append(f'The history collector has written no file since '
                   f'{shown(iso_time(listed[-1].start))}: is the disk full?')
    free = data['disk']['free_bytes']
    if free is not None and free < FULL_DISK_BYTES:
        out.append(f'The disk holding {data["directory"]} is full ({human_bytes(free)} free): '
                   'the collector cannot write, and flows are lost')
    limit = data['disk']['limit_bytes']
    kept = now - listed[0].start if listed else 0
    if listed and data['disk']['used_bytes'] >= LIMIT_SHARE * limit \
            and kept < 0.9 * config.retention_seconds:
        out.append(f'The size limit ({config.max_size_mib} MiB) holds only '
                   f'{kept / 3600:.1f} hours of history, less than the retention '
                   f'({retention_words(config.retention)}): raise "netflow history max-size" '
                   'or shorten the retention')
    if data['export_packets_lost']:
        out.append(f'{data["export_packets_lost"]} export packets to the history collector were '
                   'lost recently (sequence failures): raise "system flow-accounting buffer-size"')
    return out


def render(data: dict) -> list[str]:
    """Lines for the status page."""
    collector = data['collector']
    state = ('running' if collector['running'] else 'NOT running') if data['configured'] \
        else 'not configured'
    disk = data['disk']
    limit = f' of {human_bytes(disk["limit_bytes"])}' if disk['limit_bytes'] else ''
    line = (f'History:      {state}' + (f' on 127.0.0.1:{collector["port"]}'
                                         if collector['port'] else '')
            + f'; {human_bytes(disk["used_bytes"])}{limit} in {data["files"]} files')
    lines = [line]
    if data['oldest_record']:
        detail = f'              oldest record {shown(data["oldest_record"])}'
        if data['retention']:
            detail += f' (kept {retention_words(data["retention"])})'
        if data['flows_per_second'] is not None:
            detail += f'; {data["flows_per_second"]:g} flows/s recently'
        lines.append(detail)
    return lines
