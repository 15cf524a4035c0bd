"""The resource client's verbs: the exact request each one sends, to a real server on loopback."""

from __future__ import annotations

import json

import pytest

import dynclient
from discovery.types import GroupVersionKind, GroupVersionResource
from dynclient.resource import ResourceClient
from restmapper.mapping import RESTMapping, Scope

CM = RESTMapping(GroupVersionResource("", "v1", "configmaps"), GroupVersionKind("", "v1", "ConfigMap"), Scope.NAMESPACE)
NS = RESTMapping(GroupVersionResource("", "v1", "namespaces"), GroupVersionKind("", "v1", "Namespace"), Scope.ROOT)
WIDGET = RESTMapping(GroupVersionResource("example.com", "v1", "widgets"),
                     GroupVersionKind("example.com", "v1", "Widget"), Scope.NAMESPACE)


@pytest.fixture
def cms(transport):
    return ResourceClient(transport, CM)


def test_identity_and_immutable_builders(cms):
    scoped = cms.namespace("team-a")
    assert (scoped.gvr, scoped.gvk, scoped.namespaced, scoped.ns) == (CM.resource, CM.group_version_kind, True, "team-a")
    assert cms.ns is None  # namespace() returned a new client
    assert scoped.subresource("status").subresource_name == "status"
    assert scoped.subresource_name is None


def test_cluster_scoped_resource_refuses_a_namespace_before_any_request(transport):
    with pytest.raises(ValueError, match="cluster-scoped"):
        ResourceClient(transport, NS).namespace("default")


def test_namespaced_item_verbs_need_a_namespace(cms):
    with pytest.raises(ValueError, match="namespaced"):
        cms.get("x")


BODY = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "team-a"}, "data": {"k": "v"}}
SCOPED = "/api/v1/namespaces/team-a/configmaps"


@pytest.mark.parametrize(
    "call, method, path, params, content_type",
    [
        (lambda r: r.get("c"), "GET", SCOPED + "/c", {}, None),
        (lambda r: r.list(label_selector="a=b", limit=10), "GET", SCOPED, {"labelSelector": "a=b", "limit": "10"}, None),
        (lambda r: r.create(BODY, dry_run=True), "POST", SCOPED, {"dryRun": "All"}, "application/json"),
        (lambda r: r.update(BODY), "PUT", SCOPED + "/c", {}, "application/json"),
        (lambda r: r.update_status(BODY), "PUT", SCOPED + "/c/status", {}, "application/json"),
        (lambda r: r.patch("c", {"data": {"k": "w"}}), "PATCH", SCOPED + "/c", {}, "application/merge-patch+json"),
        (lambda r: r.patch("c", [{"op": "remove", "path": "/data/k"}], "json"), "PATCH", SCOPED + "/c", {},
         "application/json-patch+json"),
        (lambda r: r.patch("c", {"data": {}}, "strategic"), "PATCH", SCOPED + "/c", {},
         "application/strategic-merge-patch+json"),
        (lambda r: r.apply(BODY, field_manager="me", force=True), "PATCH", SCOPED + "/c",
         {"fieldManager": "me", "force": "true"}, "application/apply-patch+yaml"),
        (lambda r: r.delete("c", propagation_policy="Foreground"), "DELETE", SCOPED + "/c", {}, "application/json"),
        (lambda r: r.delete_collection(label_selector="x"), "DELETE", SCOPED, {"labelSelector": "x"}, "application/json"),
        (lambda r: r.subresource("status").get("c"), "GET", SCOPED + "/c/status", {}, None),
    ],
    ids=["get", "list", "create-dry-run", "update", "update-status", "merge-patch", "json-patch",
         "strategic-patch", "apply", "delete", "delete-collection", "subresource-get"],
)
def test_verbs_send_the_right_request(mock_server, cms, call, method, path, params, content_type):
    mock_server.add(method, path, json={"kind": "ConfigMap"}, query=params)
    assert call(cms.namespace("team-a")) == {"kind": "ConfigMap"}
    sent = mock_server.calls[0]
    assert (sent.method, sent.path, dict(sent.query)) == (method, path, params)
    assert sent.headers.get("Content-Type") == content_type


def test_delete_sends_delete_options(mock_server, cms):
    mock_server.add("DELETE", SCOPED + "/c", json={})
    cms.namespace("team-a").delete("c", propagation_policy="Background", grace_period_seconds=0,
                                   preconditions={"uid": "u1"}, dry_run=True)
    body = json.loads(mock_server.calls[0].body)
    assert body == {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background",
                    "gracePeriodSeconds": 0, "preconditions": {"uid": "u1"}, "dryRun": ["All"]}


def test_object_namespace_is_used_when_client_has_none(mock_server, cms):
    mock_server.add("PUT", SCOPED + "/c", json={})
    cms.update(BODY)


def test_object_namespace_must_match_client(cms):
    with pytest.raises(ValueError, match="says namespace 'team-a'"):
        cms.namespace("other").update(BODY)


def test_list_without_namespace_spans_all_namespaces(mock_server, cms):
    mock_server.add("GET", "/api/v1/configmaps", json={"items": []})
    assert cms.list() == {"items": []}


def page(names, token=""):
    return {"items": [{"metadata": {"name": n, "namespace": "ns"}} for n in names], "metadata": {"continue": token}}


def test_iter_follows_continue(mock_server, cms):
    mock_server.add("GET", "/api/v1/configmaps", json=page(["a", "b"], "t1"), query={"limit": "2"})
    mock_server.add("GET", "/api/v1/configmaps", json=page(["c"]), query={"limit": "2", "continue": "t1"})
    assert [i["metadata"]["name"] for i in cms.iter(limit=2)] == ["a", "b", "c"]


def test_iter_relists_once_when_the_token_expires(mock_server, cms):
    expired = {"kind": "Status", "code": 410, "reason": "Expired", "message": "token expired"}
    mock_server.add("GET", "/api/v1/configmaps", json=page(["a", "b"], "t1"), query={"limit": "2"})
    mock_server.add("GET", "/api/v1/configmaps", json=expired, status=410, query={"limit": "2", "continue": "t1"})
    mock_server.add("GET", "/api/v1/configmaps", json=page(["a", "b"], "t2"), query={"limit": "2"})
    mock_server.add("GET", "/api/v1/configmaps", json=page(["c", "d"]), query={"limit": "2", "continue": "t2"})
    assert [i["metadata"]["name"] for i in cms.iter(limit=2)] == ["a", "b", "c", "d"]


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda r: r.patch("c", {}, "bogus"), "patch_type must be one of"),
        (lambda r: r.apply({"metadata": {"name": "c"}}, field_manager=""), "needs a field_manager"),
        (lambda r: r.update({"metadata": {}}), "no metadata.name"),
        (lambda r: r.delete("c", propagation_policy="Sometimes"), "propagation_policy"),
    ],
    ids=["bad-patch-type", "apply-without-manager", "update-without-name", "bad-propagation"],
)
def test_caller_mistakes_are_value_errors(cms, call, error):
    with pytest.raises(ValueError, match=error):
        call(cms.namespace("team-a"))


@pytest.mark.parametrize("call", [lambda r: r.get("c"), lambda r: list(r.iter())], ids=["get", "iter"])
def test_a_2xx_reply_that_is_not_json_is_an_invalid_response(mock_server, cms, call):
    url = SCOPED + "/c" if call.__code__.co_names == ("get",) else SCOPED
    mock_server.add("GET", url, body="<html>proxy says hi</html>", status=200)
    with pytest.raises(dynclient.InvalidResponse, match="/api/v1/namespaces/team-a/configmaps"):
        call(cms.namespace("team-a"))
