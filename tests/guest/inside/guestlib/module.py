"""The ipt_NETFLOW kernel module: loading, parameters, sysctls, /proc files.

Everything here reads or writes the real kernel interfaces:
  /sys/module/ipt_NETFLOW/parameters/*   module parameters (some writable)
  /proc/sys/net/netflow/*                sysctls (all runtime-writable)
  /proc/net/stat/ipt_netflow             status text (line 1 = version + feature tags)
  /proc/net/stat/ipt_netflow_flows       the flow cache, one line per flow
  /proc/net/stat/ipt_netflow_snmp        per-interface counters
"""
import os
import re
import time

from . import cmd
from .collectors import find

MODULE = 'ipt_NETFLOW'
PARAMS_DIR = '/sys/module/%s/parameters' % MODULE
SYSCTL_DIR = '/proc/sys/net/netflow'
STAT = '/proc/net/stat/ipt_netflow'
FLOWS = '/proc/net/stat/ipt_netflow_flows'
SNMP = '/proc/net/stat/ipt_netflow_snmp'


# --- load / unload -------------------------------------------------------------

def is_loaded():
    return os.path.isdir('/sys/module/%s' % MODULE)


def load(**params):
    """modprobe ipt_NETFLOW with parameters given as keywords.

    load(protocol=9, destination='127.0.0.1:2055', inactive_timeout=600)
    Use the /sys spelling of names (refresh_rate, not refresh-rate).
    Raises RuntimeError when already loaded (unload first: parameters only
    apply at load time).
    """
    if is_loaded():
        raise RuntimeError('%s is already loaded; unload() first' % MODULE)
    argv = ['modprobe', MODULE] + ['%s=%s' % (k, v) for k, v in params.items()]
    cmd.run(argv, timeout=60)
    cmd.wait_for(lambda: os.path.exists(STAT), timeout=10, what=STAT)


def unload(timeout=30):
    """rmmod ipt_NETFLOW (exports the cache); no-op when not loaded.

    Raises CommandError while a firewall rule still references NETFLOW.
    """
    if not is_loaded():
        return
    cmd.run(['rmmod', MODULE], timeout=timeout)
    cmd.wait_for(lambda: not is_loaded(), timeout=10, what='module unload')


def modinfo_parameters():
    """{name: description} from `modinfo -p` (works without loading)."""
    params = {}
    for line in cmd.out(['modinfo', '-p', MODULE]).splitlines():
        name, _, desc = line.partition(':')
        if name:
            params[name.strip()] = desc.strip()
    return params


def module_file():
    return cmd.out(['modinfo', '-n', MODULE]).strip()


# --- parameters and sysctls ----------------------------------------------------

def parameters():
    """{name: value} of every readable /sys/module/ipt_NETFLOW/parameters file."""
    result = {}
    for name in sorted(os.listdir(PARAMS_DIR)):
        try:
            result[name] = cmd.read(os.path.join(PARAMS_DIR, name)).rstrip('\n')
        except PermissionError:
            result[name] = None  # mode 0400 only matters for non-root
    return result


def parameter(name):
    return cmd.read(os.path.join(PARAMS_DIR, name)).rstrip('\n')


def set_parameter(name, value):
    """Write /sys/module/ipt_NETFLOW/parameters/<name> (OSError on refusal)."""
    cmd.write(os.path.join(PARAMS_DIR, name), value)


def sysctls():
    """{name: value} of every /proc/sys/net/netflow file except the flush trigger."""
    result = {}
    for name in sorted(os.listdir(SYSCTL_DIR)):
        if name == 'flush':
            continue
        result[name] = sysctl(name)
    return result


def sysctl(name):
    return cmd.read(os.path.join(SYSCTL_DIR, name)).rstrip('\n')


def set_sysctl(name, value):
    """Write /proc/sys/net/netflow/<name> once (OSError with the kernel's errno)."""
    cmd.write(os.path.join(SYSCTL_DIR, name), value)


def flush(reset_counters=False):
    """Export the whole flow cache now (`echo 1 > .../flush`; 2 also zeroes stats)."""
    set_sysctl('flush', 2 if reset_counters else 1)


# --- /proc/net/stat/ipt_netflow ------------------------------------------------

def stat_text():
    return cmd.read(STAT)


_HEAD = re.compile(r'^ipt_NETFLOW (?P<version>\S+), srcversion (?P<srcversion>\S+);'
                   r'\s*(?P<tags>.*)$')


def feature_tags(text=None):
    """The feature tags of line 1, e.g. ['dir', 'mac', 'promisc+mpls', ...]."""
    return stat(text)['tags']


def stat(text=None):
    """Parse the status file into a dict of the fields tests usually need.

    keys: version, srcversion, tags, protocol, refresh_rate, timeout_rate,
    active_timeout, inactive_timeout, maxflows, flows_active, export_pkts,
    export_flows, sockets (list of dicts: index, destination, cberr, ...),
    text (the raw text).
    """
    if text is None:
        text = stat_text()
    lines = text.splitlines()
    m = _HEAD.match(lines[0]) if lines else None
    if not m:
        raise ValueError('unexpected first line of %s: %r' % (STAT, lines[:1]))
    info = {'version': m.group('version'), 'srcversion': m.group('srcversion'),
            'tags': m.group('tags').split(), 'text': text, 'sockets': []}
    for line in lines[1:]:
        mm = re.match(r'Protocol version (\d+)', line)
        if mm:
            info['protocol'] = int(mm.group(1))
            rr = re.search(r'refresh-rate (\d+), timeout-rate (\d+)', line)
            if rr:
                info['refresh_rate'], info['timeout_rate'] = map(int, rr.groups())
        mm = re.match(r'Timeouts: active (-?\d+)s, inactive (-?\d+)s\. Maxflows (\d+)', line)
        if mm:
            info['active_timeout'], info['inactive_timeout'], info['maxflows'] = \
                map(int, mm.groups())
        mm = re.match(r'Flows: active (\d+)', line)
        if mm:
            info['flows_active'] = int(mm.group(1))
        mm = re.match(r'Export: .*Total (\d+) pkts, \d+ MB, (\d+) flows', line)
        if mm:
            info['export_pkts'], info['export_flows'] = map(int, mm.groups())
        mm = re.match(r'sock(\d+): (\S+), sndbuf (\d+), filled (\d+), peak (\d+); err: '
                      r'sndbuf reached (\d+), connect (\d+), cberr (\d+), other (\d+)', line)
        if mm:
            g = mm.groups()
            info['sockets'].append({
                'index': int(g[0]), 'destination': g[1], 'sndbuf': int(g[2]),
                'sndbuf_reached': int(g[5]), 'connect_errors': int(g[6]),
                'cberr': int(g[7]), 'other_errors': int(g[8])})
    return info


# --- /proc/net/stat/ipt_netflow_flows -------------------------------------------

def _addr_port(token):
    addr, _, port = token.rpartition(',')
    return addr, int(port)


def parse_flows(text):
    """Parse ipt_netflow_flows text into a list of dicts.

    keys: hash, expired (bitmask), in_if, out_if, snmp_in, snmp_out, mac_src,
    mac_dst, vlan (None when untagged), ethertype, proto, src, sport, dst,
    dport (ICMP: type*256+code), nexthop, tos, tcp_flags, packets, bytes,
    first_ago, last_ago (jiffies).
    """
    flows = []
    for line in text.splitlines():
        if not line.strip() or line.startswith('#'):
            continue
        t = line.split()
        head, tail = t[:5], t[-8:]
        middle = t[5:-8]
        flow = {'hash': head[1], 'expired': int(head[2], 16)}
        flow['in_if'], flow['out_if'] = map(int, head[3].split(','))
        flow['snmp_in'], flow['snmp_out'] = map(int, head[4].split(','))
        flow['mac_src'] = flow['mac_dst'] = flow['vlan'] = flow['ethertype'] = None
        if middle and ':' in middle[0]:
            flow['mac_src'], flow['mac_dst'] = middle.pop(0).split(',')
        if middle:
            flow['ethertype'] = middle.pop()
        if middle:
            flow['vlan'] = middle.pop(0)
        proto, src, dst, nexthop, tos, packets, nbytes, ts = tail
        flow['proto'] = int(proto)
        flow['src'], flow['sport'] = _addr_port(src)
        flow['dst'], flow['dport'] = _addr_port(dst)
        flow['nexthop'] = nexthop
        tosf = tos.split(',')
        flow['tos'] = int(tosf[0], 16)
        flow['tcp_flags'] = int(tosf[1], 16) if len(tosf) > 1 else 0
        flow['packets'] = int(packets)
        flow['bytes'] = int(nbytes)
        first, last = ts.split(',')
        flow['first_ago'], flow['last_ago'] = int(first), int(last)
        flows.append(flow)
    return flows


def cached_flows():
    """The module's current flow cache (list of dicts, see parse_flows)."""
    return parse_flows(cmd.read(FLOWS))


def wait_cached(packets=1, timeout=10.0, **key):
    """The cached flows matching key, once one of them counts `packets` packets.

    sendto() returns before a datagram has crossed the router: veth hands it
    to a softirq, which a loaded machine defers to ksoftirqd, and the first
    datagram may wait for ARP.  A test that flushes right after sending could
    flush before the flow exists; it waits here first.
    """
    return cmd.wait_for(
        lambda: [f for f in find(cached_flows(), **key) if f['packets'] >= packets],
        timeout=timeout, what='a cached flow %r with %d packets' % (key, packets))


def wait_steady(interval=0.3, timeout=10.0, **key):
    """The cached flows matching key, once two reads `interval` apart agree.

    For TCP: the client's last ACK may still be on its way through the router
    when the client has closed, so a count read at once can still grow.
    """
    last = []

    def steady():
        now = find(cached_flows(), **key)
        counts = [(f['packets'], f['bytes']) for f in now]
        agreed = now and counts == last
        last[:] = counts
        return now if agreed else None
    return cmd.wait_for(steady, timeout=timeout, interval=interval,
                        what='cached flow %r to stop changing' % (key,))


# --- kernel log -----------------------------------------------------------------

class KernelLog:
    """Kernel messages since creation: log = KernelLog(); ...; log.new()."""

    def __init__(self):
        self._skip = len(self._lines())

    @staticmethod
    def _lines():
        return cmd.out(['dmesg']).splitlines()

    def new(self):
        return '\n'.join(self._lines()[self._skip:])


def wait_stat(predicate, timeout=10.0, what='module status'):
    """Poll stat() until predicate(stat) is truthy; return that stat."""
    found = {}

    def check():
        st = stat()
        if predicate(st):
            found['st'] = st
            return True
        return False
    cmd.wait_for(check, timeout=timeout, what=what)
    return found['st']


def settle(seconds=0.5):
    time.sleep(seconds)
