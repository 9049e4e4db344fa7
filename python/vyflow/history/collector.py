"""The local collector as desired and as found: nfcapd's argv and the expiry limits.

Both sides have the same shape, so the commit's verification compares like
with like (``history collector: desired X, current Y``). The argv is built
only from validated numbers and our own paths; it runs as an argument list
(systemd splits the EnvironmentFile value on spaces, and no value has any).

nfcapd options used (bookworm's 1.7.1 and trixie's 1.7.4 both have them):
``-w`` directory, ``-b``/``-p`` loopback address and port, ``-t`` rotation,
``-e`` expire at every rotation by the limits ``nfexpire -u`` stored, ``-y``
LZ4 files, ``-I`` ident, ``-B`` socket buffer, ``-s N`` scale packets and
bytes by the module's flow sampling rate N unless the export announces one
(the module's options records say the same N): the stored counts are then
estimates of the real traffic. Not ``-s -N`` ("whatever is announced"):
1.7.1 turns a negative rate into a huge multiplier for IPFIX (seen here:
``packet space: 4294967291``).
"""

from __future__ import annotations

from vyflow.history.settings import LOCAL_ADDRESS, HistoryConfig, HistoryPaths
from vyflow.records import dataclass

NFCAPD = '/usr/bin/nfcapd'
IDENT = 'vyflow'
SOCKET_BUFFER = 4 * 1024 * 1024
WATERMARK = 95


@dataclass(frozen=True)
class Limits:
    """What nfexpire keeps: bytes on disk and seconds of age (0: no limit)."""

    max_bytes: int
    max_seconds: int

    def describe(self) -> str:
        hours = self.max_seconds // 3600
        age = f'{hours // 24} d' if hours % 24 == 0 else f'{hours} h'
        return f'up to {age} / {self.max_bytes // (1024 * 1024)} MiB'


@dataclass(frozen=True)
class CollectorSpec:
    argv: tuple[str, ...]
    limits: Limits

    @property
    def port(self) -> int:
        return int(self.argv[self.argv.index('-p') + 1])

    @property
    def flow_dir(self) -> str:
        return self.argv[self.argv.index('-w') + 1]

    @property
    def sampling_rate(self) -> int:
        """1 when counts are stored as received."""
        return int(self.argv[self.argv.index('-s') + 1])

    @property
    def rotation_interval(self) -> int:
        return int(self.argv[self.argv.index('-t') + 1])

    def describe(self) -> str:
        return (f'nfcapd on {LOCAL_ADDRESS}:{self.port}, a file every {self.rotation_interval} s '
                f'in {self.flow_dir}, kept {self.limits.describe()}'
                + (f', counts scaled x{self.sampling_rate} for sampling'
                   if self.sampling_rate > 1 else ''))


def desired(config: HistoryConfig | None, sampling_rate: int | None,
            paths: HistoryPaths) -> CollectorSpec | None:
    """The collector ``config`` asks for; None when history is not configured."""
    if config is None:
        return None
    argv = (NFCAPD, '-w', str(paths.flow_dir), '-b', LOCAL_ADDRESS, '-p', str(config.port),
            '-t', str(config.rotation_interval), '-e', '-y', '-I', IDENT,
            '-B', str(SOCKET_BUFFER), '-s', str(sampling_rate or 1))
    return CollectorSpec(argv, Limits(config.max_size_mib * 1024 * 1024, config.retention_seconds))


def describe(spec: CollectorSpec | None) -> str:
    return 'not running' if spec is None else spec.describe()


def parse_limits(listing: str) -> Limits | None:
    """Limits from ``nfexpire -l`` (``Max Size:  268435456 = 256.0 MB``,
    ``Max Life:  604800 = 1.0 weeks``; ``<none>`` is no limit)."""
    values = {}
    for line in listing.splitlines():
        name, _, rest = line.partition(':')
        if name.strip() in ('Max Size', 'Max Life'):
            number = rest.split('=')[0].strip()
            values[name.strip()] = int(number) if number.isdigit() else 0
    if len(values) != 2:
        return None
    return Limits(values['Max Size'], values['Max Life'])
