"""config.boot: parsing, rendering, ordering, footers, diffs; fuzzed round trips."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vyflow.configtree import ConfigNode, natural_key, parse_config, render_config, render_tree
from vyflow.configtree.diff import format_compare, format_marked
from vyflow.configtree.parser import MAX_DEPTH
from vyflow.configtree.render import render_display
from vyflow.errors import ConfigParseError

SAMPLE = '''\
system {
    /* Export to the NOC */
    flow-accounting {
        netflow {
            interface eth10
            interface "eth2"
            server 192.0.2.10 {
                port 2055
            }
            server "2001:db8::1" {
            }
            version '9'
        }
        enable-egress
        vrf "we \\"ird\\" \\\\ x"
    }
}
// a line comment
interfaces {
  ethernet eth0 { address dhcp
  }
}
// Warning: Do not remove the following line.
// vyos-config-version: "flow-accounting@3:system@27"
// Release version: 1.4.0
'''


def test_parse_shapes():
    parsed = parse_config(SAMPLE)
    tree = parsed.tree
    assert parsed.versions == {'flow-accounting': 3, 'system': 27}
    assert parsed.footer.release == '1.4.0'
    netflow = ['system', 'flow-accounting', 'netflow']
    assert tree.return_values(netflow + ['interface']) == ['eth10', 'eth2']
    assert tree.is_tag_node(netflow + ['server'])
    assert tree.list_nodes(netflow + ['server']) == ['192.0.2.10', '2001:db8::1']
    assert tree.return_value(netflow + ['server', '192.0.2.10', 'port']) == '2055'
    assert tree.find(netflow + ['server', '2001:db8::1']).is_bare()
    assert tree.find(['system', 'flow-accounting', 'enable-egress']).is_bare()
    assert tree.return_value(['system', 'flow-accounting', 'vrf']) == 'we "ird" \\ x'
    assert tree.find(['system', 'flow-accounting']).comment == 'Export to the NOC'
    assert tree.return_value(['interfaces', 'ethernet', 'eth0', 'address']) == 'dhcp'


def test_render_style_and_stability():
    tree = parse_config(SAMPLE).tree
    text = render_config(tree, {'flow-accounting': 4}, '1.0.0')
    assert '    /* Export to the NOC */\n    flow-accounting {' in text
    assert 'interface "eth10"\n            interface "eth2"' in text  # multi order kept
    assert 'vrf "we \\"ird\\" \\\\ x"' in text
    assert text.index('interfaces {') < text.index('system {')
    assert text.endswith('// Warning: Do not remove the following line.\n'
                         '// vyos-config-version: "flow-accounting@4"\n'
                         '// Release version: 1.0.0\n')
    again = parse_config(text)
    assert again.tree == tree
    assert render_config(again.tree, {'flow-accounting': 4}, '1.0.0') == text


def test_lexical_numeric_order():
    tree = ConfigNode()
    for name in ['eth10', 'eth2', 'eth1', 'br0', 'eth2.100', 'eth2.20']:
        tree.set(['interfaces', name])
    assert tree.list_nodes(['interfaces']) == ['br0', 'eth1', 'eth2', 'eth2.20', 'eth2.100', 'eth10']
    assert natural_key('a01') != natural_key('a1')


def test_vyatta_footer_is_read():
    text = ('system {\n    host-name "r1"\n}\n'
            '/* Warning: Do not remove the following line. */\n'
            '/* === vyatta-config-version: "flow-accounting@0:system@6" === */\n'
            '/* Release version: 1.2.6 */\n')
    parsed = parse_config(text)
    assert parsed.versions == {'flow-accounting': 0, 'system': 6}
    assert parsed.footer.vintage == 'vyatta'
    assert parsed.tree.return_value(['system', 'host-name']) == 'r1'


@pytest.mark.parametrize('text, line, column, reason', [
    ('a {\n  b c\n', 1, 3, 'missing "}"'),
    ('a {\n}\n}\n', 3, 1, 'unexpected "}"'),
    ('a b c\n', 1, 5, 'expected a new line'),
    ('a {\n  x "open\n}\n', 2, 5, 'unterminated quoted string'),
    ('a {\n /* open\n}\n', 2, 2, 'unterminated comment'),
    ('a "v"\na {\n b\n}\n', 2, 1, 'has a value elsewhere'),
    ('a {\n b\n}\na "v"\n', 4, 1, 'is a node elsewhere'),
    ('{\n', 1, 1, 'expected a node name'),
    ('x\n// Warning: Do not remove the following line.\n// nonsense\n// Release version: 1\n',
     3, 1, 'malformed vyos-config-version'),
])
def test_parse_errors_have_line_and_column(text, line, column, reason):
    with pytest.raises(ConfigParseError) as caught:
        parse_config(text, 'cfg.boot')
    error = caught.value
    assert (error.line, error.column) == (line, column)
    assert reason in str(error)
    assert str(error).startswith(f'cfg.boot:{line}:{column}: ')


def test_nesting_up_to_the_limit_works_everywhere_and_deeper_is_refused_clearly():
    deepest = 'a {\n' * MAX_DEPTH + 'b "1"\n' + '}\n' * MAX_DEPTH
    tree = parse_config(deepest).tree
    changed = tree.copy()
    changed.set(['a'] * MAX_DEPTH + ['b'], '2')
    assert tree == parse_config(render_tree(tree)).tree
    assert '+' in format_compare(tree, changed) and '>' in format_marked(tree, changed)
    with pytest.raises(ConfigParseError) as caught:
        parse_config('a {\n' * (MAX_DEPTH + 1) + '}\n' * (MAX_DEPTH + 1), 'deep.boot')
    assert str(caught.value) == f'deep.boot:{MAX_DEPTH + 1}:3: nested more than {MAX_DEPTH} levels deep'
    with pytest.raises(ConfigParseError, match='nested more than'):
        parse_config('a {\n' * 5000 + '}\n' * 5000)


def test_compare_and_marked_views():
    old = parse_config('s {\n n {\n i "e0"\n i "e1"\n v "9"\n t x {\n p "1"\n }\n }\n}\n').tree
    new = old.copy()
    new.set(['s', 'n', 'v'], '10')
    new.delete_value(['s', 'n', 'i'], 'e1')
    new.set(['s', 'n', 't', 'y', 'p'], '2')
    new.set(['s', 'flag'])
    assert format_compare(old, new) == (
        '[edit s]\n+ flag\n\n'
        '[edit s n]\n- i e1\n+ t y {\n+     p 2\n+ }\n- v 9\n+ v 10\n')
    marked = format_marked(old, new).splitlines()
    assert '+    flag' in marked
    assert '         i e0' in marked
    assert '-        i e1' in marked
    assert '>        v 10' in marked
    assert '+        t y {' in marked
    assert format_compare(old, old.copy()) == ''


def test_comment_terminator_is_broken_up():
    """A comment holding "*/" (given by a script, never parsed) cannot end early."""
    tree = ConfigNode()
    tree.children['s'] = ConfigNode('s', values=['1'])
    tree.children['s'].comment = 'a */ b'
    text = render_tree(tree)
    assert text == '/* a * / b */\ns "1"\n'
    assert parse_config(text).tree.children['s'].comment == 'a * / b'


# ---- fuzzing -------------------------------------------------------------

names = st.text(st.sampled_from('abcxyz019-._:@/'), min_size=1, max_size=8)
values = st.text(max_size=12).filter(lambda v: '\x00' not in v)


# What a parsed comment can hold: "*/" would end it (the renderer writes it as
# "* /", see test_comment_terminator_is_broken_up).
comments = st.text(st.characters(blacklist_categories=('Cs', 'Cc')), max_size=10).map(
    str.strip).filter(lambda text: '*/' not in text)


@st.composite
def trees(draw, depth=0):
    node = ConfigNode()
    for name in draw(st.lists(names, max_size=4, unique=True)):
        kind = draw(st.sampled_from(['leaf', 'bare', 'node', 'tag'] if depth < 3 else ['leaf', 'bare']))
        if kind == 'leaf':
            child = ConfigNode(name, values=draw(st.lists(values, min_size=1, max_size=3, unique=True)))
        elif kind == 'bare':
            child = ConfigNode(name)
        elif kind == 'node':
            child = draw(trees(depth + 1))
            child.name = name
            if not child.children:
                child = ConfigNode(name)
        else:
            child = ConfigNode(name, is_tag=True)
            for tag in draw(st.lists(names, min_size=1, max_size=3, unique=True)):
                instance = draw(trees(depth + 1))
                instance.name = tag
                child.children[tag] = instance
        if draw(st.booleans()) and kind != 'tag':
            child.comment = draw(comments) or None
        node.children[name] = child
    return node


@settings(max_examples=300, deadline=None)
@given(trees())
def test_render_parse_round_trip(tree):
    text = render_tree(tree)
    parsed = parse_config(text).tree
    assert parsed == tree
    assert render_tree(parsed) == text


@settings(max_examples=300, deadline=None)
@given(trees())
def test_display_form_parses_back_to_the_same_tree(tree):
    """Values shown bare (configure-mode show, compare) still read back exactly."""
    assert parse_config(render_display(tree)).tree == tree


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from('ab {}"\'\\/*\n #x'), max_size=60))
def test_arbitrary_text_parses_or_fails_cleanly(text):
    try:
        parsed = parse_config(text)
    except ConfigParseError as error:
        assert error.line >= 1 and error.column >= 1
        return
    rendered = render_tree(parsed.tree)
    assert render_tree(parse_config(rendered).tree) == rendered


def _origins(node, path=()):
    for child in node.children.values():
        yield path + (child.name,), child.origin
        yield from _origins(child, path + (child.name,))


@settings(max_examples=300, deadline=None)
@given(trees())
def test_whole_line_matching_means_what_the_tokens_mean(tree):
    """Lines as vyflow writes them are taken whole; a vertical tab at the
    start of each line (a blank to the lexer) sends every line through the
    tokens instead. Both give the same tree, comments and positions."""
    text = render_tree(tree)
    by_line = parse_config(text).tree
    by_token = parse_config('\n'.join('\v' + line for line in text.split('\n'))).tree
    assert by_line == by_token == tree
    assert [(path, (line, column + 1)) for path, (line, column) in _origins(by_line)] == \
        list(_origins(by_token))
