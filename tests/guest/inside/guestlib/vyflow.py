"""Drive ``vyflow`` inside the guest exactly as an operator would.

Commands run as real ``bin/vyflow`` processes against the real root (``/`` of
the throw-away guest). Starting Python costs 1-2 s under TCG, so a configure
session is one piped shell (``configure``, the set/delete lines, ``commit``),
as an operator would paste it, instead of one process per line.
"""

import json
import os
import shutil
import subprocess

from guestlib import PROJECT_ROOT, cmd

VYFLOW = os.path.join(PROJECT_ROOT, 'bin', 'vyflow')
STATE = ('/var/lib/vyflow', '/run/vyflow', '/etc/vyflow', '/var/log/vyflow')
MODPROBE_CONF = '/etc/modprobe.d/ipt_NETFLOW.conf'


class Result:
    def __init__(self, completed):
        self.code = completed.returncode
        self.out = completed.stdout
        self.err = completed.stderr

    def __repr__(self):
        return 'exit %s\n--- stdout\n%s--- stderr\n%s' % (self.code, self.out, self.err)


class Vyflow:
    def __init__(self):
        self.env = dict(os.environ)
        self.env.pop('VYFLOW_ROOT', None)

    def run(self, *words, check=True, stdin=None, env=None, timeout=240):
        environment = dict(self.env, **(env or {}))
        completed = subprocess.run(['/usr/bin/python3', VYFLOW] + list(words), input=stdin,
                                   capture_output=True, text=True, env=environment,
                                   timeout=timeout)
        result = Result(completed)
        if check and result.code != 0:
            raise AssertionError('vyflow %s failed: %r' % (' '.join(words), result))
        return result

    def configure(self, *lines, commit=True, check=True, env=None, options=()):
        """One configure session: the lines, then commit (unless told not to).
        ``options``: global options such as ``--dry-run``."""
        script = ['configure'] + list(lines) + (['commit'] if commit else []) + ['exit discard']
        return self.run(*options, stdin='\n'.join(script) + '\n', check=check, env=env)

    def show_json(self, *words):
        return json.loads(self.run('show', *words, '--json').out)

    def reset(self):
        """Forget every vyflow file of an earlier test (the module and firewall
        are reset by the netflow fixture)."""
        for path in STATE:
            shutil.rmtree(path, ignore_errors=True)
        if os.path.exists(MODPROBE_CONF):
            os.unlink(MODPROBE_CONF)
        events = '/proc/sys/net/netfilter/nf_conntrack_events'
        if os.path.exists(events):  # only once nf_conntrack is loaded
            cmd.write(events, '2\n')


def firewall_text(family):
    """Rules and user chains of one family, per table, without counters.
    (iptables-nft creates a table with its base chains on first use and keeps
    it when emptied; an empty table holds no rule, so it is not compared.)"""
    tool = 'iptables-nft-save' if family == 4 else 'ip6tables-nft-save'
    lines, table = [], ''
    for line in cmd.out([tool]).splitlines():
        if line.startswith('*'):
            table = line
        elif line.startswith('-A') or (line.startswith(':') and ' - ' in line):
            lines.append(f'{table} {line}\n')
    return ''.join(lines)


def our_rules(family):
    """(chain, rule) pairs of vyflow's chains plus the jumps into them."""
    rules = []
    for line in firewall_text(family).splitlines():
        _, rule = line.split(' ', 1)
        if not rule.startswith('-A'):
            continue
        parts = rule.split(' ', 2)
        if rule.startswith('-A VYFLOW_') or rule.endswith(('-j VYFLOW_INGRESS', '-j VYFLOW_EGRESS')):
            rules.append((parts[1], parts[2]))
    return sorted(rules)
