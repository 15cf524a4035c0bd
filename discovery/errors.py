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
    "status_error_from_response",
]


class DynclientError(Exception):
    """Root of everything dynclient raises on purpose."""


class StatusError(DynclientError):
    """The server refused a request. ``status`` is its ``metav1.Status`` as a dict.

    A reply that was not a Status (an HTML error page, a proxy's text) is
    wrapped in a synthesized Status so callers always get the same shape.
    """

    #: The Status reason this class stands for (``None`` for the base class).
    reason_name: Optional[str] = None

    def __init__(self, status: Mapping[str, Any], *, method: str = "", url: str = "") -> None:
        self.status: Dict[str, Any] = dict(status)
        self.method = method
        self.url = url
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

# The reason apimachinery assigns when a reply carries no Status (errors.NewGenericServerResponse).
_GENERIC_REASON = {
    400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
    405: "MethodNotAllowed", 406: "NotAcceptable", 409: "Conflict", 410: "Gone",
    413: "RequestEntityTooLarge", 415: "UnsupportedMediaType", 422: "Invalid",
    429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout",
}


def status_error_from_response(
    code: int,
    body: bytes,
    *,
    method: str = "",
    url: str = "",
    retry_after: Optional[str] = None,
) -> StatusError:
    """Build the right ``StatusError`` subclass from an HTTP error reply.

    Uses the body's Status when it is one; otherwise synthesizes a Status that
    keeps the first part of the body as its message, so nothing is lost.
    """
    status: Optional[Dict[str, Any]] = None
    try:
        parsed = json.loads(body) if body else None
        if isinstance(parsed, dict) and parsed.get("kind") == "Status":
            status = parsed
    except ValueError:
        pass
    if status is None:
        text = body.decode("utf-8", "replace").strip() if body else ""
        if len(text) > 500:
            text = text[:500] + "..."
        message = text or f"the server returned HTTP {code} with no body"
        status = {
            "kind": "Status",
            "apiVersion": "v1",
            "status": "Failure",
            "code": code,
            "reason": _GENERIC_REASON.get(code, ""),
            "message": message,
        }
    status.setdefault("code", code)
    if retry_after and retry_after.isdigit():
        # The header is the server's promise too; keep it when the Status body does not carry one.
        details = status.setdefault("details", {})
        if isinstance(details, dict):
            details.setdefault("retryAfterSeconds", int(retry_after))
    cls = _BY_REASON.get(str(status.get("reason") or "")) or _BY_CODE.get(code) or StatusError
    return cls(status, method=method, url=url)
