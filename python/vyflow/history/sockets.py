"""Who holds a UDP port: /proc/net/udp and the processes' socket descriptors.

Used before starting the collector (a port taken by another program is a
configuration problem, said before anything changes) and to tell when the
collector is ready (its socket is bound).
"""

from __future__ import annotations

import os
from pathlib import Path

_WILDCARD = '00000000'
# 127.0.0.1 as /proc/net/udp prints it: in host byte order (little- and big-endian)
_LOOPBACK = ('0100007F', '7F000001')


def bound_inodes(port: int, proc: Path = Path('/proc')) -> list[int]:
    """Socket inodes bound to UDP ``port`` on 127.0.0.1 or 0.0.0.0 (the
    addresses a loopback bind conflicts with)."""
    inodes = []
    try:
        lines = (proc / 'net' / 'udp').read_text().splitlines()[1:]
    except OSError:
        return []
    for line in lines:
        fields = line.split()
        if len(fields) < 10:
            continue
        address, _, port_hex = fields[1].partition(':')
        if int(port_hex, 16) == port and (address in _LOOPBACK or address == _WILDCARD):
            inodes.append(int(fields[9]))
    return inodes


def owners(inodes: list[int], proc: Path = Path('/proc')) -> dict[int, str]:
    """pid -> command name of the processes holding these socket inodes (only
    those this user may look at: root sees all)."""
    wanted = {f'socket:[{inode}]' for inode in inodes}
    found: dict[int, str] = {}
    if not wanted:
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in os.scandir(entry / 'fd'):
                if os.readlink(fd.path) in wanted:
                    found[int(entry.name)] = (entry / 'comm').read_text().strip()
                    break
        except OSError:
            continue
    return found


def holder(port: int, proc: Path = Path('/proc')) -> str | None:
    """Who holds ``port`` (``nc (pid 123)``), ``'unknown'`` if bound but the
    owner cannot be seen, None if free."""
    inodes = bound_inodes(port, proc)
    if not inodes:
        return None
    found = owners(inodes, proc)
    if not found:
        return 'a process this user cannot see'
    return ', '.join(f'{name} (pid {pid})' for pid, name in sorted(found.items()))


def held_by(port: int, pids: set[int], proc: Path = Path('/proc')) -> bool:
    """True when one of ``pids`` holds ``port``."""
    return bool(set(owners(bound_inodes(port, proc), proc)) & pids)
