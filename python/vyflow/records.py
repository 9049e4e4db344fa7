"""``dataclass``, ``field`` and ``replace`` for the modules every commit imports.

The standard ``dataclasses`` module imports ``inspect`` (and with it ``ast``,
``dis`` and ``tokenize``) and compiles generated source for each class: about
6 ms, plus a quarter of a millisecond per class, on every ``vyflow commit`` —
a third of what issue 14.16 allows the whole command beyond the interpreter's
own start-up. The commit path uses a small part of it, which this module
provides with the same behaviour and without generated source:

- ``@dataclass`` and ``@dataclass(frozen=True)``: ``__init__`` taking the
  annotated fields in order (positionally or by name), with defaults and
  ``field(default_factory=…)``, then calling ``__post_init__`` if the class
  has one; ``__eq__`` (same class, equal fields);
  ``__repr__``; frozen classes refuse assignment and are hashable, others
  are unhashable, as with ``dataclasses``;
- ``replace(obj, **changes)``: a copy made through ``__init__``.

Anything else (``order=``, ``field(init=False)``, ``InitVar``, inheritance
between records, …) is refused when the class is defined, so a
need for more shows at once; such a class uses ``dataclasses`` itself. Type
checkers see ``dataclasses`` (below), so annotations are checked as usual.
Records are not stdlib dataclasses at run time: copy one with this module's
``replace`` (``dataclasses.replace``, ``asdict`` and ``fields`` refuse them).
"""

from __future__ import annotations

TYPE_CHECKING = False   # typing is not imported at run time: every command starts faster
if TYPE_CHECKING:
    from dataclasses import dataclass, field, replace
else:
    class FrozenInstanceError(AttributeError):
        """Assignment to a field of a frozen record."""

    class _Field:
        __slots__ = ('default', 'default_factory')

        def __init__(self, default: object, default_factory: object):
            self.default = default
            self.default_factory = default_factory

    _MISSING = _Field(None, None)   # a marker: "no default"

    def field(*, default: object = _MISSING, default_factory: object = _MISSING) -> object:
        """A field's default (``default_factory`` is called for each instance)."""
        if default is not _MISSING and default_factory is not _MISSING:
            raise ValueError('cannot specify both default and default_factory')
        return _Field(default, default_factory)

    def _fields(cls: type) -> tuple[list[str], dict[str, _Field]]:
        if any(hasattr(base, '__record_fields__') for base in cls.__mro__[1:]):
            raise TypeError(f'{cls.__name__}: records cannot inherit from records')
        names = list(cls.__dict__.get('__annotations__', {}))
        defaults: dict[str, _Field] = {}
        for name in names:
            if name not in cls.__dict__:
                if defaults:
                    raise TypeError(f'{cls.__name__}: non-default argument {name!r} follows '
                                    'default argument')
                continue
            value = cls.__dict__[name]
            if not isinstance(value, _Field):
                if isinstance(value, (list, dict, set)):
                    raise ValueError(f'{cls.__name__}.{name}: mutable default '
                                     f'{type(value).__name__} is not allowed: use default_factory')
                value = _Field(value, _MISSING)
            defaults[name] = value
            if value.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, value.default)
        return names, defaults

    def _make_init(cls: type, names: list[str], defaults: dict[str, _Field]):
        post_init = cls.__dict__.get('__post_init__')

        def __init__(self, *args: object, **kwargs: object) -> None:
            if len(args) > len(names):
                raise TypeError(f'{cls.__name__}() takes {len(names)} arguments '
                                f'but {len(args)} were given')
            values = dict(zip(names, args))
            for name, value in kwargs.items():
                if name not in names or name in values:
                    problem = 'multiple values for' if name in values else 'an unexpected'
                    raise TypeError(f'{cls.__name__}() got {problem} argument {name!r}')
                values[name] = value
            for name in names:
                if name not in values:
                    default = defaults.get(name)
                    if default is None:
                        raise TypeError(f'{cls.__name__}() missing required argument {name!r}')
                    values[name] = (default.default_factory() if default.default is _MISSING
                                    else default.default)
                object.__setattr__(self, name, values[name])
            if post_init is not None:
                post_init(self)
        return __init__

    def _make(cls: type, frozen: bool) -> type:
        names, defaults = _fields(cls)
        cls.__record_fields__ = tuple(names)
        cls.__init__ = _make_init(cls, names, defaults)

        def values(self: object) -> tuple:
            return tuple(getattr(self, name) for name in names)

        def __eq__(self: object, other: object) -> bool:
            return values(self) == values(other) if other.__class__ is self.__class__ \
                else NotImplemented

        def __repr__(self: object) -> str:
            shown = ', '.join(f'{name}={getattr(self, name)!r}' for name in names)
            return f'{cls.__qualname__}({shown})'

        if '__eq__' not in cls.__dict__:     # as dataclasses: the class's own wins
            cls.__eq__ = __eq__
        if '__repr__' not in cls.__dict__:
            cls.__repr__ = __repr__
        if frozen:
            def __setattr__(self: object, name: str, value: object) -> None:
                raise FrozenInstanceError(f'cannot assign to field {name!r}')

            def __delattr__(self: object, name: str) -> None:
                raise FrozenInstanceError(f'cannot delete field {name!r}')

            cls.__setattr__ = __setattr__
            cls.__delattr__ = __delattr__
            cls.__hash__ = lambda self: hash(values(self))
        else:
            cls.__hash__ = None
        return cls

    def dataclass(cls: type | None = None, *, frozen: bool = False):
        """``@dataclass`` / ``@dataclass(frozen=True)``: see the module docstring."""
        if cls is None:
            return lambda inner: _make(inner, frozen)
        return _make(cls, frozen)

    def replace(obj: object, **changes: object) -> object:
        """A copy of the record ``obj`` with ``changes``, made through ``__init__``."""
        names = obj.__class__.__record_fields__
        unknown = set(changes) - set(names)
        if unknown:
            raise TypeError(f'{obj.__class__.__name__} has no field(s) {", ".join(sorted(unknown))}')
        return obj.__class__(**{name: changes.get(name, getattr(obj, name)) for name in names})
