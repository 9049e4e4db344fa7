"""Untrusted text in messages: what is escaped, and the fast path's premise."""

import re
import sys

from vyflow import text

EVERY_CHARACTER = ''.join(map(chr, range(sys.maxunicode + 1)))


def test_every_escaped_character_is_one_isprintable_rejects():
    # The fast path skips the regex for text str.isprintable passes: that is
    # only right while no character of the classes is printable.
    for pattern in (text._CONTROL, text._CONTROL_BUT_LAYOUT):
        matched = re.findall(pattern, EVERY_CHARACTER)
        assert len(matched) > 60
        assert [char for char in matched if char.isprintable()] == []


def test_controls_are_found_and_escaped():
    for char, escaped in (('\x1b', '\\x1b'), ('\x85', '\\x85'), ('\u202e', '\\u202e'),
                          ('\u2028', '\\u2028'), ('\n', '\\n'), ('\r', '\\r')):
        assert text.has_control(f'a{char}b')
        assert text.shown(f'a{char}b') == f'a{escaped}b'
        assert text.quoted(f'a{char}"b') == f'"a{escaped}\\"b"'


def test_printable_text_is_left_alone_even_beyond_ascii():
    for value in ('eth0', 'café ☃', 'ppp*', '\u00a0non-breaking', ''):
        assert not text.has_control(value)
        assert text.shown(value) == value
        assert text.terminal_safe(value) == value


def test_terminal_safe_keeps_layout_and_escapes_the_rest():
    assert text.terminal_safe('line 1\n\tline 2') == 'line 1\n\tline 2'
    assert text.terminal_safe('red \x1b[31m\u2066x') == 'red \\x1b[31m\\u2066x'


def test_shown_cuts_long_text_and_says_its_length():
    assert text.shown('x' * 200, limit=10) == 'xxxxxxxxxx... (200 characters)'
