"""The path builder: client-go's segment checks and Go's path escaping, case by case."""

from __future__ import annotations

import pytest

from discovery.types import GroupVersionResource
from dynclient.paths import escape_field_value, one_term_equal_selector, resource_path

PODS = GroupVersionResource("", "v1", "pods")
DEPLOY = GroupVersionResource("apps", "v1", "deployments")
NODES = GroupVersionResource("", "v1", "nodes")
CMS = "/api/v1/namespaces/default/configmaps/"


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


# Each expected path is what kubectl 1.36 sent for the same name (kubectl get cm NAME -v=6).
@pytest.mark.parametrize(
    "name, escaped",
    [
        ("foo?x=1", "foo%3Fx=1"),
        ("a b", "a%20b"),
        ("a#b", "a%23b"),
        ("a!*'()$&+,:;=@~b", "a%21%2A%27%28%29$&+,:;=@~b"),
        ("\u00fc", "%C3%BC"),
        ("a\r\nHost: evil", "a%0D%0AHost:%20evil"),
        ("a\x00b", "a%00b"),
        ("x HTTP/1.1", None),
        ("...", "..."),
        ("a.b-c_d", "a.b-c_d"),
    ],
    ids=["query", "space", "fragment", "go-path-set", "utf8", "crlf", "nul", "slash-refused", "three-dots", "plain"],
)
def test_names_are_escaped_as_go_escapes_a_path(name, escaped):
    if escaped is None:
        with pytest.raises(ValueError):
            resource_path(GroupVersionResource("", "v1", "configmaps"), "default", name)
        return
    assert resource_path(GroupVersionResource("", "v1", "configmaps"), "default", name) == CMS + escaped


@pytest.mark.parametrize(
    "ns, name, sub, message",
    [
        (None, "..", None, "invalid resource name \"..\": [may not be '..']"),
        (None, ".", None, "invalid resource name \".\": [may not be '.']"),
        (None, "a/b", None, "invalid resource name \"a/b\": [may not contain '/']"),
        (None, "a%2f", None, "invalid resource name \"a%2f\": [may not contain '%']"),
        (None, "a/%", None, "invalid resource name \"a/%\": [may not contain '/' may not contain '%']"),
        (None, "", None, "resource name may not be empty"),
        ("Bad_NS", "x", None, "not a valid DNS-1123 label"),
        ("ns\n", "x", None, "not a valid DNS-1123 label"),
        ("../etc", "x", None, "invalid namespace \"../etc\": [may not contain '/']"),
        (None, "x", "status?dryRun=All", None),
        (None, "x", "../../secrets", "invalid subresource \"../../secrets\": [may not contain '/']"),
        (None, "x", "..", "invalid subresource \"..\": [may not be '..']"),
        (None, "a\nb/c", None, "invalid resource name \"a\\nb/c\": [may not contain '/']"),
    ],
    ids=["dotdot", "dot", "slash", "percent", "both", "empty", "bad-namespace", "namespace-trailing-newline",
         "namespace-traversal",
         "subresource-query-is-escaped", "subresource-traversal", "subresource-dotdot", "message-escapes-newline"],
)
def test_unsafe_segments_are_refused_with_client_go_messages(ns, name, sub, message):
    if message is None:  # not refused: escaped into one segment
        assert resource_path(PODS, "default", name, sub) == "/api/v1/namespaces/default/pods/x/status%3FdryRun=All"
        return
    with pytest.raises(ValueError) as info:
        resource_path(PODS, ns, name, sub)
    assert message in str(info.value)


@pytest.mark.parametrize(
    "gvr, message",
    [
        (GroupVersionResource("", "v1", "../secrets"), "invalid resource \"../secrets\""),
        (GroupVersionResource("a/b", "v1", "x"), "invalid group \"a/b\""),
        (GroupVersionResource("", "..", "x"), "invalid version \"..\""),
    ],
    ids=["resource", "group", "version"],
)
def test_every_segment_is_checked(gvr, message):
    with pytest.raises(ValueError, match=message):
        resource_path(gvr)


def test_a_name_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="resource name must be a str, got int"):
        resource_path(PODS, "default", 7)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("a,metadata.name!=b", "metadata.name=a\\,metadata.name!\\=b"),
        ("a\\b", "metadata.name=a\\\\b"),
        ("plain", "metadata.name=plain"),
        ("=,\\", "metadata.name=\\=\\,\\\\"),
    ],
    ids=["two-terms-become-one", "backslash", "plain", "all-three"],
)
def test_one_term_equal_selector_escapes_as_apimachinery(value, expected):
    assert one_term_equal_selector("metadata.name", value) == expected
    assert escape_field_value(value) == expected.split("=", 1)[1]
