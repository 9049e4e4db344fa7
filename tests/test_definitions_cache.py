"""The marshal cache beside the compiled definitions: used only when trusted and current."""

import json
import marshal
import os
import zlib
from pathlib import Path

import pytest

from vyflow.definitions.cache import FORMAT, cache_path, load_compiled, write_cache


@pytest.fixture
def compiled(tmp_path):
    """definitions.json plus a cache holding *different* data with the JSON's
    size and CRC: which one load_compiled returns shows which was used."""
    path = tmp_path / 'definitions.json'
    path.write_text(json.dumps({'from': 'json'}))
    raw = path.read_bytes()
    Path(cache_path(path)).write_bytes(marshal.dumps((FORMAT, len(raw), zlib.crc32(raw),
                                                      {'from': 'cache'})))
    os.chmod(cache_path(path), 0o644)
    return path


def test_a_trusted_current_cache_is_used(compiled):
    assert load_compiled(compiled) == {'from': 'cache'}


def test_the_build_writes_a_cache_equal_to_the_json(project_build):
    for name in ('definitions.json', 'op-definitions.json'):
        path = project_build / name
        assert os.path.isfile(cache_path(path))
        assert load_compiled(path) == json.loads(path.read_text())


def test_write_cache_round_trips(tmp_path):
    path = tmp_path / 'op-definitions.json'
    data = {'tree': {'children': {'show': {'kind': 'node'}}}}
    path.write_text(json.dumps(data))
    write_cache(path, data)
    assert load_compiled(path) == data


def test_a_stale_cache_is_ignored(compiled):
    compiled.write_text(json.dumps({'from': 'new json'}))      # rebuilt without its cache
    assert load_compiled(compiled) == {'from': 'new json'}


@pytest.mark.parametrize('mode', [0o664, 0o646])
def test_a_cache_others_can_write_is_ignored(compiled, mode):
    os.chmod(cache_path(compiled), mode)
    assert load_compiled(compiled) == {'from': 'json'}


@pytest.mark.skipif(os.geteuid() != 0, reason='giving a file to another user needs root')
def test_a_cache_owned_by_someone_else_is_ignored(compiled):
    os.chown(cache_path(compiled), 65534, 65534)
    assert load_compiled(compiled) == {'from': 'json'}


def test_a_symlinked_or_damaged_cache_is_ignored(compiled, tmp_path):
    elsewhere = tmp_path / 'planted.marshal'
    cache = Path(cache_path(compiled))
    cache.rename(elsewhere)
    cache.symlink_to(elsewhere)
    assert load_compiled(compiled) == {'from': 'json'}
    cache.unlink()
    cache.write_bytes(b'\x00garbage')
    assert load_compiled(compiled) == {'from': 'json'}
