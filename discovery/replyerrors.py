"""Discovery replies that cannot be used, and the decoder that says why.

Two ways a discovery reply can point the user at the wrong cause:

* a ``404`` for ``/apis``: the server URL or its path prefix is wrong (a
  proxy's root, ``https://host/k8s`` without the prefix...). An empty group
  list would make every later lookup fail with "the server doesn't have a
  resource type"; client-go fails there instead
  (``TestDiscoveryFailsWhenNonCoreGroupsMissing``), and so does dynclient,
  with ``DiscoveryEndpointNotFound`` naming the URL and the status;
* a reply that is not the document it should be: an HTML page with status
  200, text, an empty body, invalid UTF-8, JSON nested 100,000 deep, an array
  or ``null`` where an object belongs, lists whose items are not objects.
  Each is an ``InvalidDiscoveryResponse`` that carries its evidence: the
  URL, the status, the content type and at most the first 200 bytes of the
  body, escaped so that a hostile reply cannot write to the terminal.

Both sit in the tree under ``DiscoveryError``::

    DiscoveryError
    ├── InvalidDiscoveryResponse    a reply that is not the discovery document it claims
    └── DiscoveryEndpointNotFound   404 for /apis: wrong server URL or path prefix
"""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

from .errors import DiscoveryError, StatusError

__all__ = [
    "InvalidDiscoveryResponse",
    "DiscoveryEndpointNotFound",
    "EVIDENCE_BYTES",
    "escaped_excerpt",
    "decode_json_reply",
    "json_type",
]

#: How much of a body an error shows (bytes, before escaping), as client-go's generic errors do.
EVIDENCE_BYTES = 200


def escaped_excerpt(body: bytes, limit: int = EVIDENCE_BYTES) -> str:
    """At most ``limit`` bytes of ``body`` as one printable line: bad UTF-8 and control characters escaped."""
    head = bytes(body[:limit]).decode("utf-8", "backslashreplace")
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in head)
    return text + ("..." if len(body) > limit else "")


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type (``object``, ``array``, ``string``, ``null``...), for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    names: Dict[type, str] = {dict: "object", list: "array", str: "string"}
    return names.get(type(value), type(value).__name__)


class InvalidDiscoveryResponse(DiscoveryError):
    """A discovery reply that is not the document it should be.

    ``url``, ``status_code``, ``content_type`` and ``body`` (an escaped
    excerpt of at most 200 bytes) are the evidence; ``problem`` says what
    was wrong with it.
    """

    def __init__(self, problem: str, *, url: str, status_code: int = 200, content_type: str = "",
                 body: bytes = b"") -> None:
        self.problem = problem
        self.url = url
        self.status_code = status_code
        self.content_type = content_type
        self.body = escaped_excerpt(body)
        shown = f"content type {content_type!r}" if content_type else "no content type"
        excerpt = f'body "{self.body}"' if body else "empty body"
        super().__init__(f"GET {url}: the server responded with the status code {status_code} but {problem}"
                         f" ({shown}, {excerpt})")


class DiscoveryEndpointNotFound(DiscoveryError):
    """``/apis`` answered 404: the server URL or its path prefix is probably wrong.

    ``status_code`` and ``url`` name the reply; the server's own error is
    ``__cause__`` (and ``status_error``).
    """

    def __init__(self, url: str, status_error: StatusError) -> None:
        self.url = url
        self.status_code = status_error.code or 404
        self.status_error = status_error
        super().__init__(
            f"GET {url}: the server responded with the status code {self.status_code}:"
            f" {status_error.message or 'not found'}; every Kubernetes API server serves /apis,"
            " so check the server URL and its path prefix")


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _claims_json(content_type: str) -> bool:
    # No Content-Type: client-go assumes the type it asked for (JSON) and tries it.
    media = _media_type(content_type)
    return not media or media == "application/json" or media.endswith("+json")


def decode_json_reply(body: bytes, content_type: str, *, url: str, status_code: Optional[int] = None) -> Any:
    """The JSON value of a discovery reply, or ``InvalidDiscoveryResponse`` saying what it was instead.

    Strict like Go's ``encoding/json``: UTF-8 only (``json.loads`` on bytes
    would guess UTF-16 too), and no Python ``RecursionError`` escapes for a
    document nested too deeply.
    """
    code = 200 if status_code is None else status_code

    def invalid(problem: str) -> InvalidDiscoveryResponse:
        return InvalidDiscoveryResponse(problem, url=url, status_code=code, content_type=content_type, body=body)

    if not _claims_json(content_type):
        raise invalid(f"the body is {_media_type(content_type)}, not JSON")
    if not body:
        raise invalid("the body is empty")
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError as err:
        raise invalid(f"the body is not valid UTF-8 (byte {err.start})") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise invalid("the JSON is nested too deeply") from None
    except json.JSONDecodeError as err:
        raise invalid(f"the body is malformed JSON (at byte {err.pos})") from None
