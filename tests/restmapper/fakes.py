"""An in-memory CachedDiscoveryInterface for restmapper tests (no HTTP).

``FakeDiscovery`` behaves like a cache in front of a server: it serves a
snapshot of ``server`` taken when it was created (as if loaded from disk,
``fresh`` as given) until ``invalidate()``; the next read then snapshots the
server again and is fresh. Tests change ``server`` to simulate a new CRD.
Every call is counted in ``calls``.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from discovery.errors import GroupDiscoveryFailed, NotFound
from discovery.model import APIGroup, APIResource, APIResourceList
from discovery.types import GroupVersion


def res(
    name: str,
    kind: str,
    *,
    singular: Optional[str] = None,
    namespaced: bool = True,
    short: Sequence[str] = (),
    categories: Sequence[str] = (),
) -> APIResource:
    """A top-level APIResource; ``singular`` defaults to the lower-cased kind ("" to omit it)."""
    return APIResource(
        name=name,
        singular_name=kind.lower() if singular is None else singular,
        namespaced=namespaced,
        kind=kind,
        verbs=("get", "list"),
        short_names=tuple(short),
        categories=tuple(categories),
    )


@dataclass
class FakeServer:
    """What the API server serves: groups in discovery order, and one list per group-version."""

    groups: List[APIGroup] = field(default_factory=list)
    lists: Dict[GroupVersion, APIResourceList] = field(default_factory=dict)
    #: group-versions whose list fails, with the error to report
    failing: Dict[GroupVersion, BaseException] = field(default_factory=dict)

    def add_group(self, name: str, versions: Mapping[str, Iterable[APIResource]], preferred: str = "") -> None:
        """Add (or replace) a group; ``versions`` is in discovery order; preferred defaults to the first."""
        versions = dict(versions)
        group = APIGroup(name, tuple(versions), preferred or next(iter(versions)))
        self.groups = [g for g in self.groups if g.name != name] + [group]
        for version, resources in versions.items():
            gv = GroupVersion(name, version)
            self.lists[gv] = APIResourceList(gv, tuple(resources))

    def copy(self) -> "FakeServer":
        """An independent copy (the documents themselves are frozen values)."""
        return FakeServer(list(self.groups), dict(self.lists), dict(self.failing))

    def add_resource(self, gv: GroupVersion, resource: APIResource) -> None:
        """Add a resource to an existing group-version (a CRD installed later)."""
        lst = self.lists[gv]
        self.lists[gv] = APIResourceList(gv, lst.resources + (resource,))


class FakeDiscovery:
    """A cached discovery client over a ``FakeServer``; see the module docstring."""

    def __init__(self, server: FakeServer, *, fresh: bool = True) -> None:
        self.server = server
        self.calls: Counter = Counter()
        self._lock = threading.Lock()
        self._snapshot: Optional[FakeServer] = server.copy()
        self._fresh = fresh
        #: called (with the method name) on every call, for tests that need to interleave
        self.on_call: Optional[Callable[[str], None]] = None

    # -- cache behaviour ------------------------------------------------------

    def _data(self, method: str) -> FakeServer:
        with self._lock:
            self.calls[method] += 1
            if self._snapshot is None:
                self._snapshot = self.server.copy()
                self._fresh = True
            data = self._snapshot
        if self.on_call is not None:
            self.on_call(method)
        return data

    @property
    def fresh(self) -> bool:
        return self._fresh

    def invalidate(self) -> None:
        with self._lock:
            self.calls["invalidate"] += 1
            self._snapshot = None
            self._fresh = False

    # -- DiscoveryInterface ---------------------------------------------------

    def server_version(self) -> Dict[str, Any]:
        self._data("server_version")
        return {"major": "1", "minor": "36"}

    def server_groups(self) -> List[APIGroup]:
        return list(self._data("server_groups").groups)

    def server_resources_for_group_version(self, gv: GroupVersion) -> APIResourceList:
        data = self._data("server_resources_for_group_version")
        if gv in data.failing:
            raise data.failing[gv]
        try:
            return data.lists[gv]
        except KeyError:
            raise NotFound({"code": 404, "reason": "NotFound", "message": f"{gv} not found"}) from None

    def server_groups_and_resources(self) -> Tuple[List[APIGroup], List[APIResourceList]]:
        data = self._data("server_groups_and_resources")
        groups = list(data.groups)
        lists: List[APIResourceList] = []
        failed: Dict[GroupVersion, BaseException] = {}
        for group in groups:
            for gv in group.group_versions():
                if gv in data.failing:
                    failed[gv] = data.failing[gv]
                elif gv in data.lists:
                    lists.append(data.lists[gv])
        if failed:
            raise GroupDiscoveryFailed(failed, partial=(groups, lists))
        return groups, lists

    def server_preferred_resources(self) -> List[APIResourceList]:
        data = self._data("server_preferred_resources")
        return [data.lists[g.preferred] for g in data.groups if g.preferred in data.lists]

    def server_preferred_namespaced_resources(self) -> List[APIResourceList]:
        return [
            APIResourceList(lst.group_version, tuple(r for r in lst.resources if r.namespaced))
            for lst in self.server_preferred_resources()
        ]

    def __repr__(self) -> str:
        return f"FakeDiscovery(groups={len(self.server.groups)})"


def fixture_server(load_fixture: Callable[[str], Any]) -> FakeServer:
    """The real discovery documents (legacy form): core v1 first, then ``/apis`` in order."""
    server = FakeServer()
    core_versions = load_fixture("/api")["versions"]
    server.groups.append(APIGroup("", tuple(core_versions), core_versions[0]))
    for version in core_versions:
        gv = GroupVersion("", version)
        server.lists[gv] = APIResourceList.from_dict(load_fixture(f"/api/{version}"), group_version=gv)
    for entry in load_fixture("/apis")["groups"]:
        group = APIGroup.from_dict(entry)
        server.groups.append(group)
        for gv in group.group_versions():
            server.lists[gv] = APIResourceList.from_dict(load_fixture(f"/apis/{gv.group}/{gv.version}"))
    return server
