"""Migration of config files written for older syntax versions.

A file's footer names the syntax version of each component
(``flow-accounting@1``); ``src/migration-scripts/<component>/<N>-to-<M>``
scripts bring its tree to this system's versions, each reporting what it
changed. ``loading.read_config`` runs this before validation, so ``load``,
``merge`` and ``boot`` accept every older file and say what became of it.
"""

from vyflow.migration.backup import replace_keeping_backup
from vyflow.migration.runner import Migration, StepReport, migrate_config

__all__ = ['Migration', 'StepReport', 'migrate_config', 'replace_keeping_backup']
