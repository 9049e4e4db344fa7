"""``show flow-accounting``: how packets reach the module, and whether that
matches the configuration.

The loaded module says which mode it was loaded for by its ``hooks``
parameter (hooks-mode builds only); our nft table says what the nftables
mode selects. A mismatch (the config says nftables, the module was loaded
for iptables) is a hint, not an error: it is what a failed or pending commit
leaves behind.
"""

from __future__ import annotations


from vyflow.netflow.capture import mode_of_parameters, nftables, patterns
from vyflow.netflow.features import HOOKS_BUILD, ModuleInfo
from vyflow.netflow.model import FlowConfig


def build(config: FlowConfig, module: ModuleInfo | None, settings: dict[str, str],
          table: nftables.Table | None) -> dict:
    """JSON-ready capture status; ``settings`` are the module's read-back values."""
    data = {'mode': config.capture, 'loaded_for': mode_of_parameters(settings),
            'hooks': int(settings['hooks']) if settings.get('hooks', '').isdigit() else None,
            'mark': None, 'table': None,
            'patterns': patterns.only_patterns(config.interfaces)}
    if config.capture == nftables.NAME:
        data['mark'] = f'{1 << config.capture_mark_bit:#010x}'
        data['table'] = table.describe() if table is not None else None
    data['hints'] = _hints(data, module)
    return data


def _hints(data: dict, module: ModuleInfo | None) -> list[str]:
    hints = []
    if data['mode'] == nftables.NAME and module is not None and not module.hooks_mode:
        hints.append(f'capture nftables is configured but {module.build} has no hooks mode: '
                     f'install {HOOKS_BUILD}')
    elif data['loaded_for'] not in (None, data['mode']):
        hints.append(f'The module was loaded for capture {data["loaded_for"]}, the configuration '
                     f'says {data["mode"]}: commit again or run "restart flow-accounting"')
    if data['mode'] == nftables.NAME and data['table'] is None:
        hints.append(f'nft table {nftables.TABLE_FAMILY} {nftables.TABLE} is missing: nothing is '
                     'accounted; run "restart flow-accounting"')
    return hints


def render(data: dict, modes: list[str] | None) -> list[str]:
    """The capture line; ``modes``: what the loaded build can do."""
    if data['mode'] == nftables.NAME:
        line = f'nftables, module hooks prerouting+postrouting, mark {data["mark"]}'
        line += f'; {data["table"]}' if data['table'] else '; no capture table'
    else:
        line = 'iptables (NETFLOW target: raw PREROUTING, mangle POSTROUTING)'
    if modes:
        line += ('; the build can also capture nftables' if len(modes) > 1 and
                 data['mode'] != nftables.NAME else '' if len(modes) > 1 else
                 '; the build has no hooks mode (nftables capture needs 2.8.0 or later)')
    return [f'Capture:      {line}']
