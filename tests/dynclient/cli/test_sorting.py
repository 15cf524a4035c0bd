"""kubectl's --sort-by ordering: isLess on decoded JSON values, quantities, missing fields."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dynclient.cli.sorting import SortError, go_less, parse_quantity, sort_field, sort_objects, sort_rows


@pytest.mark.parametrize("text,value", [
    ("2", Decimal(2)), ("10", Decimal(10)), ("100Mi", Decimal(100 * 2 ** 20)), ("500m", Decimal("0.5")),
    ("1e3", Decimal(1000)), ("1.5k", Decimal(1500)), ("a", None), ("", None), ("1x", None),
], ids=["int", "ten", "binary", "milli", "exponent", "decimal-si", "word", "empty", "bad-suffix"])
def test_quantities(text, value):
    assert parse_quantity(text) == value


@pytest.mark.parametrize("a,b,less", [
    (1, 2, True), (2, 1, False), (1.5, 2.5, True), ("b", "a", False), ("2", "10", True), ("a", "10", False),
    (None, 1, True), (1, None, False), (None, None, False),
], ids=["ints", "ints-reversed", "floats", "strings", "quantities", "string-vs-quantity", "nil-first", "nil-last",
        "nils"])
def test_go_less(a, b, less):
    assert go_less(a, b) is less


@pytest.mark.parametrize("a,b", [(1, "1"), ({"a": 1}, {"a": 2}), (True, False)], ids=["mixed", "maps", "bools"])
def test_unsortable(a, b):
    with pytest.raises(SortError):
        go_less(a, b)


def test_sort_objects_and_missing_fields():
    objs = [{"n": "x", "s": 3}, {"n": "y"}, {"n": "z", "s": 1}, {"n": "w"}]
    assert [o["n"] for o in sort_objects(objs, ".s")] == ["w", "y", "z", "x"]
    with pytest.raises(SortError, match='couldn\'t find any field with path "{.nosuch}" in the list of objects'):
        sort_objects(objs, ".nosuch")


def test_sort_rows_by_their_objects():
    rows = [{"cells": ["b"], "object": {"metadata": {"name": "b"}}}, {"cells": ["a"], "object": {"metadata": {"name": "a"}}}]
    assert [r["cells"][0] for r in sort_rows(rows, sort_field(".metadata.name"))] == ["a", "b"]
    assert sort_field("{.a}{.b}") == "{.a}{.b}"  # not a relaxed path: used as given
