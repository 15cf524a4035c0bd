"""The response decoder under hostile replies (issue 13 items 2 and 5): an error in the tree, bounded, no leaks.

``dynclient.replies`` reads only a reply's status, Content-Type and body, so
these properties run on plain reply values, thousands per second. For any
status, content type and body: the result is the JSON object itself or an
``InvalidResponse``/``StatusError`` (nothing else escapes); the error names
the verb and URL, shows at most 200 bytes of the body, escaped, so nothing
past them leaks and no control character reaches a terminal; and each case
ends well within its deadline, 100,000-deep nesting included.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Dict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dynclient
from dynclient.replies import check_list, decode_object, split_checked

URL = "https://k8s.test/api/v1/namespaces/default/configmaps/c"
SECRET = b"SECRET-TOKEN-PAST-200-BYTES"


@dataclass
class Reply:
    status_code: int
    content: bytes
    headers: Dict[str, str] = field(default_factory=dict)
    url: str = URL


def reply(status: int, body: bytes, content_type: Any = "application/json") -> Reply:
    return Reply(status, body, {} if content_type is None else {"Content-Type": content_type})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
content_types = st.one_of(st.none(), st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "text/html", "text/plain", "application/yaml",
     "application/vnd.kubernetes.protobuf", "", ";;;", "application/merge-patch+json"]), st.text(max_size=30))
bodies = st.one_of(
    st.binary(max_size=600),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.sampled_from([b"", b"null", b"[]", b'"s"', b"<html>502 Bad Gateway</html>", b"\xff\xfe\x00{",
                     b"\x1b[2J\x1b]0;owned\x07", b"{" * 5000, b'{"items": 5}', b'{"items": [1]}']),
)
statuses = st.one_of(st.sampled_from([200, 201, 204, 301, 302, 304, 307, 400, 401, 403, 404, 409, 500, 502, 503]),
                     st.integers(min_value=100, max_value=599))


def assert_safe(err: dynclient.DynclientError, body: bytes) -> None:
    text = str(err)
    assert all(c.isprintable() for c in text), text  # control characters escaped, never raw
    assert err.method == "GET" and err.url == URL
    assert len(err.body) <= 4 * 200 + 3  # at most 200 bytes, each at most 4 characters escaped, and "..."
    if len(body) > 200 and SECRET in body[200:] and SECRET not in body[:200 + len(SECRET)]:
        assert SECRET.decode() not in text and SECRET.decode() not in err.body


@settings(max_examples=600, deadline=300)
@given(status=statuses, content_type=content_types, body=bodies, padded=st.booleans())
def test_any_reply_is_the_object_or_an_error_in_the_tree(status, content_type, body, padded) -> None:
    if padded:
        body = body[:200].ljust(250, b" ") + SECRET
    start = time.monotonic()
    try:
        obj = decode_object(reply(status, body, content_type), method="GET", url=URL)
    except (dynclient.InvalidResponse, dynclient.StatusError) as err:
        assert_safe(err, body)
        if isinstance(err, dynclient.StatusError):
            assert not 200 <= status <= 299 and err.code == status
        else:
            assert 200 <= status <= 299 and err.status_code == status
    else:
        assert 200 <= status <= 299 and isinstance(obj, dict)
        assert obj == json.loads(body.decode("utf-8"))
    assert time.monotonic() - start < 0.25


@settings(max_examples=400, deadline=300)
@given(value=json_values)
def test_only_a_json_object_is_an_object(value) -> None:
    body = json.dumps(value).encode()
    try:
        obj = decode_object(reply(200, body), method="GET", url=URL)
    except dynclient.InvalidResponse as err:
        assert not isinstance(value, dict)
        assert "not a JSON object" in str(err)
    else:
        assert isinstance(value, dict) and obj == value


@settings(max_examples=400, deadline=300)
@given(items=json_values, meta=json_values)
def test_list_and_iter_agree_on_what_a_list_is(items, meta) -> None:
    body = json.dumps({"kind": "List", "metadata": meta, "items": items}).encode()
    well_formed = (items is None or (isinstance(items, list) and all(isinstance(i, dict) for i in items))) and (
        meta is None or (isinstance(meta, dict) and (meta.get("continue") is None or
                                                     isinstance(meta.get("continue"), str))))
    try:
        check_list(decode_object(reply(200, body), method="GET", url=URL), reply(200, body), method="GET", url=URL)
        listed = True
    except dynclient.InvalidResponse:
        listed = False
    try:
        _, lazy = split_checked(reply(200, body), method="GET", url=URL)
        got = list(lazy)
        iterated = True
    except dynclient.InvalidResponse:
        iterated = False
    assert listed == iterated == well_formed
    if iterated:
        assert got == (items or [])


@settings(max_examples=300, deadline=300)
@given(body=bodies)
def test_lazy_list_decoding_of_any_body_is_bounded(body) -> None:
    try:
        _, items = split_checked(reply(200, body), method="GET", url=URL)
        for _ in items:
            pass
    except dynclient.InvalidResponse as err:
        assert_safe(err, body)


DEEP = 100_000


@pytest.mark.parametrize(
    "body",
    [b"[" * DEEP + b"]" * DEEP, b'{"a":' * DEEP + b"1" + b"}" * DEEP,
     b'{"items": [' + b"[" * DEEP + b"]" * DEEP + b"]}", b'{"metadata": ' + b"[" * DEEP + b"]" * DEEP + b"}",
     b'{"items": [{"a": ' + b"[" * DEEP + b"]" * DEEP + b"}]}"],
    ids=["array", "object", "item", "list-field", "inside-an-item"],
)
@pytest.mark.parametrize("decode", ["object", "lazy-list"])
def test_a_reply_nested_100000_deep_is_an_invalid_response_fast(body, decode) -> None:
    start = time.monotonic()
    # A top-level array is refused by the lazy LIST decoder at its first byte, before any depth.
    words = "LIST body is not valid JSON" if decode == "lazy-list" and body[:1] == b"[" else "nested too deeply"
    with pytest.raises(dynclient.InvalidResponse, match=words):
        if decode == "object":
            decode_object(reply(200, body), method="GET", url=URL)
        else:
            list(split_checked(reply(200, body), method="GET", url=URL)[1])
    assert time.monotonic() - start < 1.0


@pytest.mark.parametrize(
    "status, body, content_type, cls, words",
    [
        (200, b"<html>hi</html>", "text/html", dynclient.InvalidResponse,
         "GET " + URL + ": the server responded with the status code 200 but the body is text/html, not JSON "
         "(content type 'text/html', body \"<html>hi</html>\")"),
        (302, b"", None, dynclient.StatusError,
         "the server responded with the status code 302 but did not return more information"),
        (200, b"", "application/json", dynclient.InvalidResponse, "but the body is empty (content type "
         "'application/json', empty body)"),
        (200, b"\x1b[2J" + b"x" * 300, None, dynclient.InvalidResponse, 'body "\\x1b[2J' + "x" * 196 + '...")'),
    ],
    ids=["html-200", "redirect", "empty", "escaped-and-cut"],
)
def test_error_words(status, body, content_type, cls, words) -> None:
    with pytest.raises(cls) as info:
        decode_object(reply(status, body, content_type), method="GET", url=URL)
    assert words in str(info.value)
