"""The requests transport adapter: where a FakeCluster meets the real client.

``FakeAdapter`` is a ``requests.adapters.BaseAdapter``: mounted on the
client's ``Session`` for the fake host, it turns each prepared request into
a call on the fake server and hands back a ``requests.Response`` over a
urllib3 ``HTTPResponse``, exactly the object the real ``HTTPAdapter``
returns. Everything above (retries, errors, discovery, caches, watch
reading) runs unchanged. A reactor delay longer than the request's read
timeout ends in ``requests.exceptions.ReadTimeout`` after the timeout, as a
slow server would.
"""

from __future__ import annotations

import io
import threading
import time
from typing import Any, Callable, List, Optional

import requests
import requests.adapters
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3 import HTTPHeaderDict, HTTPResponse

from .reactors import ReactorChain, RequestRecord
from .server import FakeAPIServer, Reply, Request

__all__ = ["FakeAdapter"]


class FakeAdapter(requests.adapters.BaseAdapter):
    """Answers every request from a ``FakeAPIServer``, after the reactors; logs each one."""

    def __init__(self, server: FakeAPIServer, reactors: ReactorChain, *,
                 sleep: Callable[[float], None] = time.sleep, latency: float = 0.0) -> None:
        super().__init__()
        #: Seconds every request takes before it is served (outside any lock, so concurrent requests overlap).
        self.latency = latency
        self.server = server
        self.reactors = reactors
        self.log: List[RequestRecord] = []
        self._log_lock = threading.Lock()
        self._sleep = sleep

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        body = request.body
        if isinstance(body, str):
            body = body.encode()
        req = Request.from_url(request.method or "GET", request.url or "/", dict(request.headers), body)
        try:
            reply = self.exchange(req, _read_timeout(timeout))
        except TimeoutError as err:
            raise requests.exceptions.ReadTimeout(str(err), request=request) from None
        return self._response(request, reply)

    def exchange(self, req: Request, read_timeout: Optional[float] = None) -> Reply:
        """Reactors, then the server; logged. A delay past ``read_timeout`` raises ``TimeoutError`` after it."""
        delay, reply = self.reactors.run(req)
        delay += self.latency
        if delay:
            if read_timeout is not None and delay > read_timeout:
                self._sleep(read_timeout)
                self._record(req, 0)
                raise TimeoutError(f"FakeCluster: no reply within {read_timeout}s (a delay of {delay}s was "
                                   "injected)")
            self._sleep(delay)
        if reply is None:
            reply = self.server.handle(req)
        self._record(req, reply.status)
        return reply

    def _record(self, req: Request, code: int) -> None:
        t = req.target
        record = RequestRecord(req.method, req.verb, req.path, tuple(sorted(req.query.items())),
                               t.resource if t else "", t.namespace if t else None, t.name if t else "",
                               t.subresource if t else "", req.content_type, req.body, code)
        with self._log_lock:
            self.log.append(record)

    def _response(self, request: requests.PreparedRequest, reply: Reply) -> requests.Response:
        headers = HTTPHeaderDict()
        headers["Content-Type"] = reply.content_type
        headers["Audit-Id"] = "00000000-0000-0000-0000-000000000000"
        for name, value in reply.headers:
            headers.add(name, value)
        if isinstance(reply.body, bytes):
            headers["Content-Length"] = str(len(reply.body))
            fp: Any = io.BytesIO(reply.body)
        else:
            headers["Transfer-Encoding"] = "chunked"
            fp = reply.body
        raw = HTTPResponse(body=fp, headers=headers, status=reply.status, reason=reply.reason,
                           preload_content=False, decode_content=True, request_method=request.method,
                           request_url=request.url, enforce_content_length=False)
        response = requests.Response()
        response.status_code = reply.status
        response.headers = CaseInsensitiveDict(headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = raw
        response.reason = reply.reason
        response.url = request.url or ""
        response.request = request
        response.connection = self  # type: ignore[assignment]  # requests' stubs want an HTTPAdapter; any adapter works
        return response

    def close(self) -> None:
        pass


def _read_timeout(timeout: Any) -> Optional[float]:
    if isinstance(timeout, tuple):
        return timeout[1]
    return timeout
