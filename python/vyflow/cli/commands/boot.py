"""``boot``: what the boot service runs — load the saved config, migrate, commit.

After a reboot the kernel holds nothing of ours (and files on disk may hold
state of an older running config), so every subsystem configured on either
side is applied, changed or not; each apply works from the real system state.
"""

from __future__ import annotations

from vyflow.cli.context import Context
from vyflow.loading import read_config


def run(context: Context, verb: str, args: list[str]) -> int:
    saved = context.paths.saved_config
    if not saved.is_file():
        context.say(f'No saved configuration at {saved}; nothing to apply.')
        return 0
    context.open_log()  # migration messages are logged too
    loaded = read_config(saved, context.definitions)
    for notice in loaded.notices:
        context.say(notice)
    context.engine().commit(loaded.tree, via='boot', comment='boot: saved configuration',
                            lock_wait=60, apply_all=True, versions=loaded.versions)
    return 0
