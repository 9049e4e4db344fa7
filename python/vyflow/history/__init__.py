"""On-box flow history: the module's export kept on the router, queried later.

The module exports to a local ``nfcapd`` (Debian's nfdump package) on
127.0.0.1 as one more destination; nfcapd writes a file every rotation
interval under /var/lib/vyflow/history and expires them by age and size;
``nfdump`` answers the queries. By concern:

settings    the ``netflow history`` config as typed values, defaults, paths
collector   the desired and current collector (argv, limits), start/stop/read
service     where it runs: a systemd unit of ours, or our supervisor process
supervisor  the supervisor itself (``python3 -m vyflow.history.supervisor``)
sockets     who holds a UDP port (/proc/net/udp)
files       the flow files: time slots, damage checks, disk use
window      ``last 1h`` / ``since … until …`` as a time range
nfdump      running nfdump and reading its CSV
names       exported interface indexes <-> names (SNMP index rules included)
top         ``show flow-accounting history [top N] …``
graph       ``show flow-accounting history graph …``
health      the history lines of ``show flow-accounting``
"""
