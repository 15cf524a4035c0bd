"""NewDiscoveryRESTMapper: order, priorities, and equality with the literal Go composition."""

from __future__ import annotations

from typing import Iterator, List, Tuple

import pytest

from discovery.errors import GroupDiscoveryFailed, ServiceUnavailable
from discovery.types import GroupKind, GroupVersion, GroupVersionKind, GroupVersionResource
from restmapper import (
    AmbiguousResource,
    DiscoverySnapshot,
    NoKindMatch,
    NoMatch,
    NoResourceMatch,
    PriorityRESTMapper,
    RESTMapping,
    Scope,
    get_api_group_resources,
    new_discovery_rest_mapper,
)
from restmapper.errors import MappingError

from .conftest import crd_server
from .fakes import FakeDiscovery, FakeServer
from .reference import go_discovery_rest_mapper

GVR = GroupVersionResource
GVK = GroupVersionKind


def _mapper(server: FakeServer) -> PriorityRESTMapper:
    return new_discovery_rest_mapper(get_api_group_resources(FakeDiscovery(server)))


def _queries(server: FakeServer) -> Iterator[GVR]:
    """Every name the server knows, asked every way kubectl can ask it.

    Group forms use the groups serving the name, their prefixes (``storage``
    for ``storage.k8s.io``) and a few unrelated groups, to keep the oracle's
    scans affordable.
    """
    owners: dict = {"nosuchthing": set(), "list": set(), "deploymentlists": set()}
    for gv, lst in server.lists.items():
        for r in lst.resources:
            for name in (r.name, r.singular_name, r.kind, r.kind.lower(), *r.short_names):
                if name:
                    owners.setdefault(name, set()).add(gv)
    for name, gvs in sorted(owners.items()):
        groups = {gv.group for gv in gvs if gv.group} | {"k8s.io", "x"}
        groups |= {g.split(".")[0] for g in groups}
        yield GVR("", "", name)
        for version in ("v1", "v1beta1", "__internal"):
            yield GVR("", version, name)
        for group in sorted(groups):
            yield GVR(group, "", name)
            for version in sorted({gv.version for gv in gvs} | {"v1"}):
                yield GVR(group, version, name)


def _outcome(call):
    try:
        return call()
    except NoMatch:
        return "nomatch"
    except MappingError as err:
        return type(err).__name__, getattr(err, "matching_kinds", None), getattr(err, "matching_resources", None)
    except ValueError:
        return "ValueError"


@pytest.mark.parametrize("world", ["kube", "crds"])
def test_equals_literal_go_composition(world: str, kube_server: FakeServer) -> None:
    server = kube_server if world == "kube" else crd_server()
    groups = get_api_group_resources(FakeDiscovery(server))
    ours, go = new_discovery_rest_mapper(groups), go_discovery_rest_mapper(groups)
    checked = 0
    for query in _queries(server):
        for method in ("kinds_for", "kind_for", "resources_for", "resource_for"):
            assert _outcome(lambda: getattr(ours, method)(query)) == _outcome(lambda: getattr(go, method)(query)), (method, query)
            checked += 1
        if not query.group and not query.version:
            name = query.resource
            assert _outcome(lambda: ours.resource_singularizer(name)) == _outcome(lambda: go.resource_singularizer(name)), name
    kinds = {GroupKind(gv.group, kind) for gv, lst in server.lists.items() for r in lst.resources
             for kind in (r.kind, r.kind.lower(), r.kind.upper())}
    all_versions = sorted({v for g in server.groups for v in g.versions})
    for kind in sorted(kinds):
        for versions in [(), ("",), *[(v,) for v in all_versions], ("v2", "v1"), ("v1beta1", "v1")]:
            for method in ("rest_mappings", "rest_mapping"):
                ours_out = _outcome(lambda: getattr(ours, method)(kind, *versions))
                assert ours_out == _outcome(lambda: getattr(go, method)(kind, *versions)), (method, kind, versions)
                checked += 1
    assert checked > 3_000  # the loops really ran


def test_priorities_core_first_then_preferred_then_other_versions() -> None:
    mapper = _mapper(crd_server())
    kinds = [p for p in mapper.kind_priority]
    assert kinds[0] == GVK("", "v1", "*")
    multi = [p for p in kinds if p.group == "multi.example.com"]
    # preferred v2 first although the group lists v1beta1 first; the group wildcard last
    assert multi == [GVK("multi.example.com", "v2", "*"), GVK("multi.example.com", "v1beta1", "*"),
                     GVK("multi.example.com", "*", "*")]
    assert kinds.index(GVK("apps", "v1", "*")) < kinds.index(GVK("", "*", "*"))
    assert [p.group for p in mapper.resource_priority] == [p.group for p in kinds]


@pytest.mark.parametrize(
    "query, kind",
    [
        pytest.param(GVR("", "", "gadgets"), GVK("multi.example.com", "v2", "Gadget"), id="preferred-version-wins"),
        pytest.param(GVR("", "v1beta1", "gadgets"), GVK("multi.example.com", "v1beta1", "Gadget"), id="explicit-version"),
        pytest.param(GVR("", "", "legacythings"), GVK("multi.example.com", "v1beta1", "LegacyThing"), id="only-in-non-preferred"),
        pytest.param(GVR("", "", "events"), GVK("", "v1", "Event"), id="core-before-events.k8s.io"),
        pytest.param(GVR("", "", "widgets"), GVK("stable.example.com", "v1", "Widget"), id="first-group-in-discovery-order"),
        pytest.param(GVR("other.example.org", "", "widget"), GVK("other.example.org", "v1", "Widget"), id="group-given"),
        pytest.param(GVR("", "", "PODS"), GVK("", "v1", "Pod"), id="case-insensitive"),
        pytest.param(GVR("", "", "endpoints"), GVK("", "v1", "Endpoints"), id="guessed-singular-endpoints"),
        pytest.param(GVR("", "", "policy"), GVK("policy.example.com", "v1", "Policy"), id="guessed-singular-policy"),
    ],
)
def test_kind_for(query: GVR, kind: GVK) -> None:
    assert _mapper(crd_server()).kind_for(query) == kind


def test_resources_for_keeps_discovery_order_unsorted_by_priority() -> None:
    # PriorityRESTMapper.ResourcesFor returns the delegate's order: v1beta1 is listed first.
    mapper = _mapper(crd_server())
    assert mapper.resources_for(GVR("", "", "gadgets")) == [
        GVR("multi.example.com", "v1beta1", "gadgets"), GVR("multi.example.com", "v2", "gadgets")]
    assert mapper.resource_for(GVR("", "", "gadgets")) == GVR("multi.example.com", "v2", "gadgets")
    assert [m.resource.version for m in mapper.rest_mappings(GroupKind("multi.example.com", "Gadget"))] == ["v1beta1", "v2"]
    assert mapper.rest_mapping(GroupKind("multi.example.com", "Gadget")).resource.version == "v2"
    assert mapper.rest_mapping(GroupKind("multi.example.com", "Gadget"), "v1beta1").resource.version == "v1beta1"


def test_ambiguous_resource_inside_one_group_version() -> None:
    # "things" is Thing's plural and Thingy's singular; no pattern can split one group-version.
    mapper = _mapper(crd_server())
    with pytest.raises(AmbiguousResource) as err:
        mapper.resource_for(GVR("", "", "things"))
    assert err.value.matching_resources == [GVR("dup.example.com", "v1", "thingies"), GVR("dup.example.com", "v1", "things")]
    # resourceToKind keeps the last registration for a shared key, so the kind is not ambiguous.
    assert mapper.kind_for(GVR("", "", "things")) == GVK("dup.example.com", "v1", "Thingy")


@pytest.mark.parametrize(
    "kind, versions, mapping",
    [
        pytest.param(GroupKind("apps", "Deployment"), (), RESTMapping(GVR("apps", "v1", "deployments"),
                     GVK("apps", "v1", "Deployment"), Scope.NAMESPACE), id="kind"),
        pytest.param(GroupKind("apps", "deployment"), ("v1",), RESTMapping(GVR("apps", "v1", "deployments"),
                     GVK("apps", "v1", "deployment"), Scope.NAMESPACE), id="lower-case-kind-registered"),
        pytest.param(GroupKind("", "Namespace"), ("",), RESTMapping(GVR("", "v1", "namespaces"),
                     GVK("", "v1", "Namespace"), Scope.ROOT), id="root-scope"),
    ],
)
def test_rest_mapping(kind: GroupKind, versions: tuple, mapping: RESTMapping) -> None:
    assert _mapper(crd_server()).rest_mapping(kind, *versions) == mapping


@pytest.mark.parametrize(
    "kind",
    [GroupKind("apps", "DEPLOYMENT"), GroupKind("apps", "Scale"), GroupKind("apps", "DeploymentList"), GroupKind("", "List")],
    ids=["only-exact-or-lower", "subresource-kinds-skipped", "no-List-guesses", "no-List-kind"],
)
def test_rest_mapping_misses(kind: GroupKind) -> None:
    with pytest.raises(NoKindMatch):
        _mapper(crd_server()).rest_mapping(kind)


@pytest.mark.parametrize("name", ["pods/log", "deploymentlists", "podlist", "lists"])
def test_no_subresources_or_list_guesses(name: str) -> None:
    with pytest.raises(NoResourceMatch):
        _mapper(crd_server()).kind_for(GVR("", "", name))


def test_get_api_group_resources_keeps_partial_results() -> None:
    server = crd_server()
    failed = GroupVersion("multi.example.com", "v2")
    server.failing[failed] = ServiceUnavailable({"message": "down"})
    groups = get_api_group_resources(FakeDiscovery(server))
    multi = next(g for g in groups if g.group.name == "multi.example.com")
    assert list(multi.versioned_resources) == ["v1beta1"]
    snapshot = DiscoverySnapshot.fetch(FakeDiscovery(server))
    assert list(snapshot.failures) == [failed]
    mapper = new_discovery_rest_mapper(snapshot.group_resources, discovery_failures=snapshot.failures)
    # The preferred version failed, so its pattern is absent and v1beta1 serves.
    assert mapper.kind_for(GVR("", "", "gadgets")) == GVK("multi.example.com", "v1beta1", "Gadget")
    with pytest.raises(NoResourceMatch) as err:
        mapper.kind_for(GVR("", "", "nosuch"))
    assert "(discovery failed for: multi.example.com/v2: (ServiceUnavailable) down)" in str(err.value)


def test_total_discovery_failure_propagates() -> None:
    class Broken(FakeDiscovery):
        def server_groups_and_resources(self) -> Tuple[List, List]:
            raise GroupDiscoveryFailed({GroupVersion("", "v1"): RuntimeError("x")}, partial=None)

    with pytest.raises(GroupDiscoveryFailed):
        get_api_group_resources(Broken(crd_server()))
