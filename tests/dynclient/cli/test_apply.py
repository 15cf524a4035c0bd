"""apply: flag values and kubectl's error texts (no server needed)."""

from __future__ import annotations

import pytest

from discovery.errors import status_error_from_response
from dynclient.cli.apply import conflict_error, dry_run_strategy, namespace_mismatch
from dynclient.cli.manifest_files import KubectlError


@pytest.mark.parametrize("value", ["none", "server", "client"])
def test_dry_run_values(value):
    assert dry_run_strategy(value) == value


def test_bad_dry_run():
    with pytest.raises(KubectlError, match=r'Invalid dry-run value \(x\)'):
        dry_run_strategy("x")


def test_conflict_error_adds_kubectls_advice():
    err = status_error_from_response(409, b'{"kind":"Status","reason":"Conflict","code":409,'
                                          b'"message":"Apply failed with 1 conflict: conflict with \\"x\\": .data.a"}')
    text = str(conflict_error(err))
    assert text.startswith('Apply failed with 1 conflict: conflict with "x": .data.a\nPlease review the fields above')
    assert text.endswith("server-side-apply/#conflicts")


def test_namespace_mismatch_words():
    assert str(namespace_mismatch("a", "b")) == (
        'the namespace from the provided object "a" does not match the namespace "b". '
        "You must pass '--namespace=a' to perform this operation.")


@pytest.mark.parametrize("dry_run,expected", [
    (False, "configmap/cfg serverside-applied"),
    (True, "configmap/cfg serverside-applied (server dry run)"),
], ids=["plain", "server-dry-run"])
def test_result_line_is_kubectl_server_side(dry_run, expected):
    from types import SimpleNamespace

    from discovery.types import GroupVersionKind
    from dynclient.cli.apply import result_line

    result = SimpleNamespace(gvk=GroupVersionKind("", "v1", "ConfigMap"), name="cfg")
    assert result_line(result, dry_run) == expected


def test_list_text_is_metav1_list_order():
    import json

    from dynclient.cli.apply import list_text

    text = list_text([{"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "a"}}], "json")
    assert text.startswith('{\n    "kind": "List",\n    "apiVersion": "v1",\n    "metadata": {},\n    "items": [\n')
    assert json.loads(text)["items"][0]["metadata"]["name"] == "a"
    assert list_text([{"a": 1}], "yaml") == "apiVersion: v1\nitems:\n- a: 1\nkind: List\nmetadata: {}\n"
