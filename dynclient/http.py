"""HTTP/1.1 to one API server on the standard library: a keep-alive pool of ``http.client`` connections.

Why not ``requests``: a CLI or a CI step is a fresh process, and importing
``requests`` (urllib3, charset_normalizer, idna, cookie jars) costs about
90 ms there, more than the three round trips of a cold resolve-and-list
against a nearby cluster. A client that talks to one host needs little of
it: a pool, TLS with the kubeconfig's CA, client certificate and server
name, an optional proxy, gzip, and streamed bodies for watches.

Everything raised from here is an ``OSError`` (``http.client``'s protocol
errors are wrapped in ``ConnectionError``), so callers catch one family.
"""

from __future__ import annotations

import base64
import http.client
import json
import select
import socket
import sys
import ssl
import threading
import zlib
from collections import deque
from typing import Any, Deque, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import unquote, urlencode, urlsplit

__all__ = ["ConnectionPool", "Response", "TLSConfig", "Headers"]

Headers = Sequence[Tuple[str, str]]
Timeout = Tuple[Optional[float], Optional[float]]  # (connect, read)
ClientCert = Optional[Tuple[str, str]]

_CHUNK = 64 * 1024
_GZIP = 16 + zlib.MAX_WBITS


class TLSConfig:
    """What the TLS handshake needs from a kubeconfig cluster entry.

    ``verify`` False is ``insecure-skip-tls-verify``. ``server_name`` is
    ``tls-server-name``: sent as SNI and checked against the certificate
    instead of the URL's host.
    """

    __slots__ = ("verify", "ca_file", "ca_data", "server_name")

    def __init__(self, *, verify: bool = True, ca_file: Optional[str] = None, ca_data: Optional[bytes] = None,
                 server_name: str = "") -> None:
        self.verify, self.ca_file, self.ca_data, self.server_name = verify, ca_file, ca_data, server_name

    def context(self, cert: ClientCert) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        if not self.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        elif self.ca_data or self.ca_file:
            if self.ca_data:
                ctx.load_verify_locations(cadata=self.ca_data.decode("ascii", "replace"))
            if self.ca_file:
                ctx.load_verify_locations(cafile=self.ca_file)
        else:
            ctx.load_default_certs()
        if cert is not None:
            ctx.load_cert_chain(cert[0], cert[1])
        return ctx


class _Proxy:
    """A kubeconfig ``proxy-url``: http (CONNECT for https targets) or socks5."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.scheme = parts.scheme.lower()
        if self.scheme not in ("http", "socks5"):
            # TLS inside TLS (an https proxy in front of an https server) needs more than the standard library.
            raise ValueError(f'proxy-url scheme "{parts.scheme}" is not supported (use http or socks5)')
        self.host = parts.hostname or ""
        self.port = parts.port or (1080 if self.scheme == "socks5" else 80)
        self.user = unquote(parts.username or "")
        self.password = unquote(parts.password or "")

    def authorization(self) -> List[Tuple[str, str]]:
        if not self.user:
            return []
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        return [("Proxy-Authorization", f"Basic {token}")]


def _dial_proxy(proxy: _Proxy, timeout: Optional[float]) -> socket.socket:
    """Connect to the proxy; a failure names the proxy, not the API server behind it."""
    try:
        return socket.create_connection((proxy.host, proxy.port), timeout)
    except OSError as err:
        failure = err
    # Raised outside the except block, so the message callers show is this one alone.
    text = f"proxy-url {proxy.host}:{proxy.port}: {failure.strerror or failure}"
    raise type(failure)(failure.errno, text) if failure.errno is not None else type(failure)(text)


def _socks5_connect(proxy: _Proxy, host: str, port: int, timeout: Optional[float]) -> socket.socket:
    """RFC 1928/1929 CONNECT, the server resolving the name (as Go's proxy dialer does)."""
    sock = _dial_proxy(proxy, timeout)
    try:
        methods = b"\x00\x02" if proxy.user else b"\x00"
        sock.sendall(b"\x05" + bytes([len(methods)]) + methods)
        reply = _recv_exact(sock, 2)
        if reply[1] == 0x02:
            user, password = proxy.user.encode(), proxy.password.encode()
            sock.sendall(b"\x01" + bytes([len(user)]) + user + bytes([len(password)]) + password)
            if _recv_exact(sock, 2)[1] != 0:
                raise ConnectionError("socks5 proxy refused the username and password")
        elif reply[1] != 0x00:
            raise ConnectionError("socks5 proxy accepts none of our authentication methods")
        name = host.encode("idna")
        sock.sendall(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + port.to_bytes(2, "big"))
        head = _recv_exact(sock, 4)
        if head[1] != 0:
            raise ConnectionError(f"socks5 proxy could not connect to {host}:{port} (reply {head[1]})")
        skip = {1: 4, 4: 16}.get(head[3]) or _recv_exact(sock, 1)[0]
        _recv_exact(sock, skip + 2)
        return sock
    except BaseException:
        sock.close()
        raise


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        more = sock.recv(n - len(data))
        if not more:
            raise ConnectionError("proxy closed the connection during the handshake")
        data += more
    return data


class _Connection(http.client.HTTPConnection):
    """One keep-alive connection: plain or TLS, direct, tunnelled or through socks5.

    TLS is added in ``connect`` with the pool's context (``HTTPSConnection``
    would build a default context per connection). The read timeout is
    applied after connecting, so a slow handshake and a silent stream have
    separate limits.
    """

    def __init__(self, host: str, port: int, *, tls: Optional[ssl.SSLContext], server_name: str,
                 proxy: Optional[_Proxy], connect_timeout: Optional[float]) -> None:
        self._target = (host, port)
        self._tls = tls
        self._server_name = server_name or host
        self._socks = proxy if proxy is not None and proxy.scheme == "socks5" else None
        via_http_proxy = proxy is not None and self._socks is None
        super().__init__(proxy.host if via_http_proxy else host,  # type: ignore[union-attr]
                         proxy.port if via_http_proxy else port,  # type: ignore[union-attr]
                         timeout=connect_timeout)
        if via_http_proxy:
            self._create_connection = lambda _address, timeout, _source=None: _dial_proxy(proxy, timeout)  # type: ignore
            if tls is not None:
                self.set_tunnel(host, port, headers=dict(proxy.authorization()))  # type: ignore[union-attr]
                if ":" in host and sys.version_info < (3, 12):
                    self._tunnel_host = f"[{host}]"  # before 3.12 the CONNECT line lost an IPv6 address's brackets
        self.read_timeout: Optional[float] = None
        self.reused = False

    def connect(self) -> None:
        if self._socks is not None:
            self.sock = _socks5_connect(self._socks, *self._target, self.timeout)
            # http.client sends headers and body in two writes: without this, Nagle holds the body back.
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        else:
            http.client.HTTPConnection.connect(self)  # TCP, plus the CONNECT tunnel when set
        if self._tls is not None:
            self.sock = self._tls.wrap_socket(self.sock, server_hostname=self._server_name)
        self.sock.settimeout(self.read_timeout)

    def set_read_timeout(self, seconds: Optional[float]) -> None:
        self.read_timeout = seconds
        if self.sock is not None:
            self.sock.settimeout(seconds)


class _HeaderView:
    """Case-insensitive, read-only view of reply headers (``get`` and ``get_all``)."""

    __slots__ = ("_msg",)

    def __init__(self, msg: Any) -> None:
        self._msg = msg

    def get(self, name: str, default: Any = None) -> Any:
        return self._msg.get(name, default)

    def get_all(self, name: str) -> List[str]:
        return list(self._msg.get_all(name) or [])

    def __getitem__(self, name: str) -> str:
        value = self._msg.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._msg

    def items(self) -> List[Tuple[str, str]]:
        return list(self._msg.items())


class Response:
    """A reply. Read it with ``content``/``json()`` or, when streamed, ``iter_lines()``; then ``close()``.

    The connection goes back to the pool once the body has been read to its
    end; a stream closed early closes its connection instead.
    """

    def __init__(self, pool: "ConnectionPool", conn: _Connection, raw: http.client.HTTPResponse, url: str,
                 sock: Optional[socket.socket]) -> None:
        self._pool, self._conn, self._raw = pool, conn, raw
        self._sock = sock  # the socket the reply arrives on, also when conn has let go of it
        self._lock = threading.Lock()  # orders close() and interrupt() from different threads
        self.url = url
        self.status_code: int = raw.status
        self.reason: str = raw.reason or ""
        self.headers = _HeaderView(raw.headers)
        self._gzip = (raw.getheader("Content-Encoding") or "").lower() == "gzip"
        self._content: Optional[bytes] = None
        self._closed = False
        self._interrupted = False

    @property
    def content(self) -> bytes:
        if self._content is None:
            try:
                data = self._raw.read()
                if self._gzip and data:  # a HEAD or 204 reply may say gzip and carry nothing
                    data = zlib.decompress(data, _GZIP)
            except BaseException as err:
                self.close(reuse=False)
                if isinstance(err, (http.client.HTTPException, zlib.error)):
                    raise _broken(f"reading the reply to {self.url}", err) from err
                raise
            self._content = data
            self.close()
        return self._content

    def json(self) -> Any:
        return json.loads(self.content)

    def iter_lines(self) -> Iterator[bytes]:
        """Yield the body's lines as they arrive (without the newline); raises ``OSError`` if it breaks."""
        inflate = zlib.decompressobj(_GZIP) if self._gzip else None
        pending = b""
        read = self._raw.read1
        while True:
            try:
                received = read(_CHUNK)
                chunk = inflate.decompress(received) if inflate is not None and received else received
            except (http.client.HTTPException, OSError, ValueError, zlib.error) as err:
                if self._interrupted:
                    return  # interrupt() from another thread: the end the caller asked for
                if isinstance(err, OSError):
                    raise
                # ValueError: read on a response closed by another thread.
                raise _broken(f"stream from {self.url} broke", err) from err
            if not received:
                break
            pending += chunk
            if b"\n" not in chunk:
                continue
            *lines, pending = pending.split(b"\n")
            yield from lines
        if self._interrupted:
            return  # a half line read before the interrupt is not an event
        if self._raw.length or (inflate is not None and not inflate.eof):
            # read1() ends quietly when a Content-Length body is cut short.
            raise ConnectionError(f"stream from {self.url} ended early")
        if pending:
            yield pending

    def interrupt(self) -> None:
        """Wake a thread blocked reading this reply (from another thread): it then sees end-of-stream."""
        with self._lock:
            if self._closed:
                return  # the connection may be carrying someone else's request by now
            self._interrupted = True
            sock = self._sock
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self, *, reuse: bool = True) -> None:
        """Give the connection back when the body was read to its end (and ``reuse``), else close it."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            reusable = (reuse and self._raw.isclosed() and not self._raw.will_close and not self._interrupted
                        and not self._raw.length)
        if reusable:
            self._pool._release(self._conn)
        else:
            self._raw.close()
            self._conn.close()

    def __enter__(self) -> "Response":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _broken(what: str, err: BaseException) -> ConnectionError:
    """An ``http.client``/``zlib`` failure as the ``OSError`` this module promises."""
    return ConnectionError(f"{what}: {type(err).__name__}: {err}" if what else f"{type(err).__name__}: {err}")


def _dropped(conn: _Connection) -> bool:
    """True when an idle connection was closed by the server (urllib3's ``is_connection_dropped``).

    An idle keep-alive socket has nothing to read; readable means end-of-file
    (or stray bytes), and either way it must not carry the next request.
    """
    sock = conn.sock
    if sock is None:
        return False  # never connected: it will connect on use
    try:
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


class ConnectionPool:
    """Keep-alive connections to one ``scheme://host:port``. Thread-safe.

    At most ``maxsize`` idle connections are kept; more may be open at once
    (discovery fetches many group-versions in parallel) and the extra ones
    are closed when released. A client certificate that changes between
    requests (an exec plugin rotating it) builds a new TLS context and
    drops the idle connections made with the old one.
    """

    def __init__(self, base_url: str, *, tls: Optional[TLSConfig] = None, proxy_url: str = "", maxsize: int = 64) -> None:
        parts = urlsplit(base_url)
        self.scheme = parts.scheme.lower()
        if self.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"server URL must be http(s)://host[:port], not {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or (443 if self.scheme == "https" else 80)
        netloc = f"[{self.host}]" if ":" in self.host else self.host
        default_port = (self.scheme == "https" and self.port == 443) or (self.scheme == "http" and self.port == 80)
        self.host_header = netloc if default_port else f"{netloc}:{self.port}"
        self.prefix = parts.path.rstrip("/")
        self._tls_config = tls if tls is not None else TLSConfig()
        self._proxy = _Proxy(proxy_url) if proxy_url else None
        self._absolute_form = self._proxy is not None and self._proxy.scheme == "http" and self.scheme == "http"
        self.maxsize = maxsize
        self._idle: Deque[_Connection] = deque()
        self._lock = threading.Lock()
        self._cert: ClientCert = None
        self._context: Optional[ssl.SSLContext] = None

    def _tls_context(self, cert: ClientCert) -> Optional[ssl.SSLContext]:
        if self.scheme != "https":
            return None
        with self._lock:
            if self._context is None or cert != self._cert:
                stale = list(self._idle)
                self._idle.clear()
                self._context, self._cert = self._tls_config.context(cert), cert
            else:
                stale = []
            context = self._context
        for conn in stale:
            conn.close()
        return context

    def _acquire(self, context: Optional[ssl.SSLContext], connect_timeout: Optional[float]) -> _Connection:
        with self._lock:
            while self._idle:
                conn = self._idle.pop()  # most recently used: the least likely to have timed out
                if conn._tls is context and not _dropped(conn):
                    conn.timeout = connect_timeout
                    conn.reused = True
                    return conn
                conn.close()
        return self._new_connection(context, connect_timeout)

    def _new_connection(self, context: Optional[ssl.SSLContext], connect_timeout: Optional[float]) -> _Connection:
        return _Connection(self.host, self.port, tls=context, server_name=self._tls_config.server_name,
                           proxy=self._proxy, connect_timeout=connect_timeout)

    def _release(self, conn: _Connection) -> None:
        with self._lock:
            if len(self._idle) < self.maxsize and conn._tls is self._context_or_none():
                self._idle.append(conn)
                return
        conn.close()

    def _context_or_none(self) -> Optional[ssl.SSLContext]:
        return self._context if self.scheme == "https" else None

    def close(self) -> None:
        with self._lock:
            idle, self._idle = list(self._idle), deque()
        for conn in idle:
            conn.close()

    def url(self, target: str) -> str:
        return f"{self.scheme}://{self.host_header}{target}"

    def request(self, method: str, target: str, *, headers: Headers = (), body: Optional[bytes] = None,
                timeout: Timeout = (None, None), cert: ClientCert = None) -> Response:
        """Send ``method target`` (path and query, already encoded) and return the reply once its headers are in.

        Idle connections the server has closed are noticed before use and
        dropped. One that fails anyway before any reply arrives is replaced
        by a new connection once: for any method when the request had not
        gone out whole, for GET, HEAD and OPTIONS only when it had.
        """
        context = self._tls_context(cert)
        path = self.prefix + target
        request_target = self.url(path) if self._absolute_form else path
        for fresh_try in (False, True):
            conn = self._new_connection(context, timeout[0]) if fresh_try else self._acquire(context, timeout[0])
            conn.set_read_timeout(timeout[1])
            sent = False
            try:
                conn.putrequest(method, request_target, skip_host=True, skip_accept_encoding=True)
                conn.putheader("Host", self.host_header)
                for name, value in headers:
                    conn.putheader(name, value)
                if self._absolute_form and self._proxy is not None:
                    for name, value in self._proxy.authorization():
                        conn.putheader(name, value)
                if body is not None or method in ("POST", "PUT", "PATCH"):
                    conn.putheader("Content-Length", str(len(body or b"")))
                conn.endheaders(body)
                sent = True
                sock = conn.sock  # getresponse() drops it from conn when the reply will close
                raw = conn.getresponse()
            except (ConnectionResetError, BrokenPipeError, ssl.SSLEOFError, http.client.RemoteDisconnected) as err:
                conn.close()
                # A kept-alive connection the server had closed: repeat on a new one, but once the
                # whole request went out the server may have acted on it, so only a safe method then.
                if conn.reused and not fresh_try and (not sent or method in _SAFE_METHODS):
                    continue
                raise _broken("", err) from err
            except http.client.HTTPException as err:
                conn.close()
                raise _broken("", err) from err
            except BaseException:
                conn.close()
                raise
            return Response(self, conn, raw, self.url(path), sock)
        raise AssertionError("unreachable")  # pragma: no cover


def encode_query(params: Union[Mapping[str, Any], Iterable[Tuple[str, Any]], None]) -> str:
    """``?k=v&...`` from a mapping or pairs (values are str()-ed, ``None`` values dropped); ``""`` when empty."""
    if not params:
        return ""
    pairs = params.items() if isinstance(params, Mapping) else params
    query = urlencode([(k, v if isinstance(v, str) else str(v)) for k, v in pairs if v is not None])
    return "?" + query if query else ""
