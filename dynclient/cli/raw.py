"""``dynclient get --raw PATH``: GET a server path and copy the reply's bytes to stdout (kubectl ``rawhttp``).

The path is checked as Go's ``url.ParseRequestURI`` checks it, the request
uses the kubeconfig's credentials, and a refusal is reported as any API
error is (a 401 with the server's own message, as kubectl's raw client
reads the body as is).
"""

from __future__ import annotations

import re
from typing import Optional
from urllib.parse import urlsplit

from discovery.errors import StatusError

from .session import Session

__all__ = ["check_raw_path", "raw_get"]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")


def check_raw_path(path: str) -> Optional[str]:
    """Why ``url.ParseRequestURI`` refuses ``path`` (kubectl's words), or None if it is fine."""
    if path.startswith("/"):
        return None
    scheme, colon, _ = path.partition(":")
    if colon and not scheme:
        return f'parse "{path}": missing protocol scheme'
    if colon and _SCHEME.match(scheme):
        return None
    if colon and not _SCHEME.match(scheme) and "/" not in scheme:
        return f'parse "{path}": first path segment in URL cannot contain colon'
    return f'parse "{path}": invalid URI for request'


def raw_get(session: Session, path: str) -> int:
    """GET ``path`` and write the body to stdout unchanged."""
    if not path.startswith("/"):
        parts = urlsplit(path)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    client = session.client()
    try:
        # Streamed, as kubectl's rawhttp reads it (Request.Stream): no -v=8 "Response Body" for a 2xx.
        resp = client.transport.request("GET", path, accept="application/json, */*", stream=True)
    except StatusError as err:
        err.verbatim = True  # type: ignore[attr-defined]  # checkerr: the server's own 401 text
        raise
    content = resp.content
    out = session.stdout
    out.flush()
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        buffer.write(content)
        buffer.flush()
    else:
        out.write(content.decode("utf-8", "replace"))
    return 0
