"""The one place that reads or changes the system for flow accounting.

Files are found under the root (``--root``), commands run as argument lists
(never through a shell), and in dry-run mode nothing that changes the system
runs. Everything else in vyflow.netflow works on values this module reads and
hands to it; the op-mode commands read the module's /proc files through it too.

Fault injection for tests: ``VYFLOW_INJECT_FAULT=<step id>`` makes the step
with that id fail (``param:destination``, ``module:load``, ``hooks:ipv6``, …,
``read-back``), so every failure path can be exercised on the real module.
``VYFLOW_INJECT_FAULT_TYPE`` names the built-in exception raised there
(``ValueError``, ``KeyError``, ``OSError``, ``KeyboardInterrupt``…; default
ApplyError), to prove that a bug or an interrupt is undone like any failure.
"""

from __future__ import annotations

import builtins
import json
import os
import warnings

from vyflow.atomicfile import read_text, remove_durable, write_atomic
from vyflow.base import ConfigWarning
from vyflow.errors import ApplyError
from vyflow.netflow.features import (ModuleInfo, assumed_debian, features_from_parameters,
                                     parse_modinfo, tags_from_stat_line, version_from_stat_line)
from vyflow.paths import Paths
from vyflow.safepath import StrPath

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    import subprocess

MODULE = 'ipt_NETFLOW'
FAULT_ENV = 'VYFLOW_INJECT_FAULT'
FAULT_TYPE_ENV = 'VYFLOW_INJECT_FAULT_TYPE'

# Managed setting -> (sysctl name under net.netflow, module parameter name).
# engine_id has no sysctl: it is written through /sys/module/…/parameters.
SETTINGS = {
    'protocol': ('protocol', 'protocol'),
    'destination': ('destination', 'destination'),
    'sndbuf': ('sndbuf', 'sndbuf'),
    'active_timeout': ('active_timeout', 'active_timeout'),
    'inactive_timeout': ('inactive_timeout', 'inactive_timeout'),
    'maxflows': ('maxflows', 'maxflows'),
    'hashsize': ('hashsize', 'hashsize'),
    'sampler': ('sampler', 'sampler'),
    'aggregation': ('aggregation', 'aggregation'),
    'natevents': ('natevents', 'natevents'),
    'refresh_rate': ('refresh-rate', 'refresh_rate'),
    'timeout_rate': ('timeout-rate', 'timeout_rate'),
    'snmp_rules': ('snmp-rules', 'snmp_rules'),
    'engine_id': (None, 'engine_id'),
    # hooks-mode builds (2.7/2.8 fork): load-time only, read through /sys
    'targets': (None, 'targets'),
    'hooks': (None, 'hooks'),
    'hooks_mark': (None, 'hooks_mark'),
    'hooks_mark_mask': (None, 'hooks_mark_mask'),
}
# Read these from /sys: the sysctl answers ENOENT for sndbuf without sockets.
READ_FROM_SYSFS = {'sndbuf', 'engine_id'}
# Parameters the module takes only when it loads (0444 in /sys, no sysctl).
LOAD_TIME_ONLY = {'targets', 'hooks', 'hooks_mark', 'hooks_mark_mask'}


def read_module_file(path: StrPath) -> bytes:
    """A module's bytes, uncompressed: Debian 13 installs DKMS modules as .ko.xz."""
    import gzip
    import lzma
    suffix = os.path.splitext(path)[1]
    try:
        with open(path, 'rb') as handle:
            data = handle.read()
        if suffix == '.xz':
            return lzma.decompress(data)
        return gzip.decompress(data) if suffix == '.gz' else data
    except (OSError, EOFError, lzma.LZMAError, gzip.BadGzipFile):
        return b''   # the hash-sampler tag is then unknown; nothing else depends on it


def _read_kernel_file(path: str) -> str | None:
    """A /proc or /sys file, or None when absent. These are the kernel's,
    reached through its own links (/proc/net is /proc/self/net), so they are
    read as they are; the files vyflow keeps go through atomicfile."""
    try:
        with open(path, encoding='utf-8', errors='replace') as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def _write_kernel_file(path: str, text: str) -> None:
    """Write a /proc or /sys file, as it is (see _read_kernel_file)."""
    with open(path, 'w') as handle:
        handle.write(text)


class Kernel:
    """System access for one root; ``dry_run`` refuses every change.
    ``command_prefix`` runs commands elsewhere, e.g. ``ip netns exec NS``."""

    def __init__(self, paths: Paths, dry_run: bool = False, command_prefix: tuple = ()):
        self.paths = paths
        self.dry_run = dry_run
        self.command_prefix = tuple(command_prefix)
        self._backend: str | None = None
        self._fault_fired = False
        self._state_warned = False

    @property
    def reads_system(self) -> bool:
        """Whether commands reach a system: the real root, or a test's namespace
        (a sandbox root alone has no firewall or module of its own)."""
        return not self.paths.sandboxed or bool(self.command_prefix)

    # ---- locations --------------------------------------------------------

    sysctl_dir = property(lambda self: self.paths.under('/proc/sys/net/netflow'))
    params_dir = property(lambda self: self.paths.under(f'/sys/module/{MODULE}/parameters'))
    stat_file = property(lambda self: self.paths.under('/proc/net/stat/ipt_netflow'))
    snmp_file = property(lambda self: self.paths.under('/proc/net/stat/ipt_netflow_snmp'))
    flows_file = property(lambda self: self.paths.under('/proc/net/stat/ipt_netflow_flows'))
    modprobe_conf = property(lambda self: self.paths.under(f'/etc/modprobe.d/{MODULE}.conf'))
    conntrack_events_file = property(
        lambda self: self.paths.under('/proc/sys/net/netfilter/nf_conntrack_events'))
    wmem_default_file = property(lambda self: self.paths.under('/proc/sys/net/core/wmem_default'))
    state_file = property(lambda self: os.path.join(self.paths.state_dir, 'netflow-state.json'))

    # ---- commands ---------------------------------------------------------

    def run(self, argv: list[str], *, input: str | None = None, what: str = '',
            check: bool = True) -> subprocess.CompletedProcess:
        """Run a command (argument list, no shell); ApplyError on failure."""
        import subprocess  # only when a command runs: a dry run in a sandbox runs none
        try:
            result = subprocess.run([*self.command_prefix, *argv], input=input,
                                    capture_output=True, text=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ApplyError(f'{what or argv[0]}: cannot run {argv[0]}: {exc}') from None
        if check and result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise ApplyError(f'{what or " ".join(argv)} failed (exit {result.returncode})'
                             + (f': {detail[0]}' if detail else ''))
        return result

    def inject_fault(self, step_id: str) -> None:
        """Fail once at ``step_id`` when asked to (the restore then runs normally)."""
        if not self._fault_fired and os.environ.get(FAULT_ENV) == step_id:
            self._fault_fired = True
            message = f'injected fault at {step_id} ({FAULT_ENV})'
            name = os.environ.get(FAULT_TYPE_ENV)
            kind = getattr(builtins, name, None) if name else ApplyError
            if not (isinstance(kind, type) and issubclass(kind, BaseException)):
                raise RuntimeError(f'{message}: {FAULT_TYPE_ENV}={name} names no built-in exception')
            raise kind(message)

    # ---- module -----------------------------------------------------------

    def module_loaded(self) -> bool:
        return os.path.isdir(self.params_dir) or os.path.exists(self.stat_file)

    def module_parameter_names(self) -> frozenset[str]:
        try:
            return frozenset(os.listdir(self.params_dir))
        except OSError:
            return frozenset()

    def module_info(self) -> Optional[ModuleInfo]:
        """Version, features and capabilities of the loaded or installed
        module, read from the module itself; None if neither."""
        if os.path.exists(self.stat_file):
            first = (_read_kernel_file(self.stat_file) or '').split('\n', 1)[0]
            hooks = _read_kernel_file(os.path.join(self.params_dir, 'hooks'))
            return ModuleInfo(True, True, tags_from_stat_line(first), 'loaded',
                              version_from_stat_line(first), self.module_parameter_names(),
                              int(hooks) if hooks and hooks.strip().isdigit() else None)
        if self.paths.sandboxed:
            return None  # a sandbox root has no module of its own
        result = self.run(['modinfo', MODULE], check=False)
        found = parse_modinfo(result.stdout)
        if result.returncode != 0 or not found.filename:
            return None
        module_file = read_module_file(found.filename)
        return ModuleInfo(True, False, features_from_parameters(found.parameters, module_file),
                          'modinfo', found.version, found.parameters)

    def module_or_assumed(self) -> ModuleInfo | None:
        info = self.module_info()
        if info is None and self.dry_run:
            return assumed_debian()
        return info

    def load_module(self) -> None:
        self.inject_fault('module:load')
        self.run(['modprobe', MODULE], what=f'modprobe {MODULE}')

    def unload_module(self) -> None:
        self.inject_fault('module:unload')
        self.run(['rmmod', MODULE], what=f'rmmod {MODULE}')

    # ---- settings -----------------------------------------------------------

    def _setting_path(self, key: str, for_write: bool) -> str:
        sysctl, parameter = SETTINGS[key]
        if sysctl is None or (not for_write and key in READ_FROM_SYSFS):
            return os.path.join(self.params_dir, parameter)
        return os.path.join(self.sysctl_dir, sysctl)

    def writable(self) -> set[str]:
        """Settings this build can change at runtime."""
        return {key for key in SETTINGS
                if key not in LOAD_TIME_ONLY and os.path.exists(self._setting_path(key, True))}

    def read_settings(self) -> dict[str, str]:
        values = {}
        for key in SETTINGS:
            try:
                with open(self._setting_path(key, False)) as handle:
                    values[key] = handle.read().strip()
            except OSError:
                continue  # not in this build, or not readable right now
        return values

    def write_setting(self, key: str, value: str) -> None:
        self.inject_fault(f'param:{key}')
        path = self._setting_path(key, True)
        try:
            with open(path, 'w', encoding='ascii') as handle:
                handle.write(value + '\n')
        except OSError as exc:
            raise ApplyError(f'writing {value!r} to {path} failed: {exc.strerror}') from None

    # ---- files and plain sysctls ----------------------------------------------

    def read_modprobe_conf(self) -> str | None:
        return read_text(self.modprobe_conf)

    def write_modprobe_conf(self, text: str | None) -> None:
        self.inject_fault('file:modprobe')
        if text is None:
            remove_durable(self.modprobe_conf)
        else:
            write_atomic(self.modprobe_conf, text, mode=0o644)  # as every modprobe.d file

    def read_conntrack_events(self) -> str | None:
        text = _read_kernel_file(self.conntrack_events_file)
        return text.strip() if text is not None else None

    def write_conntrack_events(self, value: str) -> None:
        self.inject_fault('sysctl:nf_conntrack_events')
        try:
            _write_kernel_file(self.conntrack_events_file, value + '\n')
        except OSError as exc:
            raise ApplyError(f'setting net.netfilter.nf_conntrack_events={value} failed: '
                             f'{exc.strerror}') from None

    def wmem_default(self) -> str | None:
        text = _read_kernel_file(self.wmem_default_file)
        return text.strip() if text else None

    def read_state_file(self) -> dict:
        """The values remembered between commits. A damaged file is ignored
        with a warning (the commit works from the kernel as it is; only the
        values to restore later are lost) and, unless in a dry run, moved
        aside to ``….damaged`` so that it is reported once."""
        try:
            text = read_text(self.state_file)
            data = json.loads(text) if text is not None else {}
            if not isinstance(data, dict) or not all(
                    isinstance(key, str) and isinstance(value, str) for key, value in data.items()):
                raise ValueError('not a JSON object of strings')
        except (OSError, ValueError) as exc:  # UnicodeDecodeError and JSONDecodeError included
            self._set_damaged_state_aside(exc)
            return {}
        return data

    def _set_damaged_state_aside(self, exc: Exception) -> None:
        if self._state_warned:
            return
        self._state_warned = True
        aside = self.state_file + '.damaged'
        what = 'ignored'
        if not self.dry_run:
            try:
                os.replace(self.state_file, aside)
                what = f'moved to {aside}'
            except OSError:
                pass
        warnings.warn(ConfigWarning(
            f'{self.state_file} is damaged ({exc}): {what}; the values it remembered (what to '
            'restore when a setting is removed) are taken from the kernel as it is now'))

    def write_state_file(self, data: dict) -> None:
        self.inject_fault('file:state')
        if data:
            write_atomic(self.state_file, json.dumps(data, sort_keys=True))
        else:
            remove_durable(self.state_file)

    # ---- iptables / nftables --------------------------------------------------

    def iptables_backend(self) -> str:
        """'nft' or 'legacy': the one this system's ``iptables`` uses."""
        if self._backend is None:
            version = self.run(['iptables', '--version'], what='iptables --version').stdout
            self._backend = 'legacy' if '(legacy)' in version else 'nft'
        return self._backend

    def _tool(self, family: str, action: str) -> str:
        base = 'iptables' if family == 'ipv4' else 'ip6tables'
        return f'{base}-{self.iptables_backend()}-{action}'

    def iptables_save(self, family: str) -> str:
        """Every table of one family (``iptables-save`` output)."""
        return self.run([self._tool(family, 'save')], what=f'{self._tool(family, "save")}').stdout

    def iptables_restore(self, family: str, payload: str) -> None:
        self.inject_fault(f'hooks:{family}')
        self.run([self._tool(family, 'restore'), '--noflush'], input=payload,
                 what=f'{self._tool(family, "restore")} (flow-accounting hooks)')

    def nft_list_table(self, family: str, table: str, numeric: bool = False) -> str | None:
        """The table's listing, None if it does not exist. ``numeric``: constants
        as numbers (``nft -n``), not names that differ between nft releases."""
        result = self.run(['nft', *(['-n'] if numeric else []), 'list', 'table', family, table],
                          check=False)
        return result.stdout if result.returncode == 0 else None

    def nft_list_json(self, family: str, table: str) -> Optional[str]:
        """``nft -j list table``: None when the table does not exist."""
        result = self.run(['nft', '-j', 'list', 'table', family, table], check=False)
        return result.stdout if result.returncode == 0 else None

    def nft_list_hooks(self) -> Optional[str]:
        """``nft list hooks``: every hook's functions and chains in the order
        they run (empty where the kernel or nft cannot say)."""
        result = self.run(['nft', 'list', 'hooks'], check=False)
        return result.stdout if result.returncode == 0 else None

    def nft_ruleset_json(self) -> Optional[str]:
        result = self.run(['nft', '-j', 'list', 'ruleset'], check=False)
        return result.stdout if result.returncode == 0 else None

    def nft_capture_apply(self, script: str) -> None:
        self.inject_fault('capture:nftables')
        self.run(['nft', '-f', '-'], input=script, what='nft (flow-accounting capture table)')

    def nft_apply(self, script: str) -> None:
        self.inject_fault('dscp')
        self.run(['nft', '-f', '-'], input=script, what='nft (export DSCP marking)')

    def flowtable_devices(self) -> set[str]:
        """Interfaces bound to an nftables flowtable (offloaded traffic skips hooks)."""
        result = self.run(['nft', '-j', 'list', 'flowtables'], check=False)
        if result.returncode != 0:
            return set()
        try:
            items = json.loads(result.stdout).get('nftables', [])
        except ValueError:
            return set()
        devices: set[str] = set()
        for item in items:
            flowtable = item.get('flowtable')
            if flowtable:
                found = flowtable.get('dev', [])
                devices.update([found] if isinstance(found, str) else found)
        return devices

    def addresses(self) -> list[dict]:
        """``ip -json -details address show``: interfaces, kinds, masters, addresses."""
        result = self.run(['ip', '-json', '-details', 'address', 'show'], check=False)
        try:
            return json.loads(result.stdout) if result.returncode == 0 else []
        except ValueError:
            return []

    # ---- /proc status --------------------------------------------------------------

    def read_stat(self) -> str | None:
        return _read_kernel_file(self.stat_file)

    def read_snmp(self) -> str | None:
        return _read_kernel_file(self.snmp_file)

    def flush(self, level: int) -> None:
        """net.netflow.flush: 1 exports the cache now, 2 also zeroes counters."""
        try:
            _write_kernel_file(os.path.join(self.sysctl_dir, 'flush'), f'{level}\n')
        except OSError as exc:
            raise ApplyError(f'net.netflow.flush={level} failed: {exc.strerror}') from None
