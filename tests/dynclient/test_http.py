"""dynclient.http on the wire: the keep-alive pool, bodies (gzip, chunked, interrupted) and request shape.

Every test here is one where the socket is the point, so each talks to a real
HTTP/1.1 server on loopback (``tests.replyserver``, or a raw socket server for
replies it cannot make); ``connections`` counts the TCP connections it
accepted, which is how reuse shows. Request policy and request shapes are
tested with ``responses`` instead (test_transport.py).

The regression tests of the previous (``http.client``) stack's review fixes
stay, against the requests stack: duplicate writes, interrupt after close,
``Connection: close`` streams, truncated Content-Length, half lines, corrupt
gzip, TCP_NODELAY, IPv6 CONNECT.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from typing import Any, Dict, Iterator, List, Optional

import pytest
import requests
import urllib3

from dynclient.http import ConnectionPool, TLSConfig, encode_query
from tests.replyserver import _KEY_PEM as CLIENT_KEY_PEM
from tests.replyserver import CERT_PEM, ReplyServer

TIMEOUT = (5.0, 5.0)  # a broken test fails in seconds instead of hanging


@pytest.fixture
def pool(mock_server: ReplyServer) -> Iterator[ConnectionPool]:
    p = ConnectionPool(mock_server.url)
    yield p
    p.close()


def get(pool: ConnectionPool, target: str = "/x", **kw: Any):
    return pool.request("GET", target, timeout=TIMEOUT, **kw)


def read_whole(resp) -> bytes:
    return resp.content


def stream_to_end(resp) -> bytes:
    with resp:
        return b"\n".join(resp.iter_lines())


def close_mid_stream(resp) -> bytes:
    with resp:
        return next(resp.iter_lines())


@pytest.mark.parametrize(
    "reply, consume, expected, connections",
    [
        ({"body": "ok"}, read_whole, b"ok", 1),
        ({"body": "gone", "status": 404}, read_whole, b"gone", 1),
        ({"chunks": [b"o", b"k"]}, stream_to_end, b"ok", 1),
        ({"chunks": [b"ok\n"], "hold": True}, close_mid_stream, b"ok", 2),
        ({"body": "ok", "headers": {"Connection": "close"}}, read_whole, b"ok", 2),
    ],
    ids=["body-read", "error-reply-read", "stream-read-to-end", "stream-closed-early", "server-says-close"],
)
def test_connection_is_reused_only_after_a_complete_reply(mock_server, pool, reply, consume, expected, connections):
    mock_server.add("GET", "/x", **reply)
    for _ in range(2):
        assert consume(get(pool)) == expected
    assert len(mock_server.calls) == 2
    assert mock_server.connections == connections


@pytest.mark.parametrize(
    "tls, method",
    [
        (False, "GET"),
        (False, "POST"),
        (False, "DELETE"),
        (True, "GET"),
        (True, "POST"),
    ],
    ids=["http-get", "http-post", "http-delete", "https-get", "https-post"],
)
def test_an_idle_connection_the_server_closed_is_not_used(tls, method):
    """Any verb: the server (or a load balancer) closed the idle connection; the pool notices and dials anew."""
    with ReplyServer(tls=tls) as server:
        server.add(method, "/x", json={"n": 1}, close_after=True)
        pool = ConnectionPool(server.url, tls=TLSConfig(ca_data=CERT_PEM))
        try:
            for _ in range(2):
                with pool.request(method, "/x", body=b"{}" if method == "POST" else None, timeout=TIMEOUT) as resp:
                    assert resp.json() == {"n": 1}
                time.sleep(0.2)  # idle long enough for the server's close to arrive
        finally:
            pool.close()
        assert len(server.calls) == 2
        assert server.connections == 2


@pytest.mark.parametrize(
    "tls, sent",
    [(TLSConfig(ca_data=CERT_PEM), None), (TLSConfig(ca_data=CERT_PEM, server_name="k8s.test"), "k8s.test")],
    ids=["ip-address-no-sni", "tls-server-name-is-sni"],
)
def test_tls_server_name_goes_out_as_sni(tls_server, tls, sent):
    """``tls-server-name`` is what the server sees in the ClientHello (an IP address is never sent as SNI)."""
    tls_server.add("GET", "/x", body="ok")
    pool = ConnectionPool(tls_server.url, tls=tls)
    try:
        assert get(pool, "/x").content == b"ok"
    finally:
        pool.close()
    assert tls_server.server_names == [sent]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_write_is_sent_once_when_every_connection_breaks(method):
    """The duplicate-write regression: however the connections break, the server sees a write exactly once."""
    with ReplyServer() as server:
        server.add("GET", "/warm", json={})
        server.add(method, "/x", drop=True)
        pool = ConnectionPool(server.url)
        try:
            for _ in range(3):
                pool.request("GET", "/warm", timeout=TIMEOUT).content  # leaves kept-alive connections idle
            with pytest.raises(ConnectionError):
                pool.request(method, "/x", body=b"{}", timeout=TIMEOUT)
        finally:
            pool.close()
        assert [c.method for c in server.calls if c.path == "/x"] == [method]


@pytest.mark.parametrize(
    "method, retried",
    [("GET", True), ("POST", False), ("PATCH", False), ("DELETE", False)],
    ids=["get", "post", "patch", "delete"],
)
def test_a_reused_connection_that_breaks_after_the_request_went_out(method, retried):
    """The server read the request and hung up: it may have acted, so only a safe method goes again."""
    with ReplyServer() as server:
        server.add("GET", "/warm", json={})
        server.add(method, "/x", drop=True)
        pool = ConnectionPool(server.url)
        try:
            pool.request("GET", "/warm", timeout=TIMEOUT).content  # leaves one idle connection
            with pytest.raises(ConnectionError, match="closed connection without response"):
                pool.request(method, "/x", body=None if method == "GET" else b"{}", timeout=TIMEOUT)
        finally:
            pool.close()
        assert sum(1 for c in server.calls if c.path == "/x") == (2 if retried else 1)


def test_a_fresh_connection_that_breaks_is_not_retried(mock_server, pool):
    """On a new connection the server may have acted on the request: the caller decides."""
    mock_server.add("POST", "/x", drop=True)
    with pytest.raises(ConnectionError, match="closed connection without response"):
        pool.request("POST", "/x", body=b"{}", timeout=TIMEOUT)
    assert len(mock_server.calls) == 1


def lines_of(resp) -> List[bytes]:
    with resp:
        return list(resp.iter_lines())


def json_of(resp) -> Any:
    return resp.json()


@pytest.mark.parametrize(
    "reply, read, expected",
    [
        ({"json": {"a": 1}, "gzip": True}, json_of, {"a": 1}),
        ({"body": b"x" * 200_000, "gzip": True}, read_whole, b"x" * 200_000),
        ({"chunks": [b'{"n":1}\n{"n"', b":2}\n"], "gzip": True}, lines_of, [b'{"n":1}', b'{"n":2}']),
        ({"chunks": [b"a\n" * 40_000], "gzip": True}, lines_of, [b"a"] * 40_000),
        ({"json": {"a": 1}}, json_of, {"a": 1}),
    ],
    ids=["json", "large-body", "lines-across-chunks", "lines-larger-than-a-read", "not-compressed"],
)
def test_gzip_bodies_are_decoded(mock_server, pool, reply, read, expected):
    mock_server.add("GET", "/x", **reply)
    resp = get(pool)
    assert resp.headers.get("Content-Encoding") == ("gzip" if reply.get("gzip") else None)
    assert read(resp) == expected


@pytest.mark.parametrize(
    "chunks, expected",
    [
        ([b"a\nb", b"c\n", b"d"], [b"a", b"bc", b"d"]),
        ([b"ab", b"cd", b"ef\n"], [b"abcdef"]),
        ([b"a\n", b"\n", b"b\n"], [b"a", b"", b"b"]),
        ([b"x\ny\nz\n"], [b"x", b"y", b"z"]),
        ([b"no newline at all"], [b"no newline at all"]),
    ],
    ids=["split-line", "line-in-three-chunks", "empty-line-kept", "lines-in-one-chunk", "unterminated"],
)
def test_iter_lines_joins_lines_across_chunk_boundaries(mock_server, pool, chunks, expected):
    mock_server.add("GET", "/x", chunks=chunks)
    assert lines_of(get(pool)) == expected


@pytest.mark.parametrize(
    "chunks, before",
    [([], []), ([b'{"n":1}\n'], [b'{"n":1}'])],
    ids=["before-any-line", "after-a-line"],
)
def test_interrupt_from_another_thread_ends_a_blocked_iter_lines(mock_server, pool, chunks, before):
    mock_server.add("GET", "/watch", chunks=chunks, hold=True)  # the server keeps the stream open
    mock_server.add("GET", "/after", body="ok")
    resp = get(pool, "/watch")
    got: List[bytes] = []
    outcome: Dict[str, Optional[BaseException]] = {}

    def reader() -> None:
        try:
            got.extend(resp.iter_lines())
            outcome["error"] = None
        except OSError as err:  # a chunked body cut short is an IncompleteRead: also an end
            outcome["error"] = err

    thread = threading.Thread(target=reader)
    thread.start()
    deadline = time.monotonic() + 5
    while got != before and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)  # let the reader block in its next read
    started = time.monotonic()
    resp.interrupt()
    thread.join(5)
    assert not thread.is_alive()
    assert time.monotonic() - started < 2  # woken by interrupt(), not by the 5 s read timeout
    assert got == before and "error" in outcome
    resp.close()
    assert get(pool, "/after").content == b"ok"
    assert mock_server.connections == 2  # an interrupted connection never goes back to the pool


@pytest.mark.parametrize(
    "params, expected",
    [
        (None, ""),
        ({}, ""),
        ([], ""),
        ({"continue": None}, ""),
        ({"limit": 10, "continue": None}, "?limit=10"),
        ([("watch", "true"), ("timeoutSeconds", 30)], "?watch=true&timeoutSeconds=30"),
        ([("a", "1"), ("a", "2")], "?a=1&a=2"),
        ({"labelSelector": "app in (a,b)"}, "?labelSelector=app+in+%28a%2Cb%29"),
        ({"fieldSelector": "metadata.name=x"}, "?fieldSelector=metadata.name%3Dx"),
    ],
    ids=["none", "empty-mapping", "empty-pairs", "only-none", "none-dropped", "values-stringified",
         "repeated-key-kept", "selector-escaped", "equals-escaped"],
)
def test_encode_query(params, expected):
    assert encode_query(params) == expected


@pytest.mark.parametrize(
    "headers, name, expected",
    [
        ([("Impersonate-Group", "a"), ("Impersonate-Group", "b")], "Impersonate-Group", ["a", "b"]),
        ([("Impersonate-Group", "a, b")], "Impersonate-Group", ["a, b"]),
        ([("X-One", "1"), ("Impersonate-Group", "a"), ("X-One", "2")], "X-One", ["1", "2"]),
    ],
    ids=["two-lines", "comma-stays-one-line", "interleaved"],
)
def test_repeated_headers_are_sent_as_repeated_lines(mock_server, pool, headers, name, expected):
    mock_server.add("GET", "/x", body="")
    get(pool, headers=headers).close()
    assert mock_server.calls[0].headers.get_all(name) == expected


def test_repeated_reply_headers_are_all_kept(mock_server, pool):
    mock_server.add("GET", "/x", body="", headers=[("Warning", '299 - "a"'), ("Warning", '299 - "b"')])
    with get(pool) as resp:
        assert resp.headers.get_all("warning") == ['299 - "a"', '299 - "b"']


@pytest.mark.parametrize(
    "prefix, path",
    [
        ("", "/api/v1/pods"),
        ("/prefix", "/prefix/api/v1/pods"),
        ("/prefix/", "/prefix/api/v1/pods"),
        ("/k8s/clusters/c-1", "/k8s/clusters/c-1/api/v1/pods"),
    ],
    ids=["none", "prefix", "trailing-slash", "rancher-style"],
)
def test_a_server_url_path_prefixes_every_request(mock_server, prefix, path):
    mock_server.add("GET", path, body="ok", query={"limit": "1"})
    pool = ConnectionPool(mock_server.url + prefix)
    try:
        with get(pool, "/api/v1/pods?limit=1") as resp:
            assert resp.content == b"ok"
            assert resp.url == f"{mock_server.url}{path}?limit=1"
    finally:
        pool.close()
    assert mock_server.calls[0].headers["Host"] == mock_server.url.split("://")[1]


@pytest.fixture
def tls_server() -> Iterator[ReplyServer]:
    with ReplyServer(tls=True) as server:
        yield server


def ca_file(tmp_path) -> str:
    path = tmp_path / "ca.crt"
    path.write_bytes(CERT_PEM)
    return str(path)


@pytest.mark.parametrize(
    "tls, trusted",
    [
        (lambda tmp: TLSConfig(verify=False), True),
        (lambda tmp: TLSConfig(ca_data=CERT_PEM), True),
        (lambda tmp: TLSConfig(ca_file=ca_file(tmp)), True),
        (lambda tmp: TLSConfig(ca_data=CERT_PEM, server_name="k8s.test"), True),
        (lambda tmp: TLSConfig(ca_data=CERT_PEM, server_name="other.test"), "doesn't match"),
        (lambda tmp: TLSConfig(), "CERTIFICATE_VERIFY_FAILED"),
    ],
    ids=["insecure-skip-verify", "ca-data", "ca-file", "tls-server-name", "wrong-server-name", "system-cas"],
)
def test_tls_trusts_exactly_what_the_kubeconfig_says(tls_server, tmp_path, tls, trusted):
    tls_server.add("GET", "/version", json={"gitVersion": "v1"})
    pool = ConnectionPool(tls_server.url, tls=tls(tmp_path))
    try:
        if trusted is True:
            assert get(pool, "/version").json() == {"gitVersion": "v1"}
        else:
            with pytest.raises(ConnectionError, match=trusted):
                get(pool, "/version")
    finally:
        pool.close()
    assert len(tls_server.calls) == (1 if trusted is True else 0)


#: A CA of another cluster: it signed nothing that the test server presents.
OTHER_CA_PEM = b"""-----BEGIN CERTIFICATE-----
MIIBkTCCATegAwIBAgIUFPap+5t7yynIVOPFrywKPa6x1NwwCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSYW5vdGhlci1jbHVzdGVyLWNhMCAXDTI2MTIwMzE0NTc1OVoY
DzIxMjYxMTA5MTQ1NzU5WjAdMRswGQYDVQQDDBJhbm90aGVyLWNsdXN0ZXItY2Ew
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARBG9DqYHKn+saFi0/rglY8kM0H8HFA
6AaKAeRaa9UQ7vQH5a1dp3178AcQWD4FENABvFBad/78XChKp5lIOWbuo1MwUTAd
BgNVHQ4EFgQUs//T6OMIRC2UWTBjFwG+T0tDH+gwHwYDVR0jBBgwFoAUs//T6OMI
RC2UWTBjFwG+T0tDH+gwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBF
AiB/zKYj5mMiXxW8qDLM3on0W5OthXmPP0VweocF0Qk7YQIhAJ9Y5GVEdX3otG6L
+pI0L+ZDKglYJK4aSAjOlqtwI4X9
-----END CERTIFICATE-----
"""


@pytest.mark.parametrize("tls", [
    lambda tmp: TLSConfig(ca_data=OTHER_CA_PEM),
    lambda tmp: TLSConfig(ca_file=str((tmp / "other.crt").write_bytes(OTHER_CA_PEM) and tmp / "other.crt")),
], ids=["ca-data", "ca-file"])
def test_a_kubeconfig_ca_is_the_only_trust_requests_bundle_is_not_added(tls_server, tmp_path, monkeypatch, tls):
    """requests' certifi bundle never joins the kubeconfig's CA (client-go trusts only that CA).

    The bundle requests would load is made to hold the server's own
    certificate: were it added to the context, the handshake would pass.
    """
    import requests.adapters

    bundle = tmp_path / "public-cas.pem"
    bundle.write_bytes(CERT_PEM)
    monkeypatch.setattr(requests.adapters, "DEFAULT_CA_BUNDLE_PATH", str(bundle))
    tls_server.add("GET", "/version", json={"gitVersion": "v1"})
    pool = ConnectionPool(tls_server.url, tls=tls(tmp_path))
    try:
        with pytest.raises(ConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
            get(pool, "/version")
    finally:
        pool.close()
    assert tls_server.calls == []


# -- regressions found in review: raw-socket servers for replies ReplyServer does not make ----------


class _RawServer:
    """Accepts connections on 127.0.0.1, records what arrives, answers ``reply`` bytes, then ``after`` (hold/close)."""

    def __init__(self, reply: bytes, after: str) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.release = threading.Event()
        self.reply, self.after = reply, after
        self.received: List[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.received.append(conn.recv(65536))
            conn.sendall(self.reply)
            if self.after == "hold":
                self.release.wait(30)
            conn.close()

    def close(self) -> None:
        self.release.set()
        self.listener.close()


EVENT = b'{"type":"ADDED","object":{"metadata":{"resourceVersion":"1"}}}\n'


def test_interrupt_wakes_a_stream_whose_reply_closes_the_connection():
    """``Connection: close`` makes http.client let go of the socket; interrupt() must still reach it."""
    server = _RawServer(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + EVENT, "hold")
    pool = ConnectionPool(server.url)
    try:
        resp = pool.request("GET", "/watch", timeout=(5, 20))
        lines = resp.iter_lines()
        assert next(lines) == EVENT.strip()
        threading.Timer(0.2, resp.interrupt).start()
        start = time.monotonic()
        assert list(lines) == []
        assert time.monotonic() - start < 5
        resp.close()
    finally:
        pool.close()
        server.close()


def test_a_content_length_body_cut_short_is_an_error_and_its_connection_is_dropped():
    server = _RawServer(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + EVENT + b'{"type":"MODIF', "close")
    pool = ConnectionPool(server.url)
    try:
        resp = pool.request("GET", "/watch", timeout=(5, 5))
        got = []
        with pytest.raises(ConnectionError, match="ended early"):
            for line in resp.iter_lines():
                got.append(line)
        resp.close()
        assert got == [EVENT.strip()]  # the half event is not handed out
        assert resp._raw._connection is None or resp._raw._connection.sock is None  # not back in the pool
    finally:
        pool.close()
        server.close()


def test_interrupt_after_close_does_not_touch_the_reused_connection(mock_server, pool):
    """A late interrupt() (Watch.stop racing the stream's own end) must not break the next user's request."""
    mock_server.add("GET", "/first", chunks=[EVENT])
    mock_server.add("GET", "/second", chunks=[EVENT, EVENT])
    first = pool.request("GET", "/first", timeout=TIMEOUT)
    assert list(first.iter_lines()) == [EVENT.strip()]
    first.close()
    second = pool.request("GET", "/second", timeout=TIMEOUT)
    assert second._sock is first._sock  # the same kept-alive connection
    first.interrupt()
    assert list(second.iter_lines()) == [EVENT.strip(), EVENT.strip()]
    second.close()


def test_a_corrupt_gzip_stream_is_a_connection_error(mock_server, pool):
    mock_server.add("GET", "/w", chunks=[EVENT], headers=[("Content-Encoding", "gzip")])  # says gzip, is not
    resp = pool.request("GET", "/w", timeout=TIMEOUT)
    with pytest.raises(ConnectionError, match="broke"):
        list(resp.iter_lines())
    resp.close()


def test_requests_go_out_with_tcp_nodelay(mock_server, pool):
    """Headers and body may go in two writes; without TCP_NODELAY, Nagle holds the body back 40 ms."""
    mock_server.add("GET", "/w", chunks=[EVENT], hold=True)
    resp = pool.request("GET", "/w", timeout=TIMEOUT)
    try:
        assert resp._sock is not None
        assert resp._sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        resp.interrupt()
        resp.close()


def test_a_rotated_client_certificate_gets_a_new_context(tls_server, tmp_path):
    """An exec plugin's new certificate: the pool builds a new SSLContext and drops the old connections."""
    tls_server.add("GET", "/x", body="ok")
    pool = ConnectionPool(tls_server.url, tls=TLSConfig(ca_data=CERT_PEM))
    try:
        get(pool, "/x").content
        first = pool._adapter
        get(pool, "/x").content
        assert pool._adapter is first  # same certificate: same context, connection reused
        key = tmp_path / "client.key"
        cert = tmp_path / "client.crt"
        key.write_bytes(CLIENT_KEY_PEM)
        cert.write_bytes(CERT_PEM)
        get(pool, "/x", cert=(str(cert), str(key))).content
        assert pool._adapter is not first
    finally:
        pool.close()
    assert tls_server.connections == 2


def test_connect_line_keeps_an_ipv6_servers_brackets():
    """Through an http proxy, ``CONNECT [fd00::1]:6443``: without brackets the port cannot be told apart."""
    proxy = _RawServer(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n", "close")  # refuses the tunnel
    pool = ConnectionPool("https://[fd00::1]:6443", proxy_url=proxy.url, tls=TLSConfig(ca_data=CERT_PEM))
    try:
        with pytest.raises(OSError, match="502"):
            pool.request("GET", "/version", timeout=TIMEOUT)
    finally:
        pool.close()
        proxy.close()
    assert proxy.received and proxy.received[0].startswith(b"CONNECT [fd00::1]:6443 HTTP/")


@pytest.mark.parametrize(
    "statement, loaded",
    [
        ("import dynclient; dynclient.NotFound; dynclient.GroupVersionResource", False),
        ("import dynclient.errors", False),
        ("import dynclient.client", True),
    ],
    ids=["types-and-errors", "errors-module", "client"],
)
def test_requests_loads_only_with_the_client(statement, loaded):
    """``import dynclient`` (types and errors) stays cheap: requests comes with the client stack alone."""
    import subprocess
    import sys

    code = f"{statement}; import sys; print('requests' in sys.modules, 'urllib3' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.split() == [str(loaded), str(loaded)]


@pytest.mark.parametrize(
    "reply, match",
    [
        (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 7\r\n\r\nnotgzip", "DecodeError|Error -3"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"kind\":", "IncompleteRead"),
    ],
    ids=["corrupt-gzip", "truncated-content-length"],
)
def test_a_broken_whole_body_is_a_connection_error(reply, match):
    server = _RawServer(reply, "close")
    pool = ConnectionPool(server.url)
    try:
        resp = pool.request("GET", "/x", timeout=TIMEOUT)
        with pytest.raises(ConnectionError, match=match):
            resp.content
    finally:
        pool.close()
        server.close()


class _Answer(requests.adapters.BaseAdapter):
    """A requests transport adapter answering every request with 200 and the URL it saw."""

    def send(self, request, **kwargs):
        resp = requests.Response()
        body = request.url.encode()
        resp.status_code, resp.url = 200, request.url
        resp.raw = urllib3.HTTPResponse(body=io.BytesIO(body), status=200, preload_content=False,
                                        headers={"Content-Length": str(len(body))})
        return resp

    def close(self):
        pass


@pytest.mark.parametrize("server", ["https://k8s.example:6443", "http://k8s.example"], ids=["https", "http"])
def test_a_mounted_adapter_answers_for_the_pool(server):
    pool = ConnectionPool(server)
    pool.mount(_Answer())
    with pool.request("GET", "/api") as resp:
        assert resp.status_code == 200 and resp.content == f"{server}/api".encode()


def test_a_pool_hook_sees_every_new_pool():
    from dynclient.http import add_pool_hook, remove_pool_hook

    seen = []
    add_pool_hook(seen.append)
    try:
        pool = ConnectionPool("https://k8s.example:6443/")
    finally:
        remove_pool_hook(seen.append)
    ConnectionPool("https://other.example")
    assert seen == [pool] and pool.base_url == "https://k8s.example:6443"
