"""Traffic sinks for a host namespace, run as threads of the test process.

  srv = Servers('h2', tcp_echo=[8080], udp_sink=[5353]).start()
  srv.udp_received   -> [(src addr, src port, length)]
  srv.stop()

TCP echo: every connection gets back what it sent, until the client closes.
UDP sink: records each datagram.  Both listen dual-stack on [::] (IPv4
peers are reported as plain IPv4 addresses).
"""
import socket
import threading

from .netns import socket_in


def _plain(host):
    return host[7:] if host.startswith('::ffff:') and '.' in host else host


class Servers:
    def __init__(self, netns, tcp_echo=(), udp_sink=()):
        self.netns = netns
        self.tcp_ports, self.udp_ports = list(tcp_echo), list(udp_sink)
        self.udp_received = []
        self.tcp_connections = []          # (src addr, src port, bytes echoed)
        self._socks = []
        self._stop = threading.Event()

    def _listen(self, kind, port):
        sock = socket_in(self.netns, socket.AF_INET6, kind)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(('::', port))
        sock.settimeout(0.5)
        self._socks.append(sock)
        return sock

    def start(self):
        for port in self.tcp_ports:
            sock = self._listen(socket.SOCK_STREAM, port)
            sock.listen(64)
            threading.Thread(target=self._accept, args=(sock,), daemon=True).start()
        for port in self.udp_ports:
            sock = self._listen(socket.SOCK_DGRAM, port)
            threading.Thread(target=self._sink, args=(sock,), daemon=True).start()
        return self

    def _accept(self, sock):
        while not self._stop.is_set():
            try:
                conn, addr = sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._echo, args=(conn, addr), daemon=True).start()

    def _echo(self, conn, addr):
        total = 0
        conn.settimeout(60)
        try:
            with conn:
                while True:
                    data = conn.recv(65536)
                    if not data:
                        break
                    conn.sendall(data)
                    total += len(data)
        except OSError:
            pass
        self.tcp_connections.append((_plain(addr[0]), addr[1], total))

    def _sink(self, sock):
        while not self._stop.is_set():
            try:
                data, addr = sock.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            self.udp_received.append((_plain(addr[0]), addr[1], len(data)))

    def stop(self):
        self._stop.set()
        for sock in self._socks:
            sock.close()
        self._socks = []
