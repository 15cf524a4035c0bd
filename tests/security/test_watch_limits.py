"""Huge and broken watch lines (issue 13, item 3): linear time, a size limit, and kubectl's error.

client-go's streaming decoder refuses an event over 16 MiB ("object to
decode was longer than maximum allowed size"); its StreamWatcher turns that
into an ERROR event holding an InternalError Status, which kubectl prints:

    Failure   InternalError   an error on the server ("unable to decode an event from the watch
    stream: object to decode was longer than maximum allowed size") has prevented the request
    from succeeding

(checked with kubectl 1.36 against a server sending a 24 MiB event). dynclient
raises that same error and ends the watch, where it used to take 14 s
joining the line's buffer again on every chunk. The streams come from a real
loopback server, since how the bytes arrive is the point.
"""

from __future__ import annotations

import json
import time
from typing import Iterator, List

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

import dynclient
from dynclient.http import LineTooLong, Response
from dynclient.transport import Transport
from dynclient.watch import DEFAULT_MAX_EVENT_SIZE, Watch
from tests.dynclient.conftest import make_config
from tests.replyserver import ReplyServer

KUBECTL_MESSAGE = ('an error on the server ("unable to decode an event from the watch stream: object to decode '
                   'was longer than maximum allowed size") has prevented the request from succeeding')
MIB = 1024 * 1024


def event(name: str, rv: str, size: int = 0) -> bytes:
    obj = {"kind": "ConfigMap", "metadata": {"name": name, "resourceVersion": rv}, "data": {"x": "a" * size}}
    return json.dumps({"type": "ADDED", "object": obj}).encode()


def pieces(data: bytes, size: int = 64 * 1024) -> List[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


@pytest.fixture
def server() -> Iterator[ReplyServer]:
    with ReplyServer() as s:
        yield s


@pytest.fixture
def transport(server: ReplyServer) -> Iterator[Transport]:
    t = Transport(make_config(server.url), qps=0, sleep=lambda s: None, timeout=(5, 10))
    yield t
    t.close()


def watch_of(transport: Transport, **kw) -> Watch:
    return Watch(lambda w: transport.request("GET", "/w", stream=True), backoff_base=0.01, **kw)


def test_default_limit_is_client_gos():
    assert DEFAULT_MAX_EVENT_SIZE == 16 * MIB


@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
def test_a_24_mib_event_is_refused_at_once_with_kubectls_error(server, transport, gzip):
    server.add("GET", "/w", chunks=pieces(event("big", "2", 24 * MIB) + b"\n"), gzip=gzip)
    start = time.monotonic()
    with pytest.raises(dynclient.InternalError) as info:
        list(watch_of(transport, max_failures=3))
    assert time.monotonic() - start < 1.0
    assert info.value.code == 500 and info.value.message == KUBECTL_MESSAGE
    assert any(c.get("reason") == "ClientWatchDecoding" for c in info.value.causes)
    assert len(server.calls) == 1  # the end of the watch: not resumed into the same event again


def test_a_24_mib_event_is_received_in_linear_time_when_the_limit_allows(server, transport):
    server.add("GET", "/w", chunks=[event("small", "1") + b"\n" + event("big", "2", 24 * MIB)[:100]]
               + pieces(event("big", "2", 24 * MIB)[100:] + b"\n"))
    watch = watch_of(transport, resume=False)
    watch.max_event_size = 32 * MIB  # changeable after the watch is made, e.g. from ResourceClient.watch()
    start = time.monotonic()
    got = [(kind, obj["metadata"]["name"], len(obj["data"]["x"])) for kind, obj in watch]
    assert time.monotonic() - start < 1.0
    assert got == [("ADDED", "small", 0), ("ADDED", "big", 24 * MIB)]


@pytest.mark.parametrize("extra, refused", [(0, False), (1, True)], ids=["at-the-limit", "one-byte-over"])
def test_the_limit_is_exact(server, transport, extra, refused):
    line = event("a", "1")
    server.add("GET", "/w", chunks=pieces(line + b"\n", 7))
    watch = watch_of(transport, resume=False, max_event_size=len(line) - extra)
    if refused:
        with pytest.raises(dynclient.InternalError, match="longer than maximum allowed size"):
            list(watch)
    else:
        assert [obj["metadata"]["name"] for _, obj in watch] == ["a"]


def test_a_stream_ending_after_a_whole_event_without_newline_delivers_it(server, transport):
    server.add("GET", "/w", chunks=[event("a", "1") + b"\n", event("b", "2")])
    assert [o["metadata"]["name"] for _, o in watch_of(transport, resume=False)] == ["a", "b"]


def test_a_stream_ending_inside_an_event_resumes_from_the_last_one(server, transport):
    """client-go: io.ErrUnexpectedEOF ends that stream; the RetryWatcher goes on from the last resourceVersion."""
    server.add("GET", "/w", chunks=[event("a", "1") + b"\n", event("b", "2")[:30]])
    server.add("GET", "/w", chunks=[event("b", "2") + b"\n"])
    watch = watch_of(transport, max_reconnects=1)
    assert [o["metadata"]["name"] for _, o in watch] == ["a", "b"]
    assert watch.reconnects == 1 and len(server.calls) == 2


class _Raw:
    """A body handed out in the given pieces, as urllib3's ``read1`` would (for the property test)."""

    def __init__(self, chunks: List[bytes]) -> None:
        self._chunks = list(chunks)
        self.headers: dict = {}

    def read1(self, amt: int = -1, decode_content: bool = True) -> bytes:
        return self._chunks.pop(0) if self._chunks else b""


def lines_of(chunks: List[bytes], max_line=None) -> List[bytes]:
    resp = requests.Response()
    resp.raw = _Raw(chunks)
    resp.status_code = 200
    return list(Response(resp, "http://k8s.test/w").iter_lines(max_line=max_line))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=12).map(lambda b: b.replace(b"\n", b"")), max_size=12),
       st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=20),
       st.booleans())
def test_lines_come_out_whole_however_the_body_is_cut(lines, cuts, final_newline):
    body = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    chunks, pos, i = [], 0, 0
    while pos < len(body):
        step = cuts[i % len(cuts)]
        chunks.append(body[pos:pos + step])
        pos, i = pos + step, i + 1
    expected = body.split(b"\n")
    if expected and expected[-1] == b"":
        expected.pop()
    assert lines_of(chunks) == expected
    longest = max((len(line) for line in expected), default=0)
    if longest:
        with pytest.raises(LineTooLong):
            lines_of(chunks, max_line=longest - 1)
        assert lines_of(chunks, max_line=longest) == expected
