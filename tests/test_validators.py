"""Tests for vyflow.validators: every validator and option, with valid and
invalid values (including hostile ones), reasons, and definition errors."""

import ipaddress
import os
import subprocess
import sys

import pytest
from hypothesis import given, strategies as st

from vyflow.validators import ValidatorDefinitionError, compile_validator, validator_names

PORT_RANGE = 'numeric --range 1-65535'
INT32 = 'numeric --range -2147483648-2147483647'

# (validator spec, values that must pass, values that must fail)
TABLE = [
    ('numeric', ['0', '1', '42', '1000000'],
     ['', ' ', '-1', '-0', '00', '007', '+1', '1.0', '1e3', '0x10', '１２', '٣', '1 ', ' 1',
      '1\n', '1_000', 'one', '-', '1-2']),
    (PORT_RANGE, ['1', '65535', '2055'],
     ['0', '65536', '70000', '-1', '02055', '1-2', '']),
    (INT32, ['-2147483648', '-1', '0', '2147483647'],
     ['-2147483649', '2147483648', '-0', '--1', '-01']),
    ('numeric --range -10--5', ['-10', '-7', '-5'], ['-4', '-11', '5', '0']),
    ('numeric --range 1-10 --range 20-30', ['1', '10', '20', '30'], ['0', '11', '19', '31']),
    ('numeric --positive', ['1', '99999999999'], ['0', '-1', '-0', '']),
    ('numeric --non-negative', ['0', '7'], ['-1', '-0']),
    ('numeric --positive --range -5-5', ['1', '5'], ['0', '-5', '6']),
    ('numeric --non-negative --range -5-5', ['0', '5'], ['-1', '-5']),
    ('numeric --allow-range --range 1-65535',
     ['1', '65535', '1-1', '1000-2000', '1-65535'],
     ['0', '1-', '-1-5', '5-1', '0-5', '1-65536', '01-5', '1--5', '1-2-3', '1 - 2', '-', '1-0']),
    ('numeric --allow-range --range 1-10 --range 20-30',
     ['3-4', '20-30', '25'], ['5-25', '10-20', '15']),
    ('numeric --allow-range --range -10-10', ['-1-5', '-10--5', '-5'], ['5--1', '-11-0', '-0-1']),
    ('ipv4-address', ['192.0.2.1', '0.0.0.0', '255.255.255.255'],
     ['', '192.0.2.1/24', '192.0.2', '192.0.2.256', '192.0.2.01', '0192.0.2.1', ' 192.0.2.1',
      '192.0.2.1 ', '192.0.2.1\n', '::1', '::ffff:192.0.2.1', '[192.0.2.1]', '１.2.3.4',
      '0x7f.0.0.1', '192.0.2.1%eth0']),
    ('ipv6-address', ['::', '::1', '2001:db8::1', '::ffff:192.0.2.1', 'FE80::1', '2001:db8:0:0:0:0:0:1',
                      'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255'],
     ['', '192.0.2.1', 'fe80::1%eth0', '[::1]', '2001:db8::1/64', '2001:db8:::1',
      '1::2::3', '12345::1', '::ffff:192.0.2.01', 'g::1', ':: ', '2001:db8::1\n']),
    ('ip-address', ['192.0.2.1', '2001:db8::1', '::'],
     ['', '192.0.2.0/24', '2001:db8::/32', 'fe80::1%eth0', 'localhost']),
    ('ipv4-host', ['192.0.2.1/24', '192.0.2.255/24', '192.0.2.0/31', '192.0.2.0/32',
                   '10.0.0.1/8', '192.0.2.1/0'],
     ['192.0.2.0/24', '0.0.0.0/0', '192.0.2.1', '192.0.2.1/33', '192.0.2.1/024',
      '192.0.2.1/255.255.255.0', '192.0.2.1/', '192.0.2.1/24/24', '2001:db8::1/64', '']),
    ('ipv6-host', ['2001:db8::1/64', '2001:db8::/127', '2001:db8::/128', '::1/128',
                   'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128'],
     ['2001:db8::/64', '::/0', '2001:db8::1', '2001:db8::1/129', 'fe80::1%eth0/64',
      '192.0.2.1/24']),
    ('ip-host', ['192.0.2.1/24', '2001:db8::1/64'], ['192.0.2.0/24', '2001:db8::/64', '192.0.2.1']),
    ('ipv4-prefix', ['192.0.2.0/24', '0.0.0.0/0', '192.0.2.1/32', '10.0.0.0/8'],
     ['192.0.2.1/24', '192.0.2.0', '192.0.2.0/33', '::/0', '192.0.2.0/ 24', '192.000.2.0/24']),
    ('ipv6-prefix', ['2001:db8::/32', '::/0', '::1/128'],
     ['2001:db8::1/32', '2001:db8::', '0.0.0.0/0', '2001:db8::/-1']),
    ('ip-prefix', ['192.0.2.0/24', '2001:db8::/32'], ['192.0.2.1/24', '2001:db8::1/32', '']),
    ('port', ['1', '22', '2055', '65535'],
     ['', '0', '00', '02055', '65536', '99999999', '-1', '+1', '0x807', '1e3', '2055 ',
      '2055\n', '１２', '1-2', 'ssh']),
    ('port-range', ['1', '65535', '1-65535', '2055-2055', '1000-2000'],
     ['', '0', '1-', '-1', '-1-5', '5-1', '0-5', '1-65536', '01-5', '1-05', '1--5', '1-2-3',
      '1 - 2', '1:2', 'http', '1,2']),
    ('interface-name', ['eth0', 'eth0.10', 'br-lan', 'wg_0', 'a', '0abc', 'x' * 15, 'enp0s31f6'],
     ['', '.', '..', '.eth0', '-eth0', '_x', 'x' * 16, 'eth 0', 'eth0\n', 'eth0\nx', 'eth0,eth1',
      'eth0;reboot', 'eth0:1', 'eth0@x', 'eth0%x', 'a/b', 'a"b', "a'b", 'a\\b', 'eth\x00',
      'eth\t0', 'ethé', '１']),
    ('vrf-name', ['mgmt', 'red', 'blue-1', 'VRF_a', 'x' * 15, 'ethernet', 'eth', 'enp0s3', 'lo0', 'eth0a'],
     ['', 'lo', 'eth0', 'eth0.10', 'en1', 'bond0', 'br1', 'dum0', 'gnv0', 'ipoe1', 'l2tp0',
      'lan3', 'macsec0', 'peth0', 'ppp0', 'pppoe0', 'pptp0', 'sstp0', 'tun0', 'veth0', 'vti1',
      'vtun0', 'vxlan10', 'wg0', 'wlan0', 'wwan0', '123', '1mgmt', '-x', 'x' * 16, 'a.b',
      'red blue', 'red\n', 'rød']),
]

VALID = [(spec, value) for spec, good, _ in TABLE for value in good]
INVALID = [(spec, value) for spec, _, bad in TABLE for value in bad]


@pytest.mark.parametrize('spec,value', VALID)
def test_accepts(spec, value):
    assert compile_validator(spec)(value) is None


@pytest.mark.parametrize('spec,value', INVALID)
def test_rejects_with_one_line_reason(spec, value):
    reason = compile_validator(spec)(value)
    assert isinstance(reason, str)
    assert len(reason.splitlines()) == 1
    assert reason.startswith('"')  # every reason begins by naming the value


def test_every_validator_is_tested():
    tested = {spec.split()[0] for spec, _, _ in TABLE}
    assert tested == set(validator_names())


# (spec, value, text the reason must contain)
MESSAGES = [
    (PORT_RANGE, '70000', '"70000" is not in any allowed range: 1-65535'),
    ('numeric --range 1-10 --range 20-30', '15', '"15" is not in any allowed range: 1-10, 20-30'),
    ('numeric', '-3', '"-3" is not in any allowed range: 0 or more'),
    ('numeric --positive', '0', 'allowed range: 1 or more'),
    (PORT_RANGE, 'abc', '"abc" is not a decimal integer; allowed: 1-65535'),
    (PORT_RANGE, '007', 'leading zeros are not allowed'),
    (PORT_RANGE, '-0', 'write 0'),
    (PORT_RANGE, '+5', 'no leading +'),
    (PORT_RANGE, '１２', 'only ASCII digits'),
    ('numeric --allow-range --range 1-10', '7-3', '"7-3" is not an allowed range: 7 is greater than 3'),
    ('numeric --allow-range --range 1-10', 'x', 'is not a decimal integer or range N-M'),
    ('numeric --allow-range --range 1-10 --range 20-30', '5-25', 'one of 1-10, 20-30'),
    ('numeric', '1' * 200, '... (200 characters) is too long'),
    ('port', '02055', 'octal 1069'),
    ('port', '09', 'leading zeros are not allowed'),
    ('port', '70000', '"70000" is not a port number 1-65535: 70000 is out of range'),
    ('port', '0x807', 'is not a decimal number'),
    ('port-range', '9-3', '"9-3" is not a port 1-65535 or a range A-B'),
    ('port-range', '9-3', '9 is greater than 3'),
    ('port-range', '5-', 'a number is missing'),
    ('ipv4-address', '192.0.2.1/24', 'a prefix length is not allowed'),
    ('ipv4-address', '::1', 'it is an IPv6 address'),
    ('ipv4-address', '192.0.2.01', 'leading zeros'),
    ('ipv6-address', 'fe80::1%eth0', 'zone ids'),
    ('ipv6-address', '[::1]', 'character "[" is not allowed'),
    ('ipv6-address', '192.0.2.1', '"192.0.2.1" is not a single IPv6 address'),
    ('ipv4-host', '192.0.2.0/24', 'network address of 192.0.2.0/24'),
    ('ipv6-address', '1:' * 40 + ':', 'longer than 49 characters'),
    ('ipv6-host', 'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128x', 'longer than 49'),
    ('ipv4-host', '192.0.2.7', 'prefix length is missing'),
    ('ipv4-host', '192.0.2.7/33', 'above 32'),
    ('ipv6-host', '2001:db8::/64', '"2001:db8::/64" is not an IPv6 host address'),
    ('ipv4-prefix', '192.0.2.1/24', 'host bits are set (the network is 192.0.2.0/24)'),
    ('ipv4-prefix', '192.0.2.0/024', 'without leading zeros'),
    ('ip-prefix', '2001:db8::1/32', 'an IPv4 or IPv6 network prefix'),
    ('interface-name', 'eth0\nreboot', '"eth0\\nreboot" is not an interface name'),
    ('interface-name', 'eth0\nreboot', 'character "\\n" is not allowed'),
    ('interface-name', 'a@b', 'character "@" is not allowed'),
    ('interface-name', 'a"b', 'character "\\"" is not allowed'),
    ('interface-name', 'x' * 16, 'is 16 characters long'),
    ('interface-name', '.', 'must start with a letter or digit'),
    ('interface-name', '', 'it is empty'),
    ('vrf-name', 'lo', 'loopback'),
    ('vrf-name', 'eth0', 'looks like an interface name'),
    ('vrf-name', '123', 'must start with a letter'),
    ('vrf-name', 'a.b', 'character "." is not allowed'),
]


@pytest.mark.parametrize('spec,value,expected', MESSAGES)
def test_reason_text(spec, value, expected):
    assert expected in compile_validator(spec)(value)


def test_reason_escapes_control_and_shortens_long_values():
    reason = compile_validator('interface-name')('a\r\x1b' + 'b' * 500)
    assert '\\r\\x1b' in reason
    assert '(503 characters)' in reason
    assert len(reason) < 300


@pytest.mark.parametrize('name,argument,expected', [
    ('nosuch', None, "unknown validator 'nosuch'"),
    ('', None, 'empty name'),
    ('numeric --range 5', None, "bad --range '5'"),
    ('numeric', '--range 5', "bad --range '5'"),
    ('numeric --range', None, '--range needs an argument'),
    ('numeric --range 10-1', None, '10 is greater than 1'),
    ('numeric --range 1-', None, 'bad --range'),
    ('numeric --range 01-10', None, 'bad --range'),
    ('numeric --range 1..10', None, 'bad --range'),
    ('numeric --range -5--10', None, '-5 is greater than -10'),
    ('numeric --bogus', None, "unknown option '--bogus'"),
    ('numeric --float', None, "unknown option '--float'"),
    ('numeric 5', None, "unknown option '5'"),
    ('numeric --positive --range -10--1', None, 'no value can pass'),
    ('port --range 1-10', None, 'takes no arguments'),
    ('ipv4-address', '--strict', 'takes no arguments'),
    ('vrf-name x', None, 'takes no arguments'),
    ("numeric '--range", None, 'No closing quotation'),
    ('numeric', "--range '1-10", 'No closing quotation'),
])
def test_definition_errors(name, argument, expected):
    with pytest.raises(ValidatorDefinitionError) as info:
        compile_validator(name, argument)
    assert expected in str(info.value)
    assert isinstance(info.value, ValueError)


def test_name_words_come_before_argument_words():
    check = compile_validator('numeric --range 1-10', '--range 20-30')
    assert [check(v) is None for v in ('5', '15', '25')] == [True, False, True]


def test_argument_is_split_like_a_shell():
    check = compile_validator('numeric', "'--range' \"1-3\"  --allow-range")
    assert check('1-3') is None
    assert check('4') is not None


def test_compile_is_memoised():
    assert compile_validator('port') is compile_validator('port')
    assert compile_validator('numeric', '--range 1-5') is compile_validator('numeric', '--range 1-5')


def test_names_are_sorted_and_each_compiles_without_arguments():
    names = validator_names()
    assert names == sorted(names)
    assert {'numeric', 'port', 'port-range', 'interface-name', 'vrf-name', 'ip-address',
            'ipv4-address', 'ipv6-address', 'ip-host', 'ipv4-host', 'ipv6-host',
            'ip-prefix', 'ipv4-prefix', 'ipv6-prefix'} == set(names)
    for name in names:
        assert callable(compile_validator(name))


def test_import_is_lazy():
    """The CLI imports the package on every command; validator modules (and
    ipaddress) must only load when a validator is compiled."""
    code = ('import sys, vyflow.validators as v\n'
            'mods = [m for m in sys.modules if m.startswith("vyflow.validators.")]\n'
            'assert mods == ["vyflow.validators._common"], mods\n'
            'assert "ipaddress" not in sys.modules and "shlex" not in sys.modules\n'
            'v.compile_validator("ip-address")\n'
            'assert "vyflow.validators.address" in sys.modules\n')
    python_dir = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'python')
    setup = f'import sys\nsys.path.insert(0, {python_dir!r})\n'
    result = subprocess.run([sys.executable, '-I', '-c', setup + code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


SPECS = ['numeric', PORT_RANGE, INT32, 'numeric --allow-range --range 1-10 --range 20-30',
         'numeric --positive', *[name for name in validator_names() if name != 'numeric']]
TRICKY_TEXT = st.text(alphabet='0123456789-+./:%abcdefx \n１٣', max_size=24)


@given(st.sampled_from(SPECS), st.one_of(st.text(), TRICKY_TEXT))
def test_arbitrary_text_never_raises(spec, value):
    reason = compile_validator(spec)(value)
    assert reason is None or (isinstance(reason, str) and len(reason.splitlines()) == 1)


@given(st.integers(min_value=-2**40, max_value=2**40))
def test_numeric_accepts_exactly_the_integers_in_range(number):
    inside = -2147483648 <= number <= 2147483647
    assert (compile_validator(INT32)(str(number)) is None) == inside
    assert (compile_validator('port')(str(number)) is None) == (1 <= number <= 65535)


@given(st.integers(0, 2**32 - 1), st.integers(0, 32))
def test_ipv4_host_and_prefix_agree_with_ipaddress(address, length):
    interface = ipaddress.IPv4Interface((address, length))
    text = f'{interface.ip}/{length}'
    is_network = interface.ip == interface.network.network_address
    assert (compile_validator('ipv4-prefix')(text) is None) == is_network
    assert (compile_validator('ipv4-host')(text) is None) == (not is_network or length >= 31)


@given(st.integers(0, 2**128 - 1), st.integers(0, 128))
def test_ipv6_host_and_prefix_agree_with_ipaddress(address, length):
    interface = ipaddress.IPv6Interface((address, length))
    text = f'{interface.ip}/{length}'
    is_network = interface.ip == interface.network.network_address
    assert (compile_validator('ip-prefix')(text) is None) == is_network
    assert (compile_validator('ipv6-host')(text) is None) == (not is_network or length >= 127)
    assert compile_validator('ipv6-address')(str(interface.ip)) is None
