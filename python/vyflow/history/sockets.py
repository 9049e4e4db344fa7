"""Who holds a UDP port: /proc/net/udp and the processes' socket descriptors.

Used before starting the collector (a port taken by another program is a
configuration problem, said before anything changes) and to tell when the
collector is ready (its socket is bound).
"""

from __future__ import annotations

import os

_WILDCARD = '00000000'
# 127.0.0.1 as /proc/net/udp prints it: in host byte order (little- and big-endian)
_LOOPBACK = ('0100007F', '7F000001')


def _read(path: str) -> str:
    with open(path) as handle:
        return handle.read()


def bound_inodes(port: int, proc: str = '/proc') -> list[int]:
    """Socket inodes bound to UDP ``port`` on 127.0.0.1 or 0.0.0.0 (the
    addresses a loopback bind conflicts with)."""
    inodes = []
    try:
        lines = _read(os.path.join(proc, 'net', 'udp')).splitlines()[1:]
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


def owners(inodes: list[int], proc: str = '/proc') -> dict[int, str]:
    """pid -> command name of the processes holding these socket inodes (only
    those this user may look at: root sees all)."""
    wanted = {f'socket:[{inode}]' for inode in inodes}
    found: dict[int, str] = {}
    if not wanted:
        return found
    for name in os.listdir(proc):
        if not name.isdigit():
            continue
        try:
            for fd in os.scandir(os.path.join(proc, name, 'fd')):
                if os.readlink(fd.path) in wanted:
                    found[int(name)] = _read(os.path.join(proc, name, 'comm')).strip()
                    break
        except OSError:
            continue
    return found


def holder(port: int, proc: str = '/proc') -> str | None:
    """Who holds ``port`` (``nc (pid 123)``), ``'unknown'`` if bound but the
    owner cannot be seen, None if free."""
    inodes = bound_inodes(port, proc)
    if not inodes:
        return None
    found = owners(inodes, proc)
    if not found:
        return 'a process this user cannot see'
    return ', '.join(f'{name} (pid {pid})' for pid, name in sorted(found.items()))


def held_by(port: int, pids: set[int], proc: str = '/proc') -> bool:
    """True when one of ``pids`` holds ``port``."""
    return bool(set(owners(bound_inodes(port, proc), proc)) & pids)
