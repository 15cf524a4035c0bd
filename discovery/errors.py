"""The root of dynclient's single error tree, and the server-refusal branch of it.

The tree lives at the base layer so that discovery, restmapper and dynclient
all raise from the same root without importing upward::

    DynclientError
    ├── StatusError                 the server said no; carries its Status
    │   ├── BadRequest              400
    │   ├── Unauthorized            401
    │   ├── Forbidden               403
    │   ├── NotFound                404
    │   ├── MethodNotAllowed        405
    │   ├── NotAcceptable           406
    │   ├── AlreadyExists           409, reason AlreadyExists
    │   ├── Conflict                409
    │   ├── Gone                    410
    │   │   └── Expired             410, reason Expired (continue token, watch RV)
    │   ├── RequestEntityTooLarge   413
    │   ├── UnsupportedMediaType    415
    │   ├── Invalid                 422
    │   ├── TooManyRequests         429
    │   ├── InternalError           500
    │   ├── ServiceUnavailable      503
    │   └── Timeout                 504, or reason Timeout / ServerTimeout
    ├── TransportError              no reply at all (connect/read failures)
    ├── InvalidResponse             a reply that is not what it claims (not JSON, not an object...)
    ├── DiscoveryError              discovery/errors: partial or unsafe discovery data
    │   ├── GroupDiscoveryFailed
    │   └── UnsafeDiscoveryName
    ├── MappingError                restmapper/errors.py (NoKindMatch, ...)
    └── ...                         dynclient adds ConfigError, ManifestError, WatchError

The subclass is chosen by the Status ``reason`` first and the HTTP code
second, as apimachinery's ``pkg/api/errors`` does. Mistakes by the caller
(wrong argument types, bad names) are ``ValueError``/``TypeError`` and sit
outside the tree.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Mapping, Optional, Type

from .types import GroupVersion

__all__ = [
    "DynclientError",
    "StatusError",
    "BadRequest",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "MethodNotAllowed",
    "NotAcceptable",
    "AlreadyExists",
    "Conflict",
    "Gone",
    "Expired",
    "RequestEntityTooLarge",
    "UnsupportedMediaType",
    "Invalid",
    "TooManyRequests",
    "InternalError",
    "ServiceUnavailable",
    "Timeout",
    "TransportError",
    "DiscoveryError",
    "GroupDiscoveryFailed",
    "UnsafeDiscoveryName",
    "InvalidResponse",
    "status_error_from_response",
    "clean_status",
    "body_excerpt",
    "escape_text",
]


class DynclientError(Exception):
    """Root of everything dynclient raises on purpose."""


class StatusError(DynclientError):
    """The server refused a request. ``status`` is its ``metav1.Status`` as a dict.

    A reply that was not a Status (an HTML error page, a proxy's text) is
    wrapped in a synthesized Status so callers always get the same shape;
    ``from_status`` is False then. A Status from the server is decoded
    defensively (``clean_status``): a field of the wrong type is dropped, so
    ``status``, ``details`` and ``causes`` always have the documented shapes.
    ``content_type`` and ``body`` (an escaped excerpt of at most 200 bytes)
    are the evidence of the reply.
    """

    #: The Status reason this class stands for (``None`` for the base class).
    reason_name: Optional[str] = None

    def __init__(
        self,
        status: Mapping[str, Any],
        *,
        method: str = "",
        url: str = "",
        content_type: str = "",
        body: str = "",
        from_status: bool = True,
    ) -> None:
        self.status: Dict[str, Any] = clean_status(status)
        self.method = method
        self.url = url
        self.content_type = escape_text(content_type)
        self.body = body
        self.from_status = from_status
        super().__init__(self.message)

    @property
    def code(self) -> int:
        return int(self.status.get("code") or 0)

    @property
    def reason(self) -> str:
        return str(self.status.get("reason") or "")

    @property
    def message(self) -> str:
        return str(self.status.get("message") or "")

    @property
    def details(self) -> Dict[str, Any]:
        return dict(self.status.get("details") or {})

    @property
    def causes(self) -> List[Dict[str, Any]]:
        return list(self.details.get("causes") or [])

    @property
    def retry_after_seconds(self) -> Optional[int]:
        value = self.details.get("retryAfterSeconds")
        return int(value) if value else None

    def about(self, verb: str, resource: str, name: str = "") -> "StatusError":
        """The same error with client-go's ``(get pods x)`` suffix, for a reply that was not a Status.

        ``NewGenericServerResponse`` names the verb, the resource and the
        object, since the server's reply did not. A Status from the server is
        returned unchanged: its message already says what it is about.
        """
        if self.from_status or not resource:
            return self
        target = f"{verb.lower()} {resource} {name}" if name else f"{verb.lower()} {resource}"
        status = dict(self.status)
        status["message"] = f"{self.message} ({target})"
        err = type(self)(status, method=self.method, url=self.url, content_type=self.content_type,
                         body=self.body, from_status=False)
        return err

    def __str__(self) -> str:
        # kubectl prints "Error from server (Reason): message"; keep the same content.
        reason = self.reason or type(self).__name__
        return f"({reason}) {self.message}" if self.message else f"({reason}) HTTP {self.code}"


class BadRequest(StatusError):
    reason_name = "BadRequest"


class Unauthorized(StatusError):
    reason_name = "Unauthorized"


class Forbidden(StatusError):
    reason_name = "Forbidden"


class NotFound(StatusError):
    reason_name = "NotFound"


class MethodNotAllowed(StatusError):
    reason_name = "MethodNotAllowed"


class NotAcceptable(StatusError):
    reason_name = "NotAcceptable"


class Conflict(StatusError):
    reason_name = "Conflict"


class AlreadyExists(Conflict):
    """409 with reason AlreadyExists. A Conflict too, as both are HTTP 409."""

    reason_name = "AlreadyExists"


class Gone(StatusError):
    reason_name = "Gone"


class Expired(Gone):
    """410 with reason Expired: a continue token or watch resourceVersion is too old."""

    reason_name = "Expired"


class RequestEntityTooLarge(StatusError):
    reason_name = "RequestEntityTooLarge"


class UnsupportedMediaType(StatusError):
    reason_name = "UnsupportedMediaType"


class Invalid(StatusError):
    """422: the object failed validation; ``causes`` names each bad field."""

    reason_name = "Invalid"


class TooManyRequests(StatusError):
    reason_name = "TooManyRequests"


class InternalError(StatusError):
    reason_name = "InternalError"


class ServiceUnavailable(StatusError):
    reason_name = "ServiceUnavailable"


class Timeout(StatusError):
    reason_name = "Timeout"


class TransportError(DynclientError):
    """No HTTP reply: connection refused, TLS failure, read timeout. ``__cause__`` has the detail."""


class DiscoveryError(DynclientError):
    """Discovery returned something dynclient cannot use."""


class GroupDiscoveryFailed(DiscoveryError):
    """Some group-versions failed while others succeeded (client-go ``ErrGroupDiscoveryFailed``).

    ``failed`` maps each failed GroupVersion to its cause. ``partial`` holds
    whatever the raising call did manage to return (for example the list of
    APIResourceLists), so callers can keep using the healthy groups.
    """

    def __init__(self, failed: Mapping[GroupVersion, BaseException], partial: Any = None) -> None:
        self.failed: Dict[GroupVersion, BaseException] = dict(failed)
        self.partial = partial
        parts = ", ".join(f"{gv}: {err}" for gv, err in sorted(self.failed.items()))
        super().__init__(f"unable to retrieve the complete list of server APIs: {parts}")


class UnsafeDiscoveryName(DiscoveryError):
    """The server advertised a group or version that is not a safe path component."""


_BY_REASON: Dict[str, Type[StatusError]] = {
    cls.reason_name: cls
    for cls in (
        BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed, NotAcceptable,
        AlreadyExists, Conflict, Gone, Expired, RequestEntityTooLarge, UnsupportedMediaType,
        Invalid, TooManyRequests, InternalError, ServiceUnavailable, Timeout,
    )
    if cls.reason_name
}
_BY_REASON["ServerTimeout"] = Timeout

_BY_CODE: Dict[int, Type[StatusError]] = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 405: MethodNotAllowed,
    406: NotAcceptable, 409: Conflict, 410: Gone, 413: RequestEntityTooLarge,
    415: UnsupportedMediaType, 422: Invalid, 429: TooManyRequests, 500: InternalError,
    503: ServiceUnavailable, 504: Timeout,
}

#: apimachinery ``errors.NewGenericServerResponse``: the reason and message for a reply that carries
#: no Status. ``{server}`` is the server's text (or ``unknown``), kept only where client-go keeps it.
_GENERIC = {
    400: ("BadRequest", "the server rejected our request for an unknown reason"),
    401: ("Unauthorized", "the server has asked for the client to provide credentials"),
    403: ("Forbidden", "{server}"),
    404: ("NotFound", "the server could not find the requested resource"),
    405: ("MethodNotAllowed", "the server does not allow this method on the requested resource"),
    406: ("NotAcceptable", "{server_or_406}"),
    409: ("Conflict", "the server reported a conflict"),
    415: ("UnsupportedMediaType", "{server}"),
    422: ("Invalid", "the server rejected our request due to an error in our request"),
    429: ("TooManyRequests", "the server has received too many requests and has asked us to try again later"),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
    504: ("Timeout", "the server was unable to return a response in the time allotted, but may still be "
                    "processing the request"),
}

#: How much of a reply's body an error keeps as evidence (bytes, before escaping).
EXCERPT_BYTES = 200


def body_excerpt(body: bytes, limit: int = EXCERPT_BYTES) -> str:
    """At most ``limit`` bytes of ``body`` as printable text: invalid UTF-8 and control characters escaped.

    Safe to print on a terminal and in a log line: a hostile reply cannot
    move the cursor, clear the screen or forge a second log line.
    """
    if not isinstance(body, (bytes, bytearray)):
        body = str(body).encode("utf-8", "replace")
    text = bytes(body[:limit]).decode("utf-8", "backslashreplace")
    escaped = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    return escaped + ("..." if len(body) > limit else "")


def escape_text(text: str, limit: int = EXCERPT_BYTES) -> str:
    """``text`` (a header value from the server) cut to ``limit`` characters, control characters escaped."""
    text = str(text)
    cut = text[:limit]
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in cut) + (
        "..." if len(text) > limit else "")


def _is_text(content_type: Optional[str]) -> bool:
    # client-go isTextResponse: no Content-Type, or a text/* media type.
    if not content_type:
        return True
    return content_type.split(";", 1)[0].strip().lower().startswith("text/")


def generic_status(code: int, body: bytes, *, method: str = "", content_type: Optional[str] = None) -> Dict[str, Any]:
    """The Status client-go makes up for a reply that is not one (``newUnstructuredResponseError``)."""
    # Cut first, then trim (client-go: maxUnstructuredResponseTextBytes, then TrimSpace): trimming first
    # would pull bytes from past the cut into the message.
    cut = "..." if len(body) > EXCERPT_BYTES else ""
    server = body_excerpt(body[:EXCERPT_BYTES].strip()) + cut if _is_text(content_type) else "unknown"
    reason, template = _GENERIC.get(code, ("", ""))
    if code == 409 and method.upper() == "POST":
        reason = "AlreadyExists"
    if not template:
        if code >= 500:
            reason, template = "InternalError", 'an error on the server ("{server_quoted}") has prevented the request ' \
                                                 "from succeeding"
        else:
            template = f"the server responded with the status code {code} but did not return more information"
    message = template.format(server=server, server_quoted=server.replace('"', '\\"'),
                              server_or_406=server if server not in ("", "unknown") else
                              "the server was unable to respond with a content type that the client supports")
    return {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "code": code,
        "reason": reason, "message": message,
        "details": {"causes": [{"reason": "UnexpectedServerResponse", "message": server}]},
    }


_STATUS_STRINGS = ("kind", "apiVersion", "status", "reason", "message")
_DETAIL_STRINGS = ("name", "group", "kind", "uid")
_CAUSE_STRINGS = ("reason", "message", "field")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def clean_status(status: Mapping[str, Any]) -> Dict[str, Any]:
    """A copy of ``status`` in which every known field has its documented type, or is absent.

    ``metav1.Status`` decoded as Go would refuse nothing here: a ``message``
    that is an object, ``details.causes`` that are strings or a dict, a
    numeric ``details.name``... are dropped, so code that reads the Status
    (the CLI, retries, ``Invalid`` causes) never meets a wrong type.
    Unknown fields are kept as they are.
    """
    out: Dict[str, Any] = dict(status) if isinstance(status, Mapping) else {}
    for key in _STATUS_STRINGS:
        if key in out and not isinstance(out[key], str):
            del out[key]
    if "code" in out and not (_is_int(out["code"]) and 0 <= out["code"] <= 999):
        del out["code"]
    if "metadata" in out and not isinstance(out["metadata"], Mapping):
        del out["metadata"]
    details = out.get("details")
    if details is None or not isinstance(details, Mapping):
        out.pop("details", None)
        return out
    clean: Dict[str, Any] = dict(details)
    for key in _DETAIL_STRINGS:
        if key in clean and not isinstance(clean[key], str):
            del clean[key]
    retry: Any = clean.get("retryAfterSeconds")
    if "retryAfterSeconds" in clean and not (_is_int(retry) and 0 <= retry < 2**31):
        del clean["retryAfterSeconds"]
    causes = clean.get("causes")
    if "causes" in clean:
        if isinstance(causes, list):
            clean["causes"] = [
                {k: v for k, v in cause.items() if k not in _CAUSE_STRINGS or isinstance(v, str)}
                for cause in causes if isinstance(cause, Mapping)
            ]
        else:
            del clean["causes"]
    out["details"] = clean
    return out


def _decode_status(body: bytes) -> Optional[Dict[str, Any]]:
    if not body:
        return None
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        return None  # UnicodeDecodeError is a ValueError; a 100,000-deep reply is no Status either
    if isinstance(parsed, dict) and parsed.get("kind") == "Status":
        return parsed
    return None


_RETRY_AFTER = re.compile(r"[0-9]{1,9}")


def status_error_from_response(
    code: int,
    body: bytes,
    *,
    method: str = "",
    url: str = "",
    retry_after: Optional[str] = None,
    content_type: Optional[str] = None,
) -> StatusError:
    """Build the right ``StatusError`` subclass from an HTTP error reply.

    Uses the body's Status when it is one, decoded defensively; otherwise
    synthesizes the Status client-go would (``NewGenericServerResponse``),
    keeping an escaped excerpt of the body in its causes and ``body``.
    ``Retry-After`` counts only as a non-negative integer of seconds, as
    client-go reads it; anything else is ignored.
    """
    if isinstance(body, str):
        body = body.encode("utf-8", "replace")
    body = body or b""
    parsed = _decode_status(body)
    from_status = parsed is not None
    status = clean_status(parsed) if parsed is not None else generic_status(code, body, method=method,
                                                                           content_type=content_type)
    if not status.get("code"):
        status["code"] = code
    if isinstance(retry_after, str) and _RETRY_AFTER.fullmatch(retry_after):
        # The header is the server's promise too; keep it when the Status body does not carry one.
        # Digits only, as strconv.Atoi reads it (no spaces, no fractions, no dates).
        details = status.setdefault("details", {})
        details.setdefault("retryAfterSeconds", int(retry_after))
    cls = _BY_REASON.get(str(status.get("reason") or "")) or _BY_CODE.get(code) or StatusError
    return cls(status, method=method, url=url, content_type=content_type or "", body=body_excerpt(body),
               from_status=from_status)


class InvalidResponse(DynclientError):
    """The server's reply is not what the request expects: not JSON, not an object, a List without a list...

    Carries its evidence: ``method``, ``url``, ``status_code``,
    ``content_type`` and ``body`` (an escaped excerpt of at most 200 bytes),
    and says what was wrong in ``problem``.
    """

    def __init__(self, problem: str, *, method: str = "", url: str = "", status_code: int = 0,
                 content_type: str = "", body: bytes = b"") -> None:
        self.problem = problem
        self.method = method
        self.url = url
        self.status_code = status_code
        self.content_type = escape_text(content_type)
        self.body = body_excerpt(body)
        where = f"{method} {url}".strip()
        evidence = f"content type '{self.content_type}'" if content_type else "no content type"
        excerpt = f'body "{self.body}"' if body else "empty body"
        super().__init__(f"{where + ': ' if where else ''}the server responded with the status code {status_code} "
                         f"but {problem} ({evidence}, {excerpt})")
