"""Loopback servers for the bench: a latency proxy in front of the real API server, and a watch replayer.

``LatencyProxy`` runs ``bench/latencyproxy`` (Go): plain HTTP on 127.0.0.1,
``delay`` seconds per request (a remote cluster's round trip), each request
re-originated over HTTPS to the harness API server with the admin bearer token
injected, so peers need no credentials (client-go, kubectl and dynclient drop
bearer tokens over plain http). With ``legacy=True`` it strips the
aggregated-discovery Accept type on ``/api`` and ``/apis``, which turns the
server into a legacy-only one. Watch replies are relayed as they come.

``WatchReplay`` streams pre-built watch events as one chunked reply, each event
its own chunk as the API server writes them, so the client's parsing is the
only cost measured.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Tuple

import yaml

def harness_upstream(kubeconfig: str) -> Tuple[str, bytes, str]:
    """(server URL, CA PEM, admin token) from the harness kubeconfig's current context."""
    with open(kubeconfig) as fh:
        cfg = yaml.safe_load(fh)
    ctx = next(c["context"] for c in cfg["contexts"] if c["name"] == cfg["current-context"])
    cluster = next(c["cluster"] for c in cfg["clusters"] if c["name"] == ctx["cluster"])
    user = next(u["user"] for u in cfg["users"] if u["name"] == ctx["user"])
    return cluster["server"], base64.b64decode(cluster["certificate-authority-data"]), user["token"]


class _Server(ThreadingHTTPServer):
    """A threaded server whose listen backlog takes a client's burst of connections.

    socketserver's default backlog is 5: connections opened at once beyond
    it lose their SYN, which the kernel retries after a second, and the
    figure shows a one-second outlier.
    """

    request_queue_size = 512
    daemon_threads = True


class LatencyProxy:
    """The Go proxy of ``bench/latencyproxy``: plain HTTP in front of the API server, a delay per request.

    Built on first use (stdlib only, about a second). Counting happens in the
    proxy; ``take()`` asks it over its ``/__bench/take`` endpoint.
    """

    def __init__(self, upstream: str, ca_pem: bytes, token: str, *, delay: float = 0.02, legacy: bool = False) -> None:
        self.delay = delay
        self.legacy = legacy
        self._dir = tempfile.mkdtemp(prefix="bench-proxy-")
        ca, tok = os.path.join(self._dir, "ca.crt"), os.path.join(self._dir, "token")
        with open(ca, "wb") as fh:
            fh.write(ca_pem)
        with open(tok, "w") as fh:
            fh.write(token)
        os.chmod(tok, 0o600)
        cmd = [_proxy_binary(), "-upstream", upstream, "-ca", ca, "-token-file", tok, f"-delay={delay}s"]
        if legacy:
            cmd.append("-legacy")
        # stdin stays open for the proxy's life: it exits when this process (and so the pipe) goes.
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = (self._proc.stdout.readline() if self._proc.stdout else "").strip()
        if not self.url.startswith("http://"):
            self.close()
            raise RuntimeError(f"latencyproxy did not start (exit {self._proc.poll()})")

    def take(self) -> Tuple[int, List[str]]:
        """The requests counted since the last call (count, "METHOD path" each), and reset."""
        with urllib.request.urlopen(self.url + "/__bench/take", timeout=10) as resp:
            paths = json.load(resp)
        return len(paths), paths

    def close(self) -> None:
        self._proc.terminate()
        self._proc.wait(10)
        shutil.rmtree(self._dir, ignore_errors=True)


def _proxy_binary() -> str:
    """Build ``bench/latencyproxy`` into the user's cache (keyed by its source) and return the path."""
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "latencyproxy")
    digest = hashlib.sha256()
    for name in ("go.mod", "main.go"):
        with open(os.path.join(src, name), "rb") as fh:
            digest.update(fh.read())
    # The platform's cache directory (XDG_CACHE_HOME on Linux, ~/Library/Caches on macOS), as the discovery cache.
    import platformdirs

    out = str(platformdirs.user_cache_path("dynclient") / "latencyproxy" / digest.hexdigest()[:16] / "latencyproxy")
    if not os.path.exists(out):
        subprocess.run(["go", "build", "-o", out, "."], cwd=src, check=True)
    return out


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
