"""Tiny real forward proxies on 127.0.0.1 for the proxy tests: HTTP CONNECT, HTTPS (CONNECT over TLS) and SOCKS5.

Each one does its handshake, then relays bytes both ways untouched, and
records what it saw in ``seen`` (one ``Seen`` per client connection): the
target, the credentials offered, whether a tunnel opened, and the first byte
the client sent through it (0x16 is a TLS handshake record, so the proxy
carried TLS end to end and never saw the API request in clear).

``HttpProxy`` also forwards absolute-form requests (``GET http://host/...``),
which is how clients use an http proxy for a plain-http server.

With ``credentials=(user, password)`` a proxy insists on them: the HTTP proxy
answers 407 to a missing or wrong ``Proxy-Authorization``, the SOCKS5 proxy
offers only username/password (RFC 1929) and fails a wrong pair. A target
that cannot be reached is answered with 502 (HTTP) or reply 5 (SOCKS5).

``HttpsProxy`` is ``HttpProxy`` behind TLS, with the loopback test
certificate of ``tests.replyserver`` (127.0.0.1, localhost): a client must
trust that certificate to talk to it, as Go trusts an https proxy only
through the cluster's own CAs. ``aliases`` maps names or addresses a client
asks for to the address the proxy really dials (a test's stand-in for DNS
on the proxy's side).
"""

from __future__ import annotations

import base64
import socket
import ssl
import threading
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple
from urllib.parse import urlsplit

Credentials = Optional[Tuple[str, str]]


@dataclass
class Seen:
    """One client connection as the proxy saw it."""

    host: str = ""
    port: int = 0
    method: str = ""  # HTTP: the request method (CONNECT, or GET... in absolute form)
    authorization: Optional[str] = None  # HTTP: the Proxy-Authorization value
    username: Optional[str] = None  # SOCKS5: RFC 1929 credentials, when that method was used
    password: Optional[str] = None
    address_type: str = ""  # SOCKS5: "ipv4", "domain" or "ipv6"
    opened: bool = False
    first_byte: Optional[int] = None


class _Relay:
    """Accept loop, per-connection threads and shutdown, shared by both proxies."""

    def __init__(self, credentials: Credentials = None, aliases: Optional[Dict[str, str]] = None) -> None:
        self.credentials = credentials
        self.aliases = dict(aliases or {})
        self.seen: List[Seen] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sockets: List[socket.socket] = []
        self._threads: List[threading.Thread] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._spawn(self._accept_loop)

    @property
    def tunnels(self) -> int:
        with self._lock:
            return sum(s.opened for s in self.seen)

    def close(self) -> None:
        """Stop accepting, cut every connection and join every thread."""
        self._stop.set()
        with self._lock:
            sockets, threads = list(self._sockets), list(self._threads)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in threads:
            thread.join(5)
        for sock in sockets:
            sock.close()
        self._listener.close()

    def _spawn(self, target, *args) -> threading.Thread:
        thread = threading.Thread(target=target, args=args, daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()
        return thread

    def _track(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            self._sockets.append(sock)
        return sock

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except socket.timeout:
                continue
            self._spawn(self._serve, self._track(conn))

    def _serve(self, conn: socket.socket) -> None:
        seen = Seen()
        with self._lock:
            self.seen.append(seen)
        upstream = None
        try:
            conn.settimeout(10)
            conn = self._wrap(conn)
            upstream, early = self._handshake(conn, seen)
            if upstream is None:
                return
            seen.opened = True
            conn.settimeout(None)
            upstream.settimeout(None)
            if early:
                seen.first_byte = early[0]
                upstream.sendall(early)
            back = self._spawn(_pump, upstream, conn, None)
            _pump(conn, upstream, seen)
            back.join()
        except (OSError, ValueError):
            pass
        finally:
            conn.close()
            if upstream is not None:
                upstream.close()

    def _wrap(self, conn: socket.socket) -> socket.socket:
        """The client connection as the protocol sees it (TLS for ``HttpsProxy``)."""
        return conn

    def _dial(self, host: str, port: int) -> Optional[socket.socket]:
        host = self.aliases.get(host, host)
        try:
            return self._track(socket.create_connection((host, port), timeout=5))
        except OSError:
            return None

    def _handshake(self, conn: socket.socket, seen: Seen) -> Tuple[Optional[socket.socket], bytes]:
        """Talk the protocol; return the connected upstream (None when refused) and bytes to forward first."""
        raise NotImplementedError


def _pump(src: socket.socket, dst: socket.socket, seen: Optional[Seen]) -> None:
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if seen is not None and seen.first_byte is None:
                seen.first_byte = data[0]
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            if not isinstance(dst, ssl.SSLSocket):  # an SSLSocket's shutdown() would drop TLS for the other way too
                dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        more = sock.recv(n - len(data))
        if not more:
            raise ValueError("client closed during the handshake")
        data += more
    return data


class HttpProxy(_Relay):
    """``http://127.0.0.1:<port>``: CONNECT tunnels and absolute-form forwarding."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _handshake(self, conn: socket.socket, seen: Seen) -> Tuple[Optional[socket.socket], bytes]:
        data = b""
        while b"\r\n\r\n" not in data:
            more = conn.recv(65536)
            if not more or len(data) > 65536:
                raise ValueError("no request head")
            data += more
        head, _, rest = data.partition(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        seen.method, target, version = request_line.split(" ", 2)
        headers = [(name.strip(), value.strip()) for name, _, value in (h.partition(":") for h in header_lines)]
        seen.authorization = next((v for k, v in headers if k.lower() == "proxy-authorization"), None)
        if seen.method == "CONNECT":
            seen.host, _, port = target.rpartition(":")
            seen.port = int(port)
        else:
            parts = urlsplit(target)
            seen.host, seen.port = parts.hostname or "", parts.port or 80
        if self.credentials is not None:
            expected = "Basic " + base64.b64encode(":".join(self.credentials).encode()).decode()
            if seen.authorization != expected:
                conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                             b'Proxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n')
                return None, b""
        upstream = self._dial(seen.host.strip("[]"), seen.port)
        if upstream is None:
            conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return None, b""
        if seen.method == "CONNECT":
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            return upstream, rest
        # Absolute form: pass the request on in origin form, without the proxy's own header.
        parts = urlsplit(target)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        kept = [f"{k}: {v}" for k, v in headers if k.lower() != "proxy-authorization"]
        return upstream, "\r\n".join([f"{seen.method} {path} {version}", *kept, "", ""]).encode("latin-1") + rest


class HttpsProxy(HttpProxy):
    """``https://127.0.0.1:<port>``: ``HttpProxy`` behind TLS with ``tests.replyserver``'s certificate."""

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def _wrap(self, conn: socket.socket) -> socket.socket:
        return _server_context().wrap_socket(conn, server_side=True)


_CONTEXT: List[ssl.SSLContext] = []


def _server_context() -> ssl.SSLContext:
    if not _CONTEXT:
        from tests.replyserver import _tls_context

        _CONTEXT.append(_tls_context())
    return _CONTEXT[0]


class Socks5Proxy(_Relay):
    """``socks5://127.0.0.1:<port>``: RFC 1928 CONNECT, RFC 1929 username/password when configured."""

    @property
    def url(self) -> str:
        return f"socks5://127.0.0.1:{self.port}"

    def _handshake(self, conn: socket.socket, seen: Seen) -> Tuple[Optional[socket.socket], bytes]:
        version, count = _recv_exact(conn, 2)
        methods = _recv_exact(conn, count)
        wanted = 0x02 if self.credentials is not None else 0x00
        if version != 5 or wanted not in methods:
            conn.sendall(b"\x05\xff")
            return None, b""
        conn.sendall(bytes([5, wanted]))
        if wanted == 0x02:
            _, ulen = _recv_exact(conn, 2)
            seen.username = _recv_exact(conn, ulen).decode()
            seen.password = _recv_exact(conn, _recv_exact(conn, 1)[0]).decode()
            if (seen.username, seen.password) != self.credentials:
                conn.sendall(b"\x01\x01")
                return None, b""
            conn.sendall(b"\x01\x00")
        _, command, _, atyp = _recv_exact(conn, 4)
        if atyp == 1:
            seen.address_type, seen.host = "ipv4", socket.inet_ntop(socket.AF_INET, _recv_exact(conn, 4))
        elif atyp == 4:
            seen.address_type, seen.host = "ipv6", socket.inet_ntop(socket.AF_INET6, _recv_exact(conn, 16))
        else:
            seen.address_type, seen.host = "domain", _recv_exact(conn, _recv_exact(conn, 1)[0]).decode("idna")
        seen.port = int.from_bytes(_recv_exact(conn, 2), "big")
        upstream = self._dial(seen.host, seen.port) if command == 1 else None
        # Reply: succeeded (0) or connection refused (5), bound address 0.0.0.0:0.
        conn.sendall(bytes([5, 0 if upstream is not None else 5, 0, 1]) + bytes(6))
        return upstream, b""
