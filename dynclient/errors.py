"""dynclient's error tree, importable from one place.

The root, the server-refusal branch and ``InvalidResponse`` live in
``discovery.errors`` (the base layer) so that every layer raises from one tree; the mapping branch lives in
``restmapper.errors``. This module re-exports both and adds what only the
top layer can fail at. The whole tree::

    DynclientError
    ├── StatusError (BadRequest, Unauthorized, Forbidden, NotFound, AlreadyExists,
    │                Conflict, Gone/Expired, Invalid, TooManyRequests, InternalError,
    │                ServiceUnavailable, Timeout, ...)   the server's Status in .status
    ├── TransportError                                   no reply at all
    ├── DiscoveryError (GroupDiscoveryFailed, UnsafeDiscoveryName)
    ├── MappingError (NoKindMatch, NoResourceMatch, AmbiguousResource, AmbiguousKind)
    ├── ConfigError (ExecPluginError, CredentialsExpired)  kubeconfig and auth
    ├── InvalidResponse                                   a reply that is not what it claims (not JSON,
    │                                                     not an object, a List without a list...)
    ├── WatchError                                        a watch stream went wrong
    └── ManifestError                                     a YAML/JSON manifest is unusable
"""

from __future__ import annotations

from discovery.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    DiscoveryError,
    DynclientError,
    Expired,
    Forbidden,
    Gone,
    GroupDiscoveryFailed,
    InternalError,
    Invalid,
    InvalidResponse,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    RequestEntityTooLarge,
    ServiceUnavailable,
    StatusError,
    Timeout,
    TooManyRequests,
    TransportError,
    Unauthorized,
    UnsafeDiscoveryName,
    UnsupportedMediaType,
    status_error_from_response,
)
from restmapper.errors import (
    Ambiguous,
    AmbiguousKind,
    AmbiguousResource,
    MappingError,
    NoKindMatch,
    NoMatch,
    NoResourceMatch,
)

from .config.errors import ConfigError, CredentialsExpired, ExecPluginError

__all__ = [
    "DynclientError", "StatusError", "BadRequest", "Unauthorized", "Forbidden", "NotFound",
    "MethodNotAllowed", "NotAcceptable", "AlreadyExists", "Conflict", "Gone", "Expired",
    "RequestEntityTooLarge", "UnsupportedMediaType", "Invalid", "TooManyRequests",
    "InternalError", "ServiceUnavailable", "Timeout", "TransportError", "DiscoveryError",
    "GroupDiscoveryFailed", "UnsafeDiscoveryName", "MappingError", "NoMatch", "NoKindMatch",
    "NoResourceMatch", "Ambiguous", "AmbiguousResource", "AmbiguousKind", "ConfigError",
    "ExecPluginError", "CredentialsExpired", "InvalidResponse", "WatchError", "ManifestError",
    "status_error_from_response",
]


class WatchError(DynclientError):
    """A watch stream sent something that is not a watch event, or an ERROR event that is not a Status."""


class ManifestError(DynclientError):
    """A manifest cannot be used. Names the source, the document index (0-based) and the line."""

    def __init__(self, message: str, *, source: str = "", document: int | None = None, line: int | None = None) -> None:
        self.source = source
        self.document = document
        self.line = line
        where = source or "<manifest>"
        if document is not None:
            where += f": document {document}"
        if line is not None:
            where += f" (line {line})"
        super().__init__(f"{where}: {message}")
