"""Traffic clients run inside a host namespace (see traffic.py).

  client.py tcp ADDR PORT NBYTES       send NBYTES, read the echo, print JSON
  client.py tcp-refused ADDR PORT      connect to a closed port (expects RST)
  client.py udp ADDR PORT SIZE COUNT   COUNT datagrams of SIZE bytes, one socket

Prints one JSON object: {"sport": local port, "sent": bytes, "received": bytes,
"refused": bool}.  The source port lets tests find the exact flow.
"""
import json
import socket
import sys


def family(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def bound(addr, kind):
    sock = socket.socket(family(addr), kind)
    sock.bind(('::' if ':' in addr else '0.0.0.0', 0))
    return sock


def tcp(addr, port, nbytes, timeout=30.0):
    sock = bound(addr, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sport = sock.getsockname()[1]
    sock.connect((addr, port))
    payload = bytes(i % 251 for i in range(nbytes))
    sock.sendall(payload)
    sock.shutdown(socket.SHUT_WR)
    received = 0
    while True:
        data = sock.recv(65536)
        if not data:
            break
        received += len(data)
    sock.close()
    return {'sport': sport, 'sent': nbytes, 'received': received, 'refused': False}


def tcp_refused(addr, port, timeout=10.0):
    sock = bound(addr, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sport = sock.getsockname()[1]
    try:
        sock.connect((addr, port))
    except ConnectionRefusedError:
        return {'sport': sport, 'sent': 0, 'received': 0, 'refused': True}
    finally:
        sock.close()
    return {'sport': sport, 'sent': 0, 'received': 0, 'refused': False}


def udp(addr, port, size, count):
    sock = bound(addr, socket.SOCK_DGRAM)
    sport = sock.getsockname()[1]
    for _ in range(count):
        sock.sendto(b'u' * size, (addr, port))
    sock.close()
    return {'sport': sport, 'sent': size * count, 'received': 0, 'refused': False}


def main(argv):
    kind, addr, port = argv[0], argv[1], int(argv[2])
    if kind == 'tcp':
        result = tcp(addr, port, int(argv[3]))
    elif kind == 'tcp-refused':
        result = tcp_refused(addr, port)
    elif kind == 'udp':
        result = udp(addr, port, int(argv[3]), int(argv[4]))
    else:
        raise SystemExit('unknown kind %r' % kind)
    print(json.dumps(result))


if __name__ == '__main__':
    main(sys.argv[1:])
