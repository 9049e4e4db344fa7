"""Entering a network namespace from this process (no new process).

Starting a program in the TCG guest is slow (a Python start costs 1-2 s), so
sockets and sysctls are handled in-process: the calling thread switches into
the namespace with setns(2), creates the socket (a socket keeps the namespace
it was created in) or opens the /proc/sys file, and switches back.

  with entered('h1'): ...                     # this thread is in h1 meanwhile
  sock = socket_in('h2', socket.AF_INET6, socket.SOCK_STREAM)
  write_sysctl('h1', 'net.ipv6.conf.all.accept_dad', 0)
"""
import contextlib
import ctypes
import os
import socket

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, 'setns: %s' % os.strerror(err))


def path(netns):
    return '/run/netns/%s' % netns


@contextlib.contextmanager
def entered(netns):
    """Run the block with the calling thread inside netns (None: unchanged)."""
    if netns is None:
        yield
        return
    own = os.open('/proc/thread-self/ns/net', os.O_RDONLY)
    try:
        target = os.open(path(netns), os.O_RDONLY)
        try:
            _setns(target)
            try:
                yield
            finally:
                _setns(own)
        finally:
            os.close(target)
    finally:
        os.close(own)


def socket_in(netns, family, kind):
    """A socket that lives in netns (None = the router/root namespace)."""
    with entered(netns):
        return socket.socket(family, kind)


def sysctl_path(key):
    return '/proc/sys/' + key.replace('.', '/')


def write_sysctl(netns, key, value):
    with entered(netns):
        with open(sysctl_path(key), 'w') as fh:
            fh.write('%s\n' % value)


def read_sysctl(netns, key):
    with entered(netns):
        with open(sysctl_path(key)) as fh:
            return fh.read().strip()
