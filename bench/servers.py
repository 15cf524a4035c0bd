"""Loopback servers for the bench: a latency proxy in front of the real API server, and a watch replayer.

``LatencyProxy`` serves plain HTTP on 127.0.0.1, waits ``delay`` seconds per
request (a remote cluster's round trip), and re-originates each request over
HTTPS to the harness API server with the admin bearer token injected, so peers
need no credentials (client-go, kubectl and dynclient drop bearer tokens over
plain http). With ``legacy=True`` it strips the aggregated-discovery Accept type
on ``/api`` and ``/apis``, which turns the server into a legacy-only one.
Streaming replies (watch) are relayed chunk by chunk.

``WatchReplay`` streams pre-built watch events as one chunked reply, each event
its own chunk as the API server writes them, so the client's parsing is the
only cost measured.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import ssl
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Tuple
from urllib.parse import urlsplit

import yaml

HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "te", "upgrade"}


def harness_upstream(kubeconfig: str) -> Tuple[str, bytes, str]:
    """(server URL, CA PEM, admin token) from the harness kubeconfig's current context."""
    with open(kubeconfig) as fh:
        cfg = yaml.safe_load(fh)
    ctx = next(c["context"] for c in cfg["contexts"] if c["name"] == cfg["current-context"])
    cluster = next(c["cluster"] for c in cfg["clusters"] if c["name"] == ctx["cluster"])
    user = next(u["user"] for u in cfg["users"] if u["name"] == ctx["user"])
    return cluster["server"], base64.b64decode(cluster["certificate-authority-data"]), user["token"]


class _Server(ThreadingHTTPServer):
    """A threaded server whose listen backlog takes a client's parallel burst.

    socketserver's default backlog is 5: 64 connections opened at once by a
    parallel discovery overflow it, and the dropped SYNs are retried by the
    kernel after a second, which shows up as a one-second outlier.
    """

    request_queue_size = 512
    daemon_threads = True


class LatencyProxy:
    """Plain-HTTP front for the HTTPS API server, adding a per-request delay and counting requests."""

    def __init__(self, upstream: str, ca_pem: bytes, token: str, *, delay: float = 0.02, legacy: bool = False) -> None:
        self.delay = delay
        self.legacy = legacy
        self.count = 0
        self.paths: List[str] = []
        self.lock = threading.Lock()
        parts = urlsplit(upstream)
        self._host, self._port = parts.hostname, parts.port or 443
        with tempfile.NamedTemporaryFile("wb", suffix=".crt", delete=False) as fh:
            fh.write(ca_pem)
        self._ctx = ssl.create_default_context(cafile=fh.name)
        self._token = token
        self._idle: List[http.client.HTTPSConnection] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed-ACK stall

            def log_message(self, *a):  # quiet
                pass

            def _relay(self):
                outer._handle(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _relay  # noqa: N815

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def take(self) -> Tuple[int, List[str]]:
        """The requests counted since the last call, and reset."""
        with self.lock:
            n, paths = self.count, self.paths
            self.count, self.paths = 0, []
        return n, paths

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _conn(self) -> http.client.HTTPSConnection:
        """An upstream connection from the shared pool, or a new one.

        Shared rather than per handler thread: a client opening 64 connections
        at once must not cost 64 upstream TLS handshakes inside the proxy, which
        would add the proxy's own CPU time to every client's figure.
        """
        with self.lock:
            if self._idle:
                return self._idle.pop()
        return http.client.HTTPSConnection(self._host, self._port, context=self._ctx, timeout=120)

    def _put(self, conn: http.client.HTTPSConnection) -> None:
        with self.lock:
            self._idle.append(conn)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        body = _read_body(h)
        path = h.path
        with self.lock:
            self.count += 1
            self.paths.append(f"{h.command} {path}")
        if self.delay:
            time.sleep(self.delay)
        headers = {k: v for k, v in h.headers.items() if k.lower() not in HOP and k.lower() not in ("host", "authorization")}
        headers["Authorization"] = f"Bearer {self._token}"
        if self.legacy and path.split("?", 1)[0] in ("/api", "/apis", "/api/", "/apis/"):
            for k in [k for k in headers if k.lower() == "accept"]:
                del headers[k]
            headers["Accept"] = "application/json"
        if body is not None:
            headers["Content-Length"] = str(len(body))
        for attempt in (0, 1):
            conn = self._conn()
            try:
                conn.request(h.command, path, body=body, headers=headers)
                resp = conn.getresponse()
                break
            except (http.client.HTTPException, OSError):
                conn.close()
                if attempt:
                    h.send_error(502)
                    return
        h.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in HOP:
                h.send_header(k, v)
        length = resp.getheader("Content-Length")
        if length is not None or h.command == "HEAD":
            data = resp.read()
            self._put(conn)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
            return
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        try:
            while True:
                chunk = resp.read1(65536)
                if not chunk:
                    break
                h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                h.wfile.flush()
            self._put(conn)
            h.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client went away (a stopped watch)
            conn.close()
            h.close_connection = True


def _read_body(h: BaseHTTPRequestHandler):
    length = h.headers.get("Content-Length")
    if length is not None:
        return h.rfile.read(int(length))
    if "chunked" in (h.headers.get("Transfer-Encoding") or "").lower():
        out = bytearray()
        while True:
            size = int(h.rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                h.rfile.readline()
                return bytes(out)
            out += h.rfile.read(size)
            h.rfile.readline()
    return None


def configmap(name: str, namespace: str, rv: int, payload: int = 800) -> Dict:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace, "resourceVersion": str(rv),
                         "uid": f"00000000-0000-0000-0000-{rv:012d}", "creationTimestamp": "2026-01-01T00:00:00Z",
                         "labels": {"app": "bench", "index": str(rv)}},
            "data": {"payload": "x" * payload}}


class WatchReplay:
    """Serves ``n`` ADDED ConfigMap events of about 1 KiB as one chunked watch stream, per request."""

    def __init__(self, n: int, namespace: str = "bench") -> None:
        parts = []
        for i in range(n):
            line = json.dumps({"type": "ADDED", "object": configmap(f"cm-{i:05d}", namespace, 1000 + i)},
                              separators=(",", ":")).encode() + b"\n"
            parts.append(b"%x\r\n%s\r\n" % (len(line), line))
        parts.append(b"0\r\n\r\n")
        self.body = b"".join(parts)
        self.event_bytes = (len(self.body) - 5) / max(n, 1)
        body = self.body

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed-ACK stall

            def log_message(self, *a):
                pass

            def do_GET(self):  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass
                self.close_connection = True

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def plain_kubeconfig(url: str, path: str, namespace: str = "bench") -> str:
    """A kubeconfig for a plain-http server with no credentials."""
    with open(path, "w") as fh:
        json.dump({"apiVersion": "v1", "kind": "Config", "current-context": "bench",
                   "clusters": [{"name": "bench", "cluster": {"server": url}}],
                   "users": [{"name": "bench", "user": {}}],
                   "contexts": [{"name": "bench", "context": {"cluster": "bench", "user": "bench",
                                                             "namespace": namespace}}]}, fh)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
