"""Open a WebSocket to the API server with the transport's own TLS, credentials and proxy.

exec, attach and port-forward upgrade an HTTP request to a WebSocket. The
frames come from ``websockets`` (its sync client); this module only hands
it a socket that already reaches the server the way every other request
does, so one kubeconfig means one behaviour:

- the socket is made here: direct, or through the proxy that
  ``dynclient.proxy`` picked for the server (``http://`` and ``https://``
  proxies by ``CONNECT``, ``socks5://`` with the name resolved by the proxy,
  as Go's dialer does); an ``https://`` proxy in front of an ``https://``
  server is refused for now (TLS inside TLS, see ``_socket``);
- TLS uses the context ``TLSConfig`` builds for the transport (the
  kubeconfig's CAs only, the client certificate asked for at this moment,
  ``tls-server-name`` as SNI and checked name);
- the request carries the transport's User-Agent, impersonation and
  credential headers; a 401 refreshes the credential once (an exec plugin
  runs again) and dials again, as ``Transport.request`` does;
- a refusal (any status but 101) becomes the error tree's ``StatusError``
  from the server's Status body.
"""

from __future__ import annotations

import base64
import functools
import logging
import socket
import ssl
from typing import Any, Dict, List, Optional, Sequence, Tuple

from discovery.errors import TransportError, Unauthorized, status_error_from_response

__all__ = ["dial"]

log = logging.getLogger("dynclient.pods.dial")

Headers = List[Tuple[str, str]]


def _tcp(host: str, port: int, timeout: Optional[float]) -> socket.socket:
    sock = socket.create_connection((host, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _connect_tunnel(sock: socket.socket, authority: str, proxy: Any) -> socket.socket:
    """Ask an HTTP proxy for a tunnel to ``authority`` (``host:port``) with ``CONNECT``."""
    lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}"]
    creds = proxy.credentials
    if creds is not None:
        token = base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
        lines.append(f"Proxy-Authorization: Basic {token}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)  # byte by byte: nothing past the proxy's reply may be taken from the tunnel
        if not chunk:
            raise ConnectionError(f"proxy {proxy.address} ({proxy.origin}) closed the connection during CONNECT")
        head += chunk
        if len(head) > 65536:
            raise ConnectionError(f"proxy {proxy.address} ({proxy.origin}) sent an endless CONNECT reply")
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or parts[1] != "200":
        raise ConnectionError(f"proxy {proxy.address} ({proxy.origin}) refused CONNECT {authority}: "
                              f"{proxy.scrub(status_line)}")
    return sock


def _socket(pool: Any, timeout: Optional[float]) -> socket.socket:
    """A connected socket to the server (TLS not yet started), through the pool's proxy if it has one."""
    proxy = pool.proxy
    authority = pool.host_header if ":" in pool.host_header.rsplit("]", 1)[-1] else f"{pool.host_header}:{pool.port}"
    if proxy is None:
        return _tcp(pool.host, pool.port, timeout)
    pool._check_proxy()  # an unsupported scheme or a missing socks extra, in the transport's words
    if proxy.scheme == "socks5":
        import socks  # PySocks, the "socks" extra

        creds = proxy.credentials
        tunnel = socks.create_connection((pool.host, pool.port), timeout=timeout, proxy_type=socks.SOCKS5,
                                         proxy_addr=proxy.host, proxy_port=proxy.port, proxy_rdns=True,
                                         proxy_username=creds[0] if creds else None,
                                         proxy_password=creds[1] if creds else None)
        tunnel.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as for a direct or CONNECT socket
        return tunnel
    if proxy.scheme == "https" and pool.scheme == "https":
        # TLS inside the proxy's TLS: websockets' own TLS-in-TLS (SSLSSLSocket) stalls once data is
        # buffered inside the outer TLS (select() sees nothing) and is not safe for a sender and a
        # receiver thread at once, so a stream through it could hang. Refused rather than hung.
        raise ConnectionError(f"proxy {proxy.address} ({proxy.origin}): exec, attach and port-forward do not "
                              "support an https:// proxy yet; use an http:// or socks5:// proxy")
    sock = _tcp(proxy.host, proxy.port, timeout)
    try:
        if proxy.scheme == "https":
            # Go dials an https proxy with the cluster's tls.Config: the same CAs check the proxy.
            ctx = pool._tls_config.context(None)
            sock = ctx.wrap_socket(sock, server_hostname=proxy.host)
        return _connect_tunnel(sock, authority, proxy)
    except BaseException:
        sock.close()  # a refused tunnel (or a failed TLS to the proxy) leaves no socket behind
        raise


@functools.lru_cache(maxsize=None)
def _legacy_flag() -> Dict[str, bool]:
    """``legacy=True`` where websockets has the flag (17.1+): the connection is handed back open, not as a
    context manager (without it 17.x warns on the first send, and a future release may refuse)."""
    import inspect

    from websockets.sync.client import connect

    return {"legacy": True} if "legacy" in inspect.signature(connect).parameters else {}


def _ws_url(pool: Any, target: str) -> str:
    scheme = "wss" if pool.scheme == "https" else "ws"
    return f"{scheme}://{pool.host_header}{pool.prefix}{target}"


_TOKEN_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _is_token(text: str) -> bool:
    """An RFC 7230 token: what ``websockets`` lets through as a subprotocol (``SPDY/3.1+...`` is none)."""
    return bool(text) and all(ch in _TOKEN_CHARS for ch in text)


def _open(transport: Any, target: str, subprotocols: Sequence[str], headers: Headers,
          timeout: Optional[float], connect_timeout: Optional[float], connection_class: Any = None) -> Any:
    from websockets.sync.client import connect

    pool = transport.pool
    tls: Optional[ssl.SSLContext] = None
    server_hostname: Optional[str] = None
    if pool.scheme == "https":
        tls = pool._tls_config.context(transport.config.tls_client_cert())
        server_hostname = pool._tls_config.server_name or pool.host
    offered: Optional[List[str]] = list(subprotocols)
    if not all(_is_token(p) for p in subprotocols):
        # websockets refuses to offer a non-token; the API server (gorilla/websocket) takes it. The
        # offer goes in as a header and ``connection_class`` checks the answer.
        headers = [*headers, ("Sec-WebSocket-Protocol", ", ".join(subprotocols))]
        offered = None
    sock = _socket(pool, connect_timeout)
    try:
        options: Dict[str, Any] = dict(sock=sock, ssl=tls, server_hostname=server_hostname,
                                       subprotocols=offered, additional_headers=headers,
                                       user_agent_header=None, compression=None, proxy=None, open_timeout=timeout,
                                       max_size=None, max_queue=None, ping_interval=None, close_timeout=2,
                                       **_legacy_flag())
        if connection_class is not None:
            options["create_connection"] = connection_class
        conn = connect(_ws_url(pool, target), **options)
    except BaseException:
        sock.close()
        raise
    # A stream may stay idle or blocked for long: no socket timeout once it is open (websockets
    # clears it after TLS; a plain ws:// socket would keep the connect timeout on every send).
    try:
        conn.socket.settimeout(None)
    except OSError:
        pass  # the server already said everything and closed: the messages wait in the connection
    return conn


def dial(transport: Any, target: str, subprotocols: Sequence[str], *, timeout: Optional[float] = None,
         connection_class: Any = None) -> Any:
    """A connected ``websockets.sync`` client connection for ``target`` (path and query, encoded).

    ``subprotocols``: offered in order of preference; the one chosen is the
    connection's ``.subprotocol``. ``timeout`` bounds the connect and the
    handshake (default: the transport's connect plus read timeout, as a
    request gets its connect and then its reply; a loaded API server can
    take seconds to answer an upgrade). Raises the error
    tree's ``StatusError`` for a refusal, ``TransportError`` when no reply came.
    ``connection_class``: a ``websockets`` ``ClientConnection`` subclass to
    build (it must check the answer itself when a subprotocol is no token).
    """
    from websockets.exceptions import InvalidHandshake, InvalidMessage, InvalidStatus

    connect_timeout, read_timeout = transport.timeout
    if timeout is None:
        timeout = (connect_timeout or 0) + (read_timeout or 0) or None
    # The TCP (and proxy) connect gets the transport's connect timeout, as any request does.
    tcp_timeout = min(t for t in (timeout, connect_timeout) if t) if (timeout or connect_timeout) else None
    base = [(k, v) for k, v in transport._base_headers if k.lower() not in ("accept-encoding", "accept")]
    url = transport.url(target)
    refreshed = False
    dropped = 0
    while True:
        transport.limiter.acquire()
        auth = getattr(transport.config, "auth", None)
        headers = base + (list(auth.headers().items()) if auth is not None else [])
        try:
            return _open(transport, target, subprotocols, headers, timeout, tcp_timeout, connection_class)
        except InvalidStatus as exc:
            resp = exc.response
            error = status_error_from_response(resp.status_code, bytes(resp.body or b""), method="GET", url=url,
                                               content_type=resp.headers.get("Content-Type"))
            if isinstance(error, Unauthorized) and auth is not None and not refreshed:
                refreshed = True
                if auth.refresh():
                    continue
            raise error from None
        except InvalidMessage as exc:
            # The server closed the new connection before any reply: measured about 1 upgrade in 250 with
            # six at once on the harness (kubectl's dialer did not see it in the same run). No 101 came, so
            # the API server's stream translator never reached the kubelet: dial again, twice at most.
            if isinstance(exc.__cause__, EOFError) and dropped < 2:
                dropped += 1
                log.debug("GET %s: the server closed the connection before its reply; dialing again", url)
                continue
            raise TransportError(f"GET {url}: WebSocket handshake failed: {exc}") from None
        except InvalidHandshake as exc:
            raise TransportError(f"GET {url}: WebSocket handshake failed: {exc}") from None
        except (OSError, TimeoutError) as exc:
            reason = transport.pool.proxy.scrub(str(exc)) if transport.pool.proxy else str(exc)
            raise TransportError(f"GET {url}: {type(exc).__name__}: {reason}") from None
