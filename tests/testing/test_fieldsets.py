"""Field ownership and server-side apply, without HTTP."""

from __future__ import annotations

import pytest

from dynclient.testing import fieldsets
from dynclient.testing.statuses import ApiError

NOW = "2026-01-01T00:00:00Z"


def cm(data, **meta):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", **meta}, "data": data}


def apply(live, obj, manager, force=False):
    return fieldsets.apply(live, obj, manager=manager, force=force, api_version="v1", now=NOW)


def owners(obj):
    return {m["manager"]: fieldsets.decode(m["fieldsV1"]) for m in obj["metadata"].get("managedFields", [])}


PATHS = [
    ("scalars", cm({"a": "1"}), {("data", "a")}),
    ("labels-are-fields", cm({}, labels={"x": "y"}), {("data",), ("metadata", "labels", "x")}),
    ("server-metadata-ignored", cm({"a": "1"}, uid="u", resourceVersion="5"), {("data", "a")}),
    ("lists-are-atomic", {"spec": {"args": ["a", "b"]}}, {("spec", "args")}),
    ("empty-map-is-a-leaf", {"spec": {}}, {("spec",)}),
]


@pytest.mark.parametrize("obj, paths", [p[1:] for p in PATHS], ids=[p[0] for p in PATHS])
def test_leaf_paths(obj, paths):
    assert fieldsets.leaf_paths(obj) == paths


def test_encode_decode_round_trip():
    paths = {("data", "a"), ("data", "b"), ("metadata", "labels", "x")}
    encoded = fieldsets.encode(paths)
    assert encoded == {"f:data": {"f:a": {}, "f:b": {}}, "f:metadata": {"f:labels": {"f:x": {}}}}
    assert fieldsets.decode(encoded) == paths


CASES = [
    # (id, second manager's config, force, conflicts expected (field list) or resulting data)
    ("same-value-is-shared", {"a": "1"}, False, {"a": "1", "b": "1"}),
    ("different-value-conflicts", {"a": "2"}, False, [".data.a"]),
    ("two-conflicts-sorted", {"b": "2", "a": "2"}, False, [".data.a", ".data.b"]),
    ("force-takes-over", {"a": "2"}, True, {"a": "2", "b": "1"}),
    ("new-field-is-free", {"c": "1"}, False, {"a": "1", "b": "1", "c": "1"}),
]


@pytest.mark.parametrize("config, force, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_second_applier(config, force, expected):
    live = apply(None, cm({"a": "1", "b": "1"}), "alice")
    if isinstance(expected, list):
        with pytest.raises(ApiError) as info:
            apply(live, cm(config), "bob", force)
        assert info.value.code == 409
        assert [c["field"] for c in info.value.body["details"]["causes"]] == expected
        assert all(c["message"] == 'conflict with "alice"' for c in info.value.body["details"]["causes"])
    else:
        assert apply(live, cm(config), "bob", force)["data"] == expected


def test_forced_fields_leave_the_old_owner():
    live = apply(None, cm({"a": "1", "b": "1"}), "alice")
    after = apply(live, cm({"a": "2"}), "bob", force=True)
    assert owners(after) == {"alice": {("data", "b")}, "bob": {("data", "a")}}


def test_dropped_field_is_removed_unless_someone_else_owns_it():
    live = apply(None, cm({"a": "1", "b": "1"}), "alice")
    live = apply(live, cm({"b": "1"}), "bob")
    after = apply(live, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}, "alice")
    assert after["data"] == {"b": "1"}
    assert "alice" not in owners(after)
    claimed = apply(live, cm({}), "alice")  # an empty map claims the map, not bob's field in it
    assert owners(claimed)["alice"] == {("data",)} and claimed["data"] == {"b": "1"}


def test_update_takes_changed_fields_from_others():
    live = apply(None, cm({"a": "1", "b": "1"}), "alice")
    after = {**live, "data": {"a": "9", "b": "1"}}
    fieldsets.record_update(live, after, manager="kubectl-edit", api_version="v1", now=NOW)
    assert owners(after) == {"alice": {("data", "b")}, "kubectl-edit": {("data", "a")}}


def test_status_is_left_alone_by_a_main_resource_apply():
    obj = {**cm({"a": "1"}), "status": {"ready": True}}
    result = fieldsets.apply(None, obj, manager="m", force=False, api_version="v1", now=NOW, status_separate=True)
    assert "status" not in result
