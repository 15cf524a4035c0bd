"""kubectl's request lines at ``-v=7`` and up: URL, headers, status, in client-go's debugging round tripper's shapes.

client-go 1.32 (``transport.DebugWrappers``) logs, per attempt:

* ``-v=6``: ``GET https://... 200 OK in 3 milliseconds`` (the transport's own line);
* ``-v=7``: ``GET https://...``, then ``Request Headers:`` and one
  ``    Name: value`` line per header, then ``Response Status: 200 OK in 3 milliseconds``;
* ``-v=8``: the same, and ``Response Headers:`` with the reply's headers;
* ``-v=9``: a ``curl -v -XGET  -H "Name: value" ... 'https://...'`` line, the
  ``-v=6`` line, and the reply's headers (kubectl's ``HTTP Statistics`` timings
  line has no counterpart here).

Credentials arrive masked from the transport (``Authorization: Bearer
<masked>``), as kubectl prints them. ``Accept-Encoding`` is left out: Go's
HTTP transport adds ``gzip`` beneath client-go's round tripper, so kubectl
never shows it, where dynclient asks for it itself.
"""

from __future__ import annotations

import logging
from typing import Any, Sequence, Tuple

from discovery.gostrings import go_quote

__all__ = ["RequestLogger", "curl_command"]

log = logging.getLogger("dynclient.cli")
_HIDDEN = frozenset({"accept-encoding"})


def _shown(headers: Sequence[Tuple[str, str]]) -> Sequence[Tuple[str, str]]:
    return [(k, v) for k, v in headers if k.lower() not in _HIDDEN]


def curl_command(method: str, url: str, headers: Sequence[Tuple[str, str]]) -> str:
    """client-go's ``toCurl``: ``curl -v -XGET  -H "Accept: ..." 'https://...'`` (the headers %q-quoted)."""
    flags = "".join(f" -H {go_quote(f'{k}: {v}')}" for k, v in _shown(headers))
    return f"curl -v -X{method} {flags} '{url}'"


class RequestLogger:
    """Transport hooks writing kubectl's ``-v=7``+ request lines; at 7 and 8 the transport's own line is off."""

    def __init__(self, verbosity: int) -> None:
        self.verbosity = verbosity

    def install(self, transport: Any) -> None:
        """Hook into ``transport`` (before a ``BodyLogger``, so the lines come in kubectl's order)."""
        if self.verbosity < 7:
            return
        if self.verbosity < 9:
            transport.log_requests = False  # "GET url" now, "Response Status: ..." later, instead
        transport.add_send_hook(self.on_send)
        transport.add_hook(self.on_reply)

    def on_send(self, info: Any) -> None:
        if self.verbosity >= 9:
            log.debug("%s", curl_command(info.method, info.url, info.headers))
            return
        log.debug("%s %s", info.method, info.url)
        log.debug("Request Headers:")
        for name, value in _shown(info.headers):
            log.debug("    %s: %s", name, value)

    def on_reply(self, info: Any) -> None:
        if self.verbosity < 9:
            if info.status:
                log.debug("Response Status: %s in %d milliseconds", f"{info.status} {info.reason}".strip(),
                          int(info.elapsed * 1000))
            else:  # no reply: what the -v=6 line says then
                log.debug("%s %s %s in %d milliseconds", info.method, info.url, type(info.error).__name__,
                          int(info.elapsed * 1000))
        if self.verbosity >= 8 and info.status:
            log.debug("Response Headers:")
            for name, value in info.headers:
                log.debug("    %s: %s", name, value)
