"""dial: the WebSocket upgrade with the transport's headers, credentials (401 refresh), proxy tunnel and errors.

The socket is the point here, so a real WebSocket server (``websockets``'
own) listens on loopback, and the proxy is the suite's real CONNECT proxy
(``tests.integration.proxies.HttpProxy``) on loopback too.
"""

from __future__ import annotations

import json
import threading
from typing import Dict, Iterator, List, Optional

import pytest
from websockets.datastructures import Headers
from websockets.http11 import Response
from websockets.sync.server import serve

from discovery.errors import Forbidden, TransportError, Unauthorized
from dynclient.config import RESTConfig
from dynclient.pods.dial import dial
from dynclient.transport import Transport
from tests.integration.proxies import HttpProxy

PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
TARGET = "/api/v1/namespaces/ns/pods/p/exec?command=echo&command=a+b&container=c&stdout=true"


class Tokens:
    """An auth provider whose token the server may refuse once; ``refresh`` hands out the next one."""

    def __init__(self, tokens: List[str]) -> None:
        self.tokens = list(tokens)
        self.refreshes = 0

    def headers(self) -> Dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[0]}"}

    def client_cert(self):
        return None  # no client certificate from this provider

    def refresh(self) -> bool:
        self.refreshes += 1
        if len(self.tokens) > 1:
            self.tokens.pop(0)
            return True
        return False


class Server:
    """A loopback WebSocket server: records each handshake, may refuse it, then echoes one message."""

    def __init__(self, accepted_token: Optional[str] = "good", choose: Optional[str] = None) -> None:
        self.accepted_token = accepted_token
        self.choose = choose
        self.requests: List[Dict[str, object]] = []
        self.refuse: Optional[Response] = None
        self._server = serve(self._handle, "127.0.0.1", 0, process_request=self._process,
                             select_subprotocol=self._select, compression=None)
        self.port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _select(self, conn, offered):
        return self.choose if self.choose is not None else offered[0]

    def _process(self, conn, request):
        self.requests.append({"path": request.path, "headers": request.headers})
        if self.refuse is not None:
            return self.refuse
        if self.accepted_token and request.headers.get("Authorization") != f"Bearer {self.accepted_token}":
            return status_response(401, "Unauthorized", "Unauthorized")
        return None

    def _handle(self, conn) -> None:
        try:
            conn.send(b"\x01" + conn.recv())
        except Exception:
            pass

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(5)


def status_response(code: int, reason: str, message: str) -> Response:
    body = json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code, "reason": reason,
                       "message": message}).encode()
    return Response(code, reason, Headers([("Content-Type", "application/json"),
                                           ("Content-Length", str(len(body)))]), body)


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


@pytest.fixture
def proxies() -> Iterator[List[HttpProxy]]:
    started: List[HttpProxy] = []
    yield started
    for proxy in started:
        proxy.close()


def transport_for(port: int, auth=None, proxy_url: Optional[str] = None) -> Transport:
    config = RESTConfig(host=f"http://127.0.0.1:{port}", auth=auth or Tokens(["good"]), proxy_url=proxy_url)
    return Transport(config, qps=0, burst=1, sleep=lambda s: None, timeout=(5.0, 5.0))


def echo(conn) -> bytes:
    conn.send(b"\x00hi")
    data = conn.recv(timeout=5)
    conn.close()
    return data


def test_direct_dial_carries_path_protocols_and_credentials(server):
    t = transport_for(server.port)
    try:
        conn = dial(t, TARGET, PROTOCOLS)
        assert conn.subprotocol == "v5.channel.k8s.io"
        assert echo(conn) == b"\x01\x00hi"
    finally:
        t.close()
    (request,) = server.requests
    headers = request["headers"]
    assert request["path"] == TARGET
    assert headers["Sec-WebSocket-Protocol"] == "v5.channel.k8s.io, v4.channel.k8s.io"
    assert headers["Authorization"] == "Bearer good"
    assert headers["User-Agent"].startswith("dynclient/")
    assert "Accept-Encoding" not in headers  # gzip means nothing to a WebSocket
    assert "Sec-WebSocket-Extensions" not in headers  # no permessage-deflate: exec bytes are often incompressible


@pytest.mark.parametrize("choose", [pytest.param("v4.channel.k8s.io", id="server-picks-v4")])
def test_the_server_chooses_the_protocol(choose):
    srv = Server(choose=choose)
    t = transport_for(srv.port)
    try:
        conn = dial(t, TARGET, PROTOCOLS)
        assert conn.subprotocol == choose
        conn.close()
    finally:
        t.close()
        srv.close()


@pytest.mark.parametrize("tokens, refreshes, outcome", [
    pytest.param(["stale", "good"], 1, "open", id="refreshed-once-then-open"),
    pytest.param(["stale"], 1, Unauthorized, id="refresh-gives-nothing-new"),
    pytest.param(["stale", "staler", "good"], 1, Unauthorized, id="refreshed-only-once"),
])
def test_401_refreshes_the_credential_once(server, tokens, refreshes, outcome):
    auth = Tokens(tokens)
    t = transport_for(server.port, auth=auth)
    try:
        if outcome == "open":
            assert echo(dial(t, TARGET, PROTOCOLS)) == b"\x01\x00hi"
        else:
            with pytest.raises(outcome):
                dial(t, TARGET, PROTOCOLS)
    finally:
        t.close()
    assert auth.refreshes == refreshes
    assert [r["headers"]["Authorization"] for r in server.requests] == \
        [f"Bearer {tok}" for tok in tokens[:refreshes + 1]]


def test_a_refusal_is_the_servers_status(server):
    server.refuse = status_response(403, "Forbidden", 'pods "p" is forbidden: User "u" cannot create pods/exec')
    t = transport_for(server.port)
    try:
        with pytest.raises(Forbidden) as info:
            dial(t, TARGET, PROTOCOLS)
    finally:
        t.close()
    assert info.value.message == 'pods "p" is forbidden: User "u" cannot create pods/exec'
    assert info.value.code == 403


@pytest.mark.parametrize("credentials", [pytest.param(None, id="plain"),
                                         pytest.param(("user", "p@ss:w"), id="basic-auth")])
def test_through_a_connect_proxy(server, proxies, credentials):
    proxy = HttpProxy(credentials)
    proxies.append(proxy)
    userinfo = "user:p%40ss%3Aw@" if credentials else ""
    t = transport_for(server.port, proxy_url=f"http://{userinfo}127.0.0.1:{proxy.port}")
    try:
        conn = dial(t, TARGET, PROTOCOLS)
        assert conn.subprotocol == "v5.channel.k8s.io"
        assert echo(conn) == b"\x01\x00hi"
    finally:
        t.close()
    (seen,) = proxy.seen
    assert (seen.method, seen.host, seen.port, seen.opened) == ("CONNECT", "127.0.0.1", server.port, True)
    assert seen.first_byte == ord("G")  # the upgrade request went through the tunnel, not to the proxy
    if credentials:
        assert seen.authorization == "Basic dXNlcjpwQHNzOnc="
    else:
        assert seen.authorization is None
    assert len(server.requests) == 1


def test_the_proxy_refusing_connect_is_named(server, proxies):
    proxy = HttpProxy(("user", "secret"))
    proxies.append(proxy)
    t = transport_for(server.port, proxy_url=f"http://user:wrong@127.0.0.1:{proxy.port}")
    try:
        with pytest.raises(TransportError) as info:
            dial(t, TARGET, PROTOCOLS)
    finally:
        t.close()
    text = str(info.value)
    assert "refused CONNECT" in text and "407" in text and f"127.0.0.1:{proxy.port}" in text
    assert "wrong" not in text  # the proxy's password is never printed
    assert server.requests == []


def test_nothing_listening_is_a_transport_error():
    import socket

    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]
    t = transport_for(port)
    try:
        with pytest.raises(TransportError, match="ConnectionRefusedError"):
            dial(t, TARGET, PROTOCOLS, timeout=2)
    finally:
        t.close()


def test_an_https_proxy_before_an_https_server_is_refused_not_hung():
    """TLS inside the proxy's TLS is not carried yet: a clear error at once, before any socket."""
    config = RESTConfig(host="https://127.0.0.1:1", auth=Tokens(["good"]), proxy_url="https://127.0.0.1:2")
    t = Transport(config, qps=0, burst=1, sleep=lambda s: None, timeout=(5.0, 5.0))
    try:
        with pytest.raises(TransportError, match=r"do not support an https:// proxy yet; use an http:// or socks5://"):
            dial(t, TARGET, PROTOCOLS)
    finally:
        t.close()


class Dropper:
    """Closes its first ``drops`` connections once it has read the upgrade request; then accepts the upgrade."""

    def __init__(self, drops: int) -> None:
        import socket

        self.drops, self.connections, self._kept = drops, 0, []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        import base64
        import hashlib

        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                head += chunk
            if self.connections <= self.drops:
                conn.close()
                continue
            key = next(line.split(b":", 1)[1].strip() for line in head.split(b"\r\n")
                       if line.lower().startswith(b"sec-websocket-key:"))
            accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Accept: " + accept + b"\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n")
            self._kept.append(conn)

    def close(self) -> None:
        self._sock.close()
        for conn in self._kept:
            conn.close()


@pytest.mark.parametrize("drops, dialed", [(0, True), (1, True), (2, True), (3, False)],
                         ids=["none", "one-dropped", "two-dropped", "three-dropped"])
def test_an_upgrade_the_server_drops_before_replying_is_dialed_again_twice(drops, dialed):
    srv = Dropper(drops)
    t = transport_for(srv.port)
    try:
        if dialed:
            conn = dial(t, TARGET, PROTOCOLS)
            assert conn.subprotocol == "v5.channel.k8s.io"
            conn.close()
        else:
            with pytest.raises(TransportError, match="did not receive a valid HTTP response"):
                dial(t, TARGET, PROTOCOLS)
    finally:
        t.close()
        srv.close()
    assert srv.connections == min(drops, 2) + 1
