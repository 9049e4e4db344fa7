"""The component-version footer of config.boot.

Two vintages exist and both are read; the VyOS one is always written:

    // Warning: Do not remove the following line.
    // vyos-config-version: "flow-accounting@4:system@27"
    // Release version: 1.4.0

    /* Warning: Do not remove the following line. */
    /* === vyatta-config-version: "flow-accounting@1:system@6" === */
    /* Release version: 1.2.6 */

Migration decides what to run from these numbers, so a malformed footer is an
error rather than a silently ignored comment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from vyflow.errors import ConfigParseError
from vyflow.records import dataclass, field
from vyflow.text import quoted

# One line each (found in the whole text with MULTILINE, so no \\s that could
# cross a newline); ASCII only, so a footer's digits are digits Python agrees on.
_WARNING = re.compile(r'^[^\S\n]*(//|/\*)[^\S\n]*Warning: Do not remove the following '
                      r'line\.[^\S\n]*(\*/)?[^\S\n]*$', re.MULTILINE | re.ASCII)
# The version and release lines of each vintage, matched with re.ASCII. Left
# uncompiled (re compiles and caches them on first use): a file has one
# vintage, and every command is a new process that would compile all four.
_FOOTER_LINES = {
    'vyos': (r'^\s*//\s*vyos-config-version:\s*"([\w@:.-]*)"\s*$',
             r'^\s*//\s*Release version:\s*(\S*)\s*$'),
    'vyatta': (r'^\s*/\*\s*===\s*vyatta-config-version:\s*"([\w@:.-]*)"\s*===\s*\*/\s*$',
               r'^\s*/\*\s*Release version:\s*(\S*)\s*\*/\s*$'),
}
_COMPONENT = re.compile(r'^([A-Za-z][\w.-]*)@([0-9]{1,9})$', re.ASCII)

WARNING_LINE = '// Warning: Do not remove the following line.'


@dataclass
class Footer:
    """Component versions and release recorded in a config file."""

    versions: dict[str, int] = field(default_factory=dict)
    release: str = ''
    vintage: str = 'vyos'  # or 'vyatta'


def parse_components(text: str) -> dict[str, int]:
    """Parse ``a@1:b@2`` into {'a': 1, 'b': 2}; raises ValueError."""
    versions: dict[str, int] = {}
    for item in filter(None, text.split(':')):
        match = _COMPONENT.match(item)
        if match is None:
            raise ValueError(f'malformed component version {quoted(item)}')
        versions[match.group(1)] = int(match.group(2))
    return versions


def format_components(versions: Mapping[str, int]) -> str:
    return ':'.join(f'{name}@{versions[name]}' for name in sorted(versions))


def render_footer(versions: Mapping[str, int], release: str) -> str:
    return (f'{WARNING_LINE}\n'
            f'// vyos-config-version: "{format_components(versions)}"\n'
            f'// Release version: {release}\n')


def split_footer(text: str, source: str) -> tuple[str, Footer | None]:
    """Split text into (body, footer); the footer starts at the warning line.
    Only the footer is split into lines: a large body is sliced once."""
    warning = _WARNING.search(text)
    if warning is None:
        return text, None
    index = text.count('\n', 0, warning.start())  # the warning's line, counted from 0
    body = text[:warning.start()]
    lines = text[warning.end():].split('\n')[1:]
    rest = [(number, line) for number, line in enumerate(lines, index + 2) if line.strip()]
    vintage = 'vyos' if warning.group(1) == '//' else 'vyatta'
    versions_pattern, release_pattern = _FOOTER_LINES[vintage]
    if len(rest) != 2:
        raise ConfigParseError('malformed version footer: expected a version line and a '
                               'release line after the warning line', index + 1, 1, source)
    (versions_number, versions_line), (release_number, release_line) = rest
    versions_match = re.match(versions_pattern, versions_line, re.ASCII)
    if versions_match is None:
        raise ConfigParseError(f'malformed {vintage}-config-version line', versions_number, 1, source)
    release_match = re.match(release_pattern, release_line, re.ASCII)
    if release_match is None:
        raise ConfigParseError('malformed "Release version" line', release_number, 1, source)
    try:
        versions = parse_components(versions_match.group(1))
    except ValueError as exc:
        raise ConfigParseError(str(exc), versions_number, 1, source) from None
    return body, Footer(versions, release_match.group(1), vintage)
