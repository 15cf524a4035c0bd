"""label and annotate: argument splitting, parsing, the merge patch and kubectl's words (no server needed)."""

from __future__ import annotations

import pytest

from dynclient.cli.label import ANNOTATIONS, LABELS, merge_patch, parse_labels, parse_pairs, split_pairs
from dynclient.cli.manifest_files import KubectlError
from dynclient.cli.objects import GoAggregate


@pytest.mark.parametrize("args,expected", [
    (["cm", "x", "a=b"], (["cm", "x"], ["a=b"])),
    (["cm/x", "a-", "b=c"], (["cm/x"], ["a-", "b=c"])),
    (["cm", "x", "=y"], (["cm", "x", "=y"], [])),
    (["cm", "-"], (["cm", "-"], [])),
], ids=["pair", "removal", "leading-equals-is-a-resource", "dash-is-a-resource"])
def test_split_pairs(args, expected):
    assert split_pairs(args, "label") == expected


def test_resource_after_pairs():
    with pytest.raises(KubectlError, match="all resources must be specified before label changes: cm"):
        split_pairs(["cm", "x", "a=b", "cm"], "label")


@pytest.mark.parametrize("specs,message", [
    (["a=b=c"], "invalid label spec: a=b=c"),
    (["a=b c"], 'invalid label value: "a=b c": a valid label must be an empty string'),
    (["a=" + "x" * 64], "must be no more than 63 characters"),
    (["a=b", "a-"], "can not both modify and remove a label in the same command"),
], ids=["two-equals", "bad-value", "too-long", "modify-and-remove"])
def test_parse_labels_errors(specs, message):
    with pytest.raises(KubectlError) as info:
        parse_labels(specs)
    assert message in str(info.value)


def test_parse_pairs_keeps_equals_in_values():
    assert parse_pairs(["a=b=c", "note=hello world", "x-"], "annotation") == (
        {"a": "b=c", "note": "hello world"}, ["x"])
    with pytest.raises(KubectlError, match="invalid annotation format: =x"):
        parse_pairs(["=x"], "annotation")


@pytest.mark.parametrize("before,after,patch", [
    ({"a": 1}, {"a": 1}, {}),
    ({"a": 1}, {"a": 2}, {"a": 2}),
    ({"a": 1}, {}, {"a": None}),
    ({"m": {"l": {"a": "1"}}}, {"m": {"l": {"a": "1", "b": "2"}}}, {"m": {"l": {"b": "2"}}}),
    ({"m": {}}, {"m": {"l": {}}}, {"m": {"l": {}}}),
], ids=["same", "changed", "removed", "nested", "empty-map-added"])
def test_merge_patch(before, after, patch):
    assert merge_patch(before, after) == patch


CM = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labels": {"a": "b"}}}


@pytest.mark.parametrize("obj,new,remove,overwrite,operation", [
    (CM, {"a": "b"}, [], False, "not labeled"),
    (CM, {"c": "d"}, [], False, "labeled"),
    (CM, {}, ["a"], False, "unlabeled"),
    (CM, {"a": "c"}, [], True, "labeled"),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}, {}, ["zz"], False, "labeled"),
], ids=["same-value", "new-key", "removed", "overwritten", "empty-map-set"])
def test_label_operation(obj, new, remove, overwrite, operation):
    after = LABELS.edited(obj, new, remove, overwrite)
    assert LABELS.operation(obj, after, overwrite) == operation


def test_label_clash_without_overwrite():
    with pytest.raises(KubectlError, match=r"'a' already has a value \(b\), and --overwrite is false"):
        LABELS.edited(CM, {"a": "c"}, [], False)
    two = {**CM, "metadata": {"name": "x", "labels": {"a": "b", "c": "d"}}}
    with pytest.raises(GoAggregate):
        LABELS.edited(two, {"a": "x", "c": "y"}, [], False)


def test_annotation_clash_is_one_error():
    obj = {"metadata": {"annotations": {"note": "hello world"}}}
    with pytest.raises(KubectlError) as info:
        ANNOTATIONS.edited(obj, {"note": "x"}, [], False)
    assert str(info.value) == ("--overwrite is false but found the following declared annotation(s): "
                               "'note' already has a value (hello world)")
    assert ANNOTATIONS.operation(obj, obj, False) == "annotated"
