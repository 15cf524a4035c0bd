"""HTTP to the API server: one pooled ``requests.Session``, policy apart from the wire.

``Transport.request`` decides (rate limit, auth headers, retries, error
mapping); the mounted ``_KubeAdapter`` sends (TLS server name, repeated
impersonation headers). This module is the only place in dynclient that
touches ``requests``; everything above it sees dicts and the error tree.

Retry policy (client-go ``rest.Request`` with ``checkWait``/``maxRetries``):
429 and 503 carrying ``Retry-After`` are retried up to ``max_retries`` times
for any verb, because the server promises it did not act on them; other 5xx
replies and connection failures are retried only for GET, the one verb that
is safe to repeat blindly.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, List, Mapping, Optional, Tuple, Union

import requests
from requests.adapters import HTTPAdapter
from urllib3._collections import HTTPHeaderDict

from discovery._version import __version__
from discovery.errors import TransportError, Unauthorized, status_error_from_response
from discovery.interface import RawResponse

from .ratelimit import TokenBucket
from .retry import jittered_backoff

__all__ = ["Transport", "RequestInfo", "RequestHook", "USER_AGENT"]

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


RequestHook = Callable[[RequestInfo], None]


class _KubeAdapter(HTTPAdapter):
    """Sends what ``requests`` cannot express alone.

    * ``tls_server_name`` (kubeconfig ``tls-server-name``) as SNI and for
      hostname verification, through urllib3's pool keywords.
    * Repeated ``Impersonate-Group`` headers: Go's net/http hands the
      apiserver one value per header line, so a comma-joined value would be
      read as a single group named "a, b". urllib3 sends every value of an
      ``HTTPHeaderDict``.
    """

    def __init__(self, *, tls_server_name: str = "", repeated_headers: Iterable[Tuple[str, str]] = (), **kw: Any) -> None:
        self._tls_server_name = tls_server_name
        self._repeated = list(repeated_headers)
        super().__init__(**kw)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        if self._tls_server_name:
            kwargs["server_hostname"] = self._tls_server_name
            kwargs["assert_hostname"] = self._tls_server_name
        super().init_poolmanager(*args, **kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if self._repeated:
            headers = HTTPHeaderDict(request.headers)
            for name, value in self._repeated:
                headers.add(name, value)
            request.headers = headers  # type: ignore[assignment]
        return super().send(request, *args, **kwargs)


class Transport:
    """Talks to one API server. Thread-safe; share one per client.

    ``hooks`` are called after every attempt with a ``RequestInfo``: the
    documented seam for logging, metrics and counting requests in tests.
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
    ) -> None:
        self.config = config
        self.host = str(config.host).rstrip("/")
        self._tls = self.host.startswith("https://")
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self.limiter = TokenBucket(qps, burst)
        self.hooks: List[RequestHook] = list(hooks)
        self._sleep = sleep
        self._lock = threading.Lock()
        self.session = self._build_session(user_agent, pool_maxsize)

    # -- construction -------------------------------------------------------

    def _build_session(self, user_agent: str, pool_maxsize: int) -> requests.Session:
        cfg = self.config
        session = requests.Session()
        session.trust_env = False  # proxies come from the kubeconfig's proxy-url only, never the environment
        session.headers["User-Agent"] = user_agent
        session.headers["Accept"] = "application/json"
        impersonation = getattr(cfg, "impersonate", None)
        pairs: List[Tuple[str, str]] = list(impersonation.header_pairs()) if impersonation else []
        counts = Counter(name.lower() for name, _ in pairs)
        # A header given once goes on the session; one given several times (Impersonate-Group)
        # must go out as repeated lines, which only the adapter can do.
        session.headers.update({name: value for name, value in pairs if counts[name.lower()] == 1})
        repeated = [(name, value) for name, value in pairs if counts[name.lower()] > 1]
        adapter = _KubeAdapter(
            tls_server_name=getattr(cfg, "tls_server_name", "") or "",
            repeated_headers=repeated,
            pool_connections=4,
            pool_maxsize=pool_maxsize,
            max_retries=0,
        )
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        verify = cfg.tls_verify() if self.host.startswith("https://") else True
        if verify is False:
            import urllib3

            # The user asked for insecure-skip-tls-verify; warning on every request helps nobody.
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        session.verify = verify
        proxy = getattr(cfg, "proxy_url", "") or ""
        if proxy:
            session.proxies = {"http": proxy, "https": proxy}
        return session

    def add_hook(self, hook: RequestHook) -> None:
        self.hooks.append(hook)

    def remove_hook(self, hook: RequestHook) -> None:
        self.hooks.remove(hook)

    def close(self) -> None:
        self.session.close()

    # -- the Requester seam used by discovery -------------------------------

    def get(self, path: str, *, accept: str) -> RawResponse:
        resp = self.request("GET", path, accept=accept)
        return RawResponse(resp.content, resp.headers.get("Content-Type", ""))

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
    ) -> requests.Response:
        """Send one API request and return the 2xx reply, or raise from the error tree.

        ``body`` is JSON-encoded unless it is already bytes/str.
        """
        url = self.url(path)
        data: Optional[bytes]
        if body is None:
            data = None
        elif isinstance(body, (bytes, str)):
            data = body.encode() if isinstance(body, str) else body
        else:
            data = json.dumps(body, separators=(",", ":")).encode()
        headers = {"Accept": accept}
        if data is not None:
            headers["Content-Type"] = content_type
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            self.limiter.acquire()
            auth = getattr(self.config, "auth", None)
            if auth is not None:
                headers.update(auth.headers())
            start = time.monotonic()
            try:
                resp = self.session.request(
                    method, url, params=params, data=data, headers=headers, stream=stream,
                    timeout=timeout or self.timeout,
                    # Asked per request: an exec plugin may hand out a new certificate on refresh.
                    cert=self.config.tls_client_cert() if self._tls else None,
                )
            except requests.RequestException as exc:
                err = TransportError(f"{method} {url}: {type(exc).__name__}: {_reason(exc)}")
                self._emit(RequestInfo(method, url, 0, time.monotonic() - start, attempt, accept, err))
                if method == "GET" and attempt <= min(self.max_retries, 2):
                    self._sleep(_backoff(attempt))
                    continue
                raise err from exc
            elapsed = time.monotonic() - start
            sent_url = resp.url or url  # with the query string; URLs never carry credentials
            if resp.status_code < 400:
                self._emit(RequestInfo(method, sent_url, resp.status_code, elapsed, attempt, accept,
                                       reason=resp.reason or ""))
                return resp
            content = resp.content  # an error reply is small; read it whole
            error = status_error_from_response(
                resp.status_code, content, method=method, url=url, retry_after=resp.headers.get("Retry-After"),
            )
            self._emit(RequestInfo(method, sent_url, resp.status_code, elapsed, attempt, accept, error,
                                   reason=resp.reason or ""))
            if isinstance(error, Unauthorized) and auth is not None and not refreshed:
                refreshed = True  # client-go exec plugins: refresh the credential once on a 401
                if auth.refresh():
                    continue
            wait = self._retry_wait(method, resp, attempt)
            if wait is None:
                raise error
            log.debug("retrying %s %s in %.2fs after HTTP %d", method, url, wait, resp.status_code)
            self._sleep(wait)

    def _retry_wait(self, method: str, resp: requests.Response, attempt: int) -> Optional[float]:
        if attempt > self.max_retries:
            return None
        code = resp.status_code
        retry_after = resp.headers.get("Retry-After", "")
        if code in (429, 503) and retry_after:
            try:
                return min(max(float(retry_after), 0.0), self.max_retry_wait)
            except ValueError:
                return _backoff(attempt)
        if code >= 500 and method == "GET":
            return _backoff(attempt)
        return None

    def _emit(self, info: RequestInfo) -> None:
        if log.isEnabledFor(logging.DEBUG):
            # kubectl -v=6 style; the URL never carries credentials.
            status = f"{info.status} {info.reason}".strip() if info.status else type(info.error).__name__
            log.debug("%s %s %s in %d milliseconds", info.method, info.url, status, int(info.elapsed * 1000))
        for hook in list(self.hooks):
            hook(info)


def _backoff(attempt: int) -> float:
    """Exponential backoff with full jitter, capped: 0.1s, 0.2s, 0.4s ... at most 5s."""
    return jittered_backoff(attempt, base=0.1, cap=5.0, floor=0.0)


def _reason(exc: BaseException) -> str:
    # Connection errors nest the useful text deep inside; keep the innermost message.
    inner: Optional[BaseException] = exc
    text = str(exc)
    while inner is not None:
        text = str(inner) or text
        inner = inner.__cause__ or inner.__context__
    return text[:300]
