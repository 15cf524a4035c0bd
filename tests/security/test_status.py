"""A Status with fields of the wrong types (issue 13 item 6): ignored field by field, class from the HTTP status.

``details.causes`` as strings or a dict, ``details.name`` as a number, a
``message`` that is an object, a ``reason`` that is a list...: each such field
is dropped, the error keeps the class its HTTP status (or a valid reason)
gives, and nothing that reads it (``str``, ``causes``, the CLI's
``checkerr.report``, ``get``/``apply``/``delete``) meets a wrong type.
"""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dynclient
from discovery.errors import clean_status, status_error_from_response
from dynclient.cli.checkerr import report
from dynclient.resource import ResourceClient
from dynclient.transport import Transport
from tests.dynclient.conftest import make_config
from discovery.types import GroupVersionKind, GroupVersionResource
from restmapper.mapping import RESTMapping, Scope
from tests.replyserver import ReplyServer

CM = RESTMapping(GroupVersionResource("", "v1", "configmaps"), GroupVersionKind("", "v1", "ConfigMap"), Scope.NAMESPACE)

BASE = {"kind": "Status", "apiVersion": "v1", "status": "Failure"}


def status(**fields: Any) -> bytes:
    return json.dumps({**BASE, **fields}).encode()


@pytest.mark.parametrize(
    "code, fields, cls, message",
    [
        (404, {"reason": "NotFound", "message": {"text": "x"}}, dynclient.NotFound, ""),
        (422, {"reason": "Invalid", "message": "bad", "details": {"causes": ["a", "b"]}}, dynclient.Invalid, "bad"),
        (422, {"reason": "Invalid", "message": "bad", "details": {"causes": {"field": "x"}}}, dynclient.Invalid, "bad"),
        (404, {"reason": "NotFound", "message": "m", "details": {"name": 7, "kind": ["x"]}}, dynclient.NotFound, "m"),
        (409, {"reason": ["AlreadyExists"], "message": "m"}, dynclient.Conflict, "m"),
        (429, {"reason": "TooManyRequests", "details": {"retryAfterSeconds": "soon"}}, dynclient.TooManyRequests, ""),
        (500, {"code": "500", "reason": 5, "message": None}, dynclient.InternalError, ""),
        (403, {"details": "denied", "message": "no"}, dynclient.Forbidden, "no"),
        (422, {"reason": "Invalid", "details": {"causes": [{"field": 1, "message": ["m"], "reason": "R"}, 3]}},
         dynclient.Invalid, ""),
        (400, {"code": True, "reason": "BadRequest", "message": "m"}, dynclient.BadRequest, "m"),
        (404, {"code": 10**12, "message": "m"}, dynclient.NotFound, "m"),
    ],
    ids=["message-object", "causes-strings", "causes-dict", "name-number", "reason-list", "retry-after-string",
         "code-string", "details-string", "cause-fields", "code-bool", "code-huge"],
)
def test_wrong_types_are_dropped_and_the_class_comes_from_the_status(code, fields, cls, message) -> None:
    err = status_error_from_response(code, status(**fields), method="GET", url="https://h/api/v1/x")
    assert type(err) is cls
    assert err.code == code and err.message == message
    assert isinstance(err.details, dict) and isinstance(err.causes, list)
    assert all(isinstance(c, dict) for c in err.causes)
    assert all(isinstance(v, str) for c in err.causes for k, v in c.items() if k in ("field", "message", "reason"))
    assert err.retry_after_seconds is None or isinstance(err.retry_after_seconds, int)
    str(err), repr(err)
    text = report(err)
    assert "{'text'" not in text and text.endswith("\n")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12,
)
status_fields = st.fixed_dictionaries({}, optional={
    "code": json_values, "reason": st.one_of(json_values, st.sampled_from(["NotFound", "Invalid", "Expired"])),
    "message": json_values, "status": json_values, "metadata": json_values,
    "details": st.one_of(json_values, st.fixed_dictionaries({}, optional={
        "name": json_values, "kind": json_values, "group": json_values, "uid": json_values,
        "retryAfterSeconds": json_values,
        "causes": st.one_of(json_values, st.lists(st.one_of(json_values, st.dictionaries(
            st.sampled_from(["field", "message", "reason"]), json_values)), max_size=3)),
    })),
})


@settings(max_examples=500, deadline=300)
@given(code=st.sampled_from([400, 401, 403, 404, 405, 409, 410, 422, 429, 500, 503, 504]), fields=status_fields)
def test_any_status_decodes_to_a_usable_error(code: int, fields: Dict[str, Any]) -> None:
    err = status_error_from_response(code, status(**fields), method="DELETE", url="https://h/x", retry_after="3")
    assert isinstance(err, dynclient.StatusError)
    reason = fields.get("reason")
    if not isinstance(reason, str) or not reason:
        assert type(err) is type(status_error_from_response(code, b""))  # the HTTP status chose the class
    assert isinstance(err.code, int) and isinstance(err.reason, str) and isinstance(err.message, str)
    assert isinstance(err.details, dict) and all(isinstance(c, dict) for c in err.causes)
    assert err.retry_after_seconds is None or err.retry_after_seconds >= 0
    assert clean_status(err.status) == err.status  # already clean
    report(err)  # the CLI's renderer reads causes and details; it must not trip on them


@pytest.fixture
def server():
    with ReplyServer() as srv:
        yield srv


BAD_STATUSES = [
    (404, status(reason="NotFound", message={"a": 1}, details={"name": 5, "causes": "x"}), dynclient.NotFound),
    (409, status(reason="Conflict", message="m", details={"causes": {"field": "f"}}), dynclient.Conflict),
    (422, status(reason="Invalid", details={"causes": ["spec", 3, None]}), dynclient.Invalid),
    (500, status(code="x", reason=[1], message=[2]), dynclient.InternalError),
]


@pytest.mark.parametrize("code, body, cls", BAD_STATUSES, ids=["not-found", "conflict", "invalid", "internal"])
@pytest.mark.parametrize("verb", ["get", "apply", "delete"])
def test_verbs_end_in_the_status_class_never_attribute_error(server, code, body, cls, verb) -> None:
    transport = Transport(make_config(server.url), qps=0, burst=1, sleep=lambda s: None, max_retries=0)
    try:
        client = ResourceClient(transport, CM).namespace("ns")
        method = {"get": "GET", "apply": "PATCH", "delete": "DELETE"}[verb]
        server.add(method, "/api/v1/namespaces/ns/configmaps/c", body=body, status=code,
                   content_type="application/json")
        obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
        call = {"get": lambda: client.get("c"), "apply": lambda: client.apply(obj),
                "delete": lambda: client.delete("c")}[verb]
        with pytest.raises(cls) as info:
            call()
        assert type(info.value) is cls
        report(info.value)
    finally:
        transport.close()
