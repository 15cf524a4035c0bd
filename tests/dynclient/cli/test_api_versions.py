"""api-versions: the list kubectl prints from discovery's groups."""

from __future__ import annotations

from discovery.model import APIGroup
from dynclient.cli.api_versions import group_versions


def test_group_versions_sorted_core_as_v1():
    groups = [APIGroup("", ("v1",)), APIGroup("apps", ("v1",)), APIGroup("batch", ("v1", "v1beta1")),
              APIGroup("admissionregistration.k8s.io", ("v1",))]
    assert group_versions(groups) == ["admissionregistration.k8s.io/v1", "apps/v1", "batch/v1", "batch/v1beta1", "v1"]
