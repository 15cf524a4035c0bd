"""version: the JSON layout of version.Info."""

from __future__ import annotations

import json

from dynclient.cli import version


def test_version_json_layout():
    doc = {"clientVersion": version.client_info(),
           "serverVersion": version._info({"gitVersion": "v1.36.3", "major": "1", "minor": "36", "extra": "x"})}
    text = version._json(doc)
    assert text.startswith('{\n  "clientVersion": {\n    "major": ')
    parsed = json.loads(text)
    assert list(parsed["serverVersion"]) == list(version.INFO_FIELDS)
    assert parsed["serverVersion"]["gitVersion"] == "v1.36.3" and "extra" not in parsed["serverVersion"]
