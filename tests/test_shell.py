"""The interactive shell in a real terminal (tmux): prompts, Tab, ?, errors, exit."""

import os
import shutil
import time

import pytest

from helpers.terminal import Terminal

pytestmark = pytest.mark.skipif(shutil.which('tmux') is None, reason='tmux is not installed')


@pytest.fixture
def terminal(cli):
    term = Terminal(cli.argv(), f'vyflow-shell-{os.getpid()}',
                    {'VYFLOW_SOURCE_TREE': cli.env.get('VYFLOW_SOURCE_TREE', '')})
    yield term
    term.close()


def test_prompts_completion_help_and_exit(terminal, cli):
    host = os.uname().nodename.split('.')[0]
    assert f'tester@{host}:~$' in terminal.screen()
    terminal.type('configure')
    terminal.keys('Enter')
    terminal.wait_for(f'[edit]\ntester@{host}#')

    terminal.type('set service al')
    terminal.keys('Tab')                                   # unique node name
    terminal.wait_for('set service alpha ')
    terminal.type('?')                                     # children with help text
    screen = terminal.wait_for('Possible completions:')
    assert 'address' in screen and 'Listen address' in screen
    assert 'debug' not in screen                           # hidden nodes are not offered
    terminal.type('mode ')
    terminal.type('?')                                     # completionHelp values + valueHelp
    screen = terminal.wait_for('Go slow')
    assert 'fast' in screen and 'slow' in screen
    terminal.type('sl')
    terminal.keys('Tab')
    terminal.wait_for('set service alpha mode slow ')
    terminal.keys('Enter')

    terminal.type('set service alpha address ')
    terminal.keys('Tab', 'Tab')                            # script completion values
    terminal.wait_for('192.0.2.2')
    terminal.keys('C-u')
    terminal.type('set service alpha user ')
    terminal.type('?')                                     # a tag value: the format hint
    terminal.wait_for('<txt>')
    terminal.keys('C-u')

    terminal.type('set service alpha port 99999')
    terminal.keys('Enter')
    terminal.wait_for('Set failed')                        # errors shown, shell goes on

    terminal.type('show')
    terminal.keys('Enter')
    terminal.wait_for('+        mode slow\n')

    terminal.type('exit')
    terminal.keys('Enter')
    terminal.wait_for("Use 'exit discard' to discard the changes and exit.")
    terminal.type('commit')
    terminal.keys('Enter')
    terminal.type('exit')
    terminal.keys('Enter')
    terminal.wait_for(f'tester@{host}:~$ ', timeout=10)
    assert 'mode "slow"' in cli.running()

    terminal.type('show system commit')                    # op mode
    terminal.keys('Enter')
    terminal.wait_for('via cli')
    terminal.type('show ')
    terminal.type('?')
    terminal.wait_for('Show the test services')


def test_exit_discard_leaves_without_committing(terminal, cli):
    terminal.type('configure')
    terminal.keys('Enter')
    terminal.type('set service alpha port 81')
    terminal.keys('Enter')
    terminal.type('exit discard')
    terminal.keys('Enter')
    terminal.wait_for(':~$ ')
    assert cli('compare').stdout.strip().startswith('No changes')


def test_commit_confirm_confirm_and_rollback_in_the_shell(terminal, cli):
    terminal.type('configure')
    terminal.keys('Enter')
    for line in ('set service alpha port 81', 'commit', 'set service alpha port 82',
                 'commit-confirm --seconds 2'):
        terminal.type(line)
        terminal.keys('Enter')
    terminal.wait_for('2 seconds to confirm')
    deadline = time.monotonic() + 20
    while (cli.state('alpha') or {}).get('port') != '81':   # reverted by itself
        assert time.monotonic() < deadline, terminal.screen()
        time.sleep(0.2)
    for line in ('set service alpha port 83', 'commit-confirm 5', 'confirm'):
        terminal.type(line)
        terminal.keys('Enter')
    terminal.wait_for('Confirmed: the configuration is kept')
    terminal.type('compare 0 1')
    terminal.keys('Enter')
    terminal.wait_for('+ port 83\n')
    terminal.type('rollback 1')
    terminal.keys('Enter')
    deadline = time.monotonic() + 20
    while cli.state('alpha')['port'] != '81':
        assert time.monotonic() < deadline, terminal.screen()
        time.sleep(0.2)


def test_edit_levels_make_set_show_and_completion_relative(terminal, cli):
    host = os.uname().nodename.split('.')[0]
    terminal.type('configure')
    terminal.keys('Enter')
    terminal.type('edit service alpha user jo')
    terminal.keys('Enter')
    terminal.wait_for(f'[edit service alpha user jo]\ntester@{host}#')
    terminal.type('set le')
    terminal.keys('Tab')                                   # completion below the level
    terminal.wait_for('set level ')
    terminal.type('admin')
    terminal.keys('Enter')
    terminal.type('show')
    terminal.keys('Enter')
    terminal.wait_for('+level admin\n')

    terminal.type('up')                                    # past the tag node to alpha
    terminal.keys('Enter')
    terminal.wait_for(f'[edit service alpha]\ntester@{host}#')
    terminal.type('edit ')
    terminal.type('?')                                     # edit offers nodes, not leaves
    screen = terminal.wait_for('User account')
    assert 'Listen address' not in screen.split('Possible completions:')[-1]
    terminal.keys('C-u')
    terminal.type('edit mode')
    terminal.keys('Enter')
    terminal.wait_for('is a leaf: edit goes to nodes')
    terminal.type('edit user Bad')
    terminal.keys('Enter')
    terminal.wait_for('User name must be lower-case letters and digits')
    terminal.type('copy user jo to user kim')              # relative, as in VyOS
    terminal.keys('Enter')
    terminal.type('comment user kim "second shift"')
    terminal.keys('Enter')
    terminal.type('show')
    terminal.keys('Enter')
    terminal.wait_for('+/* second shift */')
    terminal.type('show | commands')                       # relative to the level, as in VyOS
    terminal.keys('Enter')
    terminal.wait_for("set user jo level 'admin'\nset user kim level 'admin'\n"
                      "comment user kim 'second shift'")

    terminal.type('exit')                                  # from a level: to the top
    terminal.keys('Enter')
    terminal.wait_for(f'[edit]\ntester@{host}#')
    terminal.type('commit')
    terminal.keys('Enter')
    deadline = time.monotonic() + 20
    while 'level "admin"' not in cli.running():              # whole paths were committed
        assert time.monotonic() < deadline, terminal.screen()
        time.sleep(0.2)
    assert 'user jo {' in cli.running()
    terminal.type('run show configuration commands')       # the running config, whole paths
    terminal.keys('Enter')
    terminal.wait_for("set service alpha user kim level 'admin'")
    assert '/* second shift */\n        user kim {\n            level "admin"' in cli.running()
