"""The apply plan from many current/desired pairs: order, minimality, no needless writes."""

import pytest

from vyflow.netflow.capture import iptables
from vyflow.netflow.plan import plan
from vyflow.netflow.state import SystemState

ALL_WRITABLE = {'protocol', 'destination', 'sndbuf', 'active_timeout', 'inactive_timeout',
                'maxflows', 'hashsize', 'sampler', 'aggregation', 'natevents', 'refresh_rate',
                'timeout_rate', 'snmp_rules', 'engine_id'}
SETTINGS = {'protocol': '9', 'destination': '192.0.2.1:2055', 'sndbuf': '212992',
            'active_timeout': '1800', 'inactive_timeout': '15', 'maxflows': '2000000',
            'sampler': '', 'refresh_rate': '20', 'timeout_rate': '30', 'engine_id': '0'}
CONF = 'options ipt_NETFLOW protocol=9\n'


def chains(*interfaces, egress=False):
    return {'raw': iptables.wanted_chain('raw', list(interfaces)),
            'mangle': iptables.wanted_chain('mangle', list(interfaces)) if egress else iptables.ABSENT}


NO_HOOKS = {'raw': iptables.ABSENT, 'mangle': iptables.ABSENT}


def running(**changes) -> SystemState:
    state = SystemState(True, dict(SETTINGS), CONF, {'ipv4': chains('eth0'), 'ipv6': chains('eth0')})
    for key, value in changes.items():
        setattr(state, key, value)
    return state


def wanted(settings=None, **changes) -> SystemState:
    state = running(**changes)
    state.settings.update(settings or {})
    return state


def ids(steps):
    return [step.id for step in steps]


def test_identical_state_plans_nothing():
    assert plan(running(), wanted(), ALL_WRITABLE) == []


@pytest.mark.parametrize('key, value', [
    ('active_timeout', '120'), ('inactive_timeout', '5'), ('maxflows', '0'), ('sampler', 'random:100'),
    ('engine_id', '42'), ('destination', '192.0.2.1:2055,192.0.2.2:2055'), ('refresh_rate', '5'),
    ('hashsize', '65536'), ('snmp_rules', 'eth:100')])
def test_one_changed_setting_is_one_live_write(key, value):
    steps = plan(running(), wanted({key: value}), ALL_WRITABLE)
    assert ids(steps) == [f'param:{key}']
    assert steps[0].argument == (key, value)


def test_unchanged_values_are_never_rewritten():
    """protocol, destination and sampler writes flush the cache or reset sockets."""
    desired = wanted({'active_timeout': '60'})
    steps = plan(running(), desired, ALL_WRITABLE)
    touched = {step.argument[0] for step in steps if step.kind == 'setting'}
    assert touched == {'active_timeout'}


def test_destination_before_sndbuf_and_protocol_first():
    steps = plan(running(), wanted({'sndbuf': '1048576', 'destination': '192.0.2.9:2055',
                                    'protocol': '10', 'maxflows': '5'}), ALL_WRITABLE)
    assert ids(steps) == ['param:protocol', 'param:destination', 'param:sndbuf', 'param:maxflows']


def test_switch_to_v5_drops_ip6_hooks_before_protocol():
    desired = wanted({'protocol': '5'})
    desired.hooks = {'ipv4': chains('eth0'), 'ipv6': NO_HOOKS}
    steps = plan(running(), desired, ALL_WRITABLE)
    assert ids(steps) == ['hooks:ipv6', 'param:protocol']
    assert '-X VYFLOW_INGRESS' in steps[0].argument[1]


def test_switch_from_v5_sets_protocol_before_adding_ip6_hooks():
    current = running(hooks={'ipv4': chains('eth0'), 'ipv6': NO_HOOKS})
    current.settings['protocol'] = '5'
    steps = plan(current, wanted(), ALL_WRITABLE)
    assert ids(steps) == ['param:protocol', 'hooks:ipv6']


def test_module_absent_writes_modprobe_conf_then_loads_then_hooks():
    current = SystemState(False, {}, None, {'ipv4': NO_HOOKS, 'ipv6': NO_HOOKS})
    steps = plan(current, wanted(), ALL_WRITABLE)
    assert ids(steps) == ['file:modprobe', 'module:load', 'hooks:ipv4', 'hooks:ipv6']


def test_deletion_removes_hooks_then_unloads_then_file():
    desired = SystemState(False, {}, None, {'ipv4': NO_HOOKS, 'ipv6': NO_HOOKS})
    current = running(marks=frozenset({('ip', '192.0.2.1', 2055, 46)}))
    steps = plan(current, desired, ALL_WRITABLE)
    assert ids(steps) == ['hooks:ipv6', 'hooks:ipv4', 'dscp', 'module:unload', 'file:modprobe']
    assert steps[-1].argument is None


def test_interfaces_change_rewrites_only_our_chain():
    desired = wanted(hooks={'ipv4': chains('eth0', 'eth1', egress=True),
                            'ipv6': chains('eth0', 'eth1', egress=True)})
    steps = plan(running(), desired, ALL_WRITABLE)
    assert ids(steps) == ['hooks:ipv4', 'hooks:ipv6']
    payload = steps[0].argument[1]
    assert payload.splitlines() == [
        '*raw', ':VYFLOW_INGRESS - [0:0]', '-A VYFLOW_INGRESS -i eth0 -j NETFLOW',
        '-A VYFLOW_INGRESS -i eth1 -j NETFLOW', 'COMMIT',
        '*mangle', ':VYFLOW_EGRESS - [0:0]', '-A VYFLOW_EGRESS -o eth0 -j NETFLOW',
        '-A VYFLOW_EGRESS -o eth1 -j NETFLOW', '-I POSTROUTING 1 -j VYFLOW_EGRESS', 'COMMIT']


def test_duplicate_jumps_are_reduced_to_one():
    current = running()
    current.hooks = {'ipv4': {'raw': iptables.ChainState(True, ('-i eth0 -j NETFLOW',), 3),
                              'mangle': iptables.ABSENT}, 'ipv6': chains('eth0')}
    steps = plan(current, wanted(), ALL_WRITABLE)
    assert steps[0].argument[1].count('-D PREROUTING -j VYFLOW_INGRESS') == 2


def test_setting_without_runtime_path_reloads_and_says_why():
    writable = ALL_WRITABLE - {'hashsize'}
    steps = plan(running(), wanted({'hashsize': '4096', 'active_timeout': '60'}), writable)
    assert ids(steps) == ['hooks:ipv6', 'hooks:ipv4', 'module:unload', 'module:load',
                          'hooks:ipv4', 'hooks:ipv6']
    assert 'hashsize cannot change at runtime' in steps[2].description


def test_natevents_remembers_and_restores_conntrack_events():
    current = running(conntrack_events='2')
    desired = wanted({'natevents': '1'}, conntrack_events='1',
                     remembered={'conntrack_events_before': '2'})
    steps = plan(current, desired, ALL_WRITABLE | {'natevents'})
    assert ids(steps) == ['file:state', 'param:natevents', 'sysctl:nf_conntrack_events']
    back = plan(desired, wanted({'natevents': '0'}, conntrack_events='2', remembered={}),
                ALL_WRITABLE | {'natevents'})
    assert ids(back) == ['param:natevents', 'sysctl:nf_conntrack_events', 'file:state']


def test_modprobe_conf_change_alone_is_one_file_write():
    steps = plan(running(), wanted(modprobe_conf='options ipt_NETFLOW protocol=10\n'), ALL_WRITABLE)
    assert ids(steps) == ['file:modprobe']
