"""auth can-i: the SelfSubjectAccessReview bodies kubectl sends."""

from __future__ import annotations

from discovery.types import GroupVersionResource
from dynclient.cli.auth import review_body


def test_review_bodies():
    resource = review_body("ns", "get", GroupVersionResource("apps", "v1", "deployments"), "", "web")
    assert resource["spec"] == {"resourceAttributes": {"namespace": "ns", "verb": "get", "group": "apps",
                                                       "resource": "deployments", "name": "web"}}
    url = review_body("", "get", GroupVersionResource("", "", ""), "", "", "/healthz")
    assert url["spec"] == {"nonResourceAttributes": {"path": "/healthz", "verb": "get"}}
