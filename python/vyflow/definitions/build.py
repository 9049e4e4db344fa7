"""Build step (``make``): compile every definition into the runtime caches.

    python3 -m vyflow.definitions.build --out build

writes definitions.json, op-definitions.json (each with its marshal cache,
see vyflow.definitions.cache), config.schema.json and the expanded XML (interface-definitions/*.xml, op-mode-definitions/*.xml, which the
tests also validate against VyOS's own schemas). Exits 1 with ``file:line:
message`` when a definition is invalid.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from vyflow.definitions.cache import write_cache
from vyflow.definitions.compiler import compile_files
from vyflow.definitions.config_schema import config_schema
from vyflow.definitions.opcompiler import compile_op_files
from vyflow.definitions.transclude import expand
from vyflow.errors import DefinitionError


def _write(path: Path, text: str) -> None:
    """Write only when the content changed, so make's timestamps stay meaningful."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding='utf-8') != text:
        path.write_text(text, encoding='utf-8')


def _write_expanded(sources: list[Path], out_dir: Path) -> None:
    for source in sources:
        _write(out_dir / source.name.removesuffix('.in'), expand(source).text)


def build(interface_dir: Path, op_dir: Path, schema_dir: Path, out: Path) -> None:
    interface_sources = sorted(interface_dir.glob('*.xml.in'))
    op_sources = sorted(op_dir.glob('*.xml.in'))
    cache = compile_files(interface_sources, schema_dir / 'interface_definition.rng')
    op_cache = compile_op_files(op_sources, schema_dir / 'op-mode-definition.rng')
    for name, data in (('definitions.json', cache), ('op-definitions.json', op_cache)):
        _write(out / name, json.dumps(data, sort_keys=True, separators=(',', ':')))
        write_cache(out / name, data)
    _write(out / 'config.schema.json', json.dumps(config_schema(cache), indent=1, sort_keys=True))
    _write_expanded(interface_sources, out / 'interface-definitions')
    _write_expanded(op_sources, out / 'op-mode-definitions')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--interface-definitions', type=Path, default=Path('interface-definitions'))
    parser.add_argument('--op-mode-definitions', type=Path, default=Path('op-mode-definitions'))
    parser.add_argument('--schema-dir', type=Path, default=Path('schema'))
    parser.add_argument('--out', type=Path, default=Path('build'))
    args = parser.parse_args(argv)
    try:
        build(args.interface_definitions, args.op_mode_definitions, args.schema_dir, args.out)
    except DefinitionError as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
