"""SPDY/3.1 framing and the client session, against a scripted kubelet that speaks the same bytes.

``FakeKubelet`` plays the API server's tunnel and the kubelet behind it: the
WebSocket messages the session sends are parsed as SPDY frames with a codec
of its own (so header compression must survive two independent zlib
contexts, as with Go's framer), and its answers are SPDY frames too. The
wire compatibility with the real Go framer is proven in
tests/integration/pods/test_portforward.py.
"""

from __future__ import annotations

import hashlib
import queue
import socket
import struct
import threading
import zlib
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
from websockets.exceptions import ConnectionClosedOK
from websockets.frames import Close

from dynclient.pods import spdy_frames as f
from dynclient.pods.spdy_dictionary import SPDY3_DICTIONARY
from dynclient.pods.spdy_session import HIGH_WATER, INITIAL_WINDOW, RECEIVE_WINDOW, SessionClosed, SpdySession


class FakeKubelet:
    """A websockets-like connection whose far end is a SPDY server forwarding ports.

    ``behaviour(port) -> "echo" | str``: echo the data stream, or refuse the
    connection with that text on the error stream (then close both).
    """

    subprotocol = "SPDY/3.1+portforward.k8s.io"

    def __init__(self, behaviour: Callable[[int], str] = lambda port: "echo") -> None:
        self.behaviour = behaviour
        self.codec = f.HeaderCodec()
        self.reader = f.FrameReader(self.codec)
        self.frames: List[Any] = []  # every frame the client sent
        self.headers: Dict[int, Dict[str, Tuple[str, ...]]] = {}
        self.pairs: Dict[str, Dict[str, int]] = {}
        self.lock = threading.Lock()
        self._in: "queue.Queue[Any]" = queue.Queue()
        self.closed = threading.Event()
        self._pair = socket.socketpair()  # ``.socket``: what the write gate polls (always writable here)
        self.socket = self._pair[0]

    # the client's API (websockets.sync ClientConnection)
    def send(self, message: bytes) -> None:
        if self.closed.is_set():
            raise ConnectionClosedOK(Close(1000, ""), Close(1000, ""), True)
        with self.lock:
            for frame in self.reader.feed(bytes(message)):
                self.frames.append(frame)
                self._on(frame)

    def recv(self, timeout: Optional[float] = None) -> Any:
        item = self._in.get()
        if isinstance(item, BaseException):
            self._in.put(item)
            raise item
        return item

    def close(self) -> None:
        if not self.closed.is_set():
            self.closed.set()
            self._in.put(ConnectionClosedOK(Close(1000, ""), Close(1000, ""), True))
        for s in self._pair:
            s.close()

    # the server's side
    def reply(self, data: bytes) -> None:
        self._in.put(data)

    def reply_frame(self, frame_type: int, flags: int, payload: bytes) -> None:
        self.reply(struct.pack(">IB", 0x80000000 | (3 << 16) | frame_type, flags) + len(payload).to_bytes(3, "big")
                   + payload)

    def syn_reply(self, sid: int, headers=()) -> None:
        self.reply_frame(f.SYN_REPLY, 0, struct.pack(">I", sid) + self.codec.encode(list(headers)))

    def _on(self, frame: Any) -> None:
        if isinstance(frame, f.ControlFrame) and frame.type == f.SYN_STREAM:
            self.headers[frame.stream_id] = dict(frame.headers or {})
            self.syn_reply(frame.stream_id)
            h = frame.headers or {}
            pair = self.pairs.setdefault(h["requestid"][0], {})
            pair[h["streamtype"][0]] = frame.stream_id
            if len(pair) == 2:
                what = self.behaviour(int(h["port"][0]))
                if what != "echo":
                    pair["refused"] = 1
                    self.reply(f.data_frame(pair["error"], what.encode()))
                    self.reply(f.data_frame(pair["data"], b"", fin=True))
                    self.reply(f.data_frame(pair["error"], b"", fin=True))
        elif isinstance(frame, f.DataFrame):
            pair = next((p for p in self.pairs.values() if p.get("data") == frame.stream_id), None)
            if pair is None or pair.get("refused"):
                return
            if frame.data:
                self.reply(f.data_frame(frame.stream_id, frame.data))
            if frame.fin:
                self.reply(f.data_frame(frame.stream_id, b"", fin=True))
                self.reply(f.data_frame(pair["error"], b"", fin=True))

    def sent(self, kind: type, frame_type: Optional[int] = None) -> List[Any]:
        with self.lock:
            return [x for x in self.frames if isinstance(x, kind) and (frame_type is None or x.type == frame_type)]


def test_the_dictionary_is_spdy3s():
    assert len(SPDY3_DICTIONARY) == 1423
    assert hashlib.sha256(SPDY3_DICTIONARY).hexdigest() == \
        "51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02"
    assert SPDY3_DICTIONARY.startswith(b"\x00\x00\x00\x07options\x00\x00\x00\x04head")


def test_header_blocks_name_the_dictionary_and_share_one_context():
    sender, receiver = f.HeaderCodec(), f.HeaderCodec()
    first = sender.encode([("streamType", "error"), ("port", "80"), ("requestID", "0")])
    cmf, flg = first[0], first[1]
    assert cmf & 0x0F == 8 and flg & 0x20, "zlib header with FDICT"
    assert struct.unpack(">I", first[2:6])[0] == zlib.adler32(SPDY3_DICTIONARY)
    second = sender.encode([("streamtype", "data"), ("port", "80"), ("requestid", "0")])
    assert len(second) < len(first), "the second block reuses the first one's window"
    assert receiver.decode(first) == {"streamtype": ("error",), "port": ("80",), "requestid": ("0",)}
    assert receiver.decode(second) == {"streamtype": ("data",), "port": ("80",), "requestid": ("0",)}


@pytest.mark.parametrize("frame, expected", [
    pytest.param(f.data_frame(5, b"abc", fin=True), b"\x00\x00\x00\x05\x01\x00\x00\x03abc", id="data-fin"),
    pytest.param(f.rst_stream(3, f.RST_CANCEL), b"\x80\x03\x00\x03\x00\x00\x00\x08\x00\x00\x00\x03\x00\x00\x00\x05",
                 id="rst"),
    pytest.param(f.window_update(1, 32768), b"\x80\x03\x00\x09\x00\x00\x00\x08\x00\x00\x00\x01\x00\x00\x80\x00",
                 id="window-update"),
    pytest.param(f.ping(2), b"\x80\x03\x00\x06\x00\x00\x00\x04\x00\x00\x00\x02", id="ping"),
    pytest.param(f.goaway(7), b"\x80\x03\x00\x07\x00\x00\x00\x08\x00\x00\x00\x07\x00\x00\x00\x00", id="goaway"),
])
def test_frames_on_the_wire(frame, expected):
    assert frame == expected


@pytest.mark.parametrize("pieces", [
    pytest.param(lambda b: [b], id="whole"),
    pytest.param(lambda b: [b[i:i + 1] for i in range(len(b))], id="byte-by-byte"),
    pytest.param(lambda b: [b[:11], b[11:40], b[40:]], id="split"),
])
def test_reader_reassembles_frames_across_messages(pieces):
    codec_out, codec_in = f.HeaderCodec(), f.HeaderCodec()
    wire = (f.syn_stream(codec_out, 1, [("port", "80")]) + f.data_frame(1, b"x" * 30) +
            f.settings({7: 65536}) + f.data_frame(1, b"", fin=True))
    reader = f.FrameReader(codec_in)
    frames = [fr for piece in pieces(wire) for fr in reader.feed(piece)]
    assert [type(x).__name__ for x in frames] == ["ControlFrame", "DataFrame", "ControlFrame", "DataFrame"]
    assert frames[0].type == f.SYN_STREAM and frames[0].stream_id == 1 and frames[0].headers == {"port": ("80",)}
    assert frames[1].data == b"x" * 30 and not frames[1].fin
    assert frames[2].settings == {7: 65536}
    assert frames[3].fin


def test_wrong_version_is_a_frame_error():
    reader = f.FrameReader(f.HeaderCodec())
    with pytest.raises(f.FrameError, match="version 2"):
        list(reader.feed(b"\x80\x02\x00\x06\x00\x00\x00\x04\x00\x00\x00\x01"))


def test_stream_ids_are_odd_and_rising_and_replies_arrive():
    ws = FakeKubelet()
    session = SpdySession(ws)
    a = session.open_stream([("streamtype", "error"), ("port", "80"), ("requestid", "0")])
    b = session.open_stream([("streamtype", "data"), ("port", "80"), ("requestid", "0")])
    assert (a.id, b.id) == (1, 3)
    assert a.replied.wait(5) and b.replied.wait(5)
    assert ws.headers[3] == {"streamtype": ("data",), "port": ("80",), "requestid": ("0",)}
    session.close()


def test_data_echoes_and_fin_ends_the_stream():
    ws = FakeKubelet()
    session = SpdySession(ws)
    err = session.open_stream([("streamtype", "error"), ("port", "80"), ("requestid", "0")])
    err.close_write()
    data = session.open_stream([("streamtype", "data"), ("port", "80"), ("requestid", "0")])
    data.write(b"hello")
    data.close_write()
    assert data.read_all(timeout=5) == b"hello"
    assert err.read_all(timeout=5) == b""
    session.close()


def test_the_error_stream_carries_the_kubelets_reason():
    ws = FakeKubelet(lambda port: f"pod port {port}: connect: connection refused")
    session = SpdySession(ws)
    err = session.open_stream([("streamtype", "error"), ("port", "81"), ("requestid", "0")])
    data = session.open_stream([("streamtype", "data"), ("port", "81"), ("requestid", "0")])
    assert data.read_all(timeout=5) == b""
    assert err.read_all(timeout=5) == b"pod port 81: connect: connection refused"
    session.close()


def test_the_session_opens_with_a_large_receive_window():
    ws = FakeKubelet()
    session = SpdySession(ws)
    first, second = ws.frames[:2]
    assert (first.type, first.settings) == (f.SETTINGS, {7: RECEIVE_WINDOW})
    assert (second.type, second.stream_id, second.value) == (f.WINDOW_UPDATE, 0, RECEIVE_WINDOW - INITIAL_WINDOW)
    session.close()


def test_window_updates_follow_what_was_read():
    ws = FakeKubelet()
    session = SpdySession(ws)
    session.open_stream([("streamtype", "error"), ("port", "80"), ("requestid", "0")]).close_write()
    data = session.open_stream([("streamtype", "data"), ("port", "80"), ("requestid", "0")])
    payload = bytes(range(256)) * (RECEIVE_WINDOW // 256 // 2 + 1024)  # just over half the window
    data.write(payload)  # no FIN: a window is granted only while the peer may still send
    got = bytearray()
    while len(got) < len(payload):
        got += data.read(timeout=5)
    assert got == payload
    updates = ws.sent(f.ControlFrame, f.WINDOW_UPDATE)[1:]  # after the session's opening grant
    assert [(u.stream_id, u.value) for u in updates] == [(data.id, updates[0].value), (0, updates[0].value)]
    assert RECEIVE_WINDOW // 2 <= updates[0].value <= len(payload)
    session.close()


def test_writes_do_not_wait_for_a_window_the_peer_never_grants():
    """spdystream sends no WINDOW_UPDATE: 1 MiB must go out without any."""
    ws = FakeKubelet()
    session = SpdySession(ws)
    data = session.open_stream([("streamtype", "data"), ("port", "80"), ("requestid", "0")])
    data.write(b"z" * (1 << 20))
    assert sum(len(x.data) for x in ws.sent(f.DataFrame)) == 1 << 20
    session.close()


def test_the_servers_ping_is_answered_and_its_streams_refused():
    ws = FakeKubelet()
    session = SpdySession(ws)
    ws.reply(f.ping(2))
    ws.reply_frame(f.SYN_STREAM, 0, struct.pack(">IIBB", 2, 0, 0, 0) + ws.codec.encode([("x", "y")]))
    probe = session.open_stream([("streamtype", "error"), ("port", "80"), ("requestid", "9")])
    assert probe.replied.wait(5)
    for _ in range(250):  # the answers leave on their own threads (the reader never waits to write)
        if ws.sent(f.ControlFrame, f.RST_STREAM) and ws.sent(f.ControlFrame, f.PING):
            break
        threading.Event().wait(0.02)
    assert [p.value for p in ws.sent(f.ControlFrame, f.PING)] == [2]
    assert [(r.stream_id, r.value) for r in ws.sent(f.ControlFrame, f.RST_STREAM)] == [(2, f.RST_REFUSED_STREAM)]
    session.close()


@pytest.mark.parametrize("ending", [
    pytest.param(lambda ws: ws.reply(f.goaway(0)), id="goaway"),
    pytest.param(lambda ws: ws.close(), id="websocket-closed"),
])
def test_the_sessions_end_ends_every_stream(ending):
    ws = FakeKubelet(lambda port: "echo")
    lost: List[Optional[BaseException]] = []
    session = SpdySession(ws, on_close=lost.append)
    data = session.open_stream([("streamtype", "data"), ("port", "80"), ("requestid", "0")])
    ending(ws)
    assert data.read(timeout=5) == b""
    assert lost == [None]
    with pytest.raises(SessionClosed):
        session.open_stream([("streamtype", "data"), ("port", "80"), ("requestid", "1")])
    session.close()


def test_a_reset_stream_reads_empty_and_refuses_writes():
    ws = FakeKubelet()
    session = SpdySession(ws)
    data = session.open_stream([("streamtype", "data"), ("port", "80"), ("requestid", "0")])
    ws.reply(f.rst_stream(data.id, f.RST_CANCEL))
    assert data.read(timeout=5) == b""
    assert data.reset_status == f.RST_CANCEL
    with pytest.raises(SessionClosed, match="reset"):
        data.write(b"x")
    session.close()


def test_an_unread_stream_holds_the_reader_at_high_water():
    """Memory is bounded: past HIGH_WATER unread bytes the reader waits (pushing back through TCP)."""
    ws = FakeKubelet()
    session = SpdySession(ws)
    data = session.open_stream([("streamtype", "data"), ("port", "80"), ("requestid", "0")])
    chunk = b"q" * (1 << 20)
    for _ in range(HIGH_WATER // len(chunk) + 2):
        ws.reply(f.data_frame(data.id, chunk))
    for _ in range(200):
        if data._buffered >= HIGH_WATER:
            break
        threading.Event().wait(0.02)
    threading.Event().wait(0.2)
    assert HIGH_WATER <= data._buffered < HIGH_WATER + len(chunk)
    total = 0
    while total < (HIGH_WATER // len(chunk) + 2) * len(chunk):
        total += len(data.read(timeout=5))
    session.close()


def test_bytes_go_straight_to_the_local_socket_in_order():
    """deliver_to: the reader writes into the local socket itself; what does not fit is queued, order kept."""
    ws = FakeKubelet()
    session = SpdySession(ws)
    local, far = socket.socketpair()
    far.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    data = session.open_stream([("streamtype", "data"), ("port", "80"), ("requestid", "0")])
    data.deliver_to(local)
    pieces = [bytes([i]) * 50_000 for i in range(40)]  # 2 MB: more than the socket buffers take at once
    for piece in pieces:
        ws.reply(f.data_frame(data.id, piece))
    ws.reply(f.data_frame(data.id, b"", fin=True))
    got = bytearray()

    def pump() -> None:  # the carrier's loop: what was queued, in order, after what went straight through
        while True:
            chunk = data.read(timeout=10)
            if not chunk:
                break
            local.sendall(chunk)
        local.shutdown(socket.SHUT_WR)

    t = threading.Thread(target=pump)
    t.start()
    while True:
        chunk = far.recv(65536)
        if not chunk:
            break
        got += chunk
    t.join(10)
    assert bytes(got) == b"".join(pieces)
    local.close()
    far.close()
    session.close()
