"""Collector health over a window: the history every reader shares.

Pure functions over plain data; the op-mode tests read the same history
through the real ``vyflow`` (tests/test_opmode.py).
"""

from vyflow.netflow import health
from vyflow.netflow.health import SPACING_SECONDS, WINDOW_SECONDS, Recent

A, B = '127.0.0.1:2055', '[::1]:2056'


def test_without_a_reading_from_before_the_window_counts_are_since_load():
    assert health.recent([], 1000.0, {A: (3, 1)}) == {A: Recent(3, 1, None)}
    young = [(900.0, {A: (1, 0)})]                 # younger than the window: no baseline
    assert health.recent(young, 1000.0, {A: (3, 1)}) == {A: Recent(3, 1, None)}


def test_the_newest_reading_at_least_a_window_old_is_the_baseline():
    now = 10000.0
    history = [(now - 900, {A: (1, 0)}), (now - WINDOW_SECONDS - 20, {A: (3, 0)}),
               (now - 100, {A: (4, 0)})]
    assert health.recent(history, now, {A: (5, 2)}) == {A: Recent(2, 2, WINDOW_SECONDS + 20)}


def test_reading_again_gives_the_same_answer():
    now, history = 10000.0, [(10000.0 - 400, {A: (5, 0)})]
    current = {A: (7, 0)}
    first = health.recent(history, now, current)
    history = health.updated(history, now, current)
    again = health.recent(history, now + 1, current)[A]             # not consumed
    assert (again.refused, again.sndbuf_reached) == (first[A].refused, 0) == (2, 0)


def test_a_reload_or_a_new_collector_counts_since_load():
    history = [(0.0, {A: (9, 4)})]
    assert health.recent(history, 1000.0, {A: (2, 0), B: (1, 0)}) == {
        A: Recent(2, 0, None), B: Recent(1, 0, None)}


def test_history_keeps_one_reading_per_spacing_and_one_from_before_the_window():
    history = []
    for second in range(0, 2000, 3):
        history = health.updated(history, float(second), {A: (second, 0)})
    times = [when for when, _ in history]
    assert all(b - a >= SPACING_SECONDS for a, b in zip(times, times[1:]))
    assert [when for when in times if when <= 1997 - WINDOW_SECONDS] == [times[0]]
    assert len(history) <= WINDOW_SECONDS // SPACING_SECONDS + 2


def test_a_damaged_history_is_started_afresh(tmp_path):
    path = tmp_path / health.FILE_NAME
    for damage in ('{', '[[1, 2]]', '[["x", {}]]', '[[1, {"a": [1]}]]', '"text"', '\udcff'):
        path.write_text(damage, errors='surrogateescape')
        assert health.load(path) == []
    health.save(path, [(1.0, {A: (2, 3)})])
    assert health.load(path) == [(1.0, {A: (2, 3)})]
