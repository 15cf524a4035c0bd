"""Routing: what a path names, which discovery form an Accept header gets, what the mux refuses."""

from __future__ import annotations

import json

import pytest

from dynclient.testing import FakeCluster
from dynclient.testing.server import Request, Target, parse_target

TARGETS = [
    ("core-collection", "/api/v1/configmaps", Target("", "v1", "configmaps")),
    ("namespaced-item", "/api/v1/namespaces/ns/configmaps/a", Target("", "v1", "configmaps", "ns", "a")),
    ("subresource", "/apis/apps/v1/namespaces/ns/deployments/d/scale",
     Target("apps", "v1", "deployments", "ns", "d", "scale")),
    ("namespace-itself", "/api/v1/namespaces/ns", Target("", "v1", "namespaces", None, "ns")),
    ("namespace-status", "/api/v1/namespaces/ns/status", Target("", "v1", "namespaces", None, "ns", "status")),
    ("cluster-item", "/api/v1/nodes/n1", Target("", "v1", "nodes", None, "n1")),
    ("discovery-is-not-a-target", "/apis/apps/v1", None),
    ("version", "/version", None),
]


@pytest.mark.parametrize("path, target", [t[1:] for t in TARGETS], ids=[t[0] for t in TARGETS])
def test_parse_target(path, target):
    assert parse_target(path) == target


def send(cluster, method, url, body=None, **headers):
    return cluster.server.handle(Request.from_url(method, url, headers, body))


ACCEPTS = [
    ("v2", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
     "APIGroupDiscoveryList"),
    ("v2beta1-only-gets-legacy", "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList",
     "APIGroupList"),
    ("json", "application/json", "APIGroupList"),
]


@pytest.mark.parametrize("accept, kind", [a[1:] for a in ACCEPTS], ids=[a[0] for a in ACCEPTS])
def test_discovery_form_follows_accept(accept, kind):
    reply = send(FakeCluster(), "GET", "https://x/apis", Accept=accept)
    assert json.loads(reply.body)["kind"] == kind


REFUSED = [
    ("unserved-resource", "GET", "/api/v1/namespaces/default/widgets", 404),
    ("namespaced-path-for-cluster-scoped", "GET", "/api/v1/namespaces/default/nodes", 404),
    ("named-namespaced-without-namespace", "GET", "/api/v1/configmaps/a", 404),
    ("unknown-subresource", "GET", "/api/v1/namespaces/default/configmaps/a/frob", 404),
    ("verb-not-served", "DELETE", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews/x", 405),
    ("unknown-discovery-path", "GET", "/apis/nope/v1", 404),
]


@pytest.mark.parametrize("method, path, code", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_refused_like_the_real_mux(method, path, code):
    assert send(FakeCluster(), method, "https://x" + path).status == code


def test_health_endpoints():
    reply = send(FakeCluster(), "GET", "https://x/readyz")
    assert (reply.status, reply.body) == (200, b"ok")


def test_apply_that_creates_is_201_and_needs_a_field_manager():
    cluster = FakeCluster()
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}).encode()
    url = "https://x/api/v1/namespaces/default/configmaps/a"
    missing = send(cluster, "PATCH", url, body, **{"Content-Type": "application/apply-patch+yaml"})
    assert missing.status == 422 and b"fieldManager: Required value" in missing.body
    created = send(cluster, "PATCH", url + "?fieldManager=m", body, **{"Content-Type": "application/apply-patch+yaml"})
    assert created.status == 201
    again = send(cluster, "PATCH", url + "?fieldManager=m", body, **{"Content-Type": "application/apply-patch+yaml"})
    assert again.status == 200


def test_openapi_v3_says_patch_takes_field_validation_for_every_served_kind():
    cluster = FakeCluster()
    index = json.loads(send(cluster, "GET", "https://x/openapi/v3").body)
    url = index["paths"]["api/v1"]["serverRelativeURL"]
    assert url.startswith("/openapi/v3/api/v1?hash=") and "apis/apps/v1" in index["paths"]
    doc = json.loads(send(cluster, "GET", "https://x" + url).body)
    patch = doc["paths"]["/api/v1/namespaces/{namespace}/configmaps/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {"group": "", "version": "v1", "kind": "ConfigMap"}
    assert "fieldValidation" in [p["name"] for p in patch["parameters"]]
    assert send(cluster, "GET", "https://x/openapi/v3/apis/nope/v1").status == 404
    assert send(cluster, "GET", "https://x/openapi/v2").status == 404
