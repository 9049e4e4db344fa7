"""Flow collectors and decoding into plain dicts.

Three collectors, all listening on UDP (127.0.0.1 unless told otherwise):
  Nfcapd     nfdump's nfcapd, files rotated every 2 s, decoded with
             `nfdump -r FILE -o json`; its log tells the NetFlow version seen.
  Nfacctd    pmacct's nfacctd with the print plugin writing JSON lines.
  RawCollector  a Python socket keeping every datagram; parses the packet
             headers (version, count, sequence, engine/source id, set ids).
Nfcapd/Nfacctd understand NetFlow v5, v9 and IPFIX.

Every decoder returns "flow dicts" with the same keys:
  src, dst (address strings), sport, dport (ICMP: type*256+code as the module
  exports it, when the collector keeps it), proto (int), packets, bytes,
  in_if, out_if (ifindex / SNMP index), family (4/6), collector ('nfcapd' or
  'nfacctd'), raw (the collector's own record).
Use find(flows, src=..., dport=..., proto=6) to select flows.
"""
import ipaddress
import json
import os
import re
import signal
import socket
import struct
import threading
import time

from . import cmd
from .netns import socket_in

PROTO_NAMES = {'icmp': 1, 'igmp': 2, 'tcp': 6, 'udp': 17, 'gre': 47, 'esp': 50,
               'ipv6-icmp': 58, 'icmp6': 58, 'sctp': 132}


def proto_number(value):
    if isinstance(value, int):
        return value
    text = str(value).strip().lower()
    if text.isdigit():
        return int(text)
    if text in PROTO_NAMES:
        return PROTO_NAMES[text]
    return socket.getprotobyname(text)


def _family(addr):
    return ipaddress.ip_address(addr).version


def find(flows, **match):
    """Flows whose keys equal every given value (a callable value is a test)."""
    result = []
    for flow in flows:
        for key, want in match.items():
            have = flow.get(key)
            if callable(want):
                if not want(have):
                    break
            elif have != want:
                break
        else:
            result.append(flow)
    return result


def describe(flows):
    """Short text of flows for assertion messages."""
    return '\n'.join('  %s %s:%s -> %s:%s pkts=%s bytes=%s if=%s,%s' % (
        f['proto'], f['src'], f['sport'], f['dst'], f['dport'], f['packets'], f['bytes'],
        f['in_if'], f['out_if']) for f in flows) or '  (no flows)'


# --- nfdump / nfcapd ---------------------------------------------------------------

def normalize_nfdump(rec):
    src = rec.get('src4_addr') or rec.get('src6_addr')
    dst = rec.get('dst4_addr') or rec.get('dst6_addr')
    proto = int(rec.get('proto', 0))
    if 'icmp_type' in rec and 'dst_port' not in rec:
        sport, dport = 0, int(rec['icmp_type']) * 256 + int(rec.get('icmp_code', 0))
    else:
        sport, dport = int(rec.get('src_port', 0)), int(rec.get('dst_port', 0))
    return {'src': src, 'dst': dst, 'sport': sport, 'dport': dport, 'proto': proto,
            'packets': int(rec.get('in_packets', 0)), 'bytes': int(rec.get('in_bytes', 0)),
            'in_if': rec.get('input_snmp'), 'out_if': rec.get('output_snmp'),
            'family': _family(src) if src else None, 'collector': 'nfcapd', 'raw': rec}


def decode_nfdump_json(text):
    """nfdump -o json output -> flow dicts (handles the 'No matching flows' form)."""
    text = text.strip()
    if not text or 'No matching flows' in text:
        return []
    return [normalize_nfdump(r) for r in json.loads(text) if r.get('type', 'FLOW') == 'FLOW']


NAT_EVENT_NAMES = {1: 'create', 2: 'delete'}


def nat_events(flows):
    """The NAT event records (IPFIX/v9 NEL, natEvent 230) among nfcapd flow dicts.

    nfdump decodes them as FLOW records with zero packets and the post-NAT
    tuple in src4_xlt_ip / src_xlt_port / dst4_xlt_ip / dst_xlt_port.
    Returns dicts: event ('create', 'delete' or the number), proto, src, sport,
    dst, dport (pre-NAT), xlt_src, xlt_sport, xlt_dst, xlt_dport (post-NAT).
    """
    events = []
    for flow in flows:
        rec = flow['raw']
        if flow['collector'] != 'nfcapd' or 'nat_event_id' not in rec:
            continue
        number = int(rec['nat_event_id'])
        events.append({
            'event': NAT_EVENT_NAMES.get(number, number), 'proto': flow['proto'],
            'src': flow['src'], 'sport': flow['sport'], 'dst': flow['dst'],
            'dport': flow['dport'],
            'xlt_src': rec.get('src4_xlt_ip') or rec.get('src6_xlt_ip'),
            'xlt_sport': int(rec.get('src_xlt_port', 0)),
            'xlt_dst': rec.get('dst4_xlt_ip') or rec.get('dst6_xlt_ip'),
            'xlt_dport': int(rec.get('dst_xlt_port', 0))})
    return events


def decode_nfdump_file(path, netns=None):
    proc = cmd.run(['nfdump', '-r', path, '-o', 'json'], netns=netns, timeout=60)
    return decode_nfdump_json(proc.stdout)


NFCAPD_EXPORTER = re.compile(
    r'Process_(?P<kind>v5|v9|ipfix): New (?:v9 |ipfix )?exporter: SysID: (?P<sysid>\d+)'
    r'(?:, engine id (?P<engine>\d+))?(?:, Domain: (?P<domain>\d+))?'
    r'(?:, Observation domain (?P<obs>\d+))?')


class Nfcapd:
    """nfcapd on bind:port writing into workdir (rotation every `rotate` s)."""

    kind = 'nfcapd'

    def __init__(self, port, workdir, bind='127.0.0.1', netns=None, rotate=2):
        self.port, self.bind, self.netns, self.rotate = port, bind, netns, rotate
        self.workdir = workdir
        self.flowdir = os.path.join(workdir, 'nfcapd-%d' % port)
        self.proc = None
        self._decoded = {}

    def start(self):
        os.makedirs(self.flowdir, exist_ok=True)
        argv = ['nfcapd', '-w', self.flowdir, '-p', self.port, '-t', self.rotate]
        if self.bind:
            argv += ['-b', self.bind]
        self.proc = cmd.Background(argv, netns=self.netns,
                                   log=os.path.join(self.workdir, 'nfcapd-%d.log' % self.port))
        cmd.wait_for(lambda: cmd.udp_bound(self.proc.pid, self.port) or not self.proc.alive(),
                     timeout=20, what='nfcapd bound to %s' % self.port)
        if not self.proc.alive():
            raise RuntimeError('nfcapd exited: %s' % self.proc.log_text())
        return self

    def stop(self, graceful=True):
        """SIGTERM: nfcapd closes the current file (its flows become readable)."""
        if self.proc:
            self.proc.stop(signal.SIGTERM if graceful else signal.SIGKILL)

    def log(self):
        return self.proc.log_text() if self.proc else ''

    def exporters(self):
        """[{'version': 5|9|10, 'sysid':, 'engine'/'domain':}] announced in the log."""
        found = []
        for m in NFCAPD_EXPORTER.finditer(self.log()):
            version = {'v5': 5, 'v9': 9, 'ipfix': 10}[m.group('kind')]
            entry = {'version': version, 'sysid': int(m.group('sysid'))}
            for key in ('engine', 'domain', 'obs'):
                if m.group(key) is not None:
                    entry[key] = int(m.group(key))
            found.append(entry)
        return found

    def versions(self):
        return sorted({e['version'] for e in self.exporters()})

    def files(self):
        names = sorted(n for n in os.listdir(self.flowdir)
                       if n.startswith('nfcapd.') and not n.startswith('nfcapd.current'))
        return [os.path.join(self.flowdir, n) for n in names]

    def flows(self):
        """Flows of every completed (rotated) file so far."""
        result = []
        for path in self.files():
            if path not in self._decoded:
                self._decoded[path] = decode_nfdump_file(path)
            result.extend(self._decoded[path])
        return result

    def wait_flows(self, predicate=None, timeout=20.0):
        return _wait(self, predicate, timeout)


# --- pmacct nfacctd -------------------------------------------------------------

NFACCTD_CONF = """\
daemonize: false
nfacctd_ip: {bind}
nfacctd_port: {port}
plugins: print[out]
aggregate[out]: src_mac, dst_mac, vlan, in_iface, out_iface, src_host, dst_host, \
src_port, dst_port, tcpflags, proto, tos, timestamp_start, timestamp_end
print_output[out]: json
print_output_file[out]: {output}
print_output_file_append[out]: true
print_refresh_time[out]: 1
print_cache_entries[out]: 4099
"""


def normalize_pmacct(rec):
    src, dst = rec.get('ip_src'), rec.get('ip_dst')
    return {'src': src, 'dst': dst, 'sport': int(rec.get('port_src', 0)),
            'dport': int(rec.get('port_dst', 0)), 'proto': proto_number(rec.get('ip_proto', 0)),
            'packets': int(rec.get('packets', 0)), 'bytes': int(rec.get('bytes', 0)),
            'in_if': rec.get('iface_in'), 'out_if': rec.get('iface_out'),
            'family': _family(src) if src else None, 'collector': 'nfacctd', 'raw': rec}


def decode_pmacct_lines(text):
    flows = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith('{'):
            rec = json.loads(line)
            if rec.get('event_type', 'purge') == 'purge':
                flows.append(normalize_pmacct(rec))
    return flows


class Nfacctd:
    """pmacct nfacctd on bind:port, print plugin -> JSON lines (1 s refresh)."""

    kind = 'nfacctd'

    def __init__(self, port, workdir, bind='127.0.0.1', netns=None):
        self.port, self.bind, self.netns = port, bind, netns
        self.workdir = workdir
        self.output = os.path.join(workdir, 'nfacctd-%d.json' % port)
        self.config = os.path.join(workdir, 'nfacctd-%d.conf' % port)
        self.proc = None

    def start(self):
        os.makedirs(self.workdir, exist_ok=True)
        with open(self.config, 'w') as fh:
            fh.write(NFACCTD_CONF.format(bind=self.bind or '0.0.0.0', port=self.port,
                                         output=self.output))
        self.proc = cmd.Background(['nfacctd', '-f', self.config], netns=self.netns,
                                   log=os.path.join(self.workdir, 'nfacctd-%d.log' % self.port))
        cmd.wait_for(lambda: cmd.udp_bound(self.proc.pid, self.port) or not self.proc.alive(),
                     timeout=20, what='nfacctd bound to %s' % self.port)
        if not self.proc.alive():
            raise RuntimeError('nfacctd exited: %s' % self.proc.log_text())
        return self

    def stop(self, graceful=True):
        """SIGINT makes nfacctd purge its cache to the file and exit (~2 s);
        it ignores SIGTERM.  graceful=False kills it at once."""
        if self.proc:
            self.proc.stop(signal.SIGINT if graceful else signal.SIGKILL)

    def log(self):
        return self.proc.log_text() if self.proc else ''

    def flows(self):
        if not os.path.exists(self.output):
            return []
        with open(self.output) as fh:
            return decode_pmacct_lines(fh.read())

    def wait_flows(self, predicate=None, timeout=20.0):
        return _wait(self, predicate, timeout)


def _wait(collector, predicate, timeout):
    """Poll collector.flows() until predicate(flows) (default: any flow) holds.

    Returns the flows at that point, or the last flows seen at the timeout, so
    the caller's assertion shows what did arrive.
    """
    predicate = predicate or bool
    deadline = time.monotonic() + timeout
    while True:
        flows = collector.flows()
        if predicate(flows) or time.monotonic() >= deadline:
            return flows
        time.sleep(0.3)


# --- raw datagrams ----------------------------------------------------------------

def parse_header(data):
    """Header fields of a NetFlow v5/v9 or IPFIX datagram.

    v5:    version, count, sys_uptime, unix_secs, sequence, engine_type, engine_id,
           sampling
    v9:    version, count, sys_uptime, unix_secs, sequence, source_id, sets
    IPFIX: version, length, export_time, sequence, domain_id, sets
    `sets` lists (set id, length): 0/2 = template, 1/3 = options template,
    >= 256 = data.
    """
    version = struct.unpack('!H', data[:2])[0]
    if version == 5:
        (_, count, uptime, secs, _nsecs, seq, etype, eid,
         sampling) = struct.unpack('!HHIIIIBBH', data[:24])
        return {'version': 5, 'count': count, 'sys_uptime': uptime, 'unix_secs': secs,
                'sequence': seq, 'engine_type': etype, 'engine_id': eid,
                'sampling': sampling, 'length': len(data)}
    if version == 9:
        _, count, uptime, secs, seq, source = struct.unpack('!HHIIII', data[:20])
        hdr = {'version': 9, 'count': count, 'sys_uptime': uptime, 'unix_secs': secs,
               'sequence': seq, 'source_id': source, 'length': len(data)}
        hdr['sets'] = _sets(data, 20)
        return hdr
    if version == 10:
        _, length, etime, seq, domain = struct.unpack('!HHIII', data[:16])
        hdr = {'version': 10, 'length': length, 'export_time': etime, 'sequence': seq,
               'domain_id': domain}
        hdr['sets'] = _sets(data, 16)
        return hdr
    return {'version': version, 'length': len(data)}


def _sets(data, offset):
    sets = []
    while offset + 4 <= len(data):
        set_id, length = struct.unpack('!HH', data[offset:offset + 4])
        if length < 4:
            break
        sets.append((set_id, length))
        offset += length
    return sets


class RawCollector:
    """Keeps every UDP datagram sent to bind:port (a thread of this process;
    the socket lives in netns, default the router).  .packets = [(time, bytes)]."""

    kind = 'raw'

    def __init__(self, port, bind='127.0.0.1', netns=None):
        self.port, self.bind, self.netns = port, bind, netns
        self.packets = []
        self._sock = None
        self._thread = None
        self._stop = threading.Event()

    def start(self):
        fam = socket.AF_INET6 if ':' in self.bind else socket.AF_INET
        self._sock = socket_in(self.netns, fam, socket.SOCK_DGRAM)
        self._sock.bind((self.bind, self.port))
        self._sock.settimeout(0.2)
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def _loop(self):
        while not self._stop.is_set():
            try:
                data, _ = self._sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            self.packets.append((time.time(), data))

    def stop(self, graceful=True):
        self._stop.set()
        if self._thread:
            self._thread.join(2)
        if self._sock:
            self._sock.close()

    def headers(self):
        return [parse_header(d) for _, d in list(self.packets)]

    def versions(self):
        return sorted({h['version'] for h in self.headers()})

    def wait_packets(self, count=1, timeout=20.0):
        deadline = time.monotonic() + timeout
        while len(self.packets) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.headers()


class Collectors:
    """Factory used by the `collectors` fixture: starts collectors on fresh
    ports and stops them all at teardown.

      c = collectors.nfcapd()          # 127.0.0.1:<free port>
      c = collectors.nfacctd(netns='c1', bind='192.0.2.2')
      c.port, c.flows(), c.wait_flows(lambda fl: find(fl, proto=6))
    """

    def __init__(self, workdir, first_port=20550):
        self.workdir = workdir
        self._next = first_port
        self.started = []

    def port(self):
        while True:
            port = self._next
            self._next += 1
            if not cmd.udp_bound(os.getpid(), port):
                return port

    def nfcapd(self, port=None, bind='127.0.0.1', netns=None, rotate=2):
        return self._start(Nfcapd(port or self.port(), self.workdir, bind, netns, rotate))

    def nfacctd(self, port=None, bind='127.0.0.1', netns=None):
        return self._start(Nfacctd(port or self.port(), self.workdir, bind, netns))

    def raw(self, port=None, bind='127.0.0.1', netns=None):
        return self._start(RawCollector(port or self.port(), bind, netns))

    def _start(self, collector):
        collector.start()
        self.started.append(collector)
        return collector

    def stop_all(self, graceful=False):
        """Stop every collector (default: kill at once, for fast teardown)."""
        while self.started:
            self.started.pop().stop(graceful=graceful)
