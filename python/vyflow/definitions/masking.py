"""Hiding secret values (keys, passwords) from the views people copy around.

``show configuration`` in all its forms ends up in tickets, chats and forum
posts, so values of nodes marked ``<secret/>`` in their definition are shown
as ``****``. Sections vyflow has no definitions for (kept from a whole VyOS
config.boot) are masked by VyOS's own rule: names ending in ``password``,
``passphrase``, ``pre-shared-secret`` or ``key``. Every show path calls
``mask_secrets``; configure mode, save and the archive keep the real values.
"""

from __future__ import annotations

from vyflow.configtree import ConfigNode
from vyflow.definitions.model import Definition, Definitions

MASK = '****'
# VyOS's op-mode rule for names it cannot look up.
_SECRET_SUFFIXES = ('password', 'passphrase', 'pre-shared-secret', 'key')


def mask_secrets(tree: ConfigNode, definitions: Definitions) -> ConfigNode:
    """A copy of ``tree`` whose secret leaves hold ``MASK`` for each value."""
    masked = tree.copy()
    _mask(masked, definitions.root)
    return masked


def _is_secret(name: str, definition: Definition | None) -> bool:
    if definition is not None:
        return definition.secret
    return name.endswith(_SECRET_SUFFIXES)


def _mask(node: ConfigNode, definition: Definition | None) -> None:
    for name, child in node.children.items():
        child_definition = definition.children.get(name) if definition is not None else None
        if child.values is not None:
            if _is_secret(name, child_definition):
                child.values = [MASK] * len(child.values)
        elif child.is_tag or (child_definition is not None and child_definition.is_tag):
            for instance in child.children.values():
                _mask(instance, child_definition)
        else:
            _mask(child, child_definition)
