"""A real HTTP/1.1 server on 127.0.0.1 that serves canned replies, for tests of code that speaks HTTP.

Why a server and not a mock of the HTTP library: dynclient sends through its
own ``http.client`` pool, so a mock would only test itself. A loopback
server puts the real wire under test: keep-alive, chunked and gzipped
bodies, repeated header lines, a connection the server drops or closes
while it sits idle in the pool.

The API is that of the usual HTTP-mocking libraries: ``add()`` a reply per
method and path (and, optionally, exact query); replies registered for the
same request are served in order and the last one repeats; ``calls``
records what arrived.
"""

from __future__ import annotations

import gzip as gzip_module
import json as json_module
import os
import re
import socket
import socketserver
import ssl
import sys
import tempfile
import threading
import zlib
from dataclasses import dataclass
from http.client import HTTPMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Set, Tuple, Union
from urllib.parse import parse_qsl, urlencode, urlsplit

__all__ = ["ReplyServer", "Call", "CERT_PEM"]

Pairs = Union[Mapping[str, Any], Iterable[Tuple[str, Any]]]

#: Status of the reply to a request that matches no registered reply: not one a test would register.
UNMATCHED_STATUS = 599

#: Self-signed certificate of ``ReplyServer(tls=True)``, valid 2000-2100 for 127.0.0.1, localhost and
#: k8s.test. Tests trust it as ``certificate-authority-data``; the key below is for tests only.
CERT_PEM = b"""-----BEGIN CERTIFICATE-----
MIIBdTCCARugAwIBAgIBATAKBggqhkjOPQQDAjAWMRQwEgYDVQQDDAtyZXBseXNl
cnZlcjAgFw0wMDAxMDEwMDAwMDBaGA8yMTAwMDEwMTAwMDAwMFowFjEUMBIGA1UE
AwwLcmVwbHlzZXJ2ZXIwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASI2QIdvYoN
k7BURajPey1ialZOXp/2BZROuggennu5K61kKjaYAIPs/pPscJa2VJGmsptjakYK
Eob3U0WK9TKPo1gwVjAkBgNVHREEHTAbhwR/AAABgglsb2NhbGhvc3SCCGs4cy50
ZXN0MA8GA1UdEwEB/wQFMAMBAf8wHQYDVR0OBBYEFMRXtzQLzuxWzUry1G+4KTIk
TGbcMAoGCCqGSM49BAMCA0gAMEUCIGSMtBMPxioWNrkTIW0Vlvxm8MUiPN9fOu+Q
CHaO2tYfAiEAmUqy+vZZRu83izYamjRzX1HFgjMMwil1uEp2xOJdyj0=
-----END CERTIFICATE-----
"""
_KEY_PEM = b"""-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgRmu0jw3Tg0Il67ml
q7KvscmTvgD/a7/BVzpW9TwqWtahRANCAASI2QIdvYoNk7BURajPey1ialZOXp/2
BZROuggennu5K61kKjaYAIPs/pPscJa2VJGmsptjakYKEob3U0WK9TKP
-----END PRIVATE KEY-----
"""


@dataclass(frozen=True)
class Call:
    """One request as it arrived. ``headers`` is case-insensitive and keeps repeated lines (``get_all``)."""

    method: str
    path: str
    url: str
    query: List[Tuple[str, str]]
    headers: HTTPMessage
    body: bytes


def _sorted_pairs(pairs: Pairs) -> List[Tuple[str, str]]:
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    return sorted((str(k), str(v)) for k, v in items)


class _Reply:
    """A registered reply and what it matches. ``fired`` counts the requests it answered."""

    def __init__(self, method: str, path: str, query: Optional[Pairs], *, status: int,
                 headers: List[Tuple[str, str]], body: bytes, chunks: Optional[List[bytes]], gzip: bool,
                 drop: bool, close_after: bool, hold: bool) -> None:
        self.method, self.path = method.upper(), path
        self.query = None if query is None else _sorted_pairs(query)
        self.status, self.headers, self.body, self.chunks = status, headers, body, chunks
        self.gzip, self.drop, self.close_after, self.hold = gzip, drop, close_after, hold
        self.fired = 0

    def matches(self, call: Call) -> bool:
        return (call.method == self.method and call.path == self.path
                and (self.query is None or _sorted_pairs(call.query) == self.query))

    def pieces(self) -> List[bytes]:
        """The chunks as sent; gzipped ones flushed per chunk so each can be inflated on arrival, as a server streams."""
        if not self.gzip:
            return list(self.chunks or [])
        deflate = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
        pieces = [deflate.compress(chunk) + deflate.flush(zlib.Z_SYNC_FLUSH) for chunk in self.chunks or []]
        return pieces + [deflate.flush()]

    def __str__(self) -> str:
        return f"{self.method} {self.path}" + ("" if self.query is None else f" query={urlencode(self.query)!r}")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as an API server
    server: "_Server"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        target = urlsplit(self.path)
        call = Call(self.command, target.path, self.server.base_url + self.path,
                    parse_qsl(target.query, keep_blank_values=True), self.headers, body)
        reply = self.server.owner._record(call)
        if reply is None:
            self._send_unmatched(call)
        elif reply.drop:
            self.close_connection = True  # hang up without a word: a failed connection as the client sees it
        else:
            self._send(reply)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def _send(self, reply: _Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if reply.gzip:
            self.send_header("Content-Encoding", "gzip")
        if reply.chunks is None:
            body = gzip_module.compress(reply.body) if reply.gzip else reply.body
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in reply.pieces():
                if piece:  # an empty chunk would end the body
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            if reply.hold:
                self.server.closing.wait()  # a watch that stays open until the test ends
            self.wfile.write(b"0\r\n\r\n")
        if reply.close_after:
            self.close_connection = True  # without saying "Connection: close": an idle timeout, as the client sees it

    def _send_unmatched(self, call: Call) -> None:
        body = f"no reply registered for {call.method} {call.url}".encode()
        self.send_response(UNMATCHED_STATUS, "Unmatched Request")
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests read .calls, not stderr


class _Server(ThreadingHTTPServer):
    """Counts connections and keeps the open ones, so ``close`` can end handlers parked on keep-alive reads."""

    daemon_threads = False
    block_on_close = True  # server_close joins every handler: nothing outlives the test
    request_queue_size = 128  # discovery opens many connections at once

    def __init__(self, owner: "ReplyServer", tls: Optional[ssl.SSLContext]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner, self.tls = owner, tls
        self.base_url = f"{'https' if tls else 'http'}://127.0.0.1:{self.server_address[1]}"
        self.lock = threading.Lock()
        self.connections = 0
        self.open: Set[socket.socket] = set()
        self.closing = threading.Event()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.lock:
            self.connections += 1
        super().process_request(request, client_address)

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.tls is not None:
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except OSError:
                return  # the client refused the certificate: that is the test
        with self.lock:
            if self.closing.is_set():
                _hang_up(request)
            self.open.add(request)
        try:
            super().finish_request(request, client_address)
        finally:
            with self.lock:
                self.open.discard(request)
            if self.tls is not None:
                request.close()  # socketserver closes the plain socket the TLS one was made from

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # HTTPServer's would look up the host's FQDN, for nothing
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client hanging up mid-reply is normal
            super().handle_error(request, client_address)

    def hang_up_all(self) -> None:
        with self.lock:
            self.closing.set()
            live = list(self.open)
        for sock in live:
            _hang_up(sock)


def _hang_up(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already gone


def _tls_context() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as tmp:  # load_cert_chain reads files only
        cert, key = os.path.join(tmp, "tls.crt"), os.path.join(tmp, "tls.key")
        for path, pem in ((cert, CERT_PEM), (key, _KEY_PEM)):
            with open(path, "wb") as f:
                f.write(pem)
        ctx.load_cert_chain(cert, key)
    return ctx


class ReplyServer:
    """Canned replies over real HTTP/1.1 on 127.0.0.1 (``https`` with ``tls=True``, see ``CERT_PEM``).

    Use as a context manager, or ``start()`` and ``close()``. A request no
    reply matches gets HTTP 599 naming it and is kept in ``unmatched``.
    """

    def __init__(self, *, tls: bool = False) -> None:
        self._tls = tls
        self._server: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()
        self._replies: List[_Reply] = []
        self._active: List[_Reply] = []  # replies still served; one answered while another matches too retires
        self.calls: List[Call] = []
        self.unmatched: List[Call] = []
        #: The TLS server names (SNI) clients sent, one per handshake (``None`` when a client sent none).
        self.server_names: List[Optional[str]] = []

    def start(self) -> "ReplyServer":
        context = _tls_context() if self._tls else None
        if context is not None:
            context.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name)  # type: ignore
        self._server = _Server(self, context)
        # A short poll interval: shutdown() waits for it, at every test's teardown.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="replyserver", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.hang_up_all()  # handlers wait on kept-alive connections and held streams
        server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> "ReplyServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the server is not started")
        return self._server.base_url

    @property
    def connections(self) -> int:
        """TCP connections accepted so far: keep-alive reuse shows as fewer connections than calls."""
        return self._server.connections if self._server is not None else 0

    def add(self, method: str, path: str, *, json: Any = None, body: Union[bytes, str, None] = None,
            status: int = 200, headers: Optional[Pairs] = None, content_type: Optional[str] = None,
            query: Optional[Pairs] = None, drop: bool = False, gzip: bool = False,
            chunks: Optional[Sequence[bytes]] = None, close_after: bool = False, hold: bool = False) -> None:
        """Register a reply to ``method path``.

        ``path`` may be a full URL; its ``scheme://host:port`` is ignored.
        ``query`` (pairs or a mapping) must then equal the request's query,
        in any order. ``drop`` hangs up without replying; ``gzip`` compresses
        the body; ``chunks`` sends it chunked, one chunk per item, and
        ``hold`` keeps such a body open until the server closes (a watch).
        ``close_after`` closes the connection after the reply without
        announcing it, as a server whose idle timeout expires.
        """
        path = re.sub(r"^https?://[^/]+", "", path) or "/"
        if "?" in path:
            raise ValueError(f"give the query as query=, not in the path: {path!r}")
        if json is not None:
            body = json_module.dumps(json)
        data = body.encode() if isinstance(body, str) else (body or b"")
        reply_headers = list(headers.items() if isinstance(headers, Mapping) else headers or [])
        if content_type is None:
            content_type = "application/json" if json is not None else "text/plain; charset=utf-8"
        if content_type:
            reply_headers.append(("Content-Type", content_type))
        reply = _Reply(method, path, query, status=status, headers=reply_headers, body=data,
                       chunks=None if chunks is None else list(chunks), gzip=gzip, drop=drop,
                       close_after=close_after, hold=hold)
        with self._lock:
            self._replies.append(reply)
            self._active.append(reply)

    def _record(self, call: Call) -> Optional[_Reply]:
        """Keep the call and pick its reply: the first that matches, retired when a later one matches too."""
        with self._lock:
            self.calls.append(call)
            candidates = [r for r in self._active if r.matches(call)]
            if not candidates:
                self.unmatched.append(call)
                return None
            reply = candidates[0]
            if len(candidates) > 1:
                self._active.remove(reply)
            reply.fired += 1
            return reply

    def assert_all_fired(self) -> None:
        never = [str(r) for r in self._replies if not r.fired]
        assert not never, f"registered replies never requested: {', '.join(never)}"
