"""Names to API resources, the way kubectl resolves them.

``kubectl get deploy`` has to become ``GET /apis/apps/v1/.../deployments``.
This package holds the pieces client-go and apimachinery use for that, as
Protocol-typed mappers that wrap one another:

* ``DeferredDiscoveryRESTMapper(discovery)``: what to use. Built from
  discovery on first use, with short names (``ShortcutExpander``) inside,
  and reset on a miss when the data may be stale, within a token-bucket limit
  (``ResetLimiter``); ``try_reset()`` is that limited reset for other callers.
* ``resolve(mapper, "deploy")`` / ``resolve_all(mapper, categories, "po,svc,all")``:
  kubectl's argument parsing on top (resource or kind, with or without
  version and group, categories).
* ``new_discovery_rest_mapper``, ``DefaultRESTMapper``, ``PriorityRESTMapper``,
  ``MultiRESTMapper``: the building blocks, with apimachinery's semantics.

It builds on ``discovery`` only: no HTTP and no import of ``dynclient``.
"""

from .category import CategoryExpander, DiscoveryCategoryExpander, SimpleCategoryExpander
from .default import INTERNAL_VERSION, DefaultRESTMapper, unsafe_guess_kind_to_resource
from .deferred import DEFAULT_RESET_BURST, DEFAULT_RESET_RATE, DeferredDiscoveryRESTMapper, ResetLimiter
from .discovery_mapper import (
    APIGroupResources,
    DiscoverySnapshot,
    get_api_group_resources,
    new_discovery_rest_mapper,
)
from .errors import (
    Ambiguous,
    AmbiguousKind,
    AmbiguousResource,
    MappingError,
    NoKindMatch,
    NoMatch,
    NoResourceMatch,
)
from .interface import RESTMapper, ResettableRESTMapper, maybe_reset
from .mapping import RESTMapping, Scope
from .multi import MultiRESTMapper
from .priority import (
    ANY_GROUP,
    ANY_KIND,
    ANY_RESOURCE,
    ANY_VERSION,
    PriorityRESTMapper,
    kind_matches,
    resource_matches,
)
from .resolve import mapping_for, replace_aliases, resolve, resolve_all, split_resource_argument
from .shortcut import ShortcutExpander, WarningHandler

__all__ = [
    # seams and values
    "RESTMapper", "ResettableRESTMapper", "maybe_reset", "RESTMapping", "Scope",
    # mappers
    "DefaultRESTMapper", "MultiRESTMapper", "PriorityRESTMapper", "ShortcutExpander",
    "DeferredDiscoveryRESTMapper", "ResetLimiter", "DEFAULT_RESET_BURST", "DEFAULT_RESET_RATE",
    "unsafe_guess_kind_to_resource", "INTERNAL_VERSION",
    "ANY_GROUP", "ANY_VERSION", "ANY_RESOURCE", "ANY_KIND", "resource_matches", "kind_matches",
    "WarningHandler",
    # discovery
    "APIGroupResources", "DiscoverySnapshot", "get_api_group_resources", "new_discovery_rest_mapper",
    # categories
    "CategoryExpander", "DiscoveryCategoryExpander", "SimpleCategoryExpander",
    # kubectl name resolution
    "mapping_for", "resolve", "resolve_all", "replace_aliases", "split_resource_argument",
    # errors
    "MappingError", "NoMatch", "NoKindMatch", "NoResourceMatch", "Ambiguous", "AmbiguousResource",
    "AmbiguousKind",
]
