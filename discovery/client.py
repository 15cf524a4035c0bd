"""The live discovery client, and the discovery algorithms every implementation shares.

``DiscoveryClient`` asks the server directly through a ``Requester``. It
prefers aggregated discovery (two requests for everything) and falls back to
legacy discovery (``/api``, ``/apis``, then one request per group-version,
fetched in parallel), as client-go's ``discovery/discovery_client.go`` does.

The module-level functions (``server_groups_and_resources``,
``server_preferred_resources``, ...) are client-go's package-level functions
of the same names: they work over any ``DiscoveryInterface``, using
``groups_and_maybe_resources`` when the implementation has it. The memory
and disk caches call them on themselves, so all three agree on ordering,
failure reporting and the preferred-version rule.
"""

from __future__ import annotations

from typing import (
    Any,
    Callable,
    Dict,
    List,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    TypeVar,
    runtime_checkable,
)

from .aggregated import is_aggregated, split_groups_and_resources
from .cachedir import check_group_version, split_unsafe_groups
from .errors import DynclientError, GroupDiscoveryFailed, NotFound
from .interface import ACCEPT_AGGREGATED, ACCEPT_JSON, DiscoveryInterface, LocalResources, RawResponse, Requester
from .model import APIGroup, APIGroupList, APIResourceList
from .parallel import DEFAULT_MAX_WORKERS, run_all
from .preferred import namespaced_only, preferred_resources
from .replyerrors import DiscoveryEndpointNotFound, InvalidDiscoveryResponse, decode_json_reply, json_type
from .types import GroupVersion

__all__ = [
    "DiscoveryClient",
    "AggregatedDiscoveryInterface",
    "GroupsAndMaybeResources",
    "groups_and_maybe_resources_of",
    "fetch_group_version_resources",
    "server_groups_and_resources",
    "server_preferred_resources",
    "server_preferred_namespaced_resources",
    "DEFAULT_MAX_WORKERS",
]


#: client-go ``defaultRetries``: full discovery is repeated once if groups vanish mid-way (CRDs).
_DEFAULT_RETRIES = 2

#: ``(groups, resources by group-version or None, failed group-versions)``.
GroupsAndMaybeResources = Tuple[
    List[APIGroup], Optional[Dict[GroupVersion, APIResourceList]], Dict[GroupVersion, Exception]
]

_T = TypeVar("_T")


@runtime_checkable
class AggregatedDiscoveryInterface(DiscoveryInterface, Protocol):
    """A discovery implementation that may return resources together with groups.

    client-go ``AggregatedDiscoveryInterface``. ``resources`` is ``None``
    when the caller must fetch each group-version itself (legacy discovery,
    or groups that came from a cache).
    """

    def groups_and_maybe_resources(self) -> GroupsAndMaybeResources: ...


class DiscoveryClient:
    """Discovers what an API server serves, straight from the server.

    Stateless apart from its settings, so one instance may be shared by any
    number of threads. Wrap it in ``MemCacheClient`` and/or
    ``DiskCachedDiscoveryClient`` to avoid asking twice.
    """

    def __init__(self, requester: Requester, *, legacy_only: bool = False, max_workers: int = DEFAULT_MAX_WORKERS) -> None:
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {max_workers}")
        self._requester = requester
        self._legacy_only = legacy_only
        self._max_workers = max_workers

    def __repr__(self) -> str:
        return f"DiscoveryClient(legacy_only={self._legacy_only}, max_workers={self._max_workers})"

    @property
    def legacy_only(self) -> bool:
        """True when only legacy (unaggregated) discovery is requested (client-go ``UseLegacyDiscovery``)."""
        return self._legacy_only

    # -- requests -----------------------------------------------------------------

    def _get_json(self, path: str, accept: str) -> Tuple[Any, RawResponse]:
        response = self._requester.get(path, accept=accept)
        document = decode_json_reply(response.body, response.content_type, url=path,
                                     status_code=getattr(response, "status_code", None))
        return document, response

    @staticmethod
    def _malformed(path: str, response: RawResponse, what: str, err: Exception) -> InvalidDiscoveryResponse:
        return InvalidDiscoveryResponse(f"the body is not a valid {what}: {err}", url=path,
                                        status_code=getattr(response, "status_code", 200),
                                        content_type=response.content_type, body=response.body)

    def _download(self, path: str) -> GroupsAndMaybeResources:
        """client-go ``downloadLegacy`` (``/api``) and ``downloadAPIs`` (``/apis``).

        The Content-Type of the reply decides between aggregated and legacy
        decoding. A 404 for ``/api`` yields no groups and an empty (not
        ``None``) resource map, as client-go's ``downloadLegacy`` does
        ("aggregated api servers can return it"). A 404 for ``/apis`` is an
        error, as in client-go's ``downloadAPIs``: every API server serves
        ``/apis``, so the URL or its path prefix is wrong, and "no groups"
        would only surface later as a misleading "doesn't have a resource type".
        """
        accept = ACCEPT_JSON if self._legacy_only else ACCEPT_AGGREGATED
        try:
            document, response = self._get_json(path, accept)
        except NotFound as err:
            if path == "/api":
                return [], {}, {}
            raise DiscoveryEndpointNotFound(err.url or path, err) from err
        content_type = response.content_type
        try:
            if is_aggregated(content_type):
                return split_groups_and_resources(document)
            if path == "/api":
                return [_core_group(document)], None, {}
            return list(APIGroupList.from_dict(document).groups), None, {}
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            what = "APIGroupDiscoveryList" if is_aggregated(content_type) else (
                "APIVersions" if path == "/api" else "APIGroupList")
            raise self._malformed(path, response, what, err) from None

    # -- DiscoveryInterface ---------------------------------------------------------

    def groups_and_maybe_resources(self) -> GroupsAndMaybeResources:
        """Groups from ``/api`` then ``/apis``, plus resources when both replies were aggregated.

        client-go ``GroupsAndMaybeResources``: the core group comes first;
        resources are returned only when *both* endpoints answered in the
        aggregated format ("for safety"). Group-versions marked stale, or
        whose names are not safe path components, are left out of the groups
        and reported in the third element.
        """
        # Both roots at once: one round trip instead of two (client-go fetches them in turn).
        from concurrent.futures import ThreadPoolExecutor  # here: its import is 3 ms of `import dynclient`

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dynclient-discovery") as pool:
            core = pool.submit(self._download, "/api")
            api_groups, api_resources, api_failed = self._download("/apis")
            groups, resources, failed = core.result()
        groups = groups + api_groups
        if resources is not None and api_resources is not None:
            resources = {**resources, **api_resources}
        else:
            resources = None
        failed = {**failed, **api_failed}
        groups, unsafe = split_unsafe_groups(groups)
        if unsafe:
            failed.update(unsafe)
            if resources is not None:
                resources = {gv: rl for gv, rl in resources.items() if gv not in unsafe}
        return groups, resources, failed

    def server_groups(self) -> List[APIGroup]:
        """The served groups, core first (client-go ``ServerGroups``)."""
        return self.groups_and_maybe_resources()[0]

    def server_resources_for_group_version(self, gv: GroupVersion) -> APIResourceList:
        """GET ``/api/<v>`` (core) or ``/apis/<g>/<v>`` (client-go ``ServerResourcesForGroupVersion``).

        The returned list carries ``gv`` whatever the body says, and a 404 for
        core ``v1`` yields an empty list, both as in client-go.
        """
        if not gv.version:
            raise ValueError("groupVersion shouldn't be empty")
        check_group_version(gv)
        path = f"/apis/{gv.group}/{gv.version}" if gv.group else f"/api/{gv.version}"
        try:
            document, response = self._get_json(path, ACCEPT_JSON)
        except NotFound:
            if gv == GroupVersion("", "v1"):
                return APIResourceList(gv, ())
            raise
        try:
            return APIResourceList.from_dict(document, group_version=gv)
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            raise self._malformed(path, response, "APIResourceList", err) from None

    def server_groups_and_resources(self) -> Tuple[List[APIGroup], List[APIResourceList]]:
        """Every group and every group-version's resources; tried twice on partial failure, as client-go does."""
        return _with_retries(lambda: server_groups_and_resources(self, max_workers=self._max_workers))

    def server_preferred_resources(self) -> List[APIResourceList]:
        """Each resource in its preferred version; tried twice on partial failure, as client-go does."""
        return _with_retries(lambda: server_preferred_resources(self, max_workers=self._max_workers))

    def server_preferred_namespaced_resources(self) -> List[APIResourceList]:
        """The namespaced part of ``server_preferred_resources`` (client-go does not retry this one)."""
        return server_preferred_namespaced_resources(self, max_workers=self._max_workers)

    def server_version(self) -> Dict[str, Any]:
        """GET ``/version``: ``major``, ``minor``, ``gitVersion`` and so on, as a dict."""
        document, response = self._get_json("/version", ACCEPT_JSON)
        if not isinstance(document, dict):
            raise self._malformed("/version", response, "version.Info",
                                  ValueError(f"a JSON {json_type(document)} where an object belongs"))
        return document


def _core_group(document: Any) -> APIGroup:
    """client-go ``apiVersionsToAPIGroup``: legacy ``/api`` APIVersions as the core group, first version preferred.

    With no versions the core group is still listed, empty, as client-go does.
    """
    if not isinstance(document, Mapping):
        raise ValueError("APIVersions must be a JSON object")
    versions = document.get("versions") or []
    if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
        raise ValueError(f"APIVersions.versions must be a list of strings, got {versions!r}")
    return APIGroup("", tuple(versions), versions[0] if versions else "")


def _with_retries(call: Callable[[], _T], retries: int = _DEFAULT_RETRIES) -> _T:
    """client-go ``withRetries``: repeat only on partial discovery failure, raise the last one."""
    for attempt in range(retries):
        try:
            return call()
        except GroupDiscoveryFailed:
            if attempt == retries - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


# -- shared algorithms (client-go package-level functions) ------------------------------


def groups_and_maybe_resources_of(d: DiscoveryInterface) -> GroupsAndMaybeResources:
    """Use ``d.groups_and_maybe_resources()`` when ``d`` has it, else ``(d.server_groups(), None, {})``."""
    if isinstance(d, AggregatedDiscoveryInterface):
        groups, resources, failed = d.groups_and_maybe_resources()
        return list(groups), resources, dict(failed)
    return list(d.server_groups()), None, {}


def fetch_group_version_resources(
    d: DiscoveryInterface,
    groups: Sequence[APIGroup],
    *,
    max_workers: int = DEFAULT_MAX_WORKERS,
) -> Tuple[Dict[GroupVersion, APIResourceList], Dict[GroupVersion, Exception]]:
    """Fetch every group-version of ``groups`` in parallel (client-go ``fetchGroupVersionResources``).

    What ``d`` holds locally (``LocalResources``: memory or disk) is read in
    this thread; only the rest goes to the parallel fetch, which opens
    connections gradually (``discovery.parallel``). Both dicts follow
    discovery order. A ``DynclientError`` for one group-version is recorded
    as its failure and the others carry on; anything else is a bug and
    propagates.
    """
    gvs = list(dict.fromkeys(gv for group in groups for gv in group.group_versions()))
    local: Dict[GroupVersion, APIResourceList] = {}
    if isinstance(d, LocalResources):
        read = d.cached_resources_for_group_version
        for gv in gvs:
            found = read(gv)
            if found is not None:
                local[gv] = found
    missing = [gv for gv in gvs if gv not in local]
    fetched = dict(zip(missing, run_all(d.server_resources_for_group_version, missing, max_workers=max_workers,
                                        catch=(DynclientError,))))
    resources: Dict[GroupVersion, APIResourceList] = {}
    failed: Dict[GroupVersion, Exception] = {}
    for gv in gvs:
        result = local[gv] if gv in local else fetched[gv]
        if isinstance(result, APIResourceList):
            resources[gv] = result
        else:
            failed[gv] = result  # type: ignore[assignment]
    return resources, failed


def _in_discovery_order(
    groups: Sequence[APIGroup], resources: Mapping[GroupVersion, APIResourceList]
) -> List[APIResourceList]:
    """Lists ordered by group, then version, as discovered; any extra entries after them.

    client-go orders legacy results this way but iterates a map for
    aggregated ones; dynclient uses discovery order for both, so results are
    deterministic.
    """
    ordered: List[APIResourceList] = []
    placed = set()
    for group in groups:
        for gv in group.group_versions():
            if gv in resources and gv not in placed:
                ordered.append(resources[gv])
                placed.add(gv)
    ordered.extend(rl for gv, rl in resources.items() if gv not in placed)
    return ordered


def _groups_and_all_resources(
    d: DiscoveryInterface, max_workers: int
) -> Tuple[List[APIGroup], Dict[GroupVersion, APIResourceList], Dict[GroupVersion, Exception]]:
    groups, resources, failed = groups_and_maybe_resources_of(d)
    if resources is None:
        # Non-aggregated: fetch each group-version. client-go drops the group
        # call's failures here (legacy discovery has none); dynclient keeps
        # them, since unsafe names are reported there.
        resources, fetch_failed = fetch_group_version_resources(d, groups, max_workers=max_workers)
        failed = {**failed, **fetch_failed}
    return groups, resources, failed


def server_groups_and_resources(
    d: DiscoveryInterface, *, max_workers: int = DEFAULT_MAX_WORKERS
) -> Tuple[List[APIGroup], List[APIResourceList]]:
    """All groups and all resource lists of ``d`` (client-go ``ServerGroupsAndResources``).

    Raises ``GroupDiscoveryFailed`` after collecting every success when any
    group-version failed; its ``partial`` is ``(groups, resource_lists)``.
    """
    groups, resources, failed = _groups_and_all_resources(d, max_workers)
    result = _in_discovery_order(groups, resources)
    if failed:
        raise GroupDiscoveryFailed(failed, partial=(groups, result))
    return groups, result


def server_preferred_resources(d: DiscoveryInterface, *, max_workers: int = DEFAULT_MAX_WORKERS) -> List[APIResourceList]:
    """Each resource of ``d`` in its preferred version (client-go ``ServerPreferredResources``).

    Raises ``GroupDiscoveryFailed`` with the lists that could be built as ``partial``.
    """
    groups, resources, failed = _groups_and_all_resources(d, max_workers)
    result = preferred_resources(groups, resources)
    if failed:
        raise GroupDiscoveryFailed(failed, partial=result)
    return result


def server_preferred_namespaced_resources(
    d: DiscoveryInterface, *, max_workers: int = DEFAULT_MAX_WORKERS
) -> List[APIResourceList]:
    """The namespaced resources of ``server_preferred_resources`` (client-go ``ServerPreferredNamespacedResources``)."""
    try:
        lists = server_preferred_resources(d, max_workers=max_workers)
    except GroupDiscoveryFailed as err:
        raise GroupDiscoveryFailed(err.failed, partial=namespaced_only(err.partial or [])) from None
    return namespaced_only(lists)


class DerivedQueries:
    """The aggregate queries, derived from ``server_groups`` and per-group-version lookups.

    Mixed into the memory and disk caches so each states only how it answers
    the primitive calls; the live client overrides these to add client-go's
    retries. Subclasses set ``_max_workers``.
    """

    _max_workers: int = DEFAULT_MAX_WORKERS

    def server_groups_and_resources(self) -> Tuple[List[APIGroup], List[APIResourceList]]:
        """All groups and resource lists, fetching missing group-versions in parallel."""
        return server_groups_and_resources(self, max_workers=self._max_workers)  # type: ignore[arg-type]

    def server_preferred_resources(self) -> List[APIResourceList]:
        """Each resource in its group's preferred version (client-go ``ServerPreferredResources``)."""
        return server_preferred_resources(self, max_workers=self._max_workers)  # type: ignore[arg-type]

    def server_preferred_namespaced_resources(self) -> List[APIResourceList]:
        """The namespaced part of ``server_preferred_resources``."""
        return server_preferred_namespaced_resources(self, max_workers=self._max_workers)  # type: ignore[arg-type]
