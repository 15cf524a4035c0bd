"""HTTP to the API server: policy (rate limit, auth, retries, errors) over ``dynclient.http``'s pool.

``Transport.request`` decides; ``dynclient.http`` sends, on a requests
``Session`` (keep-alive, TLS with the kubeconfig's CA, client certificate
and ``tls-server-name``, kubectl's proxy rules, gzip, repeated
``Impersonate-Group`` lines). Everything above this module sees dicts and
the error tree.

Retry policy (client-go ``rest.Request`` with ``checkWait``/``maxRetries``):
429 and 503 carrying a valid ``Retry-After`` are retried up to
``max_retries`` times for any verb, because the server promises it did not
act on them; other 5xx replies and connection failures are retried only for
GET, the one verb that is safe to repeat blindly.

A ``ConfigError`` from the credentials (``auth.headers()``, an exec
plugin, ``config.tls_client_cert()``, ``impersonate.header_pairs()``)
passes through as it is and is never retried: the kubeconfig is at fault,
not the network, and asking again would only run a failing plugin again.

``Retry-After`` is read as client-go's ``retryAfterSeconds`` reads it: a
whole, non-negative number of seconds. Anything else (``nan``, ``inf``,
``1.5``, ``-1``, a number too large for an int64, an HTTP date) is ignored,
exactly as if the header were absent. The wait is capped at
``max_retry_wait``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, List, Mapping, Optional, Tuple, Union

from discovery._version import __version__
from discovery.errors import TransportError, Unauthorized, status_error_from_response
from discovery.interface import RawResponse

from .http import ConnectionPool, Response, TLSConfig, encode_query
from .ratelimit import TokenBucket
from .retry import jittered_backoff
from .serverwarnings import LogOnce, WarningHandler, parse_warning_headers

__all__ = ["Transport", "RequestInfo", "RequestHook", "SendInfo", "SendHook", "USER_AGENT", "retry_after_seconds",
           "with_timeout_param", "mask_credential"]

log = logging.getLogger("dynclient.transport")

USER_AGENT = f"dynclient/{__version__}"
Params = Union[Mapping[str, Any], Iterable[Tuple[str, Any]], None]


@dataclass(frozen=True)
class RequestInfo:
    """What a request hook is told after every attempt (also failed ones).

    ``status`` is 0 when no reply arrived; ``attempt`` counts from 1.
    """

    method: str
    url: str
    status: int
    elapsed: float
    attempt: int
    accept: str = ""
    error: Optional[BaseException] = None
    #: The HTTP reason phrase ("OK", "Not Found"), for log lines shaped like kubectl's ``-v=6``.
    reason: str = ""
    #: The server's ``Warning`` texts for this reply (code 299 only, as client-go).
    warnings: Tuple[str, ...] = ()
    #: The reply's body when the transport read it whole (every error reply, every reply not asked
    #: for as a stream); None for a stream, which is left to its reader so it is never read twice
    #: or held here, and None when no reply came. What kubectl logs as "Response Body" at ``-v=8``.
    body: Optional[bytes] = None
    #: True when the transport sends the request again after this attempt (Retry-After, a GET's 5xx or
    #: connection failure): client-go reads (and logs) only the reply of the attempt it keeps.
    retrying: bool = False
    #: The reply's headers, as received (kubectl's ``-v=8`` "Response Headers:").
    headers: Tuple[Tuple[str, str], ...] = ()


RequestHook = Callable[[RequestInfo], None]


@dataclass(frozen=True)
class SendInfo:
    """What a send hook is told before each attempt goes out (kubectl's ``-v=7`` and ``-v=8`` lines).

    ``url`` has the query string and never credentials; ``body`` is the
    bytes as sent, ``b""`` when the request has none; ``attempt`` counts from
    1 (a body is logged once, for attempt 1). ``headers`` are the attempt's
    headers with every credential masked as client-go masks them for its log
    (``Authorization: Bearer <masked>``): no hook ever sees a secret.
    """

    method: str
    url: str
    body: bytes
    accept: str = ""
    content_type: str = ""
    attempt: int = 1
    headers: Tuple[Tuple[str, str], ...] = ()


SendHook = Callable[[SendInfo], None]


class Transport:
    """Talks to one API server. Thread-safe; share one per client.

    ``hooks`` are called after every attempt with a ``RequestInfo``: the
    documented seam for logging, metrics and counting requests in tests.
    ``send_hooks`` are called before every attempt is sent, with a
    ``SendInfo`` (the body and the masked headers going out).
    ``log_requests`` (default True) writes the ``-v=6`` line of every attempt
    to the ``dynclient.transport`` debug log; turn it off when a hook writes
    the request lines in another shape (kubectl's ``-v=7`` and ``-v=8``).

    ``timeout_param`` is client-go's ``Request.timeout`` as the server sees
    it: when set (a Go duration such as ``"5s"``), every request's query
    carries ``timeout=<it>``, the whole query then in key order as Go's
    ``url.Values.Encode`` writes it. ``discovery_timeout_param`` replaces it
    for ``get()``, the discovery seam: client-go's discovery client asks with
    ``timeout=32s`` when no other timeout is configured. Both are empty
    (nothing added) unless asked for, and may be set after construction.
    """

    def __init__(
        self,
        config: Any,
        *,
        qps: float = 50.0,
        burst: int = 300,
        timeout: Tuple[float, float] = (10.0, 60.0),
        max_retries: int = 5,
        max_retry_wait: float = 30.0,
        hooks: Iterable[RequestHook] = (),
        user_agent: str = USER_AGENT,
        pool_maxsize: int = 64,  # as many as discovery's parallel fetches
        sleep: Callable[[float], None] = time.sleep,
        warning_handler: Optional[WarningHandler] = None,
        send_hooks: Iterable[SendHook] = (),
        timeout_param: str = "",
        discovery_timeout_param: str = "",
    ) -> None:
        self.config = config
        self.host = str(config.host).rstrip("/")
        self._tls = self.host.startswith("https://")
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self.limiter = TokenBucket(qps, burst)
        self.hooks: List[RequestHook] = list(hooks)
        self.send_hooks: List[SendHook] = list(send_hooks)
        self.timeout_param = timeout_param
        self.discovery_timeout_param = discovery_timeout_param
        self.log_requests = True
        #: Called with each server warning text; default: logged once each (``dynclient.serverwarnings``).
        self.warning_handler: WarningHandler = warning_handler or LogOnce()
        self._sleep = sleep
        self._lock = threading.Lock()
        impersonation = getattr(config, "impersonate", None)
        # Repeated names (Impersonate-Group) go out as repeated header lines, as Go sends them:
        # the apiserver reads a comma-joined value as one group named "a, b".
        self._base_headers: List[Tuple[str, str]] = [
            ("User-Agent", user_agent),
            # Go's transport asks for gzip unless the kubeconfig says disable-compression.
            *([] if getattr(config, "disable_compression", False) else [("Accept-Encoding", "gzip")]),
            *(list(impersonation.header_pairs()) if impersonation else []),
        ]
        self.pool = ConnectionPool(
            self.host,
            tls=TLSConfig(verify=bool(getattr(config, "verify", True)), ca_file=getattr(config, "ca_file", None),
                          ca_data=getattr(config, "ca_data", None),
                          server_name=getattr(config, "tls_server_name", "") or ""),
            proxy_url=getattr(config, "proxy_url", "") or "",
            maxsize=pool_maxsize,
        )

    def add_hook(self, hook: RequestHook) -> None:
        self.hooks.append(hook)

    def remove_hook(self, hook: RequestHook) -> None:
        self.hooks.remove(hook)

    def add_send_hook(self, hook: SendHook) -> None:
        self.send_hooks.append(hook)

    def remove_send_hook(self, hook: SendHook) -> None:
        self.send_hooks.remove(hook)

    def close(self) -> None:
        self.pool.close()

    # -- the Requester seam used by discovery -------------------------------

    def get(self, path: str, *, accept: str) -> RawResponse:
        # client-go's discovery client has a timeout of its own (32s unless configured): the CLI sets it.
        resp = self._request("GET", path, accept=accept,
                             timeout_param=self.discovery_timeout_param or self.timeout_param)
        return RawResponse(resp.content, resp.headers.get("Content-Type", ""), status_code=resp.status_code)

    # -- requests -----------------------------------------------------------

    def url(self, path: str) -> str:
        return self.host + path

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params = None,
        body: Any = None,
        content_type: str = "application/json",
        accept: str = "application/json",
        stream: bool = False,
        timeout: Optional[Tuple[float, Optional[float]]] = None,
    ) -> Response:
        """Send one API request and return the 2xx reply, or raise from the error tree.

        ``body`` is JSON-encoded unless it is already bytes/str.
        """
        return self._request(method, path, params=params, body=body, content_type=content_type, accept=accept,
                             stream=stream, timeout=timeout, timeout_param=self.timeout_param)

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Params = None,
        body: Any = None,
        content_type: str = "application/json",
        accept: str = "application/json",
        stream: bool = False,
        timeout: Optional[Tuple[float, Optional[float]]] = None,
        timeout_param: str = "",
    ) -> Response:
        if timeout_param:
            path, params = with_timeout_param(path, params, timeout_param)
        target = path + encode_query(params)
        url = self.url(target)  # with the query string; URLs never carry credentials
        data: Optional[bytes]
        if body is None:
            data = None
        elif isinstance(body, (bytes, str)):
            data = body.encode() if isinstance(body, str) else body
        else:
            data = json.dumps(body, separators=(",", ":")).encode()
        headers = [*self._base_headers, ("Accept", accept)]
        if data is not None:
            headers.append(("Content-Type", content_type))
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            self.limiter.acquire()
            auth = getattr(self.config, "auth", None)
            # Outside the try below, and ConfigError is no OSError: a bad token or a failing exec plugin
            # is raised as it is, not retried as a network failure (tls_client_cert() likewise).
            credentials = list(auth.headers().items()) if auth is not None else []
            sent = headers + credentials
            if self.send_hooks:
                info = SendInfo(method, url, data or b"", accept, content_type if data is not None else "", attempt,
                                tuple(headers + [(k, mask_credential(k, v)) for k, v in credentials]))
                for send_hook in list(self.send_hooks):
                    send_hook(info)
            start = time.monotonic()
            try:
                resp = self.pool.request(
                    method, target, headers=sent, body=data, timeout=timeout or self.timeout,
                    # Asked per request: an exec plugin may hand out a new certificate on refresh.
                    cert=self.config.tls_client_cert() if self._tls else None,
                )
                if not stream:
                    resp.content  # read now, so a broken body is a TransportError like any other
            except OSError as exc:
                err = TransportError(f"{method} {url}: {type(exc).__name__}: {_reason(exc)}")
                again = method == "GET" and attempt <= min(self.max_retries, 2)
                self._emit(RequestInfo(method, url, 0, time.monotonic() - start, attempt, accept, err, retrying=again))
                if again:
                    self._sleep(_backoff(attempt))
                    continue
                raise err from exc
            elapsed = time.monotonic() - start
            warnings = self._warnings(resp)
            if resp.status_code < 400:
                self._emit(RequestInfo(method, url, resp.status_code, elapsed, attempt, accept,
                                       reason=resp.reason or "", warnings=warnings,
                                       body=None if stream else resp.content, headers=self._reply_headers(resp)))
                return resp
            content = resp.content  # an error reply is small; read it whole
            error = status_error_from_response(
                resp.status_code, content, method=method, url=url, retry_after=resp.headers.get("Retry-After"),
                # Not text/* (binary, protobuf, JSON that is no Status): client-go's "unknown" texts, no excerpt.
                content_type=resp.headers.get("Content-Type"),
            )
            wait = self._retry_wait(method, resp, attempt)  # None for a 401: its retry is the refresh below
            self._emit(RequestInfo(method, url, resp.status_code, elapsed, attempt, accept, error,
                                   reason=resp.reason or "", warnings=warnings, body=content,
                                   retrying=wait is not None, headers=self._reply_headers(resp)))
            if isinstance(error, Unauthorized) and auth is not None and not refreshed:
                refreshed = True  # client-go exec plugins: refresh the credential once on a 401
                if auth.refresh():
                    continue
            if wait is None:
                raise error
            log.debug("retrying %s %s in %.2fs after HTTP %d", method, url, wait, resp.status_code)
            self._sleep(wait)

    def _retry_wait(self, method: str, resp: Response, attempt: int) -> Optional[float]:
        if attempt > self.max_retries:
            return None
        code = resp.status_code
        seconds = retry_after_seconds(resp.headers.get("Retry-After"))
        if code in (429, 503) and seconds is not None:
            return float(min(seconds, self.max_retry_wait))
        if code >= 500 and method == "GET":
            return _backoff(attempt)
        return None

    def _warnings(self, resp: Response) -> Tuple[str, ...]:
        values = resp.headers.get_all("Warning")
        if not values:
            return ()
        # http.client decodes header bytes as latin-1; the server wrote UTF-8.
        texts = tuple(parse_warning_headers(v.encode("latin-1", "replace").decode("utf-8", "replace") for v in values))
        for text in texts:
            self.warning_handler(text)
        return texts

    def _reply_headers(self, resp: Response) -> Tuple[Tuple[str, str], ...]:
        return tuple(resp.headers.items()) if self.hooks else ()  # copied only for someone to read

    def _emit(self, info: RequestInfo) -> None:
        if self.log_requests and log.isEnabledFor(logging.DEBUG):
            # kubectl -v=6 style; the URL never carries credentials.
            status = f"{info.status} {info.reason}".strip() if info.status else type(info.error).__name__
            log.debug("%s %s %s in %d milliseconds", info.method, info.url, status, int(info.elapsed * 1000))
        for hook in list(self.hooks):
            hook(info)


_INT64_MAX = 2 ** 63 - 1
_AUTH_TYPES = frozenset({"bearer", "basic", "negotiate"})


def mask_credential(name: str, value: str) -> str:
    """A credential header's value as client-go's ``maskValue`` logs it: ``Bearer <masked>``, else ``<masked>``.

    ``Authorization`` keeps a known scheme's name (bearer, basic,
    negotiate); any other value, and every other header an auth provider
    sets, is ``<masked>`` whole.
    """
    if name.lower() != "authorization":
        return "<masked>"
    if not value:
        return ""
    scheme = value.split(" ", 1)[0] if value.find(" ") > 0 else value
    if scheme.lower() not in _AUTH_TYPES:
        return "<masked>"
    return f"{scheme} <masked>" if len(value) > len(scheme) + 1 else scheme


def with_timeout_param(path: str, params: Params, value: str) -> Tuple[str, List[Tuple[str, Any]]]:
    """``path`` and ``params`` with ``timeout=value`` set, as client-go's ``Request.URL()`` sets it.

    ``query.Set("timeout", ...)``: one ``timeout`` only, replacing any given;
    a query already in ``path`` (``get --raw /x?limit=1``) joins the others,
    as ``RequestURI`` reads it; then ``url.Values.Encode`` orders the pairs by
    key (a stable sort: values of one key keep their order).
    """
    from urllib.parse import parse_qsl

    base, mark, query = path.partition("?")
    pairs: List[Tuple[str, Any]] = parse_qsl(query, keep_blank_values=True) if mark else []
    if params:
        pairs += list(params.items() if isinstance(params, Mapping) else params)
    pairs = [(k, v) for k, v in pairs if k != "timeout" and v is not None]
    pairs.append(("timeout", value))
    return base, sorted(pairs, key=lambda pair: pair[0])


def retry_after_seconds(value: Optional[str]) -> Optional[int]:
    """The seconds a ``Retry-After`` value asks for, or ``None`` when it is not a whole non-negative number.

    client-go ``retryAfterSeconds``: ``strconv.Atoi`` of the header, so only
    ASCII digits (an optional ``+``) within an int64 count; a negative number
    is refused here too, since no wait can be negative.
    """
    if not value:
        return None
    text = value.strip()
    if text.startswith("+"):
        text = text[1:]
    if not text or not text.isascii() or not text.isdigit():
        return None
    seconds = int(text)
    return seconds if seconds <= _INT64_MAX else None


def _backoff(attempt: int) -> float:
    """Exponential backoff with full jitter, capped: 0.1s, 0.2s, 0.4s ... at most 5s."""
    return jittered_backoff(attempt, base=0.1, cap=5.0, floor=0.0)


def _reason(exc: BaseException) -> str:
    # Connection errors nest the useful text deep inside; keep the innermost message.
    inner: Optional[BaseException] = exc
    text = str(exc)
    while inner is not None:
        text = str(inner) or text
        # ``raise ... from None`` means the message already says it all.
        inner = inner.__cause__ or (None if inner.__suppress_context__ else inner.__context__)
    return text[:300]
