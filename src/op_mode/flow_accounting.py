#!/usr/bin/python3
"""Op mode: show / clear / restart flow-accounting.

Typed functions serve the CLI and the API alike: ``raw=True`` returns
JSON-ready data with stable keys, otherwise text for people. Not configured
or module not loaded: a one-line message (with --json, a JSON object saying
so) and a non-zero exit; ``metrics`` answers ``ipt_netflow_up 0`` instead,
since a scrape of a router without the module is not an error.
"""

from __future__ import annotations

import sys
from typing import Literal, Optional

from vyflow.config import Config, RunEnvironment
from vyflow.definitions.model import Definitions
from vyflow.errors import DataUnavailable, IncorrectValue, UnconfiguredSubsystem
from vyflow.netflow import flowview, health, links, metrics, model, status
from vyflow.netflow.kernel import Kernel
from vyflow.netflow.procflows import top_flows
from vyflow.netflow.procsnmp import parse_snmp
from vyflow.netflow.procstat import parse_stat
from vyflow.store import ConfigStore

DEFAULT_TOP = 100
NOT_LOADED = ('ipt_NETFLOW is not loaded: commit a "system flow-accounting" configuration, '
              'or run "restart flow-accounting"')


def _definitions(environment: RunEnvironment) -> Definitions:
    return Definitions.load(environment.resources.definitions)


def _configured(environment: RunEnvironment) -> Optional[model.FlowConfig]:
    definitions = _definitions(environment)
    running = ConfigStore(environment.paths, definitions.component_versions).running()
    return model.read_config(Config(running, running, definitions, environment))


def _stat(kernel: Kernel):
    text = kernel.read_stat()
    if text is None:
        raise DataUnavailable(NOT_LOADED)
    return parse_stat(text)


def _status(environment: RunEnvironment) -> dict:
    config = _configured(environment)
    if config is None:
        raise UnconfiguredSubsystem('flow-accounting is not configured')
    kernel = Kernel(environment.paths)
    stat = _stat(kernel)
    data = status.build(stat, config, health.observe(environment.paths.run_dir, stat),
                        kernel.read_conntrack_events(), links.link_states(config.interfaces))
    _add_history_status(data, kernel, config)
    return data


def _add_history_status(data: dict, kernel: Kernel, config: model.FlowConfig) -> None:
    """Issue 16: the flow history's health joins the status and its hints."""
    from vyflow.history import opmode as history
    data['history'] = history.status(kernel, config)
    if data['history']:
        data['hints'] += data['history']['hints']


def show(environment: RunEnvironment, raw: bool):
    """Module, export and collector status with hints."""
    data = _status(environment)
    if raw:
        return data
    text = status.render(data)
    if data.get('history'):  # issue 16: history lines before the hints
        from vyflow.history.health import render as history_lines
        lines = text.splitlines()
        at = next((n for n, line in enumerate(lines) if line.startswith('Hint: ')), len(lines))
        text = '\n'.join(lines[:at] + history_lines(data['history']) + lines[at:])
    return text


def show_collectors(environment: RunEnvironment, raw: bool):
    """Each collector's connection state and counters."""
    data = _status(environment)
    if raw:
        return data['collectors']
    return '\n'.join(line for line in status.render(data).splitlines()
                     if line.startswith(('Collectors', '  ', 'Hint: Collector', 'Hint: Export')))


def _counters(row) -> dict:
    return {'packets_per_second': row.pps, 'packets': row.packets,
            'flows_created': row.new_flows, 'hash_metric': row.metric,
            'dropped_packets': row.drop_packets, 'dropped_maxflows': row.maxflows_errors,
            'dropped_no_memory': row.alloc_errors, 'truncated': row.truncated,
            'fragments': row.frags}


def show_statistics(environment: RunEnvironment, raw: bool):
    """Per-CPU packet, flow and drop counters, and their total (kept apart in
    JSON, so that summing the CPUs never counts the total too). The per-CPU
    rows come from the snmp page, which has them even on one CPU."""
    kernel = Kernel(environment.paths)
    stat = _stat(kernel)
    snmp = parse_snmp(kernel.read_snmp() or '')
    data = {'total': _counters(stat.total) if stat.total else None,
            'cpus': [{'cpu': row.cpu, **_counters(row)} for row in snmp.cpus]}
    if raw:
        return data
    rows = ([{'cpu': 'total', **data['total']}] if data['total'] else []) + data['cpus']
    header = f'{"CPU":<6}{"PPS":>9}{"PACKETS":>12}{"FLOWS":>10}{"METRIC":>8}{"DROPPED":>9}{"FULL":>7}'
    return '\n'.join([header] + [
        f'{str(r["cpu"]):<6}{r["packets_per_second"]:>9}{r["packets"]:>12}{r["flows_created"]:>10}'
        f'{r["hash_metric"]:>8.2f}{r["dropped_packets"]:>9}{r["dropped_maxflows"]:>7}'
        for r in rows])


def show_metrics(environment: RunEnvironment, raw: bool):
    """The counters in Prometheus text format (raw: the parsed stat page)."""
    kernel = Kernel(environment.paths)
    if raw:
        return _stat(kernel).to_dict()
    text = kernel.read_stat()
    if text is None:
        return metrics.render_absent().rstrip('\n')
    stat = parse_stat(text)
    return metrics.render(stat, health.observe(environment.paths.run_dir, stat)).rstrip('\n')


def show_flows(environment: RunEnvironment, raw: bool, interface: Optional[str] = None,
               host: Optional[str] = None, port: Optional[str] = None,
               protocol: Optional[str] = None, top: Optional[int] = None,
               sort_by: Literal['bytes', 'packets'] = 'bytes', source: Optional[str] = None,
               destination: Optional[str] = None):
    """The cached flows, biggest first (the top 100 unless ``top`` says otherwise);
    ``host``, ``source`` and ``destination`` take an address or a prefix."""
    kernel = Kernel(environment.paths)
    stat = _stat(kernel)
    names = flowview.interface_names()
    flow_filter = flowview.build_filter(names, interface, host, port, protocol, source,
                                        destination)
    with open(kernel.flows_file, 'rb') as dump:
        found = top_flows(dump, top or DEFAULT_TOP, sort_by, flow_filter, stat.hz)
    if raw:
        return {'flows': [flowview.flow_dict(flow, names) for flow in found.flows],
                'cached_flows': found.rows, 'malformed_rows': found.malformed, 'sort_by': sort_by}
    return flowview.render(found.flows, names, found.rows, sort_by)


def clear_counters(environment: RunEnvironment, raw: bool):
    """Zero the module's statistics counters (flush 2: also exports the cache)."""
    kernel = Kernel(environment.paths)
    _stat(kernel)
    kernel.flush(2)
    return ({'cleared': 'counters', 'cache_exported': True} if raw else
            'Flow accounting counters cleared (cached flows were exported).')


def clear_flows(environment: RunEnvironment, raw: bool):
    """Export every cached flow now (flush 1)."""
    kernel = Kernel(environment.paths)
    _stat(kernel)
    kernel.flush(1)
    return ({'cleared': 'flows', 'cache_exported': True} if raw else
            'Cached flows exported to the collectors.')


def restart_flow_accounting(environment: RunEnvironment, raw: bool):
    """Reload ipt_NETFLOW with the committed settings (refused during a commit).
    Warnings print as ``WARNING: …`` (on stderr with --json, to keep stdout JSON)."""
    from vyflow.base import printed_warnings
    from vyflow.netflow.restart import restart
    with printed_warnings(sys.stderr if raw else sys.stdout):
        stop, start = restart(environment, _definitions(environment))
    if raw:
        return {'restarted': not environment.dry_run,
                'steps': [step.description for step in stop.steps + start.steps]}
    if environment.dry_run:
        return stop.plan_text('dry run') + '\n' + start.plan_text('dry run')
    return ('flow-accounting restarted: ipt_NETFLOW reloaded with the committed settings, '
            'hooks re-added')


# ---- issue 16: the flow history (python/vyflow/history) -------------------------------

HistoryOrder = Literal['bytes', 'packets', 'flows']
HistorySubject = Literal['src-ip', 'dst-ip', 'host', 'src-port', 'dst-port', 'protocol',
                         'interface', 'conversation']


def show_history(environment: RunEnvironment, raw: bool, top: Optional[int] = None,
                 by: HistoryOrder = 'bytes', of: HistorySubject = 'src-ip',
                 last: Optional[str] = None, since: Optional[str] = None,
                 until: Optional[str] = None, interface: Optional[str] = None,
                 host: Optional[str] = None):
    """Top talkers from the flow history (default: top 10 source addresses by bytes,
    last hour); counts scaled for sampling, and labelled so, when sampling is on."""
    from vyflow.history import opmode as history
    from vyflow.history.top import DEFAULT_TOP, TopQuery
    spec = TopQuery(top or DEFAULT_TOP, by, of)
    return history.show_top(environment, _configured(environment), raw, spec, last, since,
                            until, interface, host)


def show_history_graph(environment: RunEnvironment, raw: bool, by: HistoryOrder = 'bytes',
                       last: Optional[str] = None, since: Optional[str] = None,
                       until: Optional[str] = None, interface: Optional[str] = None,
                       host: Optional[str] = None):
    """Traffic over time from the flow history: a row per interface, or per top host
    of one interface."""
    from vyflow.history import opmode as history
    return history.show_graph(environment, _configured(environment), raw, by, last, since,
                              until, interface, host)


def show_interface(environment: RunEnvironment, raw: bool, interface: str,
                   host: Optional[str] = None, port: Optional[str] = None,
                   protocol: Optional[str] = None, top: Optional[int] = None,
                   sort_by: Literal['bytes', 'packets'] = 'bytes', source: Optional[str] = None,
                   destination: Optional[str] = None):
    """VyOS's ``show flow-accounting interface IF``: the interface's top conversations
    of the last hour from the flow history when it is kept (as pmacct's in-memory
    table answered), else its cached flows."""
    config = _configured(environment)
    if config is None or config.history is None:
        return show_flows(environment, raw, interface, host, port, protocol, top, sort_by,
                          source, destination)
    if source is not None or destination is not None:
        raise IncorrectValue('source and destination filter the cached flows: use "show '
                             'flow-accounting flows interface IF source|destination …"; the '
                             'history of an interface takes host')
    from vyflow.history import opmode as history
    from vyflow.history.top import DEFAULT_TOP, TopQuery
    spec = TopQuery(top or DEFAULT_TOP, sort_by, 'conversation')
    return history.show_top(environment, config, raw, spec, None, None, None, interface, host,
                            port, protocol)
