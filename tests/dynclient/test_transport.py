"""Transport policy and request shapes, on ``responses`` (the HTTP library is mocked at requests' adapter).

What a socket adds (reuse, drops, TLS, streams) is tested on loopback in
test_http.py; here only what the transport decides: the error tree, retries,
the 401 refresh, hooks, and what each request carries.
"""

from __future__ import annotations

import json
from typing import Any, Callable, List

import pytest
import requests
import responses
from responses import matchers

import dynclient
from dynclient.transport import Transport
from tests.dynclient.conftest import make_config

HOST = "http://k8s.test:6443"


def status(code, reason, message="m", **extra):
    body = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code, "reason": reason, "message": message}
    body.update(extra)
    return body


@pytest.fixture
def make(mocked_responses) -> Callable[..., Transport]:
    """Transports to ``HOST``: unthrottled and never sleeping unless told otherwise; closed at teardown."""
    made: List[Transport] = []

    def build(config: Any = None, **options: Any) -> Transport:
        t = Transport(config or make_config(HOST), **{"qps": 0, "burst": 1, "sleep": lambda s: None, **options})
        made.append(t)
        return t

    yield build
    for t in made:
        t.close()


@pytest.mark.parametrize(
    "code, body, expected",
    [
        (404, status(404, "NotFound"), dynclient.NotFound),
        (409, status(409, "AlreadyExists"), dynclient.AlreadyExists),
        (409, status(409, "Conflict"), dynclient.Conflict),
        (410, status(410, "Expired"), dynclient.Expired),
        (410, status(410, "Gone"), dynclient.Gone),
        (422, status(422, "Invalid", details={"causes": [{"field": "metadata.name"}]}), dynclient.Invalid),
        (403, status(403, "Forbidden"), dynclient.Forbidden),
        (401, status(401, "Unauthorized"), dynclient.Unauthorized),
        (400, status(400, "BadRequest"), dynclient.BadRequest),
        (504, status(504, "Timeout"), dynclient.Timeout),
        (404, "<html>not here</html>", dynclient.NotFound),
        (418, "teapot", dynclient.StatusError),
    ],
    ids=["not-found", "already-exists", "conflict", "expired", "gone", "invalid", "forbidden",
         "unauthorized", "bad-request", "timeout", "html-404", "unknown-code"],
)
def test_errors_become_status_errors(mocked_responses, make, code, body, expected):
    payload = json.dumps(body) if isinstance(body, dict) else body
    mocked_responses.post(f"{HOST}/api/v1/x", body=payload, status=code)
    with pytest.raises(expected) as info:
        make().request("POST", "/api/v1/x", body={})
    err = info.value
    assert type(err) is expected
    assert err.code == code
    assert err.method == "POST" and err.url == f"{HOST}/api/v1/x"


def test_status_error_carries_causes(mocked_responses, make):
    causes = [{"reason": "FieldValueInvalid", "field": "metadata.name", "message": "bad"}]
    mocked_responses.post(f"{HOST}/api/v1/x", json=status(422, "Invalid", details={"causes": causes}), status=422)
    with pytest.raises(dynclient.Invalid) as info:
        make().request("POST", "/api/v1/x", body={})
    assert info.value.causes == causes


@pytest.mark.parametrize(
    "method, code, retry_after, attempts",
    [
        ("GET", 429, "1", 3),
        ("POST", 429, "1", 3),
        ("POST", 503, "2", 3),
        ("GET", 500, None, 3),
        ("POST", 500, None, 1),
        ("GET", 503, None, 3),
        ("PATCH", 503, None, 1),
        ("DELETE", 429, None, 1),
    ],
    ids=["get-429", "post-429-retried", "post-503-retry-after", "get-500", "post-500-not-retried",
         "get-503-no-header", "patch-503-no-header-not-retried", "delete-429-no-header-not-retried"],
)
def test_retry_policy(mocked_responses, make, method, code, retry_after, attempts):
    slept: List[float] = []
    t = make(sleep=slept.append, max_retries=5)
    headers = {"Retry-After": retry_after} if retry_after else {}
    for _ in range(max(attempts - 1, 1)):
        mocked_responses.add(method, f"{HOST}/api/v1/x", json=status(code, ""), status=code, headers=headers)
    if attempts > 1:
        mocked_responses.add(method, f"{HOST}/api/v1/x", json={"ok": True}, status=200)
        assert t.request(method, "/api/v1/x").json() == {"ok": True}
    else:
        with pytest.raises(dynclient.StatusError):
            t.request(method, "/api/v1/x")
    assert len(mocked_responses.calls) == attempts
    assert len(slept) == attempts - 1
    if retry_after:
        assert slept == [float(retry_after)] * (attempts - 1)


def test_retries_are_bounded(mocked_responses, make):
    slept: List[float] = []
    t = make(sleep=slept.append, max_retries=2)
    mocked_responses.get(f"{HOST}/x", json=status(429, "TooManyRequests"), status=429, headers={"Retry-After": "1"})
    with pytest.raises(dynclient.TooManyRequests):
        t.request("GET", "/x")
    assert len(mocked_responses.calls) == 3
    assert slept == [1.0, 1.0]


def test_hooks_see_every_attempt(mocked_responses, make):
    seen = []
    t = make()
    t.add_hook(seen.append)
    mocked_responses.get(f"{HOST}/version", json=status(500, "InternalError"), status=500)
    mocked_responses.get(f"{HOST}/version", json={"gitVersion": "v1.36.3"})
    t.request("GET", "/version")
    assert [(i.method, i.url, i.status, i.attempt, i.reason) for i in seen] == [
        ("GET", f"{HOST}/version", 500, 1, "Internal Server Error"), ("GET", f"{HOST}/version", 200, 2, "OK")]
    assert isinstance(seen[0].error, dynclient.InternalError) and seen[1].error is None


@pytest.mark.parametrize(
    "method, params, body, sent_body, content_type",
    [
        ("GET", {"limit": 500, "continue": None}, None, None, None),
        ("GET", [("watch", "true"), ("labelSelector", "app in (a,b)")], None, None, None),
        ("POST", None, {"kind": "ConfigMap"}, b'{"kind":"ConfigMap"}', "application/json"),
        ("PUT", {"dryRun": "All"}, {"a": 1}, b'{"a":1}', "application/json"),
        ("PATCH", {"fieldManager": "m"}, b'[{"op":"remove","path":"/a"}]', b'[{"op":"remove","path":"/a"}]',
         "application/json-patch+json"),
        ("DELETE", None, {"propagationPolicy": "Foreground"}, b'{"propagationPolicy":"Foreground"}',
         "application/json"),
    ],
    ids=["get-params", "get-repeated-and-escaped", "post-json", "put-dry-run", "patch-bytes", "delete-options"],
)
def test_request_shape(mocked_responses, make, method, params, body, sent_body, content_type):
    query = requests.models.RequestEncodingMixin._encode_params(
        [(k, v) for k, v in (params.items() if isinstance(params, dict) else params or []) if v is not None])
    match = [matchers.query_string_matcher(query)] if query else []
    mocked_responses.add(method, f"{HOST}/api/v1/namespaces/ns/configmaps", json={}, match=match)
    kw = {"content_type": content_type} if content_type else {}
    make().request(method, "/api/v1/namespaces/ns/configmaps", params=params, body=body, **kw)
    sent = mocked_responses.calls[0].request
    assert sent.method == method
    assert sent.body == sent_body
    assert sent.headers.get("Content-Type") == content_type
    assert sent.headers["Accept"] == "application/json"
    assert sent.headers["Accept-Encoding"] == "gzip"
    assert sent.headers["User-Agent"] == f"dynclient/{dynclient.__version__}"
    if method in ("POST", "PUT", "PATCH"):
        assert sent.headers["Content-Length"] == str(len(sent_body))


def test_a_server_path_prefix_is_kept(mocked_responses, make):
    mocked_responses.get("https://rancher.test/k8s/clusters/c-1/api/v1/pods", json={"items": []})
    t = make(make_config("https://rancher.test/k8s/clusters/c-1"))
    assert t.request("GET", "/api/v1/pods").json() == {"items": []}


@pytest.mark.parametrize(
    "method, calls",
    [("GET", 3), ("POST", 1), ("PUT", 1), ("PATCH", 1), ("DELETE", 1)],
    ids=["get-retried", "post-once", "put-once", "patch-once", "delete-once"],
)
def test_connection_failure_is_a_transport_error(mocked_responses, make, method, calls):
    mocked_responses.add(method, f"{HOST}/x", body=requests.ConnectionError("Remote end closed connection"))
    with pytest.raises(dynclient.TransportError, match=f"{method} {HOST}/x: .*Remote end closed connection") as info:
        make().request(method, "/x", body={} if method != "GET" else None)
    assert type(info.value) is dynclient.TransportError  # the error tree's, not requests'
    assert isinstance(info.value.__cause__, OSError)
    assert len(mocked_responses.calls) == calls  # a write is never repeated blindly


class _RefreshingAuth:
    def __init__(self, refreshed: bool = True):
        self.token = "old"
        self.refreshes = 0
        self._refreshed = refreshed

    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}

    def client_cert(self):
        return None

    def refresh(self):
        self.refreshes += 1
        self.token = "new"
        return self._refreshed


def test_401_refreshes_credentials_once(mocked_responses, make):
    auth = _RefreshingAuth()
    t = make(make_config(HOST, auth=auth))
    mocked_responses.get(f"{HOST}/x", json=status(401, "Unauthorized"), status=401)
    mocked_responses.get(f"{HOST}/x", json={"ok": 1})
    assert t.request("GET", "/x").json() == {"ok": 1}
    assert auth.refreshes == 1
    assert [c.request.headers["Authorization"] for c in mocked_responses.calls] == ["Bearer old", "Bearer new"]


def test_a_second_401_is_an_error(mocked_responses, make):
    auth = _RefreshingAuth()
    t = make(make_config(HOST, auth=auth))
    mocked_responses.get(f"{HOST}/x", json=status(401, "Unauthorized"), status=401)
    with pytest.raises(dynclient.Unauthorized):
        t.request("GET", "/x")
    assert auth.refreshes == 1 and len(mocked_responses.calls) == 2


class _Impersonation:
    def header_pairs(self):
        return [("Impersonate-User", "jane"), ("Impersonate-Group", "a"), ("Impersonate-Group", "b")]


def test_impersonation_groups_are_sent_as_repeated_headers(mocked_responses, make):
    t = make(make_config(HOST, impersonate=_Impersonation()))
    mocked_responses.get(f"{HOST}/x", json={})
    t.request("GET", "/x")
    sent = mocked_responses.calls[0].request.headers
    assert sent["Impersonate-User"] == "jane"
    assert sent.getlist("Impersonate-Group") == ["a", "b"]  # two lines, not one "a, b"


def test_warning_headers_reach_the_handler(mocked_responses, make):
    seen: List[str] = []
    t = make(warning_handler=seen.append)
    mocked_responses.get(f"{HOST}/x", json={}, headers=[("Warning", '299 - "v1 is deprecated"'),
                                                        ("Warning", '299 - "use v2"')])
    t.request("GET", "/x")
    assert seen == ["v1 is deprecated", "use v2"]


@responses.activate(assert_all_requests_are_fired=True)
def test_users_can_mock_dynclient_with_responses_activate():
    """The decorator form users reach for first works too: no loopback server, no patching of dynclient."""
    responses.get(f"{HOST}/version", json={"gitVersion": "v1.36.3"})
    t = Transport(make_config(HOST), qps=0)
    try:
        assert t.request("GET", "/version").json()["gitVersion"] == "v1.36.3"
    finally:
        t.close()


def test_disable_compression_sends_no_accept_encoding(mock_server, make_transport):
    """On the wire (loopback): no ``Accept-Encoding`` line at all, as Go sends with disable-compression."""
    mock_server.add("GET", "/x", json={})
    make_transport(make_config(mock_server.url, disable_compression=True)).request("GET", "/x")
    assert "Accept-Encoding" not in mock_server.calls[0].headers


@pytest.mark.parametrize("code", [301, 302, 307, 308])
def test_redirects_are_not_followed(mocked_responses, make, code):
    """A redirect could carry the bearer token to another host: requests must not follow it (client-go neither
    follows one to another host); the single registered call is the only one made."""
    mocked_responses.get(f"{HOST}/x", status=code, headers={"Location": "http://elsewhere.test/steal"})
    resp = make(make_config(HOST, auth=_RefreshingAuth())).request("GET", "/x")
    assert resp.status_code == code
    assert [c.request.url for c in mocked_responses.calls] == [f"{HOST}/x"]


# -- error bodies that are not text, the Requester seam ------------------------------------------------

@pytest.mark.parametrize("code, content_type, body, message", [
    pytest.param(500, "application/octet-stream", b"\x00\x01binary", 'an error on the server ("unknown") has '
                 "prevented the request from succeeding", id="binary-500"),
    pytest.param(500, "application/json", b'{"not": "a status"}', 'an error on the server ("unknown") has '
                 "prevented the request from succeeding", id="json-not-a-status-500"),
    pytest.param(500, "text/html; charset=utf-8", b"<h1>down</h1>", 'an error on the server ("<h1>down</h1>") has '
                 "prevented the request from succeeding", id="html-500-keeps-its-text"),
    pytest.param(406, "application/vnd.kubernetes.protobuf", b"k8s\x00", "the server was unable to respond with a "
                 "content type that the client supports", id="protobuf-406"),
])
def test_an_error_body_that_is_not_text_gets_client_gos_unknown_texts(mocked_responses, make, code, content_type,
                                                                        body, message):
    """client-go ``isTextResponse``: only a text/* body is quoted in the error; any other is "unknown"."""
    mocked_responses.post(f"{HOST}/x", body=body, status=code, content_type=content_type)
    with pytest.raises(dynclient.StatusError) as info:
        make(max_retries=0).request("POST", "/x", body={})
    assert info.value.message == message


def test_the_requester_seam_reports_the_status_code(mocked_responses, make):
    from discovery.interface import RawResponse

    mocked_responses.get(f"{HOST}/apis", body=b"{}", status=203, content_type="application/json")
    assert make().get("/apis", accept="application/json") == RawResponse(b"{}", "application/json", status_code=203)


# -- the user's kubeconfig at fault: ConfigError as it is, never retried -----------------------------------

TLS_HOST = "https://k8s.test:6443"  # credentials only go out over TLS (responses never opens the socket)


def _rest_config(tmp_path, user):
    from dynclient.config import Kubeconfig

    doc = {"current-context": "c", "clusters": [{"name": "k", "cluster": {"server": TLS_HOST}}],
           "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}],
           "users": [{"name": "u", "user": user}]}
    return Kubeconfig.from_dict(doc).rest_config()


def _rotated_token(tmp_path):
    token = tmp_path / "token"
    token.write_text("good-token\n")
    config = _rest_config(tmp_path, {"tokenFile": str(token)})
    token.write_text("first-half\nsecond-half\n")  # rotated to something no header can carry
    config.auth.refresh()
    return config


def _failing_exec_plugin(tmp_path):
    plugin = tmp_path / "plugin"
    plugin.write_text("#!/bin/sh\necho 'no credentials for you' >&2\nexit 3\n")
    plugin.chmod(0o755)
    return _rest_config(tmp_path, {"exec": {"command": str(plugin), "apiVersion": "client.authentication.k8s.io/v1",
                                            "interactiveMode": "Never"}})


@pytest.mark.parametrize("config, words", [
    pytest.param(_rotated_token, "contains an invalid character", id="token-file-with-a-newline"),
    pytest.param(_failing_exec_plugin, "failed with exit code 3", id="exec-plugin-fails"),
])
def test_a_config_error_from_the_credentials_passes_through_unretried(mocked_responses, make, tmp_path, config,
                                                                        words):
    from dynclient.config import ConfigError

    infos: List[Any] = []
    slept: List[float] = []
    t = make(config(tmp_path), hooks=[infos.append], sleep=slept.append)
    with pytest.raises(ConfigError) as info:
        t.request("GET", "/x")
    assert words in str(info.value) and "second-half" not in str(info.value)
    assert not isinstance(info.value, dynclient.TransportError)
    assert len(mocked_responses.calls) == 0 and infos == [] and slept == []


def test_a_config_error_when_refreshing_after_a_401_passes_through(mocked_responses, make, tmp_path):
    from dynclient.config import ConfigError

    (tmp_path / "token").write_text("good-token")
    config = _rest_config(tmp_path, {"tokenFile": str(tmp_path / "token")})

    def rotate_then_refuse(request):
        (tmp_path / "token").write_text("bad\x00token")  # the 401's refresh re-reads the file
        return 401, {}, json.dumps(status(401, "Unauthorized"))

    mocked_responses.add_callback("GET", f"{TLS_HOST}/x", callback=rotate_then_refuse)
    with pytest.raises(ConfigError, match="invalid character"):
        make(config).request("GET", "/x")
    assert len(mocked_responses.calls) == 1


class _BadImpersonation:
    def header_pairs(self):
        from dynclient.config import ConfigError

        raise ConfigError("impersonated user contains a newline", field="impersonation user")


def test_a_config_error_from_impersonation_passes_through(mocked_responses, make):
    from dynclient.config import ConfigError

    with pytest.raises(ConfigError, match="impersonated user contains a newline"):
        make(make_config(HOST, impersonate=_BadImpersonation()))
    assert len(mocked_responses.calls) == 0


@pytest.mark.parametrize("user, groups", [
    pytest.param("jürgen", ("développeurs",), id="latin-1-letters"),
    pytest.param("名前", ("グループ", "ops"), id="beyond-latin-1"),
    pytest.param("jane", ("ops",), id="ascii"),
])
def test_impersonation_values_go_out_as_utf8_bytes(mock_server, make_transport, user, groups):
    """Go writes a header value's UTF-8 bytes; the server (on loopback) sees exactly those bytes."""
    from dynclient.config import Impersonation

    mock_server.add("GET", "/x", json={})
    make_transport(make_config(mock_server.url, impersonate=Impersonation(user=user, groups=groups))).request(
        "GET", "/x")
    headers = mock_server.calls[0].headers
    # http.server reads header bytes as latin-1: encoding back gives the bytes that were on the wire.
    assert headers["Impersonate-User"].encode("latin-1") == user.encode("utf-8")
    assert [g.encode("latin-1") for g in headers.get_all("Impersonate-Group")] == [g.encode("utf-8") for g in groups]


# -- the body seams (kubectl's -v=8 "Request Body" / "Response Body") ----------------------------------


@pytest.mark.parametrize("code, stream, body", [
    (200, False, b'{"kind":"ConfigMap"}'),
    (404, False, json.dumps(status(404, "NotFound")).encode()),
    (200, True, None),  # a stream is its reader's: the hook never gets (so never reads) its body
    (404, True, json.dumps(status(404, "NotFound")).encode()),  # an error reply is read whole, stream or not
], ids=["reply", "error-reply", "stream", "error-reply-of-a-stream"])
def test_hooks_get_the_body_read_whole(mocked_responses, make, code, stream, body):
    seen: List[Any] = []
    t = make(hooks=[seen.append])
    payload = body if body is not None else b'{"type":"ADDED"}\n'
    mocked_responses.get(f"{HOST}/api/v1/x", body=payload, status=code)
    try:
        resp = t.request("GET", "/api/v1/x", stream=stream)
    except dynclient.NotFound:
        resp = None
    assert [i.body for i in seen] == [body]
    if resp is not None and stream:
        assert list(resp.iter_lines()) == [payload.rstrip(b"\n")]  # still whole for its reader


def test_send_hooks_see_each_attempt_before_it_goes(mocked_responses, make):
    events: List[Any] = []
    t = make(send_hooks=[lambda info: events.append(("send", info))],
             hooks=[lambda info: events.append(("reply", info))])
    mocked_responses.post(f"{HOST}/api/v1/x", json=status(503, "ServiceUnavailable"), status=503,
                          headers={"Retry-After": "0"})
    mocked_responses.post(f"{HOST}/api/v1/x", json={"kind": "ConfigMap"}, status=201)
    t.request("POST", "/api/v1/x", params={"dryRun": "All"}, body={"kind": "ConfigMap"})
    assert [(e[0], e[1].attempt) for e in events] == [("send", 1), ("reply", 1), ("send", 2), ("reply", 2)]
    sent = events[0][1]
    assert (sent.method, sent.url, sent.body, sent.content_type) == (
        "POST", f"{HOST}/api/v1/x?dryRun=All", b'{"kind":"ConfigMap"}', "application/json")


def test_a_request_without_a_body_is_sent_as_empty(mocked_responses, make):
    sent: List[Any] = []
    t = make()
    t.add_send_hook(sent.append)
    mocked_responses.get(f"{HOST}/api", json={})
    t.request("GET", "/api")
    t.remove_send_hook(sent.append)
    assert [(s.body, s.content_type) for s in sent] == [(b"", "")]


def test_no_hook_sees_the_credentials(mocked_responses, make):
    seen: List[Any] = []
    from dynclient.config import StaticToken

    config = make_config(HOST, auth=StaticToken("s3cr3t-token"))
    t = make(config, send_hooks=[seen.append], hooks=[seen.append])
    mocked_responses.get(f"{HOST}/api", json={}, match=[matchers.header_matcher({"Authorization":
                                                                                 "Bearer s3cr3t-token"})])
    t.request("GET", "/api")
    assert len(seen) == 2 and all("s3cr3t" not in repr(info) for info in seen)


# -- timeout_param: client-go's Request.timeout in every query -------------------------------------------


@pytest.mark.parametrize("timeout_param, path, params, query", [
    ("", "/api/v1/x", {"limit": "5"}, "limit=5"),
    ("5s", "/api/v1/x", None, "timeout=5s"),
    ("5s", "/api/v1/x", [("watch", "true"), ("limit", "5"), ("fieldSelector", "a=b")],
     "fieldSelector=a%3Db&limit=5&timeout=5s&watch=true"),
    ("1m30s", "/api/v1/x", {"timeout": "9s", "a": "1"}, "a=1&timeout=1m30s"),  # query.Set: one, ours
    ("5s", "/api/v1/x?limit=1", None, "limit=1&timeout=5s"),  # get --raw PATH?QUERY
    ("5s", "/api/v1/x?z=1", [("b", "2"), ("b", "1")], "b=2&b=1&timeout=5s&z=1"),  # one key's values keep order
], ids=["unset", "alone", "in-key-order", "replaces-a-given-one", "query-in-the-path", "stable"])
def test_timeout_param_joins_every_query(mocked_responses, make, timeout_param, path, params, query):
    seen: List[Any] = []
    t = make(hooks=[seen.append], timeout_param=timeout_param)
    mocked_responses.get(f"{HOST}/api/v1/x", json={})
    t.request("GET", path, params=params)
    assert seen[0].url == f"{HOST}/api/v1/x?{query}"
    assert mocked_responses.calls[0].request.url == f"{HOST}/api/v1/x?{query}"


@pytest.mark.parametrize("timeout_param, discovery_timeout_param, query", [
    ("", "", ""),
    ("", "32s", "?timeout=32s"),
    ("5s", "32s", "?timeout=32s"),  # the CLI sets discovery's to the request timeout when there is one
    ("5s", "", "?timeout=5s"),
], ids=["neither", "discovery-default", "discovery-own", "falls-back"])
def test_discovery_asks_with_its_own_timeout(mocked_responses, make, timeout_param, discovery_timeout_param, query):
    t = make(timeout_param=timeout_param, discovery_timeout_param=discovery_timeout_param)
    mocked_responses.get(f"{HOST}/api", json={"kind": "APIVersions"})
    reply = t.get("/api", accept="application/json")
    assert reply.status_code == 200
    assert mocked_responses.calls[0].request.url == f"{HOST}/api{query}"


@pytest.mark.parametrize("method, replies, retrying", [
    ("GET", [(503, {"Retry-After": "0"}), (200, {})], [True, False]),
    ("GET", [(500, {}), (200, {})], [True, False]),
    ("POST", [(500, {})], [False]),  # not safe to repeat: the 500 is the last reply
    ("GET", [(404, {})], [False]),
], ids=["retry-after", "get-5xx", "post-5xx", "not-found"])
def test_hooks_are_told_which_attempts_are_retried(mocked_responses, make, method, replies, retrying):
    seen: List[Any] = []
    t = make(hooks=[seen.append])
    for code, headers in replies:
        mocked_responses.add(method, f"{HOST}/api/v1/x", json=status(code, "X") if code >= 400 else {}, status=code,
                             headers=headers)
    try:
        t.request(method, "/api/v1/x")
    except dynclient.StatusError:
        pass
    assert [i.retrying for i in seen] == retrying


@pytest.mark.parametrize("name, value, masked", [
    ("Authorization", "Bearer abc.def", "Bearer <masked>"),
    ("Authorization", "bearer abc", "bearer <masked>"),
    ("Authorization", "Basic dXNlcjpwYXNz", "Basic <masked>"),
    ("Authorization", "Negotiate", "Negotiate"),
    ("Authorization", "Token abc", "<masked>"),  # an unknown scheme is masked whole
    ("Authorization", "", ""),
    ("X-Remote-Secret", "abc", "<masked>"),  # any header an auth provider sets is a credential
], ids=["bearer", "lowercase", "basic", "scheme-only", "unknown-scheme", "empty", "other-header"])
def test_mask_credential_is_client_gos_mask_value(name, value, masked):
    from dynclient.transport import mask_credential

    assert mask_credential(name, value) == masked


def test_send_hooks_see_every_attempt_with_masked_headers(mocked_responses, make):
    from dynclient.config import StaticToken

    sent: List[Any] = []
    replies: List[Any] = []
    t = make(make_config(HOST, auth=StaticToken("s3cr3t-token")), send_hooks=[sent.append], hooks=[replies.append])
    mocked_responses.get(f"{HOST}/api", json=status(503, "X"), status=503, headers={"Retry-After": "0"})
    mocked_responses.get(f"{HOST}/api", json={}, headers={"Audit-Id": "a1"})
    t.request("GET", "/api")
    assert [s.attempt for s in sent] == [1, 2]
    assert ("Authorization", "Bearer <masked>") in sent[0].headers and "s3cr3t" not in repr(sent)
    assert ("Accept", "application/json") in sent[0].headers
    assert ("Audit-Id", "a1") in replies[-1].headers


def test_log_requests_off_leaves_the_v6_line_to_a_hook(mocked_responses, make, caplog):
    import logging

    caplog.set_level(logging.DEBUG, logger="dynclient.transport")
    t = make()
    mocked_responses.get(f"{HOST}/api", json={})
    mocked_responses.get(f"{HOST}/api", json={})
    t.request("GET", "/api")
    t.log_requests = False
    t.request("GET", "/api")
    lines = [r.getMessage() for r in caplog.records if r.name == "dynclient.transport"]
    assert len(lines) == 1 and lines[0].startswith(f"GET {HOST}/api 200 OK in ")
