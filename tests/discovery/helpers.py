"""Small helpers shared by the discovery tests (fixtures live in conftest.py)."""

from __future__ import annotations

from typing import Iterable, List, Tuple

from discovery import APIResource, APIResourceList, GroupVersion, RawResponse

#: The core group-version.
CORE_V1 = GroupVersion("", "v1")


class NoRequests:
    """A Requester that fails the test on any request: proves an answer came from a cache."""

    def get(self, path: str, *, accept: str) -> RawResponse:
        raise AssertionError(f"unexpected request for {path}")


def shape(resource: APIResource) -> Tuple[object, ...]:
    """What legacy and aggregated discovery must agree on for one resource.

    Aggregated discovery carries no storageVersionHash, and its converted
    subresources take the parent's singular name where legacy says "".
    """
    return (
        resource.name,
        resource.namespaced,
        resource.kind,
        resource.verbs,
        resource.short_names,
        resource.categories,
        resource.group,
        "" if resource.is_subresource else resource.singular_name,
    )


def shapes(lists: Iterable[APIResourceList]) -> List[Tuple[str, List[Tuple[object, ...]]]]:
    return [(str(rl.group_version), [shape(r) for r in rl.resources]) for rl in lists]


def names(resource_list: APIResourceList) -> List[str]:
    return [r.name for r in resource_list.resources]
