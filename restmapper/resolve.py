"""kubectl's name resolution: ``kubectl get <name>`` to a RESTMapping.

Mirrors cli-runtime ``pkg/resource/builder.go``: ``mappingFor`` (one name),
``ReplaceAliases`` + ``SplitResourceArgument`` (categories and commas) and
``resourceMappings`` (dedupe by kind). A name is read, in this order, as
``resource.version.group``, as ``resource.group``, as ``Kind.version.group``
and finally as ``Kind.group``.

kubectl asks its deferred mapper once per reading, so the first reading that
misses resets discovery even when a later reading would hit (``widgets.v1.example.com``
read as resource ``widgets`` in version ``v1`` of group ``example.com``).
``resolve`` instead runs all readings inside one ``attempt``, so discovery
is reset only when the name resolves no way at all.
"""

from __future__ import annotations

from typing import List, Optional

from discovery.types import GroupVersionKind, GroupVersionResource, parse_kind_arg, parse_resource_arg

from .category import CategoryExpander
from .deferred import DeferredDiscoveryRESTMapper
from discovery.gostrings import go_quote

from .errors import MappingError, NoMatch, NoResourceMatch
from .interface import RESTMapper
from .mapping import RESTMapping

__all__ = ["mapping_for", "resolve", "resolve_all", "replace_aliases", "split_resource_argument"]


def mapping_for(mapper: RESTMapper, arg: str) -> RESTMapping:
    """The mapping for one resource-or-kind name (cli-runtime ``Builder.mappingFor``).

    A final no-match becomes ``NoResourceMatch`` with kubectl's message
    ``the server doesn't have a resource type "<resource>"``.
    """
    full_gvr, group_resource = parse_resource_arg(arg)
    gvk: Optional[GroupVersionKind] = None
    # Errors of the resource readings are ignored, as upstream: the kind readings come next.
    if full_gvr is not None:
        try:
            gvk = mapper.kind_for(full_gvr)
        except (MappingError, ValueError):
            gvk = None
    if gvk is None:
        try:
            gvk = mapper.kind_for(group_resource.with_version(""))
        except (MappingError, ValueError):
            gvk = None
    if gvk is not None and not gvk.is_empty():
        return mapper.rest_mapping(gvk.group_kind, gvk.version)

    full_gvk, group_kind = parse_kind_arg(arg)
    if full_gvk is None:
        full_gvk = group_kind.with_version("")
    if not full_gvk.is_empty():
        try:
            return mapper.rest_mapping(full_gvk.group_kind, full_gvk.version)
        except MappingError:
            pass
    try:
        return mapper.rest_mapping(group_kind, "")
    except NoMatch as err:
        # "announce that a resource type could not be found"; other errors pass through.
        raise NoResourceMatch(
            GroupVersionResource(group_resource.group, "", group_resource.resource),
            message=f"the server doesn't have a resource type {go_quote(group_resource.resource)}",
            discovery_failures=err.discovery_failures,
        ) from err


def resolve(mapper: RESTMapper, arg: str) -> RESTMapping:
    """Like ``mapping_for``, but a deferred mapper resets at most once for the whole name.

    With a deferred mapper the answer is also memoized until its next reset,
    since a name resolves the same way against the same discovery data.
    """
    if isinstance(mapper, DeferredDiscoveryRESTMapper):
        return mapper.attempt_memoized(("mapping_for", arg), lambda delegate: mapping_for(delegate, arg))
    return mapping_for(mapper, arg)


def replace_aliases(categories: CategoryExpander, arg: str) -> str:
    """Expand categories in a comma list (cli-runtime ``Builder.ReplaceAliases``).

    Core resources come out bare (``pods``), others as ``resource.group``.
    """
    replaced = []
    for part in arg.split(","):
        resources = categories.expand(part)
        if resources is not None:
            part = ",".join(r.resource if not r.group else f"{r.resource}.{r.group}" for r in resources)
        replaced.append(part)
    return ",".join(replaced)


def split_resource_argument(arg: str) -> List[str]:
    """Split on commas, dropping repeats and keeping order (``SplitResourceArgument``)."""
    return list(dict.fromkeys(arg.split(",")))


def resolve_all(mapper: RESTMapper, categories: CategoryExpander, arg: str) -> List[RESTMapping]:
    """Mappings for ``kubectl get a,b,all``: categories expanded, one mapping per kind.

    Deduplicated by group-version-kind keeping the first (``Builder.resourceMappings``).
    """
    mappings: List[RESTMapping] = []
    seen = set()
    for name in split_resource_argument(replace_aliases(categories, arg)):
        mapping = resolve(mapper, name)
        if mapping.group_version_kind not in seen:
            seen.add(mapping.group_version_kind)
            mappings.append(mapping)
    return mappings
