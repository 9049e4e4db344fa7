"""``show flow-accounting history [top N] [by …] [of …] [window] [filters]``.

One nfdump run per query: an element statistic (``-s srcip/bytes -n N``, the
same work as nfdump's own top-N) or, for conversations, an aggregation of
source and destination pairs (``-A srcip,dstip -O bytes -n N``). Keys are
shown as operators read them: interface names, protocol names; counters in
human units with their share of the total.
"""

from __future__ import annotations

from dataclasses import dataclass

from vyflow.history import query
from vyflow.history.files import Selection
from vyflow.history.window import Window, iso_time, shown
from vyflow.netflow.units import human_bytes, human_count, protocol_name

DEFAULT_TOP = 10
ORDERS = ('bytes', 'packets', 'flows')
# of -> (nfdump statistic, key column titles, what a row is)
SUBJECTS = {
    'src-ip': ('srcip', ('SOURCE',), 'source addresses'),
    'dst-ip': ('dstip', ('DESTINATION',), 'destination addresses'),
    'host': ('ip', ('HOST',), 'hosts (as source or destination)'),
    'src-port': ('srcport', ('SOURCE PORT',), 'source ports'),
    'dst-port': ('dstport', ('DESTINATION PORT',), 'destination ports'),
    'protocol': ('proto', ('PROTOCOL',), 'protocols'),
    'interface': ('if', ('INTERFACE',), 'interfaces (traffic in or out)'),
    'conversation': (None, ('SOURCE', 'DESTINATION'), 'conversations (source -> destination)'),
}


TWO_SIDED = ('host', 'interface')


@dataclass(frozen=True)
class TopQuery:
    top: int = DEFAULT_TOP
    by: str = 'bytes'
    of: str = 'src-ip'


def _arguments(spec: TopQuery, filters: query.Filters) -> tuple[list[str], int]:
    statistic = SUBJECTS[spec.of][0]
    tail = [filters.expression] if filters.expression else []
    if statistic is None:
        return (['-A', 'srcip,dstip', '-O', spec.by, '-n', str(spec.top), '-N', '-o',
                 'fmt:%sa|%da|%fl|%pkt|%byt', *tail], 2)
    return ['-s', f'{statistic}/{spec.by}', '-n', str(spec.top), '-o', 'csv', *tail], 0


def _key(spec: TopQuery, key: tuple[str, ...], context: query.Context) -> list[str]:
    if spec.of == 'interface':
        return [context.names.name(int(key[0]))] if key[0].isdigit() else list(key)
    if spec.of == 'protocol':
        return [protocol_name(int(key[0]))] if key[0].isdigit() else list(key)
    return list(key)


def run(context: query.Context, spec: TopQuery, window: Window, filters: query.Filters) -> dict:
    """The answer as JSON-ready data (stable keys; counts as numbers)."""
    selection = context.select(window)
    arguments, records = _arguments(spec, filters)
    answer = query.ask(selection, arguments, records)
    sampling = query.sampling_in(context.paths, window)
    factor = sampling.flow_factor()
    rows = answer.blocks[0] if answer.blocks else []
    totals = answer.totals
    data = {
        'of': spec.of, 'by': spec.by, 'top': spec.top,
        'window': window.to_dict(), 'filters': filters.to_dict(),
        'sampling': sampling.to_dict(),
        'files': _files(selection),
        'totals': {'flows': totals.flows * factor, 'packets': totals.packets,
                   'bytes': totals.bytes},
        'rows': [{'rank': number, 'key': _key(spec, row.key, context),
                  'flows': row.flows * factor, 'packets': row.packets, 'bytes': row.bytes}
                 for number, row in enumerate(rows[:spec.top], 1)],
        'warnings': answer.warnings,
    }
    return data


def _files(selection: Selection) -> dict:
    newest = iso_time(selection.files[-1].start) if selection.files else None
    return {'read': len(selection.files), 'newest_slot': newest,
            'skipped_damaged': selection.skipped}


def _share(part: int, whole: int) -> str:
    return f'{100.0 * part / whole:.1f} %' if whole else '-'


def header(data: dict) -> list[str]:
    """Window, filters and sampling as people read them (shared with the graph)."""
    window = data['window']
    lines = [f'Window:   {shown(window["start"])} to {shown(window["end"])} ({window["asked"]})']
    newest = data['files']['newest_slot']
    lines[-1] += (f'; {data["files"]["read"]} files, the newest from {shown(newest)}'
                  if newest is not None else '; no files recorded in it')
    filters = query.Filters(**data['filters']).describe()
    if filters:
        lines.append(f'Filter:   {filters}')
    lines.append(f'Sampling: {query.Sampling(data["sampling"]["rates"]).describe()}')
    return lines


def footer(data: dict) -> list[str]:
    return ([f'Skipped damaged file {name}: {why}'
             for name, why in data['files']['skipped_damaged'].items()]
            + [f'nfdump: {warning}' for warning in data['warnings']])


def render(data: dict) -> str:
    title = SUBJECTS[data['of']][2]
    lines = [f'Top {data["top"]} {title} by {data["by"]}', *header(data), *_table(data)]
    totals = data['totals']
    lines.append(f'Total: {human_bytes(totals["bytes"])}, {human_count(totals["packets"])} '
                 f'packets, {human_count(totals["flows"])} flows')
    return '\n'.join(lines + footer(data))


def _table(data: dict) -> list[str]:
    if not data['rows']:
        return ['No flows match.']
    by, totals = data['by'], data['totals']
    shared = data['of'] not in TWO_SIDED  # a flow counts for both its hosts or interfaces
    header = ['#', *SUBJECTS[data['of']][1], 'BYTES', 'PACKETS', 'FLOWS'] + ['SHARE'] * shared
    table = [header]
    for row in data['rows']:
        table.append([str(row['rank']), *row['key'], human_bytes(row['bytes']),
                      human_count(row['packets']), human_count(row['flows'])]
                     + [_share(row[by], totals[by])] * shared)
    widths = [max(len(line[column]) for line in table) for column in range(len(header))]
    keys = len(SUBJECTS[data['of']][1])
    out = []
    for line in table:
        cells = [cell.rjust(width) if column == 0 or column > keys else cell.ljust(width)
                 for column, (cell, width) in enumerate(zip(line, widths))]
        out.append('  '.join(cells).rstrip())
    return out
