"""PriorityRESTMapper: the pattern walk, user versions first, delegate order kept."""

from __future__ import annotations

import itertools
import random
from typing import List

import pytest

from discovery.types import GroupKind, GroupVersion, GroupVersionKind, GroupVersionResource
from restmapper import (
    AmbiguousKind,
    AmbiguousResource,
    DefaultRESTMapper,
    PriorityRESTMapper,
    Scope,
    kind_matches,
    resource_matches,
)

from .reference import GoPriorityRESTMapper

GVR = GroupVersionResource
GVK = GroupVersionKind


@pytest.mark.parametrize(
    "pattern, value, matches",
    [
        (GVR("*", "*", "*"), GVR("a", "v1", "x"), True),
        (GVR("a", "*", "*"), GVR("a", "v1", "x"), True),
        (GVR("a", "*", "*"), GVR("b", "v1", "x"), False),
        (GVR("*", "v1", "*"), GVR("b", "v2", "x"), False),
        (GVR("*", "*", "y"), GVR("b", "v1", "x"), False),
        (GVR("", "v1", "*"), GVR("", "v1", "pods"), True),
    ],
    ids=["all-any", "group", "other-group", "other-version", "other-resource", "core"],
)
def test_resource_matches(pattern: GVR, value: GVR, matches: bool) -> None:
    assert resource_matches(pattern, value) is matches
    as_kind = (GVK(pattern.group, pattern.version, pattern.resource), GVK(value.group, value.version, value.resource))
    assert kind_matches(*as_kind) is matches


class _Fixed:
    """A delegate answering fixed candidate lists."""

    def __init__(self, kinds: List[GVK]) -> None:
        self.kinds = kinds

    def kinds_for(self, resource):
        return list(self.kinds)

    def resources_for(self, resource):
        return [GVR(k.group, k.version, k.kind) for k in self.kinds]

    def rest_mappings(self, gk, *versions):
        from restmapper import RESTMapping
        return [RESTMapping(GVR(k.group, k.version, k.kind.lower()), k, Scope.ROOT) for k in self.kinds]


def test_narrowing_is_not_just_first_match() -> None:
    # P1 keeps {a, b}; P2 matches only c, which is no longer in play; P3 then picks b.
    a, b, c = GVK("x", "v1", "A"), GVK("x", "v1", "B"), GVK("y", "v1", "C")
    patterns = [GVK("x", "*", "*"), GVK("y", "*", "*"), GVK("*", "*", "B")]
    mapper = PriorityRESTMapper(_Fixed([a, b, c]), kind_priority=patterns)
    assert mapper.kind_for(GVR("", "", "any")) == b


def test_matches_literal_walk_on_random_cases() -> None:
    rng = random.Random(7)
    values = [GVK(g, v, k) for g, v, k in itertools.product(["", "a", "b"], ["v1", "v2"], ["K", "L"])]
    pattern_space = [GVK(g, v, k) for g, v, k in itertools.product(["*", "", "a", "b"], ["*", "v1", "v2"], ["*", "K", "L"])]
    for _ in range(2000):
        kinds = rng.sample(values, rng.randint(2, 5))
        patterns = rng.sample(pattern_space, rng.randint(0, 8))
        resources = [GVR(k.group, k.version, k.kind) for k in kinds]
        rpatterns = [GVR(p.group, p.version, p.kind) for p in patterns]
        ours = PriorityRESTMapper(_Fixed(kinds), rpatterns, patterns)
        go = GoPriorityRESTMapper(_Fixed(kinds), rpatterns, patterns)
        versions = tuple(rng.sample(["v1", "v2", ""], rng.randint(0, 2)))
        for call in (lambda m: m.kind_for(GVR("", "", "r")), lambda m: m.resource_for(GVR("", "", "r")),
                     lambda m: m.rest_mapping(GroupKind("a", "K"), *versions)):
            results = []
            for mapper in (ours, go):
                try:
                    results.append(call(mapper))
                except (AmbiguousKind, AmbiguousResource) as err:
                    results.append((type(err), err.matching_kinds, err.matching_resources))
            assert results[0] == results[1], (kinds, patterns, versions)
        assert resources == ours.resources_for(GVR("", "", "r"))
        assert _Fixed(kinds).rest_mappings(None) == ours.rest_mappings(GroupKind("a", "K"))


def _versions_mapper() -> PriorityRESTMapper:
    gv1, gv2 = GroupVersion("x.io", "v1"), GroupVersion("x.io", "v2")
    one, two = DefaultRESTMapper([gv1]), DefaultRESTMapper([gv2])
    one.add(gv1.with_kind("Thing"), Scope.NAMESPACE)
    two.add(gv2.with_kind("Thing"), Scope.NAMESPACE)
    union = DefaultRESTMapper.union([one, two])
    return PriorityRESTMapper(union, kind_priority=[GVK("x.io", "v2", "*"), GVK("x.io", "v1", "*")])


@pytest.mark.parametrize(
    "versions, expected",
    [((), "v2"), (("v1",), "v1"), (("v1", "v2"), "v1"), (("", "v1"), "v1"), (("v3", "v1"), "v1")],
    ids=["kind-priority", "user-version", "user-order", "empty-version-skipped", "unknown-version-skipped"],
)
def test_user_versions_take_priority(versions: tuple, expected: str) -> None:
    assert _versions_mapper().rest_mapping(GroupKind("x.io", "Thing"), *versions).resource.version == expected


def test_ambiguous_without_patterns() -> None:
    mapper = _versions_mapper()
    bare = PriorityRESTMapper(mapper.delegate)
    with pytest.raises(AmbiguousKind):
        bare.rest_mapping(GroupKind("x.io", "Thing"))
    with pytest.raises(AmbiguousResource):
        bare.kind_for(GVR("", "", "things"))
    assert bare.kind_for(GVR("", "v1", "things")) == GVK("x.io", "v1", "Thing")
    assert mapper.kind_for(GVR("", "", "things")) == GVK("x.io", "v2", "Thing")
    assert mapper.resource_singularizer("things") == "thing"


def test_reset_reaches_delegate() -> None:
    class Resettable(_Fixed):
        resets = 0

        def reset(self) -> None:
            self.resets += 1

    delegate = Resettable([])
    PriorityRESTMapper(delegate).reset()
    assert delegate.resets == 1
