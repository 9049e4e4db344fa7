"""``show flow-accounting history graph``: traffic over time, one row per interface or host.

The window is cut into columns of whole files (a file is the finest step:
the flows received in one rotation interval), one nfdump statistic per column
over its files. Rows are interfaces (traffic in or out), or with ``interface
IF`` the five biggest hosts on it. Each row is a sparkline scaled to its own
peak, with the peak and the average as rates (bit/s, packets/s, flows/s).
Unicode block characters where the terminal's encoding is UTF-8, plain ASCII
otherwise; a column without any file (the collector was not running) is
drawn as a dot (``?`` in ASCII), never as zero.
"""

from __future__ import annotations

import math
from typing import Optional

from vyflow.history import query
from vyflow.history.files import FlowFile
from vyflow.history.names import NO_DEVICE
from vyflow.history.window import Window, iso_time, shown
from vyflow.netflow.units import human_count

MAX_COLUMNS = 60
HOST_ROWS = 5
INTERFACE_ROWS = 8
UNICODE_LEVELS = ' ▁▂▃▄▅▆▇█'
ASCII_LEVELS = ' .:-=+*#@'
NO_DATA = {True: '·', False: '?'}
UNITS = {'bytes': 'bit/s', 'packets': 'packets/s', 'flows': 'flows/s'}


def _columns(files: list[FlowFile], window: Window, step: int, width: int) -> tuple[int, list]:
    """(seconds per column, the files of each column)."""
    slots = max(1, math.ceil(window.seconds / step))
    count = max(1, min(slots, width, MAX_COLUMNS))
    span = math.ceil(slots / count) * step
    count = max(1, math.ceil(window.seconds / span))
    columns: list[list[FlowFile]] = [[] for _ in range(count)]
    for item in files:
        index = int((item.start - window.start) // span)
        if 0 <= index < count:
            columns[index].append(item)
    return span, columns


def _step(context: query.Context, files: list[FlowFile]) -> int:
    if context.config is not None:
        return context.config.rotation_interval
    gaps = [b.start - a.start for a, b in zip(files, files[1:]) if b.start > a.start]
    return int(min(gaps)) if gaps else 60


def run(context: query.Context, window: Window, by: str, filters: query.Filters,
        width: int = MAX_COLUMNS) -> dict:
    selection = context.select(window)
    span, columns = _columns(selection.files, window, _step(context, selection.files), width)
    hosts: list[str] = []
    if filters.interface:
        top = query.ask(selection, ['-s', f'ip/{by}', '-n', str(HOST_ROWS), '-o', 'csv',
                                    filters.expression])
        hosts = [row.key[0] for row in (top.blocks[0] if top.blocks else [])]
    statistic = 'ip' if filters.interface else 'if'
    series: dict[str, list[Optional[float]]] = {}
    warnings: list[str] = []
    for index, column in enumerate(columns):
        if not column:
            continue
        sub = query.files.Selection(column, selection.listed, {})
        answer = query.ask(sub, ['-s', f'{statistic}/{by}', '-n', '0', '-o', 'csv',
                                 *([filters.expression] if filters.expression else [])])
        warnings += answer.warnings
        for row in (answer.blocks[0] if answer.blocks else []):
            name = _row_name(context, statistic, row.key[0], hosts)
            if name is not None:
                values = series.setdefault(name, [0.0 if c else None for c in columns])
                values[index] = getattr(row, by) * (8 if by == 'bytes' else 1) / span
    rows = _rows(series, hosts, span)
    return {'by': by, 'unit': UNITS[by], 'window': window.to_dict(),
            'filters': filters.to_dict(), 'rows_are': 'hosts' if filters.interface else 'interfaces',
            'column_seconds': span,
            'columns': [iso_time(window.start + n * span) for n in range(len(columns))],
            'rows': rows, 'sampling': query.sampling_in(context.paths, window).to_dict(),
            'files': {'read': len(selection.files), 'skipped_damaged': selection.skipped},
            'warnings': warnings}


def _row_name(context: query.Context, statistic: str, key: str, hosts: list[str]) -> Optional[str]:
    if statistic == 'ip':
        return key if key in hosts else None
    index = int(key) if key.isdigit() else None
    if index is None:
        return None
    return 'local' if index == NO_DEVICE else context.names.name(index)


def _rows(series: dict[str, list[Optional[float]]], hosts: list[str], span: int) -> list[dict]:
    rows = []
    for name, values in series.items():
        known = [value for value in values if value is not None]
        rows.append({'name': name, 'values': values, 'peak': max(known, default=0.0),
                     'average': sum(known) / len(known) if known else 0.0})
    if hosts:
        rows.sort(key=lambda row: hosts.index(row['name']))
    else:
        rows.sort(key=lambda row: -row['average'])
        rows = rows[:INTERFACE_ROWS]
    return rows


def sparkline(values: list[Optional[float]], peak: float, unicode: bool) -> str:
    levels = UNICODE_LEVELS if unicode else ASCII_LEVELS
    out = []
    for value in values:
        if value is None:
            out.append(NO_DATA[unicode])
        elif value <= 0 or peak <= 0:
            out.append(levels[0])
        else:
            out.append(levels[max(1, math.ceil(value / peak * (len(levels) - 1)))])
    return ''.join(out)


def _rate(value: float, unit: str) -> str:
    return f'{human_count(round(value))} {unit}'


def _axis(data: dict, offset: int) -> str:
    """Time labels under the first (left-aligned), middle and last (right-aligned) columns."""
    count = len(data['columns'])
    long_window = data['column_seconds'] * count > 86400
    first, last = (shown(data['columns'][index])[5 if long_window else 11:16]
                   for index in (0, count - 1))
    if count < 2 * len(first) + 2:  # too narrow for labels under their columns
        return ' ' * offset + (first if count == 1 else f'{first} to {last}')
    cells = [' '] * (offset + count)
    free = offset
    for index, align in ((0, 0.0), (count // 2, 0.5), (count - 1, 1.0)):
        label = shown(data['columns'][index])[5 if long_window else 11:16]
        start = offset + index - int((len(label) - 1) * align)
        if start < free:
            continue  # it would run into the label before (a narrow graph)
        cells[start:start + len(label)] = label
        free = start + len(label) + 1
    return ''.join(cells).rstrip()


def render(data: dict, unicode: bool) -> str:
    unit = data['unit']
    minutes = data['column_seconds'] / 60
    step = f'{minutes:g} min' if minutes >= 1 else f'{data["column_seconds"]} s'
    what = ('hosts on interface ' + data['filters']['interface'] if data['rows_are'] == 'hosts'
            else 'interface (traffic in or out)')
    window = data['window']
    lines = [f'Traffic by {what}, {unit}, one column = {step}',
             f'Window:   {shown(window["start"])} to {shown(window["end"])} ({window["asked"]}); '
             f'{data["files"]["read"]} files',
             f'Sampling: {query.Sampling(data["sampling"]["rates"]).describe()}']
    if not data['rows']:
        return '\n'.join(lines + ['No traffic recorded in this window.'])
    names = max(len(row['name']) for row in data['rows'])
    peaks = [_rate(row['peak'], unit) for row in data['rows']]
    averages = [_rate(row['average'], unit) for row in data['rows']]
    peak_width, average_width = max(map(len, peaks)), max(map(len, averages))
    lines.append(f'{"":<{names}}  {"PEAK":>{peak_width}}  {"AVERAGE":>{average_width}}  '
                 'each row scaled to its peak')
    for row, peak, average in zip(data['rows'], peaks, averages):
        lines.append(f'{row["name"]:<{names}}  {peak:>{peak_width}}  {average:>{average_width}}  '
                     f'{sparkline(row["values"], row["peak"], unicode)}')
    lines.append(_axis(data, names + peak_width + average_width + 6))
    if any(value is None for row in data['rows'] for value in row['values']):
        lines.append(f'{NO_DATA[unicode]} no file recorded (the collector was not running)')
    lines += [f'Skipped damaged file {name}: {why}'
              for name, why in data['files']['skipped_damaged'].items()]
    return '\n'.join(lines)
