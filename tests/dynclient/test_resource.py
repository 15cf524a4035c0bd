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
        (lambda r: r.apply(BODY, field_manager="me", field_validation="Strict"), "PATCH", SCOPED + "/c",
         {"fieldManager": "me", "fieldValidation": "Strict"}, "application/apply-patch+yaml"),
        (lambda r: r.create(BODY, field_validation="Warn"), "POST", SCOPED, {"fieldValidation": "Warn"},
         "application/json"),
        (lambda r: r.delete("c", propagation_policy="Foreground"), "DELETE", SCOPED + "/c", {}, "application/json"),
        (lambda r: r.delete_collection(label_selector="x"), "DELETE", SCOPED, {"labelSelector": "x"}, "application/json"),
        (lambda r: r.subresource("status").get("c"), "GET", SCOPED + "/c/status", {}, None),
    ],
    ids=["get", "list", "create-dry-run", "update", "update-status", "merge-patch", "json-patch",
         "strategic-patch", "apply", "apply-strict", "create-warn", "delete", "delete-collection", "subresource-get"],
)
def test_verbs_send_the_right_request(mock_server, cms, call, method, path, params, content_type):
    mock_server.add(method, path, json={"kind": "ConfigMap"}, query=params)
    assert call(cms.namespace("team-a")) == {"kind": "ConfigMap"}
    sent = mock_server.calls[0]
    assert (sent.method, sent.path, dict(sent.query)) == (method, path, params)
    assert sent.headers.get("Content-Type") == content_type


def test_an_unknown_field_validation_level_is_refused_before_sending(cms):
    with pytest.raises(ValueError, match="field_validation must be one of Strict, Warn, Ignore, got 'strict'"):
        cms.namespace("team-a").apply(BODY, field_manager="me", field_validation="strict")


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


# -- replies that are not what they claim (issue 13 item 5) ---------------------------------------------

HTML = "<html><body>\x1b[2Jproxy says hi</body></html>"


@pytest.mark.parametrize(
    "status, body, content_type, error, text",
    [
        (200, HTML, "text/html", dynclient.InvalidResponse, "the body is text/html, not JSON"),
        (502, HTML, "text/html", dynclient.InternalError, 'an error on the server ("<html><body>\\x1b[2Jproxy'),
        (200, "plain words", "text/plain", dynclient.InvalidResponse, "the body is text/plain, not JSON"),
        (200, "", "application/json", dynclient.InvalidResponse, "the body is empty"),
        (200, "[1, 2]", "application/json", dynclient.InvalidResponse, "the body is an array, not a JSON object"),
        (200, '"text"', "application/json", dynclient.InvalidResponse, "the body is a string, not a JSON object"),
        (200, "null", "application/json", dynclient.InvalidResponse, "the body is null, not a JSON object"),
        (200, b'{"kind": "\xff"}', "application/json", dynclient.InvalidResponse, "the body is not UTF-8 (byte 10)"),
        (200, "[" * 100_000 + "]" * 100_000, "application/json", dynclient.InvalidResponse, "nested too deeply"),
        (200, '{"kind": ', "application/json", dynclient.InvalidResponse, "the body is not valid JSON"),
        (302, "", "", dynclient.StatusError,
         "the server responded with the status code 302 but did not return more information (get configmaps c)"),
        (503, HTML, "text/html", dynclient.ServiceUnavailable,
         "the server is currently unable to handle the request (get configmaps c)"),
    ],
    ids=["html-200", "html-502", "text-plain", "empty", "array", "string", "null", "bad-utf8", "deep",
         "truncated", "redirect-no-body", "html-503"],
)
def test_replies_that_are_not_objects_are_errors_in_the_tree(mock_server, cms, status, body, content_type, error,
                                                               text):
    mock_server.add("GET", SCOPED + "/c", body=body, status=status, content_type=content_type)
    with pytest.raises(error) as info:
        cms.namespace("team-a").get("c")
    err = info.value
    assert type(err) is error
    assert text in str(err)
    assert err.method == "GET" and err.url == mock_server.url + SCOPED + "/c"
    assert "\x1b" not in str(err) and len(err.body) <= 4 * 200 + 3  # escaped, at most 200 bytes of it
    if isinstance(err, dynclient.InvalidResponse) or status < 400:
        # Raised by dynclient.replies. (An error status is the transport's: it passes no content type yet.)
        assert err.content_type == content_type
    if isinstance(err, dynclient.InvalidResponse):
        assert err.status_code == status and f"status code {status}" in str(err)


@pytest.mark.parametrize(
    "reply, text",
    [
        ({"items": {"a": 1}}, "the List's items is an object, not an array"),
        ({"items": ["x"]}, "the List's items[0] is a string, not an object"),
        ({"items": [], "metadata": "m"}, "the List's metadata is a string, not an object"),
        ({"items": [], "metadata": {"continue": 7}}, "metadata.continue is a number, not a string"),
    ],
    ids=["items-object", "item-string", "metadata-string", "continue-number"],
)
@pytest.mark.parametrize("verb", ["list", "iter"])
def test_a_list_of_the_wrong_shape_is_an_invalid_response(mock_server, cms, reply, text, verb):
    mock_server.add("GET", SCOPED, json=reply)
    client = cms.namespace("team-a")
    with pytest.raises(dynclient.InvalidResponse, match=text.replace("[", r"\[").replace("]", r"\]")):
        client.list() if verb == "list" else list(client.iter())


def test_iter_refuses_a_deep_item(mock_server, cms):
    mock_server.add("GET", SCOPED, body='{"items": [' + "[" * 100_000 + "]" * 100_000 + "]}",
                    content_type="application/json")
    with pytest.raises(dynclient.InvalidResponse, match="nested too deeply"):
        list(cms.namespace("team-a").iter())


# -- names in the request path (issue 13 item 8) ----------------------------------------------------------


@pytest.mark.parametrize(
    "name, sent",
    [("foo?x=1", "foo%3Fx=1"), ("a#b", "a%23b"), ("a b", "a%20b"), ("a\r\nX: y", "a%0D%0AX:%20y")],
    ids=["query", "fragment", "space", "crlf"],
)
@pytest.mark.parametrize("verb", ["get", "delete", "patch"])
def test_hostile_names_are_one_escaped_segment(mock_server, cms, name, sent, verb):
    method = verb.upper()
    mock_server.add(method, SCOPED + "/" + sent, json={"kind": "ConfigMap"})
    client = cms.namespace("team-a")
    {"get": lambda: client.get(name), "delete": lambda: client.delete(name),
     "patch": lambda: client.patch(name, {})}[verb]()
    assert [(c.method, c.path, c.query) for c in mock_server.calls] == [(method, SCOPED + "/" + sent, [])]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda r: r.subresource("status?dryRun=All").get("c"), None),
        (lambda r: r.subresource("../secrets"), "invalid subresource \"../secrets\": [may not contain '/']"),
        (lambda r: r.get("a/b"), "invalid resource name \"a/b\": [may not contain '/']"),
        (lambda r: r.delete(".."), "invalid resource name \"..\": [may not be '..']"),
        (lambda r: r.apply({"metadata": {"name": "x%2F"}}), "invalid resource name \"x%2F\": [may not contain '%']"),
        (lambda r: r.watch(name="a/b"), "may not contain '/'"),
    ],
    ids=["subresource-query-escaped", "subresource-traversal", "slash", "dotdot", "percent-from-object",
         "watch-name"],
)
def test_unsafe_segments_never_reach_the_server(mock_server, cms, call, message):
    client = cms.namespace("team-a")
    if message is None:
        mock_server.add("GET", SCOPED + "/c/status%3FdryRun=All", json={"kind": "ConfigMap"})
        call(client)
        assert mock_server.calls[0].query == []
        return
    with pytest.raises(ValueError) as info:
        call(client)
    assert message in str(info.value)
    assert mock_server.calls == []


def test_watch_by_name_sends_one_escaped_term(mock_server, cms):
    mock_server.add("GET", SCOPED, body=b"", content_type="application/json")
    watch = cms.namespace("team-a").watch(name="a,metadata.name!=b", timeout_seconds=1, resume=False)
    list(watch)
    selectors = [dict(c.query).get("fieldSelector") for c in mock_server.calls]
    assert selectors and set(selectors) == {"metadata.name=a\\,metadata.name!\\=b"}


@pytest.mark.parametrize("max_event_size, fits", [
    pytest.param(None, True, id="default-16MiB"),
    pytest.param(200, True, id="event-fits"),
    pytest.param(60, False, id="event-too-long"),
])
def test_watch_passes_max_event_size_on(mock_server, cms, max_event_size, fits):
    event = {"type": "ADDED", "object": {"kind": "ConfigMap", "metadata": {"name": "c", "resourceVersion": "7"}}}
    line = json.dumps(event).encode() + b"\n"
    assert 60 < len(line) < 200
    mock_server.add("GET", SCOPED, body=line, content_type="application/json")
    options = {} if max_event_size is None else {"max_event_size": max_event_size}
    watch = cms.namespace("team-a").watch(timeout_seconds=1, resume=False, **options)
    assert watch.max_event_size == (max_event_size or 16 * 1024 * 1024)
    if fits:
        assert list(watch) == [("ADDED", event["object"])]
        return
    with pytest.raises(dynclient.StatusError, match="longer than maximum allowed size"):
        list(watch)


# -- a stale cache heals itself (issue 12 item 4) ----------------------------------------------------------

OLD = RESTMapping(GroupVersionResource("a.example.com", "v1", "gadgets"),
                  GroupVersionKind("a.example.com", "v1", "Gadget"), Scope.NAMESPACE)
NEW = RESTMapping(GroupVersionResource("b.example.com", "v1", "gadgets"),
                  GroupVersionKind("b.example.com", "v1", "Gadget"), Scope.NAMESPACE)
OLD_PATH = "/apis/a.example.com/v1/namespaces/team-a/gadgets"
NEW_PATH = "/apis/b.example.com/v1/namespaces/team-a/gadgets"
NOT_FOUND_OBJECT = {"kind": "Status", "code": 404, "reason": "NotFound", "message": 'gadgets "g" not found',
                    "details": {"name": "g", "kind": "gadgets", "group": "a.example.com"}}
NOT_FOUND_PATH = {"kind": "Status", "code": 404, "reason": "NotFound",
                  "message": "the server could not find the requested resource", "details": {}}


class FakeHealer:
    def __init__(self, answer):
        self.answer, self.asked = answer, []

    def remap(self, mapping):
        self.asked.append(mapping)
        return self.answer


@pytest.mark.parametrize(
    "reply, heals",
    [
        (dict(body="404 page not found\n", content_type="text/plain"), True),
        (dict(json=NOT_FOUND_PATH), True),
        (dict(json=NOT_FOUND_OBJECT), False),
    ],
    ids=["page-not-found", "status-without-name", "object-not-found"],
)
@pytest.mark.parametrize(
    "verb, method, suffix",
    [("get", "GET", "/g"), ("list", "GET", ""), ("delete", "DELETE", "/g"), ("apply", "PATCH", "/g"),
     ("create", "POST", "")],
)
def test_an_unserved_404_is_healed_once_and_repeated_on_the_new_path(mock_server, transport, reply, heals, verb,
                                                                       method, suffix):
    healer = FakeHealer(NEW)
    client = ResourceClient(transport, OLD, healer=healer).namespace("team-a")
    mock_server.add(method, OLD_PATH + suffix, status=404, **reply)
    if heals:
        mock_server.add(method, NEW_PATH + suffix, json={"kind": "Gadget"})
    obj = {"apiVersion": "a.example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}}
    call = {"get": lambda: client.get("g"), "list": lambda: client.list(), "delete": lambda: client.delete("g"),
            "apply": lambda: client.apply(obj), "create": lambda: client.create(obj)}[verb]
    if heals:
        assert call() == {"kind": "Gadget"}
        assert healer.asked == [OLD]
        assert [c.path for c in mock_server.calls] == [OLD_PATH + suffix, NEW_PATH + suffix]
    else:
        with pytest.raises(dynclient.NotFound, match='gadgets "g" not found'):
            call()
        assert healer.asked == [] and len(mock_server.calls) == 1


def test_a_heal_that_finds_the_same_mapping_keeps_the_404(mock_server, transport):
    healer = FakeHealer(None)
    client = ResourceClient(transport, OLD, healer=healer).namespace("team-a")
    mock_server.add("GET", OLD_PATH + "/g", status=404, body="404 page not found\n", content_type="text/plain")
    with pytest.raises(dynclient.NotFound, match=r"the server could not find the requested resource \(get "
                                                 r"gadgets.a.example.com g\)"):
        client.get("g")
    assert healer.asked == [OLD] and len(mock_server.calls) == 1


def test_iter_moves_every_page_to_the_healed_path(mock_server, transport):
    client = ResourceClient(transport, OLD, healer=FakeHealer(NEW)).namespace("team-a")
    mock_server.add("GET", OLD_PATH, status=404, body="404 page not found\n", content_type="text/plain",
                    query={"limit": "1"})
    mock_server.add("GET", NEW_PATH, json=page(["a"], "t1"), query={"limit": "1"})
    mock_server.add("GET", NEW_PATH, json=page(["b"]), query={"limit": "1", "continue": "t1"})
    assert [i["metadata"]["name"] for i in client.iter(limit=1)] == ["a", "b"]


def test_a_client_made_from_a_gvr_never_heals(mock_server, transport):
    client = ResourceClient(transport, OLD).namespace("team-a")
    mock_server.add("GET", OLD_PATH + "/g", status=404, body="404 page not found\n", content_type="text/plain")
    with pytest.raises(dynclient.NotFound):
        client.get("g")


# -- the same replies through the requests transport, mocked at requests' adapter (``responses``) -----------

MOCK_HOST = "http://k8s.test:6443"


@pytest.fixture
def mocked_cms(mocked_responses):
    from dynclient.transport import Transport
    from tests.dynclient.conftest import make_config

    t = Transport(make_config(MOCK_HOST), qps=0, burst=1, sleep=lambda s: None, max_retries=0)
    yield ResourceClient(t, CM).namespace("team-a")
    t.close()


@pytest.mark.parametrize(
    "status, body, content_type, error, text",
    [
        (200, HTML, "text/html", dynclient.InvalidResponse, "the body is text/html, not JSON"),
        (200, "[]", "application/json", dynclient.InvalidResponse, "the body is an array, not a JSON object"),
        (200, "", "application/json", dynclient.InvalidResponse, "the body is empty"),
        (302, "", "text/plain", dynclient.StatusError,
         "the server responded with the status code 302 but did not return more information (get configmaps c)"),
        (502, "<html>bad gateway</html>", "text/html", dynclient.InternalError,
         'an error on the server ("<html>bad gateway</html>") has prevented the request from succeeding '
         "(get configmaps c)"),
        (404, "404 page not found", "text/plain", dynclient.NotFound,
         "the server could not find the requested resource (get configmaps c)"),
    ],
    ids=["html-200", "array", "empty", "redirect", "html-502", "page-not-found"],
)
def test_reply_shapes_through_requests(mocked_responses, mocked_cms, status, body, content_type, error, text):
    url = MOCK_HOST + SCOPED + "/c"
    mocked_responses.get(url, body=body, status=status, content_type=content_type,
                         headers={"Location": "http://elsewhere/"} if status == 302 else None)
    with pytest.raises(error) as info:
        mocked_cms.get("c")
    assert type(info.value) is error and text in str(info.value)
    assert info.value.url == url and info.value.method == "GET"


TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


@pytest.mark.parametrize("verb", ["get", "list"])
def test_get_and_list_can_ask_for_a_table(mock_server, cms, verb):
    path = SCOPED + "/c" if verb == "get" else SCOPED
    mock_server.add("GET", path, json={"kind": "Table", "rows": []})
    client = cms.namespace("team-a")
    got = client.get("c", accept=TABLE) if verb == "get" else client.list(accept=TABLE)
    assert got == {"kind": "Table", "rows": []}
    assert mock_server.calls[0].headers["Accept"] == TABLE
