"""diff: kubectl's file names and Secret masking."""

from __future__ import annotations

import pytest

from dynclient.cli.diff import file_name, mask_secrets


@pytest.mark.parametrize("args,expected", [
    (("apps", "v1", "Deployment", "ns", "web"), "apps.v1.Deployment.ns.web"),
    (("", "v1", "Namespace", "", "x"), "v1.Namespace..x"),
], ids=["grouped", "core-cluster-scoped"])
def test_diff_file_name(args, expected):
    assert file_name(*args) == expected


def test_secret_masking():
    live = {"kind": "Secret", "data": {"same": "YQ==", "changed": "Yg==", "gone": "Yw=="}}
    merged = {"kind": "Secret", "data": {"same": "YQ==", "changed": "ZA==", "new": "ZQ=="}}
    masked_live, masked_merged = mask_secrets(live, merged)
    assert masked_live["data"] == {"same": "***", "changed": "*** (before)", "gone": "***"}
    assert masked_merged["data"] == {"same": "***", "changed": "*** (after)", "new": "***"}
    assert live["data"]["same"] == "YQ=="  # the inputs are not changed
    assert mask_secrets(None, {"data": {"k": "dg=="}}) == (None, {"data": {"k": "***"}})
