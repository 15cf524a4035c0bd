"""Watch stream parsing, bookmarks, ERROR events, resume and stop(), with a scripted opener."""

from __future__ import annotations

import json
import threading

import pytest

import dynclient
from dynclient.watch import RELISTED, Watch


class FakeStream:
    def __init__(self, lines, fail_after=False):
        self._lines = lines
        self._fail_after = fail_after
        self.closed = False

    def iter_lines(self):
        for line in self._lines:
            if self.closed:
                raise OSError("closed")
            yield line
        if self._fail_after:
            raise OSError("connection reset")

    def close(self):
        self.closed = True

    def interrupt(self):  # Watch.stop() wakes the reader, then closes
        pass


def ev(kind, name, rv):
    return json.dumps({"type": kind, "object": {"metadata": {"name": name, "resourceVersion": rv}}}).encode()


def test_events_bookmarks_and_resume_from_last_resource_version():
    opened = []
    streams = [
        FakeStream([ev("ADDED", "a", "5"), ev("BOOKMARK", "", "7")], fail_after=True),
        FakeStream([ev("MODIFIED", "a", "9"), ev("DELETED", "a", "10")]),
    ]

    def opener(watch):
        opened.append(watch.resource_version)
        if not streams:
            w.stop()
            return FakeStream([])
        return streams.pop(0)

    w = Watch(opener, resource_version="1")
    events = [(k, o["metadata"]["name"]) for k, o in w]
    assert events == [("ADDED", "a"), ("MODIFIED", "a"), ("DELETED", "a")]
    assert opened[:2] == ["1", "7"]  # resumed from the bookmark's resourceVersion
    assert w.resource_version == "10"


def test_initial_events_end_bookmark_is_recorded():
    end = json.dumps({"type": "BOOKMARK", "object": {"metadata": {
        "resourceVersion": "9", "annotations": {"k8s.io/initial-events-end": "true"}}}}).encode()
    w = Watch(lambda w: FakeStream([ev("ADDED", "a", "3"), end]), resume=False)
    assert [k for k, _ in w] == ["ADDED"]
    assert w.initial_events_done and w.resource_version == "9"


def test_bookmarks_are_yielded_when_asked():
    w = Watch(lambda w: FakeStream([ev("BOOKMARK", "", "7")]), resume=False, yield_bookmarks=True)
    assert [k for k, _ in w] == ["BOOKMARK"]


@pytest.mark.parametrize(
    "status, expected",
    [({"kind": "Status", "code": 410, "reason": "Expired", "message": "too old resource version"}, dynclient.Expired),
     ({"kind": "Status", "code": 500, "reason": "InternalError", "message": "boom"}, dynclient.InternalError),
     ({"oops": 1}, dynclient.WatchError)],
    ids=["expired", "internal", "not-a-status"],
)
def test_error_events_raise_typed_errors(status, expected):
    line = json.dumps({"type": "ERROR", "object": status}).encode()
    with pytest.raises(expected):
        list(Watch(lambda w: FakeStream([line]), resume=False))


@pytest.mark.parametrize("code, expected, expected_code", [
    pytest.param("x", dynclient.InternalError, 500, id="string"),
    pytest.param("404", dynclient.InternalError, 500, id="numeric-string"),
    pytest.param(True, dynclient.InternalError, 500, id="bool"),
    pytest.param(None, dynclient.InternalError, 500, id="null"),
    pytest.param(4.04e2, dynclient.InternalError, 500, id="float"),
    pytest.param(1 << 70, dynclient.InternalError, 500, id="huge"),
    pytest.param(403, dynclient.Forbidden, 403, id="int"),
])
def test_an_error_event_code_counts_only_as_an_int(code, expected, expected_code):
    status = {"kind": "Status", "code": code, "reason": "Forbidden" if code == 403 else "", "message": "no"}
    with pytest.raises(expected) as info:
        list(Watch(lambda w: FakeStream([error_event(status)]), resume=False))
    assert type(info.value) is expected and info.value.code == expected_code


def test_malformed_line_is_a_watch_error():
    with pytest.raises(dynclient.WatchError, match="malformed"):
        list(Watch(lambda w: FakeStream([b"{not json"]), resume=False))


def test_stop_from_another_thread_ends_iteration():
    gate = threading.Event()

    class Blocking(FakeStream):
        def iter_lines(self):
            yield ev("ADDED", "a", "1")
            gate.wait(5)
            if self.closed:
                raise OSError("closed")
            yield ev("ADDED", "b", "2")

        def close(self):
            super().close()
            gate.set()

    w = Watch(lambda w: Blocking([]))
    got = []
    for kind, obj in w:
        got.append(obj["metadata"]["name"])
        threading.Timer(0.05, w.stop).start()
    assert got == ["a"]
    assert w.stopped


GONE = {"kind": "Status", "code": 410, "reason": "Expired", "message": "too old resource version"}


def gone_reply():
    return dynclient.status_error_from_response(410, json.dumps(GONE).encode())


def error_event(status):
    return json.dumps({"type": "ERROR", "object": status}).encode()


@pytest.mark.parametrize("how", ["reply", "event"], ids=["410-reply", "410-error-event"])
def test_gone_raises_expired_without_relist(how):
    def opener(w):
        if how == "reply":
            raise gone_reply()
        return FakeStream([error_event(GONE)])

    with pytest.raises(dynclient.Expired):
        list(Watch(opener, resource_version="5"))


@pytest.mark.parametrize("how", ["reply", "event"], ids=["410-reply", "410-error-event"])
def test_gone_relists_and_resumes_from_the_list(how):
    opened = []
    scripts = [gone_reply() if how == "reply" else FakeStream([ev("ADDED", "a", "6"), error_event(GONE)]),
               FakeStream([ev("MODIFIED", "b", "21")])]

    def opener(w):
        opened.append(w.resource_version)
        if not scripts:
            w.stop()
            return FakeStream([])
        step = scripts.pop(0)
        if isinstance(step, Exception):
            raise step
        return step

    listed = {"kind": "ConfigMapList", "metadata": {"resourceVersion": "20"}, "items": []}
    w = Watch(opener, resource_version="5", relist=lambda: listed, backoff_base=0.001)
    kinds = [k for k, _ in w]
    assert RELISTED in kinds and kinds[-1] == "MODIFIED"
    assert opened[:2] == ["5", "20"] and w.relists == 1


def test_transient_errors_reconnect_with_bounded_backoff():
    attempts = []

    def opener(w):
        attempts.append(1)
        if len(attempts) < 3:
            raise dynclient.status_error_from_response(503, b"")
        if len(attempts) == 3:
            return FakeStream([error_event({"kind": "Status", "code": 500, "reason": "InternalError"})])
        w.stop()
        return FakeStream([])

    w = Watch(opener, backoff_base=0.001, max_backoff=0.002)
    assert list(w) == []
    assert len(attempts) == 4
    assert all(w.backoff_delay(n) <= 0.002 for n in range(1, 50))


def test_consecutive_failures_are_bounded():
    def opener(w):
        raise dynclient.TransportError("connection refused")

    with pytest.raises(dynclient.TransportError):
        list(Watch(opener, backoff_base=0.001, max_failures=3))


def test_forbidden_is_not_retried():
    calls = []

    def opener(w):
        calls.append(1)
        raise dynclient.status_error_from_response(403, b"")

    with pytest.raises(dynclient.Forbidden):
        list(Watch(opener))
    assert len(calls) == 1


def test_memory_stays_flat_over_many_reconnects():
    import tracemalloc

    count = {"n": 0}

    def opener(w):
        count["n"] += 1
        if count["n"] > 3000:
            w.stop()
        return FakeStream([ev("MODIFIED", "a", str(count["n"]))], fail_after=True)

    w = Watch(opener, backoff_base=0.0)
    tracemalloc.start()
    it = iter(w)
    for _ in range(500):
        next(it)
    first = tracemalloc.get_traced_memory()[0]
    for _ in it:
        pass
    grown = tracemalloc.get_traced_memory()[0] - first
    tracemalloc.stop()
    assert grown < 200_000


def test_stop_from_another_thread_unblocks_a_real_blocked_read(mock_server, make_transport):
    """On a real socket: the reader is inside recv() on a held-open stream; stop() wakes it at once."""
    import time

    mock_server.add("GET", "/w", chunks=[ev("ADDED", "a", "1") + b"\n"], hold=True)
    t = make_transport(timeout=(5, 30))
    watch = Watch(lambda w: t.request("GET", "/w", stream=True))
    got: list = []
    reader = threading.Thread(target=lambda: got.extend(o["metadata"]["name"] for _, o in watch))
    reader.start()
    deadline = time.monotonic() + 5
    while not got and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)  # the reader is now blocked waiting for the next event
    started = time.monotonic()
    watch.stop()
    reader.join(5)
    assert not reader.is_alive() and time.monotonic() - started < 1.0  # not the 30 s read timeout
    assert got == ["a"] and watch.reconnects == 0
