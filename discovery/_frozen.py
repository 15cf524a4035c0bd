"""``Frozen``: what ``@dataclass(frozen=True)`` gives a value class, written once instead of generated per class.

Why: a frozen dataclass compiles five or six functions from source text
when its module is imported (about a millisecond a class on the bench
machine), and ``dataclasses`` imports ``inspect``, ``ast`` and ``dis``.
``import dynclient.client`` defines some twenty such value classes, so that
was a third of its import time beyond ``requests``.

A subclass lists its fields in ``__slots__`` (in ``__init__``'s order), keeps
their annotations for the type checker, and writes its own ``__init__``
(assigning with ``object.__setattr__``). It gets a frozen dataclass's
semantics:

* ``==`` compares the fields' tuples, against the very same class only
  (else ``NotImplemented``); ``hash`` hashes that tuple; fields named in
  ``_not_compared`` are left out of both (a dataclass's ``compare=False``);
* ``repr`` is ``Name(field=value, ...)``;
* assigning or deleting an attribute raises ``dataclasses.FrozenInstanceError``
  (imported only then);
* ``copy``, ``deepcopy`` and ``pickle`` rebuild it through ``__init__`` from
  its fields, positionally.

``dataclasses.replace``/``fields`` do not apply: the classes they are used
on stay dataclasses.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, ClassVar, NoReturn, Protocol, Tuple

__all__ = ["Frozen"]


class _Getter(Protocol):
    """``obj -> tuple of some of its fields`` (a protocol, so the type checker does not bind it as a method)."""

    def __call__(self, obj: Any, /) -> Tuple[Any, ...]: ...


def _getter(fields: Tuple[str, ...]) -> _Getter:
    if len(fields) == 1:  # attrgetter of one name returns the value itself, not a 1-tuple
        one = attrgetter(fields[0])
        return staticmethod(lambda obj: (one(obj),))
    if not fields:
        return staticmethod(lambda obj: ())
    return staticmethod(attrgetter(*fields))


class Frozen:
    """Base of the hand-written frozen values (module docs)."""

    __slots__ = ()
    #: The fields, from ``__slots__`` along the class hierarchy.
    _frozen_fields: ClassVar[Tuple[str, ...]] = ()
    #: Fields that equality and hashing ignore (``field(compare=False)``).
    _not_compared: ClassVar[Tuple[str, ...]] = ()
    #: ``obj -> tuple of its fields``, for repr and copying.
    _frozen_values: ClassVar[_Getter] = _getter(())
    #: ``obj -> tuple of its compared fields``, for equality and hashing.
    _frozen_compared: ClassVar[_Getter] = _getter(())

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields: Tuple[str, ...] = ()
        for klass in reversed(cls.__mro__):
            slots = klass.__dict__.get("__slots__", ())
            fields += (slots,) if isinstance(slots, str) else tuple(slots)
        cls._frozen_fields = fields
        # Each getter is stored as a staticmethod: a plain function in a class would bind as a method.
        values = _getter(fields)
        compared = tuple(name for name in fields if name not in cls._not_compared)
        cls._frozen_values = values
        cls._frozen_compared = values if compared == fields else _getter(compared)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._frozen_compared(self) == self._frozen_compared(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._frozen_compared(self))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(self._frozen_fields, self._frozen_values(self)))
        return f"{self.__class__.__qualname__}({shown})"

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        return self.__class__, self._frozen_values(self)
