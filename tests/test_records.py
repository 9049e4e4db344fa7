"""vyflow.records behaves as dataclasses does for what the commit path uses."""

import dataclasses

import pytest

from vyflow import records


def _classes(module):
    @module.dataclass(frozen=True)
    class Point:
        x: int
        y: int = 0
        tags: tuple = ()

    @module.dataclass
    class Bag:
        """Also: __post_init__ runs after the fields are set (and on replace)."""
        name: str
        items: list = module.field(default_factory=list)
        size: int | None = None

        def __post_init__(self):
            self.name = self.name.strip()

    @module.dataclass(frozen=True)
    class Shown:
        """A class's own __repr__ is kept."""
        listing: str

        def __repr__(self):
            return 'shown'

    return Point, Bag, Shown


@pytest.mark.parametrize('module', [dataclasses, records])
def test_records_behave_as_dataclasses(module):
    Point, Bag, Shown = _classes(module)
    assert repr(Shown('x')) == 'shown' and Shown('x') == Shown('x')
    assert Point(1) == Point(x=1, y=0) and Point(1, 2) != Point(1, 3)
    assert Point(1, 2) != (1, 2) and hash(Point(1, 2)) == hash(Point(1, 2))
    assert repr(Point(1, 2)).endswith('Point(x=1, y=2, tags=())')
    with pytest.raises(AttributeError):
        Point(1).x = 5
    first, second = Bag('a'), Bag('a')
    first.items.append(1)
    assert second.items == [] and first != second          # a fresh list each
    first.size = 3                                           # not frozen
    with pytest.raises(TypeError):
        hash(first)
    assert module.replace(Point(1, 2), y=5) == Point(1, 5)
    assert Bag(' a ').name == 'a' and module.replace(Bag('a'), name=' b ').name == 'b'
    for wrong in (lambda: Point(), lambda: Point(1, 2, (), 4), lambda: Point(1, z=2),
                  lambda: Point(1, x=2), lambda: module.replace(Point(1), z=1)):
        with pytest.raises(TypeError):
            wrong()
    assert Point.y == 0 and not hasattr(Bag, 'items')


def test_what_records_do_not_support_is_refused_when_the_class_is_defined():
    with pytest.raises(TypeError):
        @records.dataclass
        class Ordered:
            x: int = 0
            y: int

    with pytest.raises(ValueError):
        @records.dataclass
        class Shared:
            items: list = []

    with pytest.raises(TypeError):
        records.dataclass(order=True)

