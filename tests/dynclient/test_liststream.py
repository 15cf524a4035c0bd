from __future__ import annotations

import json

import pytest

from dynclient.liststream import split_list

CASES = [
    {"kind": "List", "metadata": {"continue": "t"}, "items": [{"a": 1}, {"b": [1, 2, {"c": "]"}]}]},
    {"kind": "List", "items": [], "metadata": {}},
    {"items": [{"x": "\\u00e9 , ] }"}], "metadata": {"continue": ""}},
    {"metadata": {"resourceVersion": "1"}},
    {},
]


@pytest.mark.parametrize("doc", CASES, ids=["metadata-first", "empty-items", "tricky-strings", "no-items", "empty"])
@pytest.mark.parametrize("indent", [None, 2], ids=["compact", "indented"])
def test_items_and_fields_match_json_loads(doc, indent):
    text = json.dumps(doc, indent=indent)
    fields, items = split_list(text)
    assert list(items) == doc.get("items", [])
    assert fields == {k: v for k, v in doc.items() if k != "items"}


def test_items_are_decoded_lazily():
    fields, items = split_list('{"metadata":{"continue":"c"},"items":[{"a":1},{"broken"')
    assert next(items) == {"a": 1}
    assert fields == {"metadata": {"continue": "c"}}
    with pytest.raises(ValueError):
        next(items)


@pytest.mark.parametrize("text", ['[1,2]', '{"items":[1 2]}', '{"a":1 "b":2}'], ids=["array", "no-comma", "no-comma-top"])
def test_malformed_replies_raise_value_error(text):
    with pytest.raises(ValueError):
        list(split_list(text)[1])
