"""Running nfdump over a set of flow files and reading its answer.

What bookworm's nfdump 1.7.1 (and trixie's 1.7.4) really print, and so what
is used:

- element statistics (``-s srcip/bytes -n N``) with ``-o csv``: a header line
  (``ts,te,td,pr,val,fl,flP,pkt,pktP,byt,bytP,…``), one row per element, then
  ``Summary`` and the totals as ``flows,bytes,packets,…``; several ``-s`` give
  several such blocks. ``-o json`` is "not yet implemented" for statistics in
  these versions, and ``-q`` drops the totals, so neither is used;
- aggregated records (``-A srcip,dstip -O bytes``): ``-o csv`` has no flow
  count there, so a ``fmt:`` line with ``|`` between fields and ``-N`` plain
  numbers, whose totals come as ``Summary: total flows: N, total bytes: N, …``.

Files are given as one ``-R first:last`` range when the window is a run of
sound files in the directory; otherwise (a damaged file in between) as a
private directory of symbolic links to the sound ones. nfdump runs with
TZ=UTC and LC_ALL=C so its times and numbers read the same everywhere.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

from vyflow.errors import DataUnavailable
from vyflow.history.files import FlowFile

NFDUMP = 'nfdump'
_SUMMARY = re.compile(r'Summary: total flows: (\d+), total bytes: (\d+), total packets: (\d+)')
_LOST_LIST = 'Unexpected end of file list'


@dataclass
class Row:
    key: tuple[str, ...]
    flows: int
    packets: int
    bytes: int


@dataclass
class Answer:
    blocks: list[list[Row]] = field(default_factory=list)
    totals: Row = field(default_factory=lambda: Row((), 0, 0, 0))
    warnings: list[str] = field(default_factory=list)


class FileSet:
    """The files of a window as nfdump arguments (a context manager: the
    private link directory, when one is needed, is removed afterwards)."""

    def __init__(self, selected: list[FlowFile], listed: list[FlowFile]):
        self.selected, self.listed = selected, listed
        self._links: Optional[Path] = None

    def __enter__(self) -> list[str]:
        if len(self.selected) == 1:
            return ['-r', str(self.selected[0].path)]
        first, last = self.selected[0], self.selected[-1]
        between = [item for item in self.listed if first.start <= item.start <= last.start]
        if between == self.selected and first.path.parent == last.path.parent:
            return ['-R', f'{first.path}:{last.path.name}']
        self._links = Path(tempfile.mkdtemp(prefix='vyflow-history-'))
        for item in self.selected:
            (self._links / item.path.name).symlink_to(item.path)
        return ['-R', str(self._links)]

    def __exit__(self, *exc: object) -> None:
        if self._links is not None:
            shutil.rmtree(self._links, ignore_errors=True)


def run(arguments: list[str], files: FileSet) -> tuple[str, list[str]]:
    """nfdump's standard output and its complaints (stderr lines)."""
    if shutil.which(NFDUMP) is None:
        raise DataUnavailable('nfdump is not installed: install the nfdump package to read the '
                              'flow history')
    environment = {**os.environ, 'TZ': 'UTC', 'LC_ALL': 'C'}
    with files as selection:
        try:
            result = subprocess.run([NFDUMP, *selection, *arguments], capture_output=True,
                                    text=True, errors='replace', env=environment, check=False)
        except OSError as exc:
            raise DataUnavailable(f'nfdump cannot run: {exc.strerror}') from None
    complaints = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    if result.returncode != 0:
        reason = (f'killed by signal {-result.returncode}' if result.returncode < 0
                  else f'exit {result.returncode}')
        raise DataUnavailable(f'nfdump failed reading the flow history ({reason})'
                              + (f': {complaints[0]}' if complaints else ''))
    return result.stdout, complaints


def lost_files(complaints: list[str]) -> bool:
    """nfdump gave up on the rest of the file list (a file vanished or broke
    while it read): the answer is incomplete and worth one more try."""
    return any(_LOST_LIST in line for line in complaints)


def _int(text: str) -> int:
    try:
        return int(float(text))
    except ValueError:
        return 0


def _csv_lines(text: str) -> Iterator[list[str]]:
    for line in text.splitlines():
        if line.strip():
            yield [cell.strip() for cell in line.split(',')]


def parse_statistics(text: str) -> Answer:
    """``-s … -o csv`` output: one block per statistic, then the totals."""
    answer = Answer()
    header: Optional[list[str]] = None
    in_summary = False
    for cells in _csv_lines(text):
        if cells == ['Summary']:
            in_summary, header = True, None
        elif 'val' in cells and 'fl' in cells:
            # ordered by flows, 1.7.1 names the counters ipkt/ibyt instead of pkt/byt
            header = [name.removeprefix('i') if name in ('ipkt', 'ibyt') else name
                      for name in cells]
            answer.blocks.append([])
        elif in_summary and cells[0] == 'flows':
            header = cells
        elif header is not None and len(cells) == len(header):
            row = dict(zip(header, cells))
            if in_summary:
                answer.totals = Row((), _int(row['flows']), _int(row['packets']),
                                    _int(row['bytes']))
            else:
                answer.blocks[-1].append(Row((row['val'],), _int(row['fl']), _int(row['pkt']),
                                             _int(row['byt'])))
    return answer


def parse_records(text: str, keys: int) -> Answer:
    """``-A … -N -o 'fmt:KEY|…|%fl|%pkt|%byt'`` output: ``keys`` key fields,
    then flows, packets and bytes; the totals from the Summary line."""
    answer = Answer(blocks=[[]])
    for line in text.splitlines():
        summary = _SUMMARY.match(line.strip())
        if summary:
            flows, byte_count, packets = (int(value) for value in summary.groups())
            answer.totals = Row((), flows, packets, byte_count)
            continue
        cells = [cell.strip() for cell in line.split('|')]
        if len(cells) != keys + 3 or not all(cell.isdigit() for cell in cells[keys:]):
            continue
        answer.blocks[0].append(Row(tuple(cells[:keys]), int(cells[keys]), int(cells[keys + 1]),
                                    int(cells[keys + 2])))
    return answer
