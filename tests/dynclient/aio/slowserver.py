"""A small API server on 127.0.0.1 that waits ``delay`` seconds before every reply: a far-away cluster.

Why a real socket here: what the asyncio face must prove is about threads
and sockets (nothing blocks the loop while a reply is awaited; a cancelled
watch leaves no thread blocked on its socket), which a mocked HTTP library
cannot show.

It serves legacy discovery for core/v1 (``configmaps``, namespaced, and
``namespaces``, cluster-scoped), and ConfigMaps kept in memory: LIST (with
``limit``/``continue``), GET, POST, PUT, PATCH (the body replaces ``data``),
DELETE, DELETE of the collection, and WATCH (without a resourceVersion the
stored objects as ADDED events; then the stream stays open until the client or the server hangs
up). It counts requests in flight, the most at once, and every request.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Set, Tuple
from urllib.parse import parse_qs, urlsplit

API_V1 = {
    "kind": "APIResourceList", "groupVersion": "v1",
    "resources": [
        {"name": "configmaps", "singularName": "configmap", "namespaced": True, "kind": "ConfigMap",
         "shortNames": ["cm"], "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update",
                                         "watch"]},
        {"name": "configmaps/status", "singularName": "", "namespaced": True, "kind": "ConfigMap",
         "verbs": ["get", "patch", "update"]},
        {"name": "namespaces", "singularName": "namespace", "namespaced": False, "kind": "Namespace",
         "shortNames": ["ns"], "verbs": ["create", "delete", "get", "list", "watch"]},
    ],
}


def status(code: int, reason: str, message: str, **details: Any) -> Dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "details": details, "code": code}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        owner._begin(f"{self.command} {url.path}")
        try:
            time.sleep(owner.delay)
            if query.get("watch") == "true":
                self._watch(url.path, replay=not query.get("resourceVersion"))
                return
            code, reply = owner._reply(self.command, url.path, query, body)
        finally:
            owner._end()
        data = json.dumps(reply).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def _watch(self, path: str, replay: bool) -> None:
        owner = self.server.owner
        owner._end()  # a held stream is not a request in flight
        ns = path.split("/")[4]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for obj in owner.objects(ns) if replay else []:
            line = json.dumps({"type": "ADDED", "object": obj}).encode() + b"\n"
            self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
        self.wfile.flush()
        owner.closing.wait()  # held open: the client ends it (or the server, at close)
        owner._begin("(watch end)")  # balanced by the finally in _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, owner: "SlowServer") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner
        self.open: Set[socket.socket] = set()
        self.lock = threading.Lock()

    def finish_request(self, request: Any, client_address: Any) -> None:
        with self.lock:
            self.open.add(request)
        try:
            super().finish_request(request, client_address)
        finally:
            with self.lock:
                self.open.discard(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up mid-reply (a stopped watch) is the point of some tests


class SlowServer:
    """``delay`` seconds before every reply; ``max_in_flight`` is the most requests it held at once."""

    def __init__(self, delay: float = 0.05) -> None:
        self.delay = delay
        self.closing = threading.Event()
        self._lock = threading.Lock()
        self._store: Dict[Tuple[str, str], Dict[str, Any]] = {}
        self._rv = 100
        self.in_flight = 0
        self.max_in_flight = 0
        self.requests: List[str] = []
        self._server = _Server(self)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="slowserver", daemon=True)
        self._thread.start()

    def kubeconfig(self, namespace: str = "default") -> Dict[str, Any]:
        return {"apiVersion": "v1", "kind": "Config", "current-context": "slow",
                "clusters": [{"name": "slow", "cluster": {"server": self.url}}],
                "users": [{"name": "slow", "user": {}}],
                "contexts": [{"name": "slow", "context": {"cluster": "slow", "user": "slow",
                                                          "namespace": namespace}}]}

    def close(self) -> None:
        self.closing.set()
        self._server.shutdown()
        with self._server.lock:
            live = list(self._server.open)
        for sock in live:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> "SlowServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- bookkeeping --------------------------------------------------------------

    def _begin(self, line: str) -> None:
        with self._lock:
            self.requests.append(line)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _end(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def add(self, namespace: str, name: str, data: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
        with self._lock:
            return self._put(namespace, name, {"data": data or {}})

    def _put(self, ns: str, name: str, obj: Dict[str, Any]) -> Dict[str, Any]:
        self._rv += 1
        stored = {"apiVersion": "v1", "kind": "ConfigMap", **obj,
                  "metadata": {**(obj.get("metadata") or {}), "name": name, "namespace": ns,
                               "resourceVersion": str(self._rv), "uid": f"uid-{ns}-{name}"}}
        self._store[(ns, name)] = stored
        return stored

    def objects(self, ns: str) -> List[Dict[str, Any]]:
        with self._lock:
            return [obj for (n, _), obj in sorted(self._store.items()) if n == ns]

    # -- the API ------------------------------------------------------------------------

    def _reply(self, method: str, path: str, query: Dict[str, str], body: bytes) -> Tuple[int, Dict[str, Any]]:
        if path == "/api":
            return 200, {"kind": "APIVersions", "versions": ["v1"]}
        if path == "/apis":
            return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": []}
        if path == "/api/v1":
            return 200, API_V1
        parts = path.strip("/").split("/")
        if parts[:3] != ["api", "v1", "namespaces"] or len(parts) < 5 or parts[4] != "configmaps":
            return 404, status(404, "NotFound", "the server could not find the requested resource")
        ns, name = parts[3], (parts[5] if len(parts) > 5 else None)
        sent = json.loads(body) if body else {}
        with self._lock:
            if name is None:
                return self._collection(method, ns, query, sent)
            key = (ns, name)
            if method == "GET":
                if key not in self._store:
                    return 404, status(404, "NotFound", f'configmaps "{name}" not found', name=name, kind="configmaps")
                return 200, self._store[key]
            if method == "DELETE":
                if self._store.pop(key, None) is None:
                    return 404, status(404, "NotFound", f'configmaps "{name}" not found', name=name, kind="configmaps")
                return 200, status(200, "", "")
            if method in ("PUT", "PATCH"):
                old = self._store.get(key, {})
                code = 200 if key in self._store else 201
                return code, self._put(ns, name, {**old, **{k: v for k, v in sent.items() if k != "metadata"}})
        return 405, status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")

    def _collection(self, method: str, ns: str, query: Dict[str, str], sent: Dict[str, Any]) -> Tuple[int, Dict]:
        if method == "POST":
            name = (sent.get("metadata") or {}).get("name", "")
            if (ns, name) in self._store:
                return 409, status(409, "AlreadyExists", f'configmaps "{name}" already exists', name=name,
                                   kind="configmaps")
            return 201, self._put(ns, name, sent)
        if method == "DELETE":
            for key in [k for k in self._store if k[0] == ns]:
                del self._store[key]
            return 200, {"kind": "ConfigMapList", "apiVersion": "v1", "metadata": {}, "items": []}
        items = [obj for (n, _), obj in sorted(self._store.items()) if n == ns]
        start = int(query.get("continue") or 0)
        limit = int(query.get("limit") or 0) or len(items) or 1
        page = items[start:start + limit]
        meta: Dict[str, Any] = {"resourceVersion": str(self._rv)}
        if start + limit < len(items):
            meta["continue"] = str(start + limit)
        return 200, {"kind": "ConfigMapList", "apiVersion": "v1", "metadata": meta, "items": page}
