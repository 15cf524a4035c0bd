"""patch: what -p becomes on the wire (no server needed)."""

from __future__ import annotations

import json

import pytest

from dynclient.cli.patch import patch_json


@pytest.mark.parametrize("text,expected", [
    ('{"data":{"a":"1"}}', '{"data":{"a":"1"}}'),
    ('[{"op":"remove","path":"/x"}]', '[{"op":"remove","path":"/x"}]'),
    ('data: {y: "1"}', {"data": {"y": "1"}}),
    ("not json", "not json"),
], ids=["json-kept-as-is", "json-patch", "yaml-converted", "yaml-scalar"])
def test_patch_json(text, expected):
    out = patch_json(text)
    assert (out if isinstance(expected, str) and text.startswith(("{", "[")) else json.loads(out)) == expected
