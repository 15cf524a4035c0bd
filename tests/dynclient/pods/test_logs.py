"""Pod logs on ``responses``: the query each call sends, the errors, and a followed log's resume.

A followed stream that breaks is a ``responses`` body whose read raises
``ConnectionResetError`` after its bytes, the way a cut connection ends a
read; the pod GETs between streams say whether the container still runs.
The timestamp arithmetic (``logcursor``) is tested on its own at the end.
"""

from __future__ import annotations

import datetime
import io
from typing import Any, Dict, List, Sequence

import pytest
from responses import matchers

import dynclient
from discovery.types import GroupVersionKind, GroupVersionResource
from dynclient.pods import ContainerNotFound, ContainerRequired
from dynclient.pods.logcursor import Cursor, Replay, since_time_param, stamp_key
from dynclient.pods.logs import LogFollow, LogOptions
from dynclient.resource import ResourceClient
from dynclient.transport import Transport
from restmapper.mapping import RESTMapping, Scope
from tests.dynclient.conftest import make_config

HOST = "http://k8s.test:6443"
PODS = RESTMapping(GroupVersionResource("", "v1", "pods"), GroupVersionKind("", "v1", "Pod"), Scope.NAMESPACE)
POD_URL = f"{HOST}/api/v1/namespaces/ns/pods/web"
LOG_URL = POD_URL + "/log"
PLUS_ONE = datetime.timezone(datetime.timedelta(hours=1))


def pod(containers: Sequence[str] = ("main",), state: str = "running", restarts: int = 0) -> Dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "ns"},
            "spec": {"containers": [{"name": c} for c in containers]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": c, "containerID": f"harness://uid-{c}-{restarts}", "restartCount": restarts,
                 "state": {state: {}}} for c in containers]}}


def status(code: int, reason: str, message: str) -> Dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code, "reason": reason,
            "message": message}


class _Cut(io.RawIOBase):
    """A body that gives ``data`` and then fails as a reset connection does."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._data:
            raise ConnectionResetError(104, "Connection reset by peer")
        n = min(len(buffer), len(self._data))
        buffer[:n] = self._data[:n]
        self._data = self._data[n:]
        return n


def cut(data: bytes) -> io.BufferedReader:
    return io.BufferedReader(_Cut(data))


@pytest.fixture
def pods(mocked_responses) -> Any:
    transport = Transport(make_config(HOST), qps=0, burst=1, sleep=lambda s: None)
    yield ResourceClient(transport, PODS).namespace("ns")
    transport.close()


def query(**params: str) -> Any:
    return matchers.query_param_matcher(params)


def log_reply(mock: Any, body: Any, status_code: int = 200, **params: str) -> None:
    mock.get(LOG_URL, body=body, status=status_code, match=[query(**params)],
             content_type="application/json" if status_code >= 400 else "text/plain")


def stamped(*lines: str) -> bytes:
    """``"05.1 text"`` -> kubelet's ``2026-12-03T10:00:05.1Z text\\n``."""
    out = []
    for line in lines:
        when, _, text = line.partition(" ")
        out.append(f"2026-12-03T10:00:{when}Z {text}\n")
    return "".join(out).encode()


# -- the query ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("options, expected", [
    (LogOptions(container="main"), [("container", "main")]),
    (LogOptions(container="main", follow=True, timestamps=True, previous=True),
     [("container", "main"), ("follow", "true"), ("previous", "true"), ("timestamps", "true")]),
    (LogOptions(container="c", tail_lines=0, limit_bytes=10, since_seconds=300),
     [("container", "c"), ("limitBytes", "10"), ("sinceSeconds", "300"), ("tailLines", "0")]),
    (LogOptions(since_time="2026-12-03T10:00:00Z", insecure_skip_tls_verify_backend=True),
     [("insecureSkipTLSVerifyBackend", "true"), ("sinceTime", "2026-12-03T10:00:00Z")]),
    (LogOptions(), []),
], ids=["container-only", "bools", "numbers-zero-kept", "since-time-and-backend", "nothing"])
def test_log_options_query(options, expected):
    assert options.params() == expected


@pytest.mark.parametrize("kwargs, params", [
    ({}, {"container": "main"}),
    ({"tail_lines": 2, "timestamps": True}, {"container": "main", "tailLines": "2", "timestamps": "true"}),
    ({"since_seconds": 60, "limit_bytes": 5, "previous": True},
     {"container": "main", "sinceSeconds": "60", "limitBytes": "5", "previous": "true"}),
    ({"since_time": "2026-12-03T10:00:00Z"}, {"container": "main", "sinceTime": "2026-12-03T10:00:00Z"}),
    ({"since_time": datetime.datetime(2026, 12, 3, 11, 0, 5, 123, tzinfo=PLUS_ONE)},
     {"container": "main", "sinceTime": "2026-12-03T10:00:05Z"}),
], ids=["plain", "tail-timestamps", "since-limit-previous", "since-time-text", "since-time-datetime-to-utc"])
def test_logs_get_the_pod_then_its_log(mocked_responses, pods, kwargs, params):
    mocked_responses.get(POD_URL, json=pod())
    log_reply(mocked_responses, b"one\ntwo\n", **params)
    assert pods.logs("web", **kwargs) == "one\ntwo\n"
    sent = mocked_responses.calls[1].request
    assert sent.headers["Accept"] == "application/json, */*"


def test_a_naive_since_time_is_refused(mocked_responses, pods):
    mocked_responses.get(POD_URL, json=pod())
    with pytest.raises(ValueError, match="timezone-aware"):
        pods.logs("web", since_time=datetime.datetime(2026, 12, 3))


def test_undecodable_bytes_are_replaced_in_text(mocked_responses, pods):
    mocked_responses.get(POD_URL, json=pod())
    log_reply(mocked_responses, b"caf\xc3\xa9 \xff\n", container="main")
    assert pods.logs("web") == "caf\u00e9 \ufffd\n"


# -- errors ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pod_reply, container, log, error, message", [
    ((404, status(404, "NotFound", 'pods "web" not found')), None, None, dynclient.NotFound, 'pods "web" not found'),
    ((200, pod(("a", "b"))), None, None, ContainerRequired,
     "a container name must be specified for pod web, choose one of: [a b]"),
    ((200, pod(("a", "b"))), "zz", None, ContainerNotFound, "container zz is not valid for pod web"),
    ((200, pod(("a", "b"))), "a", (400, status(400, "BadRequest",
                                              'previous terminated container "a" in pod "web" not found')),
     dynclient.BadRequest, 'previous terminated container "a" in pod "web" not found'),
], ids=["pod-not-found", "container-required", "container-not-found", "server-400-kept"])
def test_errors_stay_in_the_tree(mocked_responses, pods, pod_reply, container, log, error, message):
    mocked_responses.get(POD_URL, json=pod_reply[1], status=pod_reply[0])
    if log is not None:
        mocked_responses.get(LOG_URL, json=log[1], status=log[0])
    with pytest.raises(error) as caught:
        pods.logs("web", container, previous=True)
    assert getattr(caught.value, "message", str(caught.value)) == message


def test_logs_need_a_pods_client_in_a_namespace(pods):
    with pytest.raises(ValueError, match="needs a namespace"):
        pods.namespace(None).logs("web")


# -- follow ------------------------------------------------------------------------------------------------

FOLLOW = {"container": "main", "follow": "true", "timestamps": "true"}


def follow_lines(pods: Any, *, raw: bool = False, **kwargs: Any) -> List[Any]:
    follow = pods.logs("web", follow=True, **kwargs)
    assert isinstance(follow, LogFollow)
    return list(follow.raw_lines() if raw else follow)


def test_follow_strips_the_timestamps_it_asked_for(mocked_responses, pods):
    mocked_responses.get(POD_URL, json=pod())
    log_reply(mocked_responses, stamped("01.5 a", "02 b"), **FOLLOW)
    mocked_responses.get(POD_URL, json=pod(state="terminated"))
    assert follow_lines(pods) == ["a", "b"]


def test_follow_keeps_timestamps_when_asked_and_passes_tail_and_since(mocked_responses, pods):
    mocked_responses.get(POD_URL, json=pod())
    log_reply(mocked_responses, stamped("01.5 a", "02 b"), **FOLLOW, tailLines="2", sinceSeconds="60")
    mocked_responses.get(POD_URL, json=pod(state="terminated"))
    assert follow_lines(pods, raw=True, timestamps=True, tail_lines=2, since_seconds=60) == [
        b"2026-12-03T10:00:01.5Z a\n", b"2026-12-03T10:00:02Z b\n"]


def test_a_last_line_without_newline_stays_without(mocked_responses, pods):
    mocked_responses.get(POD_URL, json=pod())
    log_reply(mocked_responses, stamped("01 a") + b"2026-12-03T10:00:02Z partial", **FOLLOW)
    mocked_responses.get(POD_URL, json=pod(state="terminated"))
    assert follow_lines(pods, raw=True) == [b"a\n", b"partial"]


@pytest.mark.parametrize("first, again, expected", [
    # Cut in the middle of "c": the server gives the whole second 10:00:02 again.
    (stamped("01 a", "02.1 b") + b"2026-12-03T10:00:02.3Z c-ha",
     stamped("02.1 b", "02.3 c", "03 d"), ["a", "b", "c", "d"]),
    # Three lines share one timestamp; two were seen before the cut.
    (stamped("02.5 x1", "02.5 x2"),
     stamped("02.1 before", "02.5 x1", "02.5 x2", "02.5 x3", "04 y"), ["x1", "x2", "x3", "y"]),
    # An identical text at a later instant is a new line.
    (stamped("02.1 same"), stamped("02.1 same", "02.2 same"), ["same", "same"]),
    # Fractions of different lengths are compared as instants: .09 is before .1.
    (stamped("02.1 a"), stamped("02.09 old", "02.1 a", "02.15 b"), ["a", "b"]),
], ids=["cut-mid-line", "same-timestamp-dedupe", "same-text-later", "variable-fraction"])
def test_a_broken_stream_resumes_without_loss_or_repeat(mocked_responses, pods, first, again, expected):
    mocked_responses.get(POD_URL, json=pod())
    log_reply(mocked_responses, cut(first), **FOLLOW)
    mocked_responses.get(POD_URL, json=pod())  # still the same instance, running
    log_reply(mocked_responses, again, **FOLLOW, sinceTime="2026-12-03T10:00:02Z")
    mocked_responses.get(POD_URL, json=pod(state="terminated"))
    follow = pods.logs("web", follow=True)
    assert list(follow) == expected
    assert follow.reconnects == 1


def test_a_resume_drops_tail_and_since(mocked_responses, pods):
    mocked_responses.get(POD_URL, json=pod())
    log_reply(mocked_responses, cut(stamped("05 a")), **FOLLOW, tailLines="1", sinceSeconds="10")
    mocked_responses.get(POD_URL, json=pod())
    log_reply(mocked_responses, stamped("05 a", "06 b"), **FOLLOW, sinceTime="2026-12-03T10:00:05Z")
    mocked_responses.get(POD_URL, json=pod(state="terminated"))
    assert list(pods.logs("web", follow=True, tail_lines=1, since_seconds=10)) == ["a", "b"]


def test_a_break_before_any_line_asks_the_same_again(mocked_responses, pods):
    mocked_responses.get(POD_URL, json=pod())
    log_reply(mocked_responses, cut(b""), **FOLLOW, tailLines="3")
    mocked_responses.get(POD_URL, json=pod())
    log_reply(mocked_responses, stamped("01 a"), **FOLLOW, tailLines="3")
    mocked_responses.get(POD_URL, json=pod(state="terminated"))
    assert list(pods.logs("web", follow=True, tail_lines=3)) == ["a"]


def test_a_followed_previous_instance_ends_with_its_stream(mocked_responses, pods):
    mocked_responses.get(POD_URL, json=pod(restarts=1))
    log_reply(mocked_responses, stamped("01 a", "02 b"), **FOLLOW, previous="true")
    assert list(pods.logs("web", follow=True, previous=True)) == ["a", "b"]  # and no pod GET after it


def test_a_clean_end_while_the_container_runs_is_resumed(mocked_responses, pods):
    mocked_responses.get(POD_URL, json=pod())
    log_reply(mocked_responses, stamped("01 a"), **FOLLOW)
    mocked_responses.get(POD_URL, json=pod())  # the server ended the stream, but the container runs
    log_reply(mocked_responses, stamped("01 a", "02 b"), **FOLLOW, sinceTime="2026-12-03T10:00:01Z")
    mocked_responses.get(POD_URL, json=pod(state="terminated"))
    assert list(pods.logs("web", follow=True)) == ["a", "b"]


def test_a_container_restarted_during_a_break_is_read_to_its_end_as_previous(mocked_responses, pods):
    mocked_responses.get(POD_URL, json=pod())
    log_reply(mocked_responses, cut(stamped("01 a")), **FOLLOW)
    mocked_responses.get(POD_URL, json=pod(restarts=1))  # the old instance ended, a new one runs
    log_reply(mocked_responses, stamped("01 a", "02 last"), **FOLLOW, previous="true",
              sinceTime="2026-12-03T10:00:01Z")
    assert list(pods.logs("web", follow=True)) == ["a", "last"]


def test_a_container_restarted_twice_during_a_break_ends_the_follow(mocked_responses, pods):
    mocked_responses.get(POD_URL, json=pod())
    log_reply(mocked_responses, cut(stamped("01 a")), **FOLLOW)
    mocked_responses.get(POD_URL, json=pod(restarts=2))  # the instance followed is no longer kept
    assert list(pods.logs("web", follow=True)) == ["a"]


def test_the_pod_deleted_during_a_break_is_not_found(mocked_responses, pods):
    mocked_responses.get(POD_URL, json=pod())
    log_reply(mocked_responses, cut(stamped("01 a")), **FOLLOW)
    mocked_responses.get(POD_URL, json=status(404, "NotFound", 'pods "web" not found'), status=404)
    follow = pods.logs("web", follow=True)
    seen = []
    with pytest.raises(dynclient.NotFound):
        for line in follow:
            seen.append(line)
    assert seen == ["a"]


def test_endless_breaks_give_up_with_the_last_error(mocked_responses, pods):
    mocked_responses.get(POD_URL, json=pod())
    log_reply(mocked_responses, cut(stamped("01 a")), **FOLLOW)
    for _ in range(3):
        mocked_responses.get(POD_URL, json=pod())
        log_reply(mocked_responses, cut(stamped("01 a")), **FOLLOW, sinceTime="2026-12-03T10:00:01Z")
    follow = pods.logs("web", follow=True)
    follow._max_failures, follow._backoff_base = 2, 0.0
    seen = []
    with pytest.raises(dynclient.TransportError, match="gave up after 3 broken streams"):
        for line in follow:
            seen.append(line)
    assert seen == ["a"]


def test_a_refused_resume_is_raised(mocked_responses, pods):
    mocked_responses.get(POD_URL, json=pod())
    log_reply(mocked_responses, cut(stamped("01 a")), **FOLLOW)
    mocked_responses.get(POD_URL, json=pod())
    mocked_responses.get(LOG_URL, json=status(403, "Forbidden", "no"), status=403)
    with pytest.raises(dynclient.Forbidden):
        list(pods.logs("web", follow=True))


def test_a_refused_first_stream_is_the_answer(mocked_responses, pods):
    mocked_responses.get(POD_URL, json=pod())
    mocked_responses.get(LOG_URL, json=status(400, "BadRequest", 'container "main" in pod "web" is waiting to start'),
                         status=400)
    with pytest.raises(dynclient.BadRequest, match="waiting to start"):
        list(pods.logs("web", follow=True))


@pytest.mark.parametrize("limit, timestamps, expected", [
    (5, False, [b"aaa\n", b"b"]),
    (4, False, [b"aaa\n"]),
    (30, True, [b"2026-12-03T10:00:01Z aaa\n", b"2026-"]),
], ids=["cut-mid-line", "on-a-line-end", "counting-the-timestamps-asked-for"])
def test_follow_counts_limit_bytes_itself(mocked_responses, pods, limit, timestamps, expected):
    mocked_responses.get(POD_URL, json=pod())
    params = dict(FOLLOW)  # no limitBytes: the server would count the timestamps added here
    log_reply(mocked_responses, stamped("01 aaa", "02 bbb", "03 ccc"), **params)
    follow = pods.logs("web", follow=True, limit_bytes=limit, timestamps=timestamps)
    assert list(follow.raw_lines()) == expected


def test_follow_stopped_before_reading_reads_nothing(mocked_responses, pods):
    mocked_responses.get(POD_URL, json=pod())
    follow = pods.logs("web", follow=True)
    follow.stop()
    assert list(follow) == [] and follow.stopped


def test_a_follow_is_read_once(mocked_responses, pods):
    mocked_responses.get(POD_URL, json=pod())
    log_reply(mocked_responses, stamped("01 a"), **FOLLOW)
    mocked_responses.get(POD_URL, json=pod(state="terminated"))
    follow = pods.logs("web", follow=True)
    assert list(follow) == ["a"]
    with pytest.raises(RuntimeError, match="read once"):
        list(follow)


# -- timestamps ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stamp, key", [
    (b"1970-01-01T00:00:00Z", (0, 0)),
    (b"2026-12-03T10:00:05.1Z", (1796292005, 100_000_000)),
    (b"2026-12-03T10:00:05.123456789Z", (1796292005, 123_456_789)),
    (b"2026-12-03T11:00:05+01:00", (1796292005, 0)),
    (b"2026-12-03T09:30:05.5-00:30", (1796292005, 500_000_000)),
    (b"not-a-time", None),
    (b"2026-12-03 10:00:05Z", None),
], ids=["epoch", "tenth", "nanos", "plus-offset", "minus-offset", "junk", "space"])
def test_stamp_key(stamp, key):
    assert stamp_key(stamp) == key


def test_since_time_param_is_the_second_in_utc():
    assert since_time_param((1796292005, 999_999_999)) == "2026-12-03T10:00:05Z"


def _replay(history: Sequence[bytes], resumed: Sequence[bytes]) -> List[bytes]:
    cursor = Cursor()
    for stamp in history:
        cursor.advance(stamp)
    replay = Replay(cursor)
    return [s for s in resumed if not replay.skip(s)]


@pytest.mark.parametrize("history, resumed, kept", [
    ([], [b"2026-12-03T10:00:01Z"], [b"2026-12-03T10:00:01Z"]),
    ([b"2026-12-03T10:00:01.5Z"], [b"2026-12-03T10:00:01.2Z", b"2026-12-03T10:00:01.5Z", b"2026-12-03T10:00:01.7Z"],
     [b"2026-12-03T10:00:01.7Z"]),
    ([b"2026-12-03T10:00:01.5Z"] * 2, [b"2026-12-03T10:00:01.5Z"] * 3, [b"2026-12-03T10:00:01.5Z"]),
    ([b"2026-12-03T10:00:01.1Z", b"2026-12-03T10:00:01.5Z"],
     [b"2026-12-03T10:00:01.5Z", b"2026-12-03T10:00:01.6Z", b"2026-12-03T10:00:01.1Z"],
     [b"2026-12-03T10:00:01.6Z", b"2026-12-03T10:00:01.1Z"]),
    ([b"2026-12-03T10:00:01Z"], [b"junk", b"2026-12-03T10:00:01Z"], [b"junk", b"2026-12-03T10:00:01Z"]),
], ids=["nothing-seen", "earlier-and-same-dropped", "count-at-one-instant", "after-the-first-new-all-pass",
        "no-timestamp-passes"])
def test_replay(history, resumed, kept):
    assert _replay(history, resumed) == kept


@pytest.mark.parametrize("before, block, after", [
    ((b"", 0), [b"t1 a", b"t2 b"], (b"t2", 1)),
    ((b"", 0), [b"t1 a", b"t2 b", b"t2 c"], (b"t2", 2)),
    ((b"t2", 2), [b"t2 d", b"t2 e"], (b"t2", 4)),
    ((b"t2", 2), [b"t3 d"], (b"t3", 1)),
    ((b"t2", 2), [b"t2 x", b"t3 y", b"t2 z"], (b"t2", 1)),
    ((b"", 0), [b"nostamp"], (b"nostamp", 1)),
], ids=["last-differs", "run-at-the-end", "run-goes-on-across-blocks", "new-stamp", "run-broken-inside",
        "no-space"])
def test_cursor_advances_by_block(before, block, after):
    cursor = Cursor()
    cursor.stamp, cursor.count = before
    cursor.advance_block(block)
    assert (cursor.stamp, cursor.count) == after


def test_cursor_counts_a_run_of_one_timestamp():
    cursor = Cursor()
    for stamp in (b"t1", b"t2", b"t2", b"t2"):
        cursor.advance(stamp)
    assert (cursor.stamp, cursor.count) == (b"t2", 3)
    cursor.advance(b"t1")
    assert (cursor.stamp, cursor.count) == (b"t1", 1)
