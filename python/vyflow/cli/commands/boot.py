"""``boot``: what the boot service runs — load the saved config, migrate, commit.

After a reboot the kernel holds nothing of ours (and files on disk may hold
state of an older running config), so every subsystem configured on either
side is applied, changed or not; each apply works from the real system state.

A saved config with no configuration and no version footer (zero length, or
only blanks: what a truncated or half-written file looks like; ``save``
always writes the footer) is not taken as a wish to delete everything: boot
warns loudly, re-applies the running configuration instead, and exits 1. A
file that cannot be read at all is refused the same way, naming the problem.
"""

from __future__ import annotations

import logging
import os

from vyflow.cli.context import Context
from vyflow.errors import ConfigError, ConfigParseError, MigrationError

log = logging.getLogger('vyflow.boot')


def _looks_empty(data: bytes) -> bool:
    from vyflow.configtree import parse_config
    from vyflow.store import decode_config
    try:
        parsed = parse_config(decode_config(data))
    except (ValueError, ConfigParseError):
        return False  # read_config says what is wrong with it
    return not parsed.tree.children and parsed.footer is None


def _keep_running(context: Context, problem: str) -> int:
    """The saved config cannot be meant: apply the running one, loudly."""
    from vyflow.errors import DamagedFileError
    message = (f'WARNING: {problem}\nIt was not applied. Fix it (or write the running '
               'configuration to it with "vyflow save") and run "vyflow boot" again.')
    log.error('%s', message)
    context.warn(message)
    try:
        running = context.session.store.load_running()
    except DamagedFileError as exc:
        context.warn(f'The running configuration cannot be applied either: {exc}')
        return 1
    if running is None:
        context.warn('There is no running configuration to apply instead; nothing was applied.')
        return 1
    context.warn(f'Applying the running configuration ({context.paths.running_config}) '
                 'instead, so what is recorded is what runs.')
    context.engine().commit(running[1].tree, via='boot', lock_wait=60, apply_all=True,
                            comment='boot: saved configuration unusable, running one re-applied',
                            versions=running[1].versions or {})
    return 1


def run(context: Context, verb: str, args: list[str]) -> int:
    from vyflow.loading import read_config
    saved = context.paths.saved_config
    if not os.path.isfile(saved):
        context.say(f'No saved configuration at {saved}; nothing to apply.')
        return 0
    context.open_log()  # migration messages are logged too
    try:
        with open(saved, 'rb') as handle:
            data = handle.read()
    except OSError as exc:
        return _keep_running(context, f'{saved} cannot be read ({exc.strerror or exc}).')
    if _looks_empty(data):
        return _keep_running(context, f'{saved} is empty ({len(data)} bytes, no configuration '
                                      'and no version footer).')
    try:
        loaded = read_config(saved, context.definitions, rewrite=context.recording)
    except (ConfigError, ConfigParseError, MigrationError) as exc:
        return _keep_running(context, f'{exc}')
    for notice in loaded.notices:
        context.say(notice)
    context.engine().commit(loaded.tree, via='boot', comment='boot: saved configuration',
                            lock_wait=60, apply_all=True, versions=loaded.versions)
    return 0
