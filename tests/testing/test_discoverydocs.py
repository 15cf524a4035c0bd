"""The recorded discovery documents and the resources a cluster adds to them."""

from __future__ import annotations

import pytest

from dynclient.testing.discoverydocs import AGGREGATED_V2, DiscoveryDocuments, load_release


@pytest.fixture
def docs():
    return DiscoveryDocuments()


def test_the_recorded_release_is_a_recent_kubernetes():
    release = load_release()
    assert int(release["version"]["minor"].rstrip("+")) >= 30
    groups = {g["metadata"]["name"] for g in release["aggregated"]["/apis"]["items"]}
    assert {"apps", "batch", "apiextensions.k8s.io", "rbac.authorization.k8s.io"} <= groups
    assert not any(g.endswith(".example.com") or "test" in g for g in groups)  # no CRD leftovers recorded


FOUND = [
    ("core", ("", "v1", "configmaps"), ("ConfigMap", True)),
    ("apps", ("apps", "v1", "deployments"), ("Deployment", True)),
    ("cluster-scoped", ("", "v1", "nodes"), ("Node", False)),
    ("crds", ("apiextensions.k8s.io", "v1", "customresourcedefinitions"), ("CustomResourceDefinition", False)),
]


@pytest.mark.parametrize("gvr, expected", [f[1:] for f in FOUND], ids=[f[0] for f in FOUND])
def test_find_builtin(docs, gvr, expected):
    info = docs.find(*gvr)
    assert (info.kind, info.namespaced) == expected and not info.custom


def test_aggregated_and_legacy_forms(docs):
    body, content_type = docs.document("/apis", aggregated=True)
    assert content_type == AGGREGATED_V2 and b'"APIGroupDiscoveryList"' in body
    body, content_type = docs.document("/apis", aggregated=False)
    assert content_type == "application/json" and b'"APIGroupList"' in body
    body, _ = docs.document("/apis/apps/v1", aggregated=True)  # a group-version is always legacy
    assert b'"APIResourceList"' in body
    assert docs.document("/apis/nope/v1", aggregated=False) is None


def test_added_resource_appears_in_both_forms_and_goes_again(docs):
    docs.add_resource("example.com", "v1", "widgets", "Widget", short_names=("wdg",), subresources=("status",))
    assert docs.find("example.com", "v1", "widgets").custom
    assert b'"widgets"' in docs.document("/apis", aggregated=True)[0]
    assert b'"example.com/v1"' in docs.document("/apis", aggregated=False)[0]
    assert b'"widgets/status"' in docs.document("/apis/example.com/v1", aggregated=False)[0]
    docs.remove_resource("example.com", "v1", "widgets")
    assert docs.find("example.com", "v1", "widgets") is None
    assert b'"example.com"' not in docs.document("/apis", aggregated=True)[0]


def test_clusters_do_not_share_additions():
    one, other = DiscoveryDocuments(), DiscoveryDocuments()
    one.add_resource("apps", "v1", "gizmos", "Gizmo")
    assert one.find("apps", "v1", "gizmos") and other.find("apps", "v1", "gizmos") is None
    assert other.find("apps", "v1", "deployments")


VERSIONS = [("ga-first", ["v1beta1", "v1", "v2alpha1"], ["v1", "v1beta1", "v2alpha1"]),
            ("higher-major", ["v1", "v2"], ["v2", "v1"])]


@pytest.mark.parametrize("added, order", [v[1:] for v in VERSIONS], ids=[v[0] for v in VERSIONS])
def test_versions_in_kubernetes_priority_order(docs, added, order):
    for version in added:
        docs.add_resource("example.com", version, "widgets", "Widget")
    assert docs.preferred_version("example.com") == order[0]
