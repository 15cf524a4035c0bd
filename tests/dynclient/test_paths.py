from __future__ import annotations

import pytest

from discovery.types import GroupVersionResource
from dynclient.paths import resource_path

PODS = GroupVersionResource("", "v1", "pods")
DEPLOY = GroupVersionResource("apps", "v1", "deployments")
NODES = GroupVersionResource("", "v1", "nodes")


@pytest.mark.parametrize(
    "gvr, ns, name, sub, expected",
    [
        (PODS, None, None, None, "/api/v1/pods"),
        (PODS, "default", None, None, "/api/v1/namespaces/default/pods"),
        (PODS, "default", "web", None, "/api/v1/namespaces/default/pods/web"),
        (PODS, "default", "web", "log", "/api/v1/namespaces/default/pods/web/log"),
        (DEPLOY, "prod", "api", "scale", "/apis/apps/v1/namespaces/prod/deployments/api/scale"),
        (NODES, None, "n1", "status", "/api/v1/nodes/n1/status"),
        (DEPLOY, None, None, None, "/apis/apps/v1/deployments"),
    ],
    ids=["core-all-ns", "core-ns", "core-item", "core-subresource", "group-scale", "cluster-status", "group-all-ns"],
)
def test_resource_path(gvr, ns, name, sub, expected):
    assert resource_path(gvr, ns, name, sub) == expected


@pytest.mark.parametrize(
    "ns, name, message",
    [
        (None, "..", "may not be '..'"),
        (None, ".", "may not be '.'"),
        (None, "a/b", "may not contain '/'"),
        (None, "a%2f", "may not contain '%'"),
        (None, "", "must not be empty"),
        ("Bad_NS", "x", "not a valid DNS-1123 label"),
        ("../etc", "x", "may not contain '/'"),
    ],
    ids=["dotdot", "dot", "slash", "percent", "empty", "bad-namespace", "namespace-traversal"],
)
def test_unsafe_names_are_refused_before_any_request(ns, name, message):
    with pytest.raises(ValueError, match=message):
        resource_path(PODS, ns, name)
