"""A dict-backed ``Requester`` for tests and benchmarks, shipped so users can test their own code.

Like httpx's ``MockTransport``, it stands in for the transport seam only:
everything above it (the live client, both caches, a REST mapper) runs for
real. It records each request, can slow every reply down to show what runs
in parallel, negotiates the ``Accept`` header the way the API server does
for discovery, and can refuse a path with any HTTP status.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from .errors import status_error_from_response
from .interface import ACCEPT_JSON, ACCEPT_V2, RawResponse

__all__ = ["FakeRequester", "CONTENT_TYPE_V2", "CONTENT_TYPE_V2BETA1"]

#: The Content-Type a v2 aggregated discovery reply carries.
CONTENT_TYPE_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
#: The Content-Type a v2beta1 aggregated discovery reply carries.
CONTENT_TYPE_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"

Body = Union[bytes, str, Mapping[str, Any], List[Any]]

_WILDCARDS = ("*/*", "application/*", ACCEPT_JSON)


def _media_key(media_type: str) -> str:
    """Normalize one media range for comparison: lower-case, no spaces, no ``q``, params sorted."""
    base, *params = [p.strip() for p in media_type.split(";")]
    kept = sorted(p.replace(" ", "") for p in params if p and not p.lower().startswith("q="))
    return ";".join([base.lower(), *kept])


def _encode(body: Body) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")


def _not_found(path: str) -> Dict[str, Any]:
    # What kube-apiserver answers for a path it does not serve.
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "the server could not find the requested resource",
        "reason": "NotFound",
        "details": {},
        "code": 404,
    }


class FakeRequester:
    """Serves canned replies by path; records ``(path, accept)`` of every request in ``calls``.

    ``routes`` maps a path to a body, or to ``(body, content_type)``. A body
    is bytes, text, or anything JSON-serializable. ``delay`` seconds are
    slept in every request (outside the lock), and ``max_in_flight`` records
    the most requests that were running at once.
    """

    def __init__(self, routes: Optional[Mapping[str, Any]] = None, *, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls: List[Tuple[str, str]] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        # path -> {normalized media type, or None for plain JSON: reply}
        self._replies: Dict[str, Dict[Optional[str], RawResponse]] = {}
        self._failures: Dict[str, Union[BaseException, Tuple[int, bytes, Optional[str]]]] = {}
        for path, value in (routes or {}).items():
            if isinstance(value, tuple):
                body, content_type = value
                self.add(path, body, content_type=content_type)
            else:
                self.add(path, value)

    def __repr__(self) -> str:
        return f"FakeRequester({len(self._replies)} paths, {len(self.calls)} calls)"

    # -- configuration ------------------------------------------------------------------

    def add(self, path: str, body: Body, *, content_type: str = ACCEPT_JSON, accept: Optional[str] = None) -> "FakeRequester":
        """Serve ``body`` at ``path``; with ``accept``, only to requests that ask for that media type first.

        Without ``accept`` the reply is the plain-JSON variant, which is what
        ``application/json``, ``application/*`` and ``*/*`` get.
        """
        key = _media_key(accept) if accept else None
        self._replies.setdefault(path, {})[key] = RawResponse(_encode(body), content_type)
        return self

    def fail(
        self,
        path: str,
        error: Union[int, BaseException] = 503,
        *,
        body: Optional[Body] = None,
        retry_after: Optional[str] = None,
    ) -> "FakeRequester":
        """Refuse ``path``: with an HTTP code (turned into the matching ``StatusError``) or by raising ``error``."""
        if isinstance(error, BaseException):
            self._failures[path] = error
        else:
            self._failures[path] = (error, _encode(body) if body is not None else b"", retry_after)
        return self

    def heal(self, path: str) -> "FakeRequester":
        """Stop refusing ``path``."""
        self._failures.pop(path, None)
        return self

    def remove(self, path: str) -> "FakeRequester":
        """Stop serving ``path`` (it answers 404 from now on)."""
        self._replies.pop(path, None)
        return self

    def reset_calls(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self.calls.clear()
            self.max_in_flight = 0

    @property
    def paths(self) -> List[str]:
        """The requested paths, in order."""
        with self._lock:
            return [path for path, _ in self.calls]

    # -- Requester ------------------------------------------------------------------------

    def get(self, path: str, *, accept: str) -> RawResponse:
        """Answer like the API server would, after sleeping ``delay`` seconds."""
        with self._lock:
            self.calls.append((path, accept))
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            return self._answer(path, accept)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _answer(self, path: str, accept: str) -> RawResponse:
        failure = self._failures.get(path)
        if isinstance(failure, BaseException):
            raise failure
        if failure is not None:
            code, body, retry_after = failure
            raise status_error_from_response(code, body, method="GET", url=path, retry_after=retry_after)
        variants = self._replies.get(path)
        if not variants:
            raise status_error_from_response(404, _encode(_not_found(path)), method="GET", url=path)
        for media_range in (accept or "*/*").split(","):
            key = _media_key(media_range)
            if key in variants:
                return variants[key]
            if key in _WILDCARDS and None in variants:
                return variants[None]
        raise status_error_from_response(406, b"", method="GET", url=path)

    # -- fixtures -------------------------------------------------------------------------

    @classmethod
    def from_fixture_dir(cls, path: Union[str, "os.PathLike[str]"], *, aggregated: bool, delay: float = 0.0) -> "FakeRequester":
        """Serve a folder of discovery documents named like Kubernetes' ``api/discovery`` folder.

        ``api.json`` is ``/api``, ``apis__apps__v1.json`` is ``/apis/apps/v1``
        (``__`` stands for ``/``). With ``aggregated=True`` the server also
        answers ``/api`` and ``/apis`` with ``aggregated_v2_api.json`` and
        ``aggregated_v2.json`` to requests that prefer the v2 media type, as
        a current kube-apiserver does; other requests get the legacy documents.
        """
        folder = Path(path)
        fake = cls(delay=delay)
        for file in sorted(folder.glob("*.json")):
            if file.name.startswith("aggregated_"):
                continue
            url_path = "/" + file.stem.replace("__", "/")
            fake.add(url_path, file.read_bytes())
        if aggregated:
            for name, url_path in (("aggregated_v2_api.json", "/api"), ("aggregated_v2.json", "/apis")):
                file = folder / name
                if file.is_file():
                    fake.add(url_path, file.read_bytes(), content_type=CONTENT_TYPE_V2, accept=ACCEPT_V2)
        return fake
