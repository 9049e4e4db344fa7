"""Secret values: masked wherever a configuration is shown.

A leaf whose definition carries ``<secret/>`` (an API key, a private key)
never appears in output meant for people or clients: ``show configuration``,
the API's ``showConfig``/``returnValue``, revisions shown from the archive.
Its value is replaced by ``MASK``, as VyOS's op-mode ``show configuration``
does. Sections vyflow does not define (kept verbatim from a whole VyOS
config) are masked by VyOS's own name rule: leaves named ``…password``,
``…passphrase``, ``…pre-shared-secret`` or ``…key``.

The files on disk keep the real values: committing and saving need them.
This module is the one place that decides what is secret, so the CLI and the
API cannot disagree.
"""

from __future__ import annotations

from vyflow.configtree import ConfigNode

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from vyflow.definitions.model import Definition, Definitions

MASK = '****************'
_FOREIGN_SECRET_SUFFIXES = ('password', 'passphrase', 'pre-shared-secret', 'key')


def mask_secrets(tree: ConfigNode, definitions: Definitions) -> ConfigNode:
    """A copy of ``tree`` with every secret value replaced by ``MASK``."""
    masked = tree.copy()
    for leaf in _secret_leaves(masked, definitions.root):
        leaf.values = [MASK] * len(leaf.values)
    return masked


def secret_values(tree: ConfigNode, definitions: Definitions) -> set[str]:
    """Every secret value held in ``tree``, to scrub from free text (error
    messages that quote what a client sent, for instance)."""
    return {value for leaf in _secret_leaves(tree, definitions.root) for value in leaf.values}


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of a secret replaced by ``MASK``
    (longest first, so a secret containing another is hidden whole)."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, MASK)
    return text


def mask_config_text(text: str, definitions: Definitions) -> str:
    """config.boot text with its secrets masked (footer kept)."""
    from vyflow.configtree import parse_config, render_config
    parsed = parse_config(text, '<config>')
    footer = parsed.footer
    return render_config(mask_secrets(parsed.tree, definitions),
                         footer.versions if footer else None, footer.release if footer else '')


def _secret_leaves(node: ConfigNode, definition: Definition | None) -> Iterator[ConfigNode]:
    """Leaves under ``node`` holding secret values (see the module doc)."""
    for name, child in node.children.items():
        child_definition = definition.children.get(name) if definition is not None else None
        if child.values is not None:
            if (child_definition.secret if child_definition is not None
                    else name.endswith(_FOREIGN_SECRET_SUFFIXES)):
                yield child
        elif child.is_tag or (child_definition is not None and child_definition.is_tag):
            for instance in child.children.values():
                yield from _secret_leaves(instance, child_definition)
        else:
            yield from _secret_leaves(child, child_definition)
