"""The three patch formats, case by case (RFC 7386, RFC 6902, strategic merge with built-in merge keys)."""

from __future__ import annotations

import pytest

from dynclient.testing.patches import json_patch, merge_patch, strategic_merge_patch
from dynclient.testing.statuses import ApiError

MERGE = [
    ("add", {"a": 1}, {"b": 2}, {"a": 1, "b": 2}),
    ("null-deletes", {"a": 1, "b": 2}, {"a": None}, {"b": 2}),
    ("nested", {"a": {"x": 1, "y": 2}}, {"a": {"y": None, "z": 3}}, {"a": {"x": 1, "z": 3}}),
    ("list-replaces", {"a": [1, 2]}, {"a": [3]}, {"a": [3]}),
    ("scalar-over-map", {"a": {"x": 1}}, {"a": 5}, {"a": 5}),
]


@pytest.mark.parametrize("target, patch, result", [m[1:] for m in MERGE], ids=[m[0] for m in MERGE])
def test_merge_patch(target, patch, result):
    assert merge_patch(target, patch) == result


JSON = [
    ("add", {"a": 1}, [{"op": "add", "path": "/b", "value": 2}], {"a": 1, "b": 2}),
    ("add-to-list-end", {"a": [1]}, [{"op": "add", "path": "/a/-", "value": 2}], {"a": [1, 2]}),
    ("insert", {"a": [1, 3]}, [{"op": "add", "path": "/a/1", "value": 2}], {"a": [1, 2, 3]}),
    ("remove", {"a": 1, "b": 2}, [{"op": "remove", "path": "/a"}], {"b": 2}),
    ("replace", {"a": 1}, [{"op": "replace", "path": "/a", "value": 9}], {"a": 9}),
    ("move", {"a": 1}, [{"op": "move", "from": "/a", "path": "/b"}], {"b": 1}),
    ("copy", {"a": 1}, [{"op": "copy", "from": "/a", "path": "/b"}], {"a": 1, "b": 1}),
    ("test-then-add", {"a": 1}, [{"op": "test", "path": "/a", "value": 1}, {"op": "add", "path": "/c", "value": 0}],
     {"a": 1, "c": 0}),
    ("escaped", {"a/b": 1}, [{"op": "remove", "path": "/a~1b"}], {}),
]


@pytest.mark.parametrize("doc, ops, result", [j[1:] for j in JSON], ids=[j[0] for j in JSON])
def test_json_patch(doc, ops, result):
    assert json_patch(doc, ops) == result


JSON_ERRORS = [
    ("failed-test", [{"op": "test", "path": "/a", "value": 2}]),
    ("missing-path", [{"op": "remove", "path": "/nope"}]),
    ("unknown-op", [{"op": "frobnicate", "path": "/a"}]),
    ("no-value", [{"op": "add", "path": "/b"}]),
]


@pytest.mark.parametrize("ops", [e[1] for e in JSON_ERRORS], ids=[e[0] for e in JSON_ERRORS])
def test_json_patch_errors_are_422(ops):
    with pytest.raises(ApiError) as info:
        json_patch({"a": 1}, ops)
    assert info.value.code == 422


def _pod(*containers):
    return {"spec": {"containers": list(containers)}}


STRATEGIC = [
    ("containers-by-name", _pod({"name": "a", "image": "1"}, {"name": "b", "image": "1"}),
     _pod({"name": "b", "image": "2"}), _pod({"name": "a", "image": "1"}, {"name": "b", "image": "2"})),
    ("new-container-appended", _pod({"name": "a"}), _pod({"name": "b"}), _pod({"name": "a"}, {"name": "b"})),
    ("delete-directive", _pod({"name": "a"}, {"name": "b"}), _pod({"name": "a", "$patch": "delete"}),
     _pod({"name": "b"})),
    ("env-by-name", _pod({"name": "a", "env": [{"name": "X", "value": "1"}]}),
     _pod({"name": "a", "env": [{"name": "Y", "value": "2"}]}),
     _pod({"name": "a", "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]})),
    ("container-ports-by-containerPort", _pod({"name": "a", "ports": [{"containerPort": 80}]}),
     _pod({"name": "a", "ports": [{"containerPort": 80, "name": "http"}]}),
     _pod({"name": "a", "ports": [{"containerPort": 80, "name": "http"}]})),
    ("service-ports-by-port", {"spec": {"ports": [{"port": 80}, {"port": 443}]}},
     {"spec": {"ports": [{"port": 443, "name": "https"}]}},
     {"spec": {"ports": [{"port": 80}, {"port": 443, "name": "https"}]}}),
    ("volumes-by-name", {"spec": {"volumes": [{"name": "v", "emptyDir": {}}]}},
     {"spec": {"volumes": [{"name": "w", "emptyDir": {}}]}},
     {"spec": {"volumes": [{"name": "v", "emptyDir": {}}, {"name": "w", "emptyDir": {}}]}}),
    ("finalizers-merge-as-a-set", {"metadata": {"finalizers": ["a"]}}, {"metadata": {"finalizers": ["a", "b"]}},
     {"metadata": {"finalizers": ["a", "b"]}}),
    ("unkeyed-list-replaced", {"spec": {"args": ["a"]}}, {"spec": {"args": ["b"]}}, {"spec": {"args": ["b"]}}),
    ("map-replace-directive", {"spec": {"a": 1, "b": 2}}, {"spec": {"$patch": "replace", "c": 3}},
     {"spec": {"c": 3}}),
    ("order-directive-dropped", _pod({"name": "a"}), {"spec": {"$setElementOrder/containers": [{"name": "a"}]}},
     _pod({"name": "a"})),
]


@pytest.mark.parametrize("target, patch, result", [s[1:] for s in STRATEGIC], ids=[s[0] for s in STRATEGIC])
def test_strategic_merge_patch(target, patch, result):
    assert strategic_merge_patch(target, patch) == result
