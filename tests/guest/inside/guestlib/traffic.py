"""Traffic generators that run inside a namespace.

`src` is a namespace name ('h1', 'h2', 'h3', ...) or None for the router
(root namespace).  Addresses decide the family (':' means IPv6).

  ping('h1', '203.0.113.2', count=3)            -> PingResult(sent, received, output)
  tcp('h1', '203.0.113.2', nbytes=30000)        -> {'sport', 'sent', 'received'}
  tcp_refused('h1', '203.0.113.2', port=23)     -> {'sport', 'refused': True}
  udp('h1', '2001:db8:2::2', size=32, count=1)  -> {'sport', 'sent'}

ping runs `ip netns exec SRC ping ...`.  TCP/UDP sockets are created inside
SRC by this process (netns.socket_in: setns, no new process, which is much
faster in the TCG guest); pass process=True to run client.py under
`ip netns exec` instead.  The h2 host of topology.Topology runs a TCP echo
server on 8080 and a UDP sink on 5353.  Failures (no reply, short echo)
raise AssertionError.  The returned source port identifies the flow.
"""
import collections
import json
import os
import re
import socket

from . import cmd
from .netns import socket_in

CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'client.py')
PYTHON = '/usr/bin/python3'
TCP_ECHO_PORT = 8080
UDP_SINK_PORT = 5353

PingResult = collections.namedtuple('PingResult', 'sent received output')


def ping(src, dst, count=3, interval=0.2, timeout=10, check=True):
    """ping from namespace src to address dst (IPv4 or IPv6)."""
    argv = ['ping', '-6' if ':' in dst else '-4', '-n', '-q', '-c', count,
            '-i', interval, '-W', 2, dst]
    proc = cmd.run(argv, netns=src, check=False, timeout=timeout + count * interval)
    m = re.search(r'(\d+) packets transmitted, (\d+) received', proc.stdout)
    result = PingResult(int(m.group(1)) if m else 0, int(m.group(2)) if m else 0,
                        proc.stdout + proc.stderr)
    if check:
        assert result.received == count, 'ping %s -> %s: %r' % (src, dst, result.output)
    return result


def _family(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def _bound(src, dst, kind):
    sock = socket_in(src, _family(dst), kind)
    sock.bind(('::' if ':' in dst else '0.0.0.0', 0))
    return sock


def _client(src, args, timeout=60):
    proc = cmd.run([PYTHON, CLIENT] + [str(a) for a in args], netns=src, timeout=timeout)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def tcp(src, dst, nbytes=30000, port=TCP_ECHO_PORT, check=True, process=False, timeout=30):
    """Send nbytes over one TCP connection to the echo server; read the echo."""
    if process:
        result = _client(src, ['tcp', dst, port, nbytes])
    else:
        sock = _bound(src, dst, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sport = sock.getsockname()[1]
            sock.connect((dst, port))
            sock.sendall(bytes(i % 251 for i in range(nbytes)))
            sock.shutdown(socket.SHUT_WR)
            received = 0
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                received += len(data)
        finally:
            sock.close()
        result = {'sport': sport, 'sent': nbytes, 'received': received, 'refused': False}
    if check:
        assert result['received'] == nbytes, 'tcp %s -> %s:%s echoed %r' % (
            src, dst, port, result)
    return result


def tcp_refused(src, dst, port=23, check=True, process=False, timeout=10):
    """Connect to a closed TCP port (the reply is a RST)."""
    if process:
        result = _client(src, ['tcp-refused', dst, port])
    else:
        sock = _bound(src, dst, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sport = sock.getsockname()[1]
        refused = False
        try:
            sock.connect((dst, port))
        except ConnectionRefusedError:
            refused = True
        finally:
            sock.close()
        result = {'sport': sport, 'sent': 0, 'received': 0, 'refused': refused}
    if check:
        assert result['refused'], 'tcp %s -> %s:%s was not refused' % (src, dst, port)
    return result


def udp(src, dst, size=32, count=1, port=UDP_SINK_PORT, process=False):
    """Send count datagrams of size bytes from one socket (one flow)."""
    if process:
        return _client(src, ['udp', dst, port, size, count])
    sock = _bound(src, dst, socket.SOCK_DGRAM)
    try:
        sport = sock.getsockname()[1]
        for _ in range(count):
            sock.sendto(b'u' * size, (dst, port))
    finally:
        sock.close()
    return {'sport': sport, 'sent': size * count, 'received': 0, 'refused': False}
