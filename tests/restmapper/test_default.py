"""DefaultRESTMapper: apimachinery's semantics from indexes, and union == MultiRESTMapper."""

from __future__ import annotations

from typing import List

import pytest

from discovery.types import GroupKind, GroupVersion, GroupVersionKind, GroupVersionResource
from restmapper import (
    AmbiguousKind,
    AmbiguousResource,
    DefaultRESTMapper,
    MultiRESTMapper,
    NoKindMatch,
    NoMatch,
    NoResourceMatch,
    RESTMapping,
    Scope,
    unsafe_guess_kind_to_resource,
)

from .reference import GoDefaultRESTMapper

GVR = GroupVersionResource
GVK = GroupVersionKind


@pytest.mark.parametrize(
    "kind, plural, singular",
    [
        ("Pod", "pods", "pod"),
        ("Endpoints", "endpoints", "endpoints"),
        ("ClusterEndpoints", "clusterendpoints", "clusterendpoints"),
        ("Ingress", "ingresses", "ingress"),
        ("Quiz", "quizes", "quiz"),
        ("Match", "matches", "match"),
        ("Wish", "wishes", "wish"),
        ("Box", "boxes", "box"),
        ("NetworkPolicy", "networkpolicies", "networkpolicy"),
        ("Gateway", "gateways", "gateway"),
        ("Key", "keys", "key"),
        ("Toy", "toys", "toy"),
        ("Guy", "guys", "guy"),
        ("Iy", "iys", "iy"),
        ("Y", "ies", "y"),
        ("CronTab", "crontabs", "crontab"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_unsafe_guess_kind_to_resource(kind: str, plural: str, singular: str) -> None:
    guessed = unsafe_guess_kind_to_resource(GVK("g", "v1", kind))
    assert guessed == (GVR("g", "v1", plural), GVR("g", "v1", singular))


def test_unsafe_guess_empty_kind() -> None:
    assert unsafe_guess_kind_to_resource(GVK("g", "v1", "")) == (GVR("", "", ""), GVR("", "", ""))


V1 = GroupVersion("", "v1")
APPS = GroupVersion("apps", "v1")
EXT = GroupVersion("extensions", "v1beta1")


def _two_version_mapper() -> DefaultRESTMapper:
    mapper = DefaultRESTMapper([APPS, EXT])
    for gv in (EXT, APPS):  # registration order must not matter, the preferred order does
        mapper.add(gv.with_kind("Deployment"), Scope.NAMESPACE)
    mapper.add(APPS.with_kind("ReplicaSet"), Scope.NAMESPACE)
    mapper.add_specific(APPS.with_kind("Scale"), APPS.with_resource("scales"), APPS.with_resource("scale"), Scope.NAMESPACE)
    return mapper


@pytest.mark.parametrize(
    "query, expected",
    [
        pytest.param(GVR("", "", "deployments"), [GVR("apps", "v1", "deployments"), GVR("extensions", "v1beta1", "deployments")],
                     id="name-sorted-by-preferred-gv"),
        pytest.param(GVR("", "", "DEPLOYMENT"), [GVR("apps", "v1", "deployments"), GVR("extensions", "v1beta1", "deployments")],
                     id="singular-case-insensitive"),
        pytest.param(GVR("", "v1beta1", "deployments"), [GVR("extensions", "v1beta1", "deployments")], id="version-only"),
        pytest.param(GVR("apps", "", "deployment"), [GVR("apps", "v1", "deployments")], id="group-exact"),
        pytest.param(GVR("ext", "", "deployments"), [GVR("extensions", "v1beta1", "deployments")], id="group-prefix"),
        pytest.param(GVR("apps", "v1", "deployment"), [GVR("apps", "v1", "deployments")], id="fully-qualified"),
        pytest.param(GVR("apps", "__internal", "replicasets"), [GVR("apps", "v1", "replicasets")], id="internal-version-ignored"),
    ],
)
def test_resources_for(query: GVR, expected: List[GVR]) -> None:
    assert _two_version_mapper().resources_for(query) == expected


def test_lookups_and_errors() -> None:
    mapper = _two_version_mapper()
    assert mapper.kinds_for(GVR("", "", "deployments")) == [APPS.with_kind("Deployment"), EXT.with_kind("Deployment")]
    assert mapper.kind_for(GVR("apps", "", "deployments")) == APPS.with_kind("Deployment")
    assert mapper.resource_for(GVR("", "", "replicaset")) == GVR("apps", "v1", "replicasets")
    with pytest.raises(AmbiguousResource) as err:
        mapper.kind_for(GVR("", "", "deployments"))
    assert err.value.matching_kinds == [APPS.with_kind("Deployment"), EXT.with_kind("Deployment")]
    with pytest.raises(AmbiguousResource):
        mapper.resource_for(GVR("", "", "deployments"))
    with pytest.raises(NoResourceMatch):
        mapper.kinds_for(GVR("", "", "nosuch"))
    with pytest.raises(ValueError):
        mapper.kinds_for(GVR("apps", "v1", ""))
    assert mapper.resource_singularizer("deployments") == "deployment"
    assert mapper.resource_singularizer("scales") == "scale"


def test_rest_mappings_versions() -> None:
    mapper = _two_version_mapper()
    deployment = GroupKind("apps", "Deployment")
    apps_mapping = RESTMapping(GVR("apps", "v1", "deployments"), APPS.with_kind("Deployment"), Scope.NAMESPACE)
    assert mapper.rest_mappings(deployment) == [apps_mapping]
    assert mapper.rest_mapping(deployment, "", "v1") == apps_mapping
    with pytest.raises(NoKindMatch) as err:
        mapper.rest_mapping(deployment, "v9")
    assert str(err.value) == 'no matches for kind "Deployment" in version "apps/v9"'
    # A lone mapper with candidate versions but no such kind: Go's NoResourceMatchError.
    with pytest.raises(NoResourceMatch):
        mapper.rest_mapping(GroupKind("apps", "Nope"))


def test_endpoints_is_not_ambiguous_with_itself() -> None:
    mapper = DefaultRESTMapper([V1])
    mapper.add(V1.with_kind("Endpoints"), Scope.NAMESPACE)
    assert mapper.resource_for(GVR("", "", "endpoints")) == GVR("", "v1", "endpoints")
    assert mapper.resource_singularizer("endpoints") == "endpoints"


def test_union_cannot_be_added_to() -> None:
    union = DefaultRESTMapper.union([DefaultRESTMapper([V1]), DefaultRESTMapper([APPS])])
    with pytest.raises(TypeError):
        union.add(V1.with_kind("Pod"), Scope.NAMESPACE)


def _members():
    """Three single-version members; Widget lives in two of them."""
    a, b, c = GroupVersion("a.io", "v1"), GroupVersion("b.io", "v1"), GroupVersion("a.io.x", "v1")
    members = []
    for gv, kinds in ((a, ["Widget", "Gizmo"]), (b, ["Widget"]), (c, ["Gizmo"])):
        ours, go = DefaultRESTMapper([gv]), GoDefaultRESTMapper([gv])
        for kind in kinds:
            ours.add(gv.with_kind(kind), Scope.NAMESPACE)
            plural, singular = unsafe_guess_kind_to_resource(gv.with_kind(kind))
            go.add_specific(gv.with_kind(kind), plural, singular, Scope.NAMESPACE)
        members.append((ours, go))
    return [m[0] for m in members], [m[1] for m in members]


def _outcome(call):
    try:
        return call()
    except NoMatch as err:
        return "nomatch"
    except (AmbiguousKind, AmbiguousResource) as err:
        return type(err).__name__, err.matching_kinds, err.matching_resources


QUERIES = [
    GVR("", "", "widgets"), GVR("", "", "widget"), GVR("a.io", "", "gizmos"), GVR("a", "", "gizmos"),
    GVR("a.io.x", "", "gizmo"), GVR("b.io", "v1", "widget"), GVR("", "v1", "gizmos"), GVR("c", "", "widgets"),
]


@pytest.mark.parametrize("query", QUERIES, ids=str)
@pytest.mark.parametrize("method", ["resources_for", "kinds_for", "resource_for", "kind_for"])
def test_union_equals_literal_multi(query: GVR, method: str) -> None:
    ours, go = _members()
    union, multi = DefaultRESTMapper.union(ours), MultiRESTMapper(go)
    assert _outcome(lambda: getattr(union, method)(query)) == _outcome(lambda: getattr(multi, method)(query))


@pytest.mark.parametrize("versions", [(), ("v1",), ("v2", "v1"), ("v2",)], ids=repr)
@pytest.mark.parametrize("kind", [GroupKind("a.io", "Widget"), GroupKind("b.io", "Widget"), GroupKind("a.io", "Nope")], ids=str)
def test_union_rest_mappings_equal_literal_multi(kind: GroupKind, versions: tuple) -> None:
    ours, go = _members()
    union, multi = DefaultRESTMapper.union(ours), MultiRESTMapper(go)
    assert _outcome(lambda: union.rest_mappings(kind, *versions)) == _outcome(lambda: multi.rest_mappings(kind, *versions))
    assert _outcome(lambda: union.rest_mapping(kind, *versions)) == _outcome(lambda: multi.rest_mapping(kind, *versions))


def test_union_ambiguous_kind_across_members() -> None:
    gv1, gv2 = GroupVersion("x.io", "v1"), GroupVersion("x.io", "v2")
    one, two = DefaultRESTMapper([gv1]), DefaultRESTMapper([gv2])
    one.add(gv1.with_kind("Thing"), Scope.ROOT)
    two.add(gv2.with_kind("Thing"), Scope.ROOT)
    for mapper in (DefaultRESTMapper.union([one, two]), MultiRESTMapper([one, two])):
        with pytest.raises(AmbiguousKind) as err:
            mapper.rest_mapping(GroupKind("x.io", "Thing"))
        assert err.value.matching_kinds == [gv1.with_kind("Thing"), gv2.with_kind("Thing")]
        assert mapper.rest_mapping(GroupKind("x.io", "Thing"), "v2").resource == gv2.with_resource("things")
