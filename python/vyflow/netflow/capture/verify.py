"""verify() for capture: what the loaded build can do, patterns, the mark bit.

Called from netflow.checks with its problem collector, so capture errors are
reported together with all the others, each naming its config path.
"""

from __future__ import annotations


from vyflow.base import warn
from vyflow.netflow.capture import nftables, patterns
from vyflow.netflow.facts import SystemFacts
from vyflow.netflow.features import HOOKS_BUILD
from vyflow.netflow.model import BASE, NETFLOW, FlowConfig

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from collections.abc import Callable

    Add = Callable[[list[str], str], None]


def check(config: FlowConfig, facts: SystemFacts, add: Add) -> None:
    _check_patterns(config, add)
    module = facts.module
    if config.capture != nftables.NAME or module is None:
        return
    if not module.hooks_mode:
        if module.origin == 'assumed':
            add(BASE + ['capture'], "capture nftables: this dry run without ipt_NETFLOW installed "
                f"assumes Debian 12's build ({module.build}), which has no hooks mode; "
                f'install {HOOKS_BUILD}, or use capture iptables')
        else:
            add(BASE + ['capture'], f'capture nftables needs an ipt_NETFLOW build with hooks mode, '
                f'but the {"loaded" if module.loaded else "installed"} build is {module.build} '
                f'(it has no "hooks" parameter): install {HOOKS_BUILD}, or use capture iptables')
    bit = 1 << config.capture_mark_bit
    for user in facts.mark_users:
        add(BASE + ['capture-mark-bit'], f'Mark bit {config.capture_mark_bit} ({bit:#x}) is set by '
            f'{user}: the module would account those packets and our clear chain would remove '
            'the bit; choose a bit no other rule sets')


def _check_patterns(config: FlowConfig, add: Add) -> None:
    """Patterns must name real interfaces and never account a packet twice
    (iptables would run the NETFLOW target once per matching rule)."""
    path = NETFLOW + ['interface']
    for pattern in patterns.only_patterns(config.interfaces):
        if patterns.matches(pattern, 'lo'):
            add(path, f'Pattern {pattern} covers the loopback interface lo, which carries only the '
                'router\'s traffic to itself: use a longer prefix')
        for other in config.interfaces:
            if other != pattern and patterns.covers(pattern, other):
                add(path, f'{other} is already covered by pattern {pattern}: its packets would be '
                    'accounted twice; delete one of them')


def warnings(config: FlowConfig, facts: SystemFacts) -> None:
    for pattern in patterns.only_patterns(config.interfaces):
        if not patterns.expand([pattern], facts.interfaces):
            warn(f'Pattern {pattern} matches no interface now; interfaces created later with '
                 'that prefix are accounted')
    module = facts.module
    if config.capture != nftables.NAME and config.capture_mark_bit_set:
        warn('capture-mark-bit has no effect with capture iptables')
    if module is None or not module.loaded or module.hooks is None:
        return
    running = nftables.NAME if module.hooks else 'iptables'
    if running != config.capture:
        warn(f'capture changes from {running} to {config.capture}: ipt_NETFLOW is reloaded (its '
             'hooks are set when it loads); the flow cache is exported to the collectors first '
             'and the module\'s counters start again from zero')
