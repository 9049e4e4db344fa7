"""A stand-in for ipt_NETFLOW on a host that cannot load modules.

The module's runtime interface is a replica of its sysctl and /sys files in a
temp root (values from real captures); "loading" it with a hooks-mode build's
parameters from modprobe.d also registers what the real module registers: a
counter on each netfilter hook of ``hooks=`` at the module's priority
(NF_IP_PRI_LAST, INT_MAX), counting only the packets its ``hooks_mark`` /
``hooks_mark_mask`` select — in a network namespace, through real nftables,
registered when "loaded", so it is ordered against our chains exactly as the
module is. Its counters are what the module would account.

Everything else stays real: nft, iptables-nft, veth pairs in namespaces.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from vyflow.netflow.features import ModuleInfo, tags_from_stat_line, version_from_stat_line
from vyflow.netflow.kernel import SETTINGS, Kernel

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT_ROOT / 'tests' / 'fixtures' / 'ipt-netflow'
TABLE = 'standin_ipt_netflow'
HOOK_NAMES = {1: 'prerouting', 2: 'input', 4: 'forward', 8: 'output', 16: 'postrouting'}
# Parameters a 2.8.0 build has on top of the captured 2.6 ones (fork defaults).
FORK_DEFAULTS = {'targets': '1', 'hooks': '0', 'hooks_mark': '0', 'hooks_mark_mask': '0',
                 'nfevents_limit': '10000'}
FORK_STAT_LINE = 'ipt_NETFLOW 2.8.0, srcversion 0123456789ABCDEF0123456; aggr dir llist mac nel samp-h snmp vlan'


def installed_fork() -> ModuleInfo:
    """What ``modinfo`` says of an installed, unloaded 2.8.0 build."""
    names = {line.partition('=')[0] for line in
             (FIXTURES / 'sysctl/sys-module-parameters-defaults.txt').read_text().splitlines()}
    return ModuleInfo(True, False, tags_from_stat_line(FORK_STAT_LINE), 'modinfo',
                      version_from_stat_line(FORK_STAT_LINE), frozenset(names | set(FORK_DEFAULTS)))


def module_replica(root: Path, protocol: str = '9', fork: bool = False) -> None:
    """The module's runtime interface as files, with values from a real capture;
    ``fork``: with a 2.8.0 build's extra parameters and version line."""
    sysctl = root / 'proc/sys/net/netflow'
    sysctl.mkdir(parents=True, exist_ok=True)
    for line in (FIXTURES / 'sysctl/sysctl-net.netflow-defaults.txt').read_text().splitlines():
        name, _, value = line.partition(' = ')
        (sysctl / name.removeprefix('net.netflow.')).write_text(value + '\n')
    (sysctl / 'protocol').write_text(protocol + '\n')
    parameters = root / 'sys/module/ipt_NETFLOW/parameters'
    parameters.mkdir(parents=True, exist_ok=True)
    for line in (FIXTURES / 'sysctl/sys-module-parameters-defaults.txt').read_text().splitlines():
        name, _, value = line.partition('=')
        (parameters / name).write_text(value + '\n')
    (root / 'proc/net/stat').mkdir(parents=True, exist_ok=True)
    stat = (FIXTURES / 'proc/stat-idle-v9.txt').read_text()
    if fork:
        for name, value in FORK_DEFAULTS.items():
            (parameters / name).write_text(value + '\n')
        stat = FORK_STAT_LINE + '\n' + stat.split('\n', 1)[1]
    (root / 'proc/net/stat/ipt_netflow').write_text(stat)
    events = root / 'proc/sys/net/netfilter/nf_conntrack_events'
    if not events.exists():
        events.parent.mkdir(parents=True, exist_ok=True)
        events.write_text('2\n')


def remove_replica(root: Path) -> None:
    shutil.rmtree(root / 'proc/sys/net/netflow', ignore_errors=True)
    shutil.rmtree(root / 'sys/module/ipt_NETFLOW', ignore_errors=True)
    (root / 'proc/net/stat/ipt_netflow').unlink(missing_ok=True)


def modprobe_options(root: Path) -> dict[str, str]:
    conf = root / 'etc/modprobe.d/ipt_NETFLOW.conf'
    text = conf.read_text() if conf.exists() else ''
    match = re.search(r'^options ipt_NETFLOW (.*)$', text, re.MULTILINE)
    return dict(item.split('=', 1) for item in match.group(1).split()) if match else {}


def standin_script(hooks: int, mark: int, mask: int) -> str:
    """The module's hooks as counters: one chain per hook at INT_MAX."""
    lines = [f'table inet {TABLE} {{']
    for bit, hook in HOOK_NAMES.items():
        if hooks & bit:
            match = f'meta mark & {mask:#x} == {mark & mask:#x} ' if mask else ''
            lines += [f'    chain {hook} {{',
                      f'        type filter hook {hook} priority 2147483647; policy accept;',
                      f'        {match}counter', '    }']
    return '\n'.join(lines + ['}']) + '\n'


class StandInKernel(Kernel):
    """Kernel whose module load/unload drive the replica and the stand-in hooks."""

    def __init__(self, root: Path, netns: str, fork: bool = True):
        from vyflow.paths import Paths
        super().__init__(Paths(root), command_prefix=('ip', 'netns', 'exec', netns))
        self.netns, self.fork = netns, fork

    def nft(self, *args: str, input: str = None) -> str:
        return subprocess.run(['ip', 'netns', 'exec', self.netns, 'nft', *args], input=input,
                              capture_output=True, text=True, check=True).stdout

    def load_module(self) -> None:
        self.inject_fault('module:load')
        root = Path(self.paths.root)
        options = modprobe_options(root)
        module_replica(root, options.get('protocol', '5'), self.fork)
        for name, value in options.items():   # what modprobe sets, as the module shows it
            sysctl = SETTINGS.get(name, (None, None))[0]
            for path in (Path(self.params_dir, name), Path(self.sysctl_dir, sysctl or '-')):
                if path.exists():
                    path.write_text(value + '\n')
        hooks = int(options.get('hooks', 0))
        if hooks:
            self.nft('-f', '-', input=standin_script(hooks, int(options.get('hooks_mark', 0)),
                                                     int(options.get('hooks_mark_mask', 0))))

    def unload_module(self) -> None:
        self.inject_fault('module:unload')
        subprocess.run(['ip', 'netns', 'exec', self.netns, 'nft', 'delete', 'table', 'inet', TABLE],
                       capture_output=True, check=False)
        remove_replica(Path(self.paths.root))

    def accounted(self) -> dict[str, int]:
        """Packets the stand-in module saw per hook."""
        counts = {}
        listing = subprocess.run(['ip', 'netns', 'exec', self.netns, 'nft', 'list', 'table', 'inet',
                                  TABLE], capture_output=True, text=True, check=False).stdout
        hook = None
        for line in listing.splitlines():
            found = re.match(r'\s*chain (\w+)', line)
            if found:
                hook = found.group(1)
            packets = re.search(r'counter packets (\d+)', line)
            if packets and hook:
                counts[hook] = int(packets.group(1))
        return counts
