"""discovery.preferred: client-go's ServerPreferredResources rule as a pure function."""

from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

import pytest

from discovery import APIGroup, APIResource, APIResourceList, GroupVersion
from discovery.preferred import namespaced_only, preferred_resources


def res(name: str, namespaced: bool = True) -> APIResource:
    return APIResource(name, name.rstrip("s"), namespaced, name.capitalize())


def lists(group: str, **versions: Sequence[str]) -> Dict[GroupVersion, APIResourceList]:
    return {GroupVersion(group, v): APIResourceList(GroupVersion(group, v), tuple(res(n) for n in names))
            for v, names in versions.items()}


def summary(result: List[APIResourceList]) -> List[Tuple[str, List[str]]]:
    return [(str(rl.group_version), [r.name for r in rl.resources]) for rl in result]


@pytest.mark.parametrize(
    "group, resources, expected",
    [
        (
            APIGroup("autoscaling", ("v2", "v1"), "v2"),
            lists("autoscaling", v2=["hpas", "hpas/status"], v1=["hpas", "hpas/status"]),
            [("autoscaling/v2", ["hpas"]), ("autoscaling/v1", [])],
        ),
        (
            APIGroup("g", ("v1beta1", "v1"), "v1"),
            lists("g", v1beta1=["widgets", "gadgets"], v1=["widgets"]),
            [("g/v1beta1", ["gadgets"]), ("g/v1", ["widgets"])],
        ),
        (
            APIGroup("g", ("v1", "v1beta2", "v1beta1"), "v1"),
            lists("g", v1=["widgets"], v1beta2=["gadgets"], v1beta1=["gadgets", "gizmos"]),
            [("g/v1", ["widgets"]), ("g/v1beta2", ["gadgets"]), ("g/v1beta1", ["gizmos"])],
        ),
        (
            APIGroup("g", ("v1", "v2"), "v1"),
            lists("g", v2=["widgets"]),
            [("g/v2", ["widgets"])],
        ),
        (
            APIGroup("g", ("v1",), "v1"),
            lists("g", v1=[]),
            [("g/v1", [])],
        ),
        (
            APIGroup("g", ("v1",), "v1"),
            lists("g", v1=["widgets/status", "widgets", "widgets/scale"]),
            [("g/v1", ["widgets"])],
        ),
    ],
    ids=["preferred-first-others-empty", "preferred-later-overrides", "first-non-preferred-wins",
         "failed-version-has-no-list", "empty-list-kept", "subresources-dropped"],
)
def test_preferred_resources(group: APIGroup, resources: Dict[GroupVersion, APIResourceList], expected: list) -> None:
    assert summary(preferred_resources([group], resources)) == expected


def test_same_resource_name_in_two_groups_is_two_resources() -> None:
    groups = [APIGroup("a", ("v1",), "v1"), APIGroup("b", ("v1",), "v1")]
    resources = {**lists("a", v1=["events"]), **lists("b", v1=["events"])}
    assert summary(preferred_resources(groups, resources)) == [("a/v1", ["events"]), ("b/v1", ["events"])]


def test_order_follows_groups_and_each_source_list() -> None:
    groups = [APIGroup("z", ("v1",), "v1"), APIGroup("a", ("v1",), "v1")]
    resources = {**lists("a", v1=["b", "a"]), **lists("z", v1=["y", "x"])}
    assert summary(preferred_resources(groups, resources)) == [("z/v1", ["y", "x"]), ("a/v1", ["b", "a"])]


def test_keeps_the_resource_values() -> None:
    resources = lists("g", v1=["widgets"])
    (result,) = preferred_resources([APIGroup("g", ("v1",), "v1")], resources)
    assert result.resources[0] is resources[GroupVersion("g", "v1")].resources[0]


def test_namespaced_only_drops_empty_lists() -> None:
    gv1, gv2, gv3 = GroupVersion("g", "v1"), GroupVersion("h", "v1"), GroupVersion("i", "v1")
    result = namespaced_only([
        APIResourceList(gv1, (res("pods"), res("nodes", namespaced=False))),
        APIResourceList(gv2, (res("clusterroles", namespaced=False),)),
        APIResourceList(gv3, ()),
    ])
    assert summary(result) == [("g/v1", ["pods"])]
