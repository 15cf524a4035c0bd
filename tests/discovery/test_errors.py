"""discovery.errors: the error tree, and StatusError built from HTTP replies."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Type

import pytest

from discovery import errors
from discovery.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    DiscoveryError,
    DynclientError,
    Expired,
    Forbidden,
    Gone,
    GroupDiscoveryFailed,
    InternalError,
    Invalid,
    MethodNotAllowed,
    NotFound,
    ServiceUnavailable,
    StatusError,
    Timeout,
    TooManyRequests,
    Unauthorized,
    UnsafeDiscoveryName,
    status_error_from_response,
)
from discovery.types import GroupVersion


def status(code: int, reason: str, message: str = "msg", details: Optional[Dict[str, Any]] = None) -> bytes:
    body: Dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details is not None:
        body["details"] = details
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    "code, body, cls, reason",
    [
        (400, status(400, "BadRequest"), BadRequest, "BadRequest"),
        (401, status(401, "Unauthorized"), Unauthorized, "Unauthorized"),
        (403, status(403, "Forbidden"), Forbidden, "Forbidden"),
        (404, status(404, "NotFound"), NotFound, "NotFound"),
        (405, status(405, "MethodNotAllowed"), MethodNotAllowed, "MethodNotAllowed"),
        (409, status(409, "AlreadyExists"), AlreadyExists, "AlreadyExists"),
        (409, status(409, "Conflict"), Conflict, "Conflict"),
        (410, status(410, "Expired"), Expired, "Expired"),
        (410, status(410, "Gone"), Gone, "Gone"),
        (422, status(422, "Invalid"), Invalid, "Invalid"),
        (429, status(429, "TooManyRequests"), TooManyRequests, "TooManyRequests"),
        (500, status(500, "InternalError"), InternalError, "InternalError"),
        (503, status(503, "ServiceUnavailable"), ServiceUnavailable, "ServiceUnavailable"),
        (504, status(504, "Timeout"), Timeout, "Timeout"),
        (504, status(504, "ServerTimeout"), Timeout, "ServerTimeout"),
        (500, status(500, "Conflict"), Conflict, "Conflict"),
        (409, status(409, ""), Conflict, ""),
        (418, status(418, "Teapot"), StatusError, "Teapot"),
    ],
    ids=[
        "bad-request", "unauthorized", "forbidden", "not-found", "method-not-allowed",
        "already-exists", "conflict", "expired", "gone", "invalid", "too-many-requests",
        "internal-error", "service-unavailable", "timeout", "server-timeout",
        "reason-beats-code", "no-reason-uses-code", "unknown-reason-and-code",
    ],
)
def test_status_bodies_choose_the_subclass(code: int, body: bytes, cls: Type[StatusError], reason: str) -> None:
    err = status_error_from_response(code, body, method="GET", url="/apis/apps/v1")
    assert type(err) is cls
    assert err.reason == reason
    assert err.code == code
    assert err.message == "msg"
    assert (err.method, err.url) == ("GET", "/apis/apps/v1")
    assert err.status["kind"] == "Status"


@pytest.mark.parametrize(
    "sub, parent",
    [(AlreadyExists, Conflict), (Expired, Gone), (Conflict, StatusError), (StatusError, DynclientError),
     (GroupDiscoveryFailed, DiscoveryError), (UnsafeDiscoveryName, DiscoveryError), (DiscoveryError, DynclientError)],
    ids=["already-exists-is-conflict", "expired-is-gone", "conflict-is-status", "status-is-root",
         "group-discovery-failed", "unsafe-name", "discovery-is-root"],
)
def test_tree(sub: type, parent: type) -> None:
    assert issubclass(sub, parent)


def test_conflict_is_not_already_exists_and_gone_is_not_expired() -> None:
    assert not isinstance(status_error_from_response(409, status(409, "Conflict")), AlreadyExists)
    assert not isinstance(status_error_from_response(410, status(410, "Gone")), Expired)


# The messages are client-go's NewGenericServerResponse; each was checked against kubectl 1.36
# on a loopback server giving the same reply (kubectl prints them with a "(get configmaps x)" suffix).
@pytest.mark.parametrize(
    "code, body, content_type, cls, reason, message",
    [
        (503, b"<html><body>upstream down</body></html>", "text/html", ServiceUnavailable, "ServiceUnavailable",
         "the server is currently unable to handle the request"),
        (502, b"<html>bad gw</html>", "text/html", InternalError, "InternalError",
         'an error on the server ("<html>bad gw</html>") has prevented the request from succeeding'),
        (404, b"404 page not found\n", "text/plain", NotFound, "NotFound",
         "the server could not find the requested resource"),
        (500, b"", None, InternalError, "InternalError",
         'an error on the server ("") has prevented the request from succeeding'),
        (302, b"", None, StatusError, "",
         "the server responded with the status code 302 but did not return more information"),
        (403, b'{"kind":"Pod"}', "application/json", Forbidden, "Forbidden", "unknown"),
        (403, b"zz", "application/octet-stream", Forbidden, "Forbidden", "unknown"),
        (403, b"no access", "text/plain", Forbidden, "Forbidden", "no access"),
        (400, b'["not", "an", "object"]', "application/json", BadRequest, "BadRequest",
         "the server rejected our request for an unknown reason"),
        (500, b"\xff\xfe\x1b[2J garbage", None, InternalError, "InternalError",
         'an error on the server ("\\xff\\xfe\\x1b[2J garbage") has prevented the request from succeeding'),
        (409, b"", None, Conflict, "Conflict", "the server reported a conflict"),
    ],
    ids=["html-503", "html-502", "text-404", "empty-500", "empty-302", "json-not-status", "binary-forbidden",
         "text-forbidden-keeps-text", "json-array", "not-utf8-escaped", "conflict"],
)
def test_non_status_bodies_are_synthesized_as_client_go_does(code, body, content_type, cls, reason, message):
    err = status_error_from_response(code, body, method="GET", url="https://h/api/v1/x", content_type=content_type)
    assert type(err) is cls
    assert err.reason == reason
    assert err.message == message
    assert err.code == code
    assert err.status["status"] == "Failure"
    assert err.from_status is False
    assert (err.method, err.url, err.content_type) == ("GET", "https://h/api/v1/x", content_type or "")
    assert err.causes[0]["reason"] == "UnexpectedServerResponse"


def test_post_conflict_without_status_is_already_exists() -> None:
    assert type(status_error_from_response(409, b"", method="POST")) is AlreadyExists


def test_long_non_status_body_is_cut_to_200_bytes() -> None:
    err = status_error_from_response(500, b"x" * 2000)
    assert err.body == "x" * 200 + "..."
    assert err.message == f'an error on the server ("{"x" * 200}...") has prevented the request from succeeding'


def test_about_adds_client_go_suffix_only_to_synthesized_errors() -> None:
    synthesized = status_error_from_response(503, b"<html>down</html>", method="GET")
    named = synthesized.about("GET", "configmaps", "x")
    assert type(named) is ServiceUnavailable
    assert named.message == "the server is currently unable to handle the request (get configmaps x)"
    assert synthesized.about("LIST", "deployments.apps").message.endswith("(list deployments.apps)")
    real = status_error_from_response(404, status(404, "NotFound", 'configmaps "x" not found'))
    assert real.about("GET", "configmaps", "x") is real


def test_invalid_carries_causes() -> None:
    causes = [{"reason": "FieldValueRequired", "message": "Required value", "field": "spec.containers"}]
    err = status_error_from_response(422, status(422, "Invalid", details={"kind": "Pod", "name": "p", "causes": causes}))
    assert isinstance(err, Invalid)
    assert err.causes == causes
    assert err.details["name"] == "p"


@pytest.mark.parametrize(
    "body, retry_after, expected",
    [
        (status(429, "TooManyRequests", details={"retryAfterSeconds": 7}), None, 7),
        (b"slow down", "5", 5),
        (b"slow down", "soon", None),
        (b"slow down", "nan", None),
        (b"slow down", "-1", None),
        (b"slow down", "Wed, 21 Oct 2015 07:28:00 GMT", None),
        (status(429, "TooManyRequests"), "3", 3),
        (status(429, "TooManyRequests", details={"retryAfterSeconds": 7}), "3", 7),
    ],
    ids=["status-details", "header-on-text", "header-not-a-number", "header-nan", "header-negative", "header-http-date", "header-fills-status", "status-wins-over-header"],
)
def test_retry_after(body: bytes, retry_after: Optional[str], expected: Optional[int]) -> None:
    err = status_error_from_response(429, body, retry_after=retry_after)
    assert isinstance(err, TooManyRequests)
    assert err.retry_after_seconds == expected


def test_status_without_code_takes_the_http_code() -> None:
    body = json.dumps({"kind": "Status", "reason": "NotFound", "message": "gone"}).encode()
    err = status_error_from_response(404, body)
    assert err.code == 404 and isinstance(err, NotFound)


@pytest.mark.parametrize(
    "body, text",
    [(status(404, "NotFound", "deployments.apps \"x\" not found"), '(NotFound) deployments.apps "x" not found'),
     (status(500, "", ""), "(InternalError) HTTP 500")],
    ids=["with-message", "without-message"],
)
def test_str(body: bytes, text: str) -> None:
    code = json.loads(body)["code"]
    assert str(status_error_from_response(code, body)) == text


def test_group_discovery_failed_names_each_group_version() -> None:
    cause = status_error_from_response(503, status(503, "ServiceUnavailable", "down"))
    err = GroupDiscoveryFailed({GroupVersion("metrics.k8s.io", "v1beta1"): cause}, partial=["x"])
    assert "metrics.k8s.io/v1beta1: (ServiceUnavailable) down" in str(err)
    assert err.partial == ["x"]
    assert err.failed == {GroupVersion("metrics.k8s.io", "v1beta1"): cause}


def test_every_exported_name_exists() -> None:
    for name in errors.__all__:
        assert hasattr(errors, name), name
