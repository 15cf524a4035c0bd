from __future__ import annotations

import json
import socket

import pytest

import dynclient
from tests.dynclient.conftest import make_config


def status(code, reason, message="m", **extra):
    body = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code, "reason": reason, "message": message}
    body.update(extra)
    return body


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
def test_errors_become_status_errors(mock_server, transport, code, body, expected):
    payload = json.dumps(body) if isinstance(body, dict) else body
    mock_server.add("POST", "/api/v1/x", body=payload, status=code)
    with pytest.raises(expected) as info:
        transport.request("POST", "/api/v1/x", body={})
    err = info.value
    assert type(err) is expected
    assert err.code == code
    assert err.method == "POST" and err.url == mock_server.url + "/api/v1/x"
    if not isinstance(body, dict):
        assert body in err.message  # nothing the server said is lost


def test_status_error_carries_causes(mock_server, transport):
    causes = [{"reason": "FieldValueInvalid", "field": "metadata.name", "message": "bad"}]
    mock_server.add("POST", "/api/v1/x", json=status(422, "Invalid", details={"causes": causes}), status=422)
    with pytest.raises(dynclient.Invalid) as info:
        transport.request("POST", "/api/v1/x", body={})
    assert info.value.causes == causes
    assert info.value.status["details"]["causes"] == causes


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
    ],
    ids=["get-429", "post-429-retried", "post-503-retry-after", "get-500", "post-500-not-retried",
         "get-503-no-header", "patch-503-no-header-not-retried"],
)
def test_retry_policy(mock_server, make_transport, method, code, retry_after, attempts):
    slept = []
    t = make_transport(sleep=slept.append, max_retries=5)
    headers = {"Retry-After": retry_after} if retry_after else {}
    for _ in range(attempts - 1 if attempts > 1 else 1):
        mock_server.add(method, "/api/v1/x", json=status(code, ""), status=code, headers=headers)
    if attempts > 1:
        mock_server.add(method, "/api/v1/x", json={"ok": True}, status=200)
        assert t.request(method, "/api/v1/x").json() == {"ok": True}
    else:
        with pytest.raises(dynclient.StatusError):
            t.request(method, "/api/v1/x")
    assert len(mock_server.calls) == attempts
    assert len(slept) == attempts - 1
    if retry_after:
        assert all(s == float(retry_after) for s in slept)


def test_retries_are_bounded(mock_server, make_transport):
    slept = []
    t = make_transport(sleep=slept.append, max_retries=2)
    mock_server.add("GET", "/x", json=status(429, "TooManyRequests"), status=429, headers={"Retry-After": "1"})
    with pytest.raises(dynclient.TooManyRequests):
        t.request("GET", "/x")
    assert len(mock_server.calls) == 3
    assert len(slept) == 2


def test_hooks_see_every_attempt_and_user_agent(mock_server, transport):
    seen = []
    transport.add_hook(seen.append)
    mock_server.add("GET", "/version", json={"gitVersion": "v1.36.3"})
    transport.request("GET", "/version")
    assert [(i.method, i.url, i.status, i.attempt) for i in seen] == [("GET", mock_server.url + "/version", 200, 1)]
    assert mock_server.calls[0].headers["User-Agent"] == f"dynclient/{dynclient.__version__}"


def closed_port_url() -> str:
    """A loopback URL nothing listens on: connecting is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.mark.parametrize(
    "refused, match, calls",
    [(False, "closed connection without response", 1), (True, "Connection refused", 0)],
    ids=["server-hangs-up", "connection-refused"],
)
def test_connection_failure_is_a_transport_error(mock_server, make_transport, refused, match, calls):
    if refused:
        t = make_transport(make_config(closed_port_url()))
    else:
        t = make_transport()
        mock_server.add("POST", "/x", drop=True)
    with pytest.raises(dynclient.TransportError, match=match) as info:
        t.request("POST", "/x")
    assert type(info.value) is dynclient.TransportError  # the error tree's, not the socket library's
    assert isinstance(info.value.__cause__, OSError)
    assert len(mock_server.calls) == calls  # a POST is never repeated blindly


class _RefreshingAuth:
    def __init__(self):
        self.token = "old"
        self.refreshes = 0

    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}

    def client_cert(self):
        return None

    def refresh(self):
        self.refreshes += 1
        self.token = "new"
        return True


def test_401_refreshes_credentials_once(mock_server, make_transport):
    auth = _RefreshingAuth()
    t = make_transport(make_config(mock_server.url, auth=auth))
    mock_server.add("GET", "/x", json=status(401, "Unauthorized"), status=401)
    mock_server.add("GET", "/x", json={"ok": 1})
    assert t.request("GET", "/x").json() == {"ok": 1}
    assert auth.refreshes == 1
    assert [c.headers["Authorization"] for c in mock_server.calls] == ["Bearer old", "Bearer new"]


class _Impersonation:
    def header_pairs(self):
        return [("Impersonate-User", "jane"), ("Impersonate-Group", "a"), ("Impersonate-Group", "b")]


def test_impersonation_groups_are_sent_as_repeated_headers(mock_server, make_transport):
    t = make_transport(make_config(mock_server.url, impersonate=_Impersonation()))
    mock_server.add("GET", "/x", json={})
    t.request("GET", "/x")
    sent = mock_server.calls[0].headers
    assert sent["Impersonate-User"] == "jane"
    assert sent.get_all("Impersonate-Group") == ["a", "b"]  # two lines, not one "a, b"
