"""A FakeCluster on a loopback TLS socket, for programs that cannot take an adapter (kubectl, subprocesses).

``FakeCluster.serve()`` starts it: an HTTPS server on ``127.0.0.1`` with a
certificate made for this run (by the ``openssl`` command; the key stays in
a temp dir removed on close), answering through the same reactors, log
and server as the in-process adapter. Watches stream as chunked replies.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional

from .adapter import FakeAdapter
from .server import Request
from .watchstream import WatchStream

__all__ = ["LoopbackServer"]


def _make_certificate(directory: Path) -> None:
    if shutil.which("openssl") is None:
        raise RuntimeError("FakeCluster.serve() needs the openssl command to make its TLS certificate")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(directory / "key.pem"), "-out", str(directory / "cert.pem"), "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=60)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the cluster keeps its own log
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        adapter: FakeAdapter = self.server.adapter
        req = Request.from_url(self.command, self.server.url + self.path, dict(self.headers.items()), body)
        try:
            reply = adapter.exchange(req)
        except TimeoutError:
            self.close_connection = True
            return
        self.send_response(reply.status, reply.reason)
        self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers:
            self.send_header(name, value)
        if isinstance(reply.body, bytes):
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._stream(reply.body)

    def _stream(self, stream: WatchStream) -> None:
        self.server.streams.add(stream)
        try:
            while True:
                chunk = stream.read1()
                if not chunk:
                    break
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client went away
        finally:
            stream.close()
            self.server.streams.discard(stream)
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


class LoopbackServer:
    """HTTPS on 127.0.0.1 for one cluster's adapter; ``close()`` (or ``with``) stops it."""

    def __init__(self, adapter: FakeAdapter) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="fakecluster-"))
        try:
            _make_certificate(self._dir)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self._dir / "cert.pem", self._dir / "key.pem")
            self.ca_pem = (self._dir / "cert.pem").read_text()
        finally:
            (self._dir / "key.pem").unlink(missing_ok=True)  # loaded; nothing else may read it
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        httpd.adapter = adapter  # type: ignore[attr-defined]
        httpd.streams = set()  # type: ignore[attr-defined]
        self.url = f"https://127.0.0.1:{httpd.server_address[1]}"
        httpd.url = self.url  # type: ignore[attr-defined]
        self._httpd = httpd
        self._thread: Optional[threading.Thread] = threading.Thread(target=httpd.serve_forever,
                                                                   name="fakecluster-loopback", daemon=True)
        self._thread.start()

    def close(self) -> None:
        if self._thread is None:
            return
        for stream in list(self._httpd.streams):  # type: ignore[attr-defined]
            stream.close()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)
        self._thread = None
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> "LoopbackServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


