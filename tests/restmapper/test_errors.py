"""Error messages match apimachinery's, and carry their evidence."""

from __future__ import annotations

import pytest

from discovery.errors import DynclientError, ServiceUnavailable
from discovery.types import GroupKind, GroupVersion, GroupVersionKind, GroupVersionResource
from restmapper import (
    Ambiguous,
    AmbiguousKind,
    AmbiguousResource,
    MappingError,
    NoKindMatch,
    NoMatch,
    NoResourceMatch,
)

GVR = GroupVersionResource
GVK = GroupVersionKind


@pytest.mark.parametrize(
    "error, text",
    [
        pytest.param(NoKindMatch(GroupKind("apps", "Deployment")),
                     'no matches for kind "Deployment" in group "apps"', id="kind-no-versions"),
        pytest.param(NoKindMatch(GroupKind("apps", "Deployment"), ["v1"]),
                     'no matches for kind "Deployment" in version "apps/v1"', id="kind-one-version"),
        pytest.param(NoKindMatch(GroupKind("", "Pod"), ["v1"]),
                     'no matches for kind "Pod" in version "v1"', id="kind-core-version"),
        pytest.param(NoKindMatch(GroupKind("g", "K"), ["v2", "v1", "v2"]),
                     'no matches for kind "K" in versions ["g/v1" "g/v2"]', id="kind-versions-sorted-set"),
        pytest.param(NoKindMatch(GroupKind("apps", "Deployment"), [""]),
                     'no matches for kind "Deployment" in version "apps/"', id="kind-empty-version"),
        pytest.param(NoResourceMatch(GVR("", "", "nosuchthing")),
                     "no matches for /, Resource=nosuchthing", id="resource"),
        pytest.param(NoResourceMatch(GVR("", "", "x"), message='the server doesn\'t have a resource type "x"'),
                     'the server doesn\'t have a resource type "x"', id="resource-cli-form"),
        pytest.param(AmbiguousResource(GVR("", "", "things"),
                                       matching_resources=[GVR("g", "v1", "a"), GVR("g", "v1", "b")]),
                     "/, Resource=things matches multiple resources [g/v1, Resource=a g/v1, Resource=b]",
                     id="ambiguous-resource"),
        pytest.param(AmbiguousResource(GVR("", "", "w"), matching_kinds=[GVK("a", "v1", "W"), GVK("b", "v1", "W")]),
                     "/, Resource=w matches multiple kinds [a/v1, Kind=W b/v1, Kind=W]", id="ambiguous-resource-kinds"),
        pytest.param(AmbiguousKind(GVK("g", "", "K"), matching_kinds=[GVK("g", "v1", "K"), GVK("g", "v2", "K")]),
                     "g/, Kind=K matches multiple kinds [g/v1, Kind=K g/v2, Kind=K]", id="ambiguous-kind"),
        pytest.param(AmbiguousKind(GVK("g", "", "K")), "g/, Kind=K matches multiple resources or kinds",
                     id="ambiguous-kind-empty"),
    ],
)
def test_messages(error: MappingError, text: str) -> None:
    assert str(error) == text


def test_no_match_names_failed_group_versions() -> None:
    failures = {GroupVersion("metrics.k8s.io", "v1beta1"): ServiceUnavailable({"message": "unavailable"})}
    err = NoResourceMatch(GVR("", "", "nodemetrics"), discovery_failures=failures)
    assert err.discovery_failures == failures
    assert str(err) == ("no matches for /, Resource=nodemetrics "
                        "(discovery failed for: metrics.k8s.io/v1beta1: (ServiceUnavailable) unavailable)")


@pytest.mark.parametrize(
    "cls, bases",
    [
        pytest.param(NoKindMatch, (NoMatch, MappingError, DynclientError), id="NoKindMatch"),
        pytest.param(NoResourceMatch, (NoMatch, MappingError, DynclientError), id="NoResourceMatch"),
        pytest.param(AmbiguousResource, (Ambiguous, MappingError, DynclientError), id="AmbiguousResource"),
        pytest.param(AmbiguousKind, (Ambiguous, MappingError, DynclientError), id="AmbiguousKind"),
    ],
)
def test_tree(cls: type, bases: tuple) -> None:
    assert all(issubclass(cls, base) for base in bases)


def test_evidence_attributes() -> None:
    err = NoKindMatch(GroupKind("apps", "Deployment"), ("v1",))
    assert (err.group_kind, err.searched_versions, err.discovery_failures) == (GroupKind("apps", "Deployment"), ("v1",), {})
    amb = AmbiguousResource(GVR("", "", "x"), matching_resources=[GVR("a", "v1", "x")])
    assert amb.partial_resource == GVR("", "", "x") and amb.matching_resources == [GVR("a", "v1", "x")]
    assert amb.matching_kinds == []
