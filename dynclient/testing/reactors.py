"""Reactors: what a test puts in front of the fake server (client-go ``testing.Fake``'s reactor chain).

A reactor matches requests by method or verb and resource, and either
answers (an injected failure), waits (a delay) or lets the request through.
``FakeCluster.fail``/``delay``/``prepend_reactor`` build them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

from .server import Reply, Request
from .statuses import status

__all__ = ["Reactor", "ReactorChain", "RequestRecord", "REASON_FOR_CODE"]

#: The reason a real server gives each status code (apimachinery ``errors.NewGenericServerResponse``).
REASON_FOR_CODE = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
                   405: "MethodNotAllowed", 409: "Conflict", 410: "Expired", 415: "UnsupportedMediaType",
                   422: "Invalid", 429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable",
                   504: "Timeout"}

React = Callable[[Request], Optional[Reply]]


@dataclass(frozen=True)
class RequestRecord:
    """One request as the fake saw it, and the status it answered."""

    method: str
    verb: str
    path: str
    query: Tuple[Tuple[str, str], ...]
    resource: str
    namespace: Optional[str]
    name: str
    subresource: str
    content_type: str
    body: bytes
    status: int


def _matches(pattern: str, request: Request) -> bool:
    if pattern in ("*", ""):
        return True
    return pattern.upper() == request.method if pattern.isupper() else pattern == request.verb


def _resource_matches(pattern: str, request: Request) -> bool:
    if pattern in ("*", ""):
        return True
    t = request.target
    if t is None:
        return pattern == request.path
    name = f"{t.resource}/{t.subresource}" if t.subresource else t.resource
    full = f"{t.resource}.{t.group}" if t.group else t.resource
    return pattern in (t.resource, name, full, f"{full}/{t.subresource}" if t.subresource else full)


@dataclass
class Reactor:
    """``method`` is an HTTP method (``"PATCH"``) or a verb (``"list"``, ``"watch"``); ``"*"`` matches all.

    ``resource`` is a plural (``configmaps``), optionally with group or
    subresource (``deployments.apps``, ``deployments/scale``), or ``"*"``.
    ``times`` limits how often it fires (``None``: always).
    """

    method: str
    resource: str
    react: React
    times: Optional[int] = None
    delay: float = 0.0
    fired: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def claim(self, request: Request) -> bool:
        if not (_matches(self.method, request) and _resource_matches(self.resource, request)):
            return False
        with self._lock:
            if self.times is not None and self.fired >= self.times:
                return False
            self.fired += 1
            return True


class ReactorChain:
    """Reactors in order; the first whose ``react`` answers wins. Thread-safe."""

    def __init__(self) -> None:
        self._reactors: List[Reactor] = []
        self._lock = threading.Lock()

    def prepend(self, reactor: Reactor) -> Reactor:
        with self._lock:
            self._reactors.insert(0, reactor)
        return reactor

    def append(self, reactor: Reactor) -> Reactor:
        with self._lock:
            self._reactors.append(reactor)
        return reactor

    def remove(self, reactor: Reactor) -> None:
        with self._lock:
            if reactor in self._reactors:
                self._reactors.remove(reactor)

    def clear(self) -> None:
        with self._lock:
            self._reactors.clear()

    def run(self, request: Request) -> Tuple[float, Optional[Reply]]:
        """The total delay to wait and the reply a reactor gave (``None``: let the server answer)."""
        with self._lock:
            reactors = list(self._reactors)
        delay = 0.0
        for reactor in reactors:
            if not reactor.claim(request):
                continue
            delay += reactor.delay
            reply = reactor.react(request)
            if reply is not None:
                return delay, reply
        return delay, None


def failure(code: int, message: str, retry_after: Optional[int] = None) -> React:
    """A reactor answer: the Status a real server sends for ``code`` (with ``Retry-After`` when given)."""
    reason = REASON_FOR_CODE.get(code, "Unknown")

    def react(request: Request) -> Reply:
        details = {"retryAfterSeconds": retry_after} if retry_after is not None else None
        reply = Reply.error(status(code, reason, message, details))
        if retry_after is not None:
            reply.headers.append(("Retry-After", str(retry_after)))
        return reply

    return react
