"""A small HTTP fault-injection proxy between dynclient and the real API server.

It listens with plain HTTP on 127.0.0.1 and forwards every request to the
real server over HTTPS (trusting the kubeconfig's CA), adding the admin's
``Authorization`` header upstream itself: dynclient rightly sends no
credentials over plain http, so the client side of the proxy needs none.

Each request may get one fault, chosen from a seeded random schedule until
every kind has fired ``target`` times (or taken from an explicit script):

=================  =========================================================
``delay``          answer normally after a pause (a watch then ends cleanly
                   after a few events, like a server-side timeout)
``status_429``     429 TooManyRequests with ``Retry-After``
``status_500``     500 InternalError
``status_503``     503 ServiceUnavailable with ``Retry-After``
``gone_reply``     (watch) 410 Expired instead of the stream
``gone_event``     (watch) a few events, then an ERROR event with a 410 Status
``drop_mid_event`` (watch) a few events, half of the next line, then the
                   connection is cut (no last chunk)
``stall``          (watch) a few events, then silence with the socket open
``cut_half``       (not watch) half of the body, then the connection is cut
=================  =========================================================

A fault counts in ``counts`` only when it actually fired (a stream may end
before "a few events"). Responses to the client are always chunked with
``Connection: close``, so a cut is visible to the client as a broken chunk.
Everything is bounded: at most ``max_connections`` at once, loopback only,
and ``close()`` (or the context manager) ends every thread.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import ssl
import threading
import time
from collections import Counter
from typing import Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import parse_qs, urlsplit

WATCH_FAULTS = ("delay", "status_429", "status_500", "status_503", "gone_reply", "gone_event", "drop_mid_event", "stall")
PLAIN_FAULTS = ("delay", "status_429", "status_500", "status_503", "cut_half")
ALL_FAULTS = tuple(sorted(set(WATCH_FAULTS) | set(PLAIN_FAULTS)))

_REASONS = {410: ("Expired", "Gone"), 429: ("TooManyRequests", "Too Many Requests"),
            500: ("InternalError", "Internal Server Error"), 503: ("ServiceUnavailable", "Service Unavailable")}
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "upgrade", "te"}


def status_body(code: int, message: str) -> bytes:
    reason = _REASONS.get(code, ("", ""))[0]
    return json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": message, "reason": reason, "code": code}).encode()


class FaultProxy:
    """Forward ``http://127.0.0.1:<port>`` to ``upstream`` (https), injecting faults."""

    def __init__(
        self,
        upstream: str,
        *,
        upstream_headers: Optional[Mapping[str, str]] = None,
        ssl_context: Optional[ssl.SSLContext] = None,
        seed: int = 0,
        target: int = 0,
        probability: float = 0.9,
        kinds: Sequence[str] = ALL_FAULTS,
        retry_after: str = "0",
        delay: Tuple[float, float] = (0.02, 0.15),
        events_before_fault: Tuple[int, int] = (0, 12),
        max_connections: int = 64,
        stall_limit: float = 30.0,
    ) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "https":
            raise ValueError("upstream must be https")
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 443
        self.upstream_headers = dict(upstream_headers or {})
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.rng = random.Random(seed)
        self.target = target
        self.probability = probability
        self.kinds = tuple(kinds)
        self.retry_after = retry_after
        self.delay = delay
        self.events_before_fault = events_before_fault
        self.stall_limit = stall_limit
        self.counts: Counter = Counter()
        self.requests: Counter = Counter()
        self.script: List[str] = []  # faults for the next requests, before the random schedule
        self.fail_paths: Dict[str, int] = {}  # path prefix -> status, every time
        #: (start, seconds, "watch" or method, fault) of every request handled, for the figures.
        self.timeline: List[Tuple[float, float, str, Optional[str]]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._slots = threading.BoundedSemaphore(max_connections)
        self._conns: List[socket.socket] = []
        self._upstreams: List[http.client.HTTPSConnection] = []
        self._threads: List[threading.Thread] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._acceptor = threading.Thread(target=self._accept_loop, name="faultproxy-accept", daemon=True)
        self._acceptor.start()

    # -- control ---------------------------------------------------------------

    def __enter__(self) -> "FaultProxy":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop accepting, cut every open connection and join every thread."""
        self._stop.set()
        self._acceptor.join(5)
        self._listener.close()
        with self._lock:
            conns, threads = list(self._conns), list(self._threads)
            conns += [u.sock for u in self._upstreams if u.sock is not None]
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in threads:
            thread.join(5)

    def pause_faults(self) -> None:
        """Inject nothing more (the script and the random schedule are dropped)."""
        with self._lock:
            self.target = 0
            self.script.clear()

    def targets_met(self, kinds: Sequence[str] = ALL_FAULTS) -> bool:
        with self._lock:
            return all(self.counts[k] >= self.target for k in kinds)

    def _choose(self, is_watch: bool) -> Optional[str]:
        applicable = WATCH_FAULTS if is_watch else PLAIN_FAULTS
        with self._lock:
            if self.script:
                return self.script.pop(0)
            wanted = [k for k in self.kinds if k in applicable and self.counts[k] < self.target]
            if not wanted or self.rng.random() >= self.probability:
                return None
            return self.rng.choice(wanted)

    def _fired(self, kind: str) -> None:
        with self._lock:
            self.counts[kind] += 1

    # -- plumbing ----------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            if not self._slots.acquire(timeout=5):
                conn.close()
                continue
            thread = threading.Thread(target=self._serve, args=(conn,), name="faultproxy-conn", daemon=True)
            with self._lock:
                self._conns.append(conn)
                self._threads = [t for t in self._threads if t.is_alive()]
                self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(30)
            request = _read_request(conn)
            if request is not None:
                self._handle(conn, *request)
        except (OSError, http.client.HTTPException, ValueError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass
            with self._lock:
                if conn in self._conns:
                    self._conns.remove(conn)
            self._slots.release()

    def _handle(self, conn: socket.socket, method: str, target: str, headers: Dict[str, str], body: bytes) -> None:
        parts = urlsplit(target)
        is_watch = parse_qs(parts.query).get("watch", [""])[0] in ("true", "1")
        with self._lock:
            self.requests["watch" if is_watch else method] += 1
            failing = next((code for prefix, code in self.fail_paths.items() if parts.path.startswith(prefix)), None)
        if failing is not None:
            self._reply_status(conn, failing, f"injected: {parts.path} is broken")
            return
        fault = self._choose(is_watch)
        started = time.monotonic()
        try:
            self._handle_fault(conn, method, target, headers, body, is_watch, fault)
        finally:
            with self._lock:
                self.timeline.append((started, time.monotonic() - started, "watch" if is_watch else method, fault))

    def _handle_fault(self, conn: socket.socket, method: str, target: str, headers: Dict[str, str], body: bytes,
                      is_watch: bool, fault: Optional[str]) -> None:
        if fault in ("status_429", "status_500", "status_503", "gone_reply"):
            code = {"status_429": 429, "status_500": 500, "status_503": 503, "gone_reply": 410}[fault]
            self._fired(fault)
            self._reply_status(conn, code, f"injected {fault}")
            return
        if fault == "delay":
            self._fired(fault)
            if self._stop.wait(self.rng.uniform(*self.delay)):
                return
        upstream = http.client.HTTPSConnection(self.upstream_host, self.upstream_port,
                                               context=self.ssl_context, timeout=60)
        with self._lock:
            self._upstreams.append(upstream)
        try:
            out = {k: v for k, v in headers.items() if k.lower() not in _HOP and k.lower() != "host"}
            out.update(self.upstream_headers)
            upstream.request(method, target, body=body or None, headers=out)
            resp = upstream.getresponse()
            head = [(k, v) for k, v in resp.getheaders() if k.lower() not in _HOP]
            _send_head(conn, resp.status, resp.reason, head)
            if is_watch and resp.status == 200:
                self._stream(conn, resp, fault)
            else:
                data = resp.read()
                if fault == "cut_half" and len(data) > 1:
                    self._fired(fault)
                    conn.sendall(_chunk(data[: len(data) // 2]))
                    return  # closed without the last chunk
                if data:
                    conn.sendall(_chunk(data))
                conn.sendall(b"0\r\n\r\n")
        finally:
            with self._lock:
                self._upstreams.remove(upstream)
            upstream.close()

    def _stream(self, conn: socket.socket, resp: http.client.HTTPResponse, fault: Optional[str]) -> None:
        before = self.rng.randint(*self.events_before_fault) if fault else -1
        sent = 0
        while not self._stop.is_set():
            if fault and sent == before:
                if fault == "delay":
                    conn.sendall(b"0\r\n\r\n")  # then a clean early end, as a server-side timeout
                    return
                if fault == "gone_event":
                    self._fired(fault)
                    line = json.dumps({"type": "ERROR", "object": json.loads(status_body(410, "injected: too old resource version"))})
                    conn.sendall(_chunk(line.encode() + b"\n") + b"0\r\n\r\n")
                    return
                if fault == "stall":
                    self._fired(fault)
                    deadline = time.monotonic() + self.stall_limit
                    while not self._stop.is_set() and time.monotonic() < deadline:
                        # Returns as soon as the client gives up and closes its end.
                        conn.settimeout(0.2)
                        try:
                            if conn.recv(1) == b"":
                                return
                        except socket.timeout:
                            continue
                    return
            try:
                line = resp.readline()
            except (socket.timeout, OSError):
                return
            if not line:
                conn.sendall(b"0\r\n\r\n")
                return
            if fault == "drop_mid_event" and sent == before:
                self._fired(fault)
                conn.sendall(_chunk(line[: max(1, len(line) // 2)]))
                return  # cut: no rest of the line, no last chunk
            conn.sendall(_chunk(line))
            sent += 1

    def _reply_status(self, conn: socket.socket, code: int, message: str) -> None:
        body = status_body(code, message)
        head = [("Content-Type", "application/json")]
        if code in (429, 503):
            head.append(("Retry-After", self.retry_after))
        _send_head(conn, code, _REASONS.get(code, ("", "Error"))[1], head)
        conn.sendall(_chunk(body) + b"0\r\n\r\n")


def _read_request(conn: socket.socket) -> Optional[Tuple[str, str, Dict[str, str], bytes]]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > 1 << 20:
            raise ValueError("request head too large")
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers: Dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    length = int(next((v for k, v in headers.items() if k.lower() == "content-length"), "0") or 0)
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            raise ValueError("short request body")
        rest += chunk
    return method, target, headers, rest[:length]


def _send_head(conn: socket.socket, status: int, reason: str, headers: List[Tuple[str, str]]) -> None:
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{k}: {v}" for k, v in headers]
    lines += ["Transfer-Encoding: chunked", "Connection: close", "", ""]
    conn.sendall("\r\n".join(lines).encode("latin-1"))


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def for_kubeconfig(kubeconfig: str, **options: object) -> FaultProxy:
    """A proxy to the server of ``kubeconfig``, authenticating upstream as its current user."""
    from dynclient.config import load_config

    config = load_config(kubeconfig)
    verify = config.tls_verify()
    context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
    if verify is False:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    cert = config.tls_client_cert()
    if cert:
        context.load_cert_chain(*cert)
    headers = dict(config.auth.headers()) if getattr(config, "auth", None) is not None else {}
    return FaultProxy(str(config.host), upstream_headers=headers, ssl_context=context, **options)


def proxy_kubeconfig(proxy: FaultProxy) -> Dict[str, object]:
    """A kubeconfig dict pointing at the proxy over plain http, with no credentials."""
    return {
        "apiVersion": "v1", "kind": "Config", "current-context": "proxy",
        "clusters": [{"name": "proxy", "cluster": {"server": proxy.url}}],
        "users": [{"name": "nobody", "user": {}}],
        "contexts": [{"name": "proxy", "context": {"cluster": "proxy", "user": "nobody"}}],
    }
