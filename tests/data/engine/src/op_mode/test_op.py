"""Test op-mode script: typed functions, text or raw data."""

import json
from pathlib import Path
from typing import Optional


def show_state(environment: object, raw: bool, instance: Optional[int] = None):
    directory = Path(environment.paths.under('/var/lib/test'))
    names = sorted(p.stem for p in directory.glob('*.json')) if directory.is_dir() else []
    if instance is not None:
        names = [n for n in names if n == f'beta-{instance}']
    data = {name: json.loads((directory / f'{name}.json').read_text()) for name in names}
    if raw:
        return data
    return '\n'.join(f'{name}: {value}' for name, value in data.items()) or 'nothing applied'
