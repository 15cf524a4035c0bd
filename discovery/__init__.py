"""Discovery: what an API server serves, fetched in as few round trips as possible and cached like kubectl.

The base layer of dynclient. It imports nothing from ``restmapper`` or
``dynclient`` and never imports ``requests``: it talks HTTP through the
``Requester`` protocol that the caller supplies.
"""

from typing import Any

from ._version import __version__
from .errors import (
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
)
from .interface import CachedDiscoveryInterface, DiscoveryInterface, RawResponse, Requester
from .model import APIGroup, APIGroupList, APIResource, APIResourceList
from .types import (
    GroupKind,
    GroupResource,
    GroupVersion,
    GroupVersionKind,
    GroupVersionResource,
    parse_kind_arg,
    parse_resource_arg,
)

__all__ = [
    "__version__",
    # values
    "GroupVersion", "GroupKind", "GroupResource", "GroupVersionKind", "GroupVersionResource",
    "parse_resource_arg", "parse_kind_arg",
    # documents
    "APIGroup", "APIGroupList", "APIResource", "APIResourceList",
    # seams
    "Requester", "RawResponse", "DiscoveryInterface", "CachedDiscoveryInterface",
    # errors
    "DynclientError", "StatusError", "BadRequest", "Unauthorized", "Forbidden", "NotFound",
    "MethodNotAllowed", "NotAcceptable", "AlreadyExists", "Conflict", "Gone", "Expired",
    "RequestEntityTooLarge", "UnsupportedMediaType", "Invalid", "TooManyRequests",
    "InternalError", "ServiceUnavailable", "Timeout", "TransportError", "DiscoveryError",
    "GroupDiscoveryFailed", "UnsafeDiscoveryName",
]

# -- implementations (appended by the discovery implementation work) --------------------
from .aggregated import StaleGroupVersion, is_aggregated, split_groups_and_resources
from .cachedir import default_cache_dir, discovery_cache_dir, http_cache_dir, safe_component
from .client import AggregatedDiscoveryInterface, DiscoveryClient
from .disk import DiskCachedDiscoveryClient
from .memory import EmptyGroupVersion, MemCacheClient
from .preferred import namespaced_only, preferred_resources
from .replyerrors import DiscoveryEndpointNotFound, InvalidDiscoveryResponse

__all__ += [
    # implementations
    "DiscoveryClient", "MemCacheClient", "DiskCachedDiscoveryClient", "FakeRequester",
    "AggregatedDiscoveryInterface",
    # helpers
    "is_aggregated", "split_groups_and_resources", "preferred_resources", "namespaced_only",
    "default_cache_dir", "discovery_cache_dir", "http_cache_dir", "safe_component",
    # errors
    "StaleGroupVersion", "EmptyGroupVersion", "InvalidDiscoveryResponse", "DiscoveryEndpointNotFound",
]


def __getattr__(name: str) -> Any:
    # The fake requester is a test aid; load it only when someone asks for it.
    if name == "FakeRequester":
        from .fake import FakeRequester

        return FakeRequester
    raise AttributeError(f"module 'discovery' has no attribute {name!r}")
