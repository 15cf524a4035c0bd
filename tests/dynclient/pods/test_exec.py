"""run_exec, open_exec and open_attach without a cluster: the pod GET on the reply server, the stream scripted.

The pod comes from ``mock_server`` (a real HTTP server on loopback, as the
rest of the suite); ``dial`` is replaced by a scripted connection that
plays the API server's side of the channel protocol, so each test states
the frames that go out and the frames that come back.
"""

from __future__ import annotations

import io
import json
import queue
import threading
from typing import Any, Callable, List, Optional
from urllib.parse import parse_qsl, urlsplit

import pytest
from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK
from websockets.frames import Close

from discovery.errors import Forbidden, StatusError, TransportError
from discovery.types import GroupVersionKind, GroupVersionResource
from dynclient.pods import (ContainerNotFound, ContainerRequired, KubeletUnreachable, PodNotRunning,
                            StreamProtocolError)
from dynclient.pods import channels
from dynclient.pods import exec as pexec
from dynclient.resource import ResourceClient
from restmapper.mapping import RESTMapping, Scope

PODS = RESTMapping(GroupVersionResource("", "v1", "pods"), GroupVersionKind("", "v1", "Pod"), Scope.NAMESPACE)
SUCCESS = json.dumps({"metadata": {}, "status": "Success"}).encode()


def exit_status(code: int) -> bytes:
    return json.dumps({"metadata": {}, "status": "Failure", "reason": "NonZeroExitCode",
                       "message": f"command terminated with non-zero exit code: exit status {code}",
                       "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}).encode()


def pod(name: str = "web", containers=("main",), phase: str = "Running", annotations=None):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "ns", "annotations": dict(annotations or {})},
            "spec": {"containers": [{"name": c} for c in containers]}, "status": {"phase": phase}}


class Scripted:
    """The server's side of one stream: ``on_send`` sees each client message and may ``reply``/``end``."""

    def __init__(self, protocol: str, on_send: Callable[["Scripted", bytes], None],
                 opening: List[bytes] = ()) -> None:
        self.subprotocol = protocol
        self.on_send = on_send
        self.sent: List[bytes] = []
        self._in: "queue.Queue[Any]" = queue.Queue()
        self.closed = threading.Event()
        for message in opening:
            self.reply(message)

    # the client's API (websockets.sync ClientConnection)
    def send(self, message: bytes) -> None:
        if self.closed.is_set():
            raise ConnectionClosedOK(Close(1000, ""), Close(1000, ""), True)
        self.sent.append(bytes(message))
        self.on_send(self, bytes(message))

    def recv(self, timeout: Optional[float] = None) -> Any:
        item = self._in.get()
        if isinstance(item, BaseException):
            self._in.put(item)
            raise item
        return item

    def close(self) -> None:
        self.closed.set()
        self._in.put(ConnectionClosedOK(Close(1000, ""), Close(1000, ""), True))

    # the script's API
    def reply(self, message: bytes) -> None:
        self._in.put(message)

    def end(self, status: Optional[bytes] = SUCCESS) -> None:
        if status is not None:
            self.reply(channels.frame(channels.ERROR, status))
        self.close()

    def drop(self) -> None:
        self._in.put(ConnectionClosedError(None, None))


def cat(conn: Scripted, message: bytes) -> None:
    """``cat``: stdin comes back on stdout; its end (v5's close of stdin) ends the command."""
    if message[0] == channels.STDIN:
        conn.reply(channels.frame(channels.STDOUT, message[1:]))
    elif message == channels.close_frame(channels.STDIN):
        conn.end()


def nothing(conn: Scripted, message: bytes) -> None:
    pass


@pytest.fixture
def pods(transport):
    return ResourceClient(transport, PODS).namespace("ns")


@pytest.fixture
def stream(monkeypatch):
    """``stream(script)``: the next dial returns ``script``; ``stream.targets`` lists what was dialed."""
    made: List[Scripted] = []
    targets: List[str] = []

    def install(conn: Scripted) -> Scripted:
        made.append(conn)
        return conn

    def fake_dial(transport, target, subprotocols, timeout=None):
        assert tuple(subprotocols) == channels.PROTOCOLS
        targets.append(target)
        return made.pop(0)

    monkeypatch.setattr(pexec, "dial", fake_dial)
    install.targets = targets  # type: ignore[attr-defined]
    return install


def query(target: str):
    parts = urlsplit(target)
    return parts.path, parse_qsl(parts.query)


@pytest.mark.parametrize("kwargs, container, path, params", [
    pytest.param({}, None, "/api/v1/namespaces/ns/pods/web/exec",
                 [("command", "sh"), ("command", "-c"), ("command", "echo a b"), ("container", "main"),
                  ("stdout", "true"), ("stderr", "true")], id="plain"),
    pytest.param({"stdin": b"x"}, "main", "/api/v1/namespaces/ns/pods/web/exec",
                 [("command", "sh"), ("command", "-c"), ("command", "echo a b"), ("container", "main"),
                  ("stdin", "true"), ("stdout", "true"), ("stderr", "true")], id="stdin"),
    pytest.param({"tty": True}, None, "/api/v1/namespaces/ns/pods/web/exec",
                 [("command", "sh"), ("command", "-c"), ("command", "echo a b"), ("container", "main"),
                  ("stdout", "true"), ("tty", "true")], id="tty-without-stderr"),
])
def test_exec_request(mock_server, pods, stream, kwargs, container, path, params):
    mock_server.add("GET", "/api/v1/namespaces/ns/pods/web", json=pod())

    def script(conn, message):
        if message == channels.close_frame():
            conn.end()

    conn = stream(Scripted(channels.V5, script, [] if "stdin" in kwargs else [channels.frame(channels.ERROR,
                                                                                               SUCCESS)]))
    if "stdin" not in kwargs:
        conn.close()
    result = pods.exec("web", ["sh", "-c", "echo a b"], container, **kwargs)
    assert result.exit_code == 0
    assert query(stream.targets[0]) == (path, params)


@pytest.mark.parametrize("frames, stdout, stderr, code", [
    pytest.param([b"\x01", b"\x01hi\n", b"\x02err\n", channels.frame(channels.ERROR, exit_status(3))],
                 b"hi\n", b"err\n", 3, id="exit-3-with-output"),
    pytest.param([b"\x03", channels.frame(channels.ERROR, SUCCESS)], b"", b"", 0, id="success"),
    pytest.param([b"\x01a", b"\x01b"], b"ab", b"", 0, id="closed-without-status-is-success"),
])
def test_exec_result(mock_server, pods, stream, frames, stdout, stderr, code):
    mock_server.add("GET", "/api/v1/namespaces/ns/pods/web", json=pod())
    conn = stream(Scripted(channels.V5, nothing, frames))
    conn.close()
    result = pods.exec("web", "true")
    assert (result.stdout, result.stderr, result.exit_code, result.ok) == (stdout, stderr, code, code == 0)


def big(n: int) -> bytes:
    return bytes(range(256)) * (n // 256) + b"x" * (n % 256)


@pytest.mark.parametrize("make_stdin", [
    pytest.param(lambda data: data, id="bytes"),
    pytest.param(lambda data: io.BytesIO(data), id="binary-file"),
    pytest.param(lambda data: io.BufferedReader(io.BytesIO(data), 4096), id="buffered-file"),
])
def test_stdin_streams_in_chunks_then_half_closes(mock_server, pods, stream, make_stdin):
    mock_server.add("GET", "/api/v1/namespaces/ns/pods/web", json=pod())
    data = big(3 * pexec.CHUNK + 17)
    conn = stream(Scripted(channels.V5, cat))
    result = pods.exec("web", ["cat"], stdin=make_stdin(data))
    assert result.stdout == data and result.exit_code == 0
    stdin_frames = [m for m in conn.sent if m[0] == channels.STDIN]
    assert all(len(m) - 1 <= pexec.CHUNK for m in stdin_frames)
    assert b"".join(m[1:] for m in stdin_frames) == data
    assert conn.sent[-1] == b"\xff\x00"  # the half-close, last


class CountingReader(io.RawIOBase):
    """A file that counts its reads: stdin must be read piece by piece, never whole."""

    def __init__(self, size: int) -> None:
        self.left, self.sizes = size, []

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        n = min(len(buf), self.left)
        buf[:n] = b"z" * n
        self.left -= n
        self.sizes.append(n)
        return n


def test_a_file_is_never_read_whole(mock_server, pods, stream):
    mock_server.add("GET", "/api/v1/namespaces/ns/pods/web", json=pod())
    stream(Scripted(channels.V5, cat))
    reader = CountingReader(5 * pexec.CHUNK)
    result = pods.exec("web", ["cat"], stdin=reader)
    assert len(result.stdout) == 5 * pexec.CHUNK
    assert max(reader.sizes) <= pexec.CHUNK and len(reader.sizes) >= 5


def test_v4_cannot_half_close(mock_server, pods, stream):
    """v4 has no close channel: stdin goes, no [255, 0] follows; the command ends on its own here."""
    mock_server.add("GET", "/api/v1/namespaces/ns/pods/web", json=pod())
    got: List[bytes] = []

    def head_c3(conn, message):  # "head -c 3"
        got.append(message)
        if sum(len(m) - 1 for m in got) >= 3:
            conn.reply(b"\x01abc")
            conn.end()

    conn = stream(Scripted(channels.V4, head_c3))
    result = pods.exec("web", ["head", "-c", "3"], stdin=b"abc")
    assert result.stdout == b"abc"
    assert conn.sent == [b"\x00abc"]


def test_stdin_left_unread_is_not_an_error(mock_server, pods, stream):
    mock_server.add("GET", "/api/v1/namespaces/ns/pods/web", json=pod())

    def ends_at_once(conn, message):
        if not conn.closed.is_set():
            conn.end(exit_status(1))

    stream(Scripted(channels.V5, ends_at_once))
    result = pods.exec("web", ["false"], stdin=big(10 * pexec.CHUNK))
    assert result.exit_code == 1


@pytest.mark.parametrize("stdin, error", [
    pytest.param("text", TypeError, id="str"),
    pytest.param(io.StringIO("text"), TypeError, id="text-file"),
    pytest.param(12, TypeError, id="int"),
])
def test_stdin_must_be_bytes_or_a_binary_file(mock_server, pods, stream, stdin, error):
    if not isinstance(stdin, str):
        mock_server.add("GET", "/api/v1/namespaces/ns/pods/web", json=pod())
        stream(Scripted(channels.V5, nothing))
    with pytest.raises(error):
        pods.exec("web", ["cat"], stdin=stdin)


def test_no_command_is_refused_before_any_request(pods):
    with pytest.raises(ValueError, match="at least one command"):
        pods.exec("web", [])


@pytest.mark.parametrize("the_pod, container, error, message", [
    pytest.param(pod(containers=("a", "b")), None, ContainerRequired,
                 "a container name must be specified for pod web, choose one of: [a b]", id="which-container"),
    pytest.param(pod(), "nope", ContainerNotFound, "container nope is not valid for pod web", id="no-such-container"),
    pytest.param(pod(phase="Succeeded"), None, PodNotRunning,
                 "cannot exec into a container in a completed pod; current phase is Succeeded", id="completed"),
])
def test_the_pod_is_checked_before_any_stream(mock_server, pods, stream, the_pod, container, error, message):
    mock_server.add("GET", "/api/v1/namespaces/ns/pods/web", json=the_pod)
    with pytest.raises(error) as info:
        pods.exec("web", ["true"], container)
    assert str(info.value) == message
    assert stream.targets == []


def test_attach_on_a_completed_pod_says_attach(mock_server, pods, stream):
    mock_server.add("GET", "/api/v1/namespaces/ns/pods/web", json=pod(phase="Failed"))
    with pytest.raises(PodNotRunning, match="cannot attach a container in a completed pod; current phase is "
                                            "Failed"):
        pods.attach("web")


DIAL_REFUSED = ("Internal error occurred: error sending request: Post \"https://127.0.0.1:1/exec/ns/web/main\": "
                "dial tcp 127.0.0.1:1: connect: connection refused")


def test_kubelet_unreachable_on_the_error_channel(mock_server, pods, stream):
    mock_server.add("GET", "/api/v1/namespaces/ns/pods/web", json=pod())
    status = json.dumps({"metadata": {}, "status": "Failure", "message": DIAL_REFUSED, "reason": "InternalError",
                         "code": 500}).encode()
    conn = stream(Scripted(channels.V5, nothing, [b"\x01", channels.frame(channels.ERROR, status)]))
    conn.close()
    with pytest.raises(KubeletUnreachable) as info:
        pods.exec("web", ["true"])
    assert str(info.value) == DIAL_REFUSED
    assert info.value.status["code"] == 500 and info.value.status["reason"] == "InternalError"
    assert (info.value.namespace, info.value.pod) == ("ns", "web")


@pytest.mark.parametrize("code, reason, message, error", [
    pytest.param(500, "InternalError", DIAL_REFUSED, KubeletUnreachable, id="dial-refused"),
    pytest.param(403, "Forbidden", 'pods "web" is forbidden', Forbidden, id="forbidden-stays"),
])
def test_dial_refusals(mock_server, pods, monkeypatch, code, reason, message, error):
    mock_server.add("GET", "/api/v1/namespaces/ns/pods/web", json=pod())
    from discovery.errors import status_error_from_response

    def refuse(*args, **kwargs):
        body = json.dumps({"kind": "Status", "status": "Failure", "code": code, "reason": reason,
                           "message": message}).encode()
        raise status_error_from_response(code, body, method="GET", url="u")

    monkeypatch.setattr(pexec, "dial", refuse)
    with pytest.raises(error) as info:
        pods.exec("web", ["true"])
    assert message in str(info.value)


def test_a_stream_broken_before_the_end(mock_server, pods, stream):
    mock_server.add("GET", "/api/v1/namespaces/ns/pods/web", json=pod())
    conn = stream(Scripted(channels.V5, nothing, [b"\x01partial"]))
    conn.drop()
    with pytest.raises(TransportError, match="broke before the command ended"):
        pods.exec("web", ["true"])


def test_an_unknown_channel_breaks_the_protocol(mock_server, pods, stream):
    mock_server.add("GET", "/api/v1/namespaces/ns/pods/web", json=pod())
    conn = stream(Scripted(channels.V5, nothing, [b"\x07?"]))
    conn.close()
    with pytest.raises(StreamProtocolError, match="unknown channel 7"):
        pods.exec("web", ["true"])


def test_timeout_closes_the_session(mock_server, pods, stream):
    mock_server.add("GET", "/api/v1/namespaces/ns/pods/web", json=pod())
    conn = stream(Scripted(channels.V5, nothing))
    with pytest.raises(TimeoutError, match="not ended after 0.2 s"):
        pods.exec("web", ["sleep", "9"], timeout=0.2)
    assert conn.closed.is_set()


def test_session_stdin_resize_output_and_exit(mock_server, pods, stream):
    mock_server.add("GET", "/api/v1/namespaces/ns/pods/web", json=pod())
    conn = stream(Scripted(channels.V5, cat, [b"\x01"]))
    with pods.exec_session("web", ["sh"], tty=True) as session:
        assert session.protocol == channels.V5
        session.resize(100, 40)
        session.write_stdin(b"one\n")
        assert session.stdout.read(2, timeout=5) == b"on"
        assert session.stdout.read(100, timeout=5) == b"e\n"
        session.write_stdin(b"two\n")
        assert session.close_stdin() is True
        assert session.wait(5) == 0
        assert session.exit_code == 0
        assert session.stdout.read() == b"two\n"
        assert session.stdout.read(10) == b""
        with pytest.raises(ValueError, match="stdin is not open"):
            session.write_stdin(b"late")
    assert conn.sent == [b'\x04{"Width":100,"Height":40}', b"\x00one\n", b"\x00two\n", b"\xff\x00"]
    path, params = query(stream.targets[0])
    assert ("tty", "true") in params and ("stderr", "true") not in params


def test_session_output_iterates_as_it_comes(mock_server, pods, stream):
    mock_server.add("GET", "/api/v1/namespaces/ns/pods/web", json=pod())
    conn = stream(Scripted(channels.V5, nothing, [b"\x01a", b"\x02e", b"\x01b"]))
    session = pods.exec_session("web", ["x"], stdin=False)
    conn.end(exit_status(2))
    assert list(session.stdout) == [b"a", b"b"]
    assert session.stderr.read() == b"e"
    assert session.wait() == 2
    with pytest.raises(ValueError):
        session.write_stdin(b"x")  # not asked for
    session.close()


def test_session_wait_raises_the_refusal_and_times_out(mock_server, pods, stream):
    mock_server.add("GET", "/api/v1/namespaces/ns/pods/web", json=pod())
    conn = stream(Scripted(channels.V5, nothing))
    session = pods.exec_session("web", ["x"])
    with pytest.raises(TimeoutError):
        session.wait(0.1)
    assert session.exit_code is None
    with pytest.raises(TimeoutError):
        session.stdout.read(1, timeout=0.1)
    status = json.dumps({"status": "Failure", "code": 400, "reason": "BadRequest", "message": "no"}).encode()
    conn.end(status)
    with pytest.raises(StatusError, match="no"):
        session.wait(5)
    session.close()


def test_attach_request(mock_server, pods, stream):
    mock_server.add("GET", "/api/v1/namespaces/ns/pods/web", json=pod(containers=("a", "b")))
    conn = stream(Scripted(channels.V5, cat, [b"\x01"]))
    with pods.attach("web", "b") as session:
        session.write_stdin(b"hello\n")
        assert session.stdout.read(6, timeout=5) == b"hello\n"
        session.close_stdin()
        assert session.wait(5) == 0
    assert query(stream.targets[0]) == ("/api/v1/namespaces/ns/pods/web/attach",
                                        [("container", "b"), ("stdin", "true"), ("stdout", "true"),
                                         ("stderr", "true")])
    assert conn.closed.is_set()


def test_v4_session_close_stdin_says_it_cannot(mock_server, pods, stream):
    mock_server.add("GET", "/api/v1/namespaces/ns/pods/web", json=pod())
    conn = stream(Scripted(channels.V4, nothing))
    session = pods.exec_session("web", ["cat"])
    assert session.protocol == channels.V4
    assert session.close_stdin() is False
    assert conn.sent == []
    session.close()


def test_an_unoffered_protocol_is_refused(mock_server, pods, stream):
    mock_server.add("GET", "/api/v1/namespaces/ns/pods/web", json=pod())
    conn = stream(Scripted("channel.k8s.io", nothing))
    with pytest.raises(StreamProtocolError, match="channel.k8s.io"):
        pods.exec("web", ["true"])
    assert conn.closed.is_set()
