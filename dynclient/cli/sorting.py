"""``--sort-by``: kubectl's ordering of objects and table rows by a JSONPath field.

A port of kubectl 1.32 ``pkg/cmd/get/sorter.go``: the field is relaxed to
``{.path}`` (as custom-columns paths are), the first value it finds in each
object is the key, an object without one sorts first, strings that both
read as resource quantities (``100Mi``, ``2``, ``500m``) compare as
quantities and other strings byte-wise, and the order is Go's
``sort.Sort`` (``gosort``), ties and all.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, List, Optional, Sequence

from .customcolumns import relaxed_jsonpath
from .gosort import go_sort
from .jsonpath import JSONPath, JSONPathError

__all__ = ["SortError", "sort_field", "go_less", "parse_quantity", "sort_objects", "sort_rows"]


class SortError(ValueError):
    """A ``--sort-by`` kubectl refuses (no object has the field, or the values cannot be ordered)."""


_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$")
_SUFFIX = {"Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30, "Ti": Decimal(2) ** 40,
           "Pi": Decimal(2) ** 50, "Ei": Decimal(2) ** 60, "n": Decimal("1e-9"), "u": Decimal("1e-6"),
           "m": Decimal("1e-3"), "": Decimal(1), "k": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"),
           "T": Decimal("1e12"), "P": Decimal("1e15"), "E": Decimal("1e18")}


def parse_quantity(text: str) -> Optional[Decimal]:
    """The value of a ``resource.Quantity`` string (``100Mi``, ``1.5``, ``2e3``), or None if it is not one."""
    m = _QUANTITY.match(text)
    if m is None:
        return None
    number, suffix = m.group(1), m.group(2) or ""
    try:
        value = Decimal(number)
        if suffix[:1] in ("e", "E"):
            return value.scaleb(int(suffix[1:]))
        return value * _SUFFIX[suffix]
    except (InvalidOperation, KeyError):
        return None


def _type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, bool):
        return "bool"
    return type(value).__name__


def go_less(i: Any, j: Any) -> bool:
    """kubectl's ``isLess`` for two values decoded from JSON (``interface{}`` in Go)."""
    if i is None and j is None:
        return False
    if i is None:
        return True
    if j is None:
        return False
    if isinstance(i, bool) or isinstance(i, (dict, list)):
        raise SortError(f"unsortable type: {_type_name(i)}")
    if isinstance(i, int):
        if isinstance(j, int) and not isinstance(j, bool):
            return i < j
    elif isinstance(i, float):
        if isinstance(j, float):
            return i < j
    elif isinstance(i, str):
        if isinstance(j, str):
            qi, qj = parse_quantity(i), parse_quantity(j)
            if qi is None or qj is None:
                return i.encode("utf-8") < j.encode("utf-8")
            return qi < qj
    raise SortError("unsortable interface: interface")


def sort_field(text: str) -> str:
    """The JSONPath kubectl sorts by: the relaxed form when it reads as one, else the text as given."""
    try:
        return relaxed_jsonpath(text)
    except ValueError:
        return text


def _key(parser: JSONPath, obj: Any) -> List[List[Any]]:
    return parser.find_results(obj)


def _sort(values: List[Any], keys: List[List[List[Any]]]) -> List[int]:
    order = list(range(len(values)))

    def less(a: int, b: int) -> bool:
        ka, kb = keys[a], keys[b]
        if not ka or not ka[0]:
            return True
        if not kb or not kb[0]:
            return False
        return go_less(ka[0][0], kb[0][0])

    go_sort(order, less)
    return order


def sort_objects(objects: Sequence[Any], field: str) -> List[Any]:
    """``SortObjects``: the objects in kubectl's order; ``SortError`` if none has the field."""
    if not objects:
        return list(objects)
    path = relaxed_jsonpath(field)
    try:
        parser = JSONPath(path)
        keys = [_key(parser, o) for o in objects]
    except JSONPathError as err:
        raise SortError(str(err)) from None
    if not any(k and k[0] for k in keys):
        raise SortError(f"couldn't find any field with path {_quote(path)} in the list of objects")
    return [objects[i] for i in _sort(list(objects), keys)]


def sort_rows(rows: Sequence[Any], field: str) -> List[Any]:
    """``TableSorter``: a Table's rows ordered by the field of each row's ``object``."""
    try:
        parser = JSONPath(field)
    except JSONPathError as err:
        raise SortError(f"sorting error: {err}") from None
    keys = [_key(parser, (r.get("object") if isinstance(r, dict) else None)) for r in rows]
    if rows and not any(k and k[0] for k in keys):
        raise SortError(f"couldn't find any field with path {_quote(field)} in the list of objects")
    return [rows[i] for i in _sort(list(rows), keys)]


def _quote(text: str) -> str:
    from discovery.gostrings import go_quote

    return go_quote(text)
