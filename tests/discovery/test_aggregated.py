"""discovery.aggregated: APIGroupDiscoveryList -> groups, resources, failed group-versions."""

from __future__ import annotations

import copy
from typing import Any, Callable, Dict, List, Optional

import pytest

from discovery import APIGroup, APIResource, APIResourceList, DiscoveryError, GroupVersion
from discovery.aggregated import StaleGroupVersion, is_aggregated, split_groups_and_resources

from .helpers import CORE_V1, shape


@pytest.mark.parametrize(
    "content_type, expected",
    [
        ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", "v2"),
        ("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList", "v2beta1"),
        ("application/json; as=APIGroupDiscoveryList;v=v2;g=apidiscovery.k8s.io", "v2"),
        ("application/json; as=APIGroupDiscoveryList; v=v2beta1; g=apidiscovery.k8s.io; charset=utf-8", "v2beta1"),
        ('application/json;g="apidiscovery.k8s.io";v="v2";as="APIGroupDiscoveryList"', "v2"),
        ("Application/JSON;G=apidiscovery.k8s.io;V=v2;AS=APIGroupDiscoveryList", "v2"),
        ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;profile=nopeer", "v2"),
        ("application/json", None),
        ("application/json; charset=UTF-8", None),
        ("application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList", None),
        ("application/json;g=example.com;v=v2;as=APIGroupDiscoveryList", None),
        ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupList", None),
        ("application/json;g=apidiscovery.k8s.io;v=v2", None),
        ("application/yaml;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", None),
        ("application/json;g=apidiscovery.k8s.io;v=V2;as=APIGroupDiscoveryList", None),
        ("application/json;g", None),
        ("application/json;g=apidiscovery.k8s.io;g=x;v=v2;as=APIGroupDiscoveryList", None),
        ("malformed content type string", None),
        ("", None),
    ],
    ids=["v2", "v2beta1", "reordered", "spaces-and-charset", "quoted", "case-insensitive-names",
         "extra-param", "plain-json", "json-charset", "unknown-version", "wrong-group", "wrong-kind",
         "missing-as", "yaml", "values-case-sensitive", "param-without-value", "duplicate-param",
         "malformed", "empty"],
)
def test_is_aggregated(content_type: str, expected: Optional[str]) -> None:
    assert is_aggregated(content_type) == expected


def resource(name: str, kind: Optional[Dict[str, str]] = None, **extra: Any) -> Dict[str, Any]:
    out: Dict[str, Any] = {"resource": name, "scope": "Namespaced", "singularResource": name[:-1], "verbs": ["get"]}
    if kind is not None:
        out["responseKind"] = kind
    out.update(extra)
    return out


def doc(*groups: Dict[str, Any], api_version: str = "apidiscovery.k8s.io/v2") -> Dict[str, Any]:
    return {"kind": "APIGroupDiscoveryList", "apiVersion": api_version, "items": list(groups)}


def group(name: str, *versions: Dict[str, Any]) -> Dict[str, Any]:
    return {"metadata": {"name": name}, "versions": list(versions)}


def version(v: str, *resources: Dict[str, Any], freshness: str = "Current") -> Dict[str, Any]:
    return {"version": v, "freshness": freshness, "resources": list(resources)}


WIDGET = {"group": "", "version": "", "kind": "Widget"}


def test_converts_every_field() -> None:
    data = doc(group("example.com", version("v1", {
        "resource": "widgets",
        "singularResource": "widget",
        "scope": "Namespaced",
        "verbs": ["get", "list"],
        "shortNames": ["wd"],
        "categories": ["all"],
        "responseKind": WIDGET,
        "subresources": [
            {"subresource": "status", "verbs": ["get", "patch"], "responseKind": WIDGET},
            {"subresource": "scale", "verbs": ["get"], "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"}},
        ],
    })))
    groups, resources, failed = split_groups_and_resources(data)
    gv = GroupVersion("example.com", "v1")
    assert groups == [APIGroup("example.com", ("v1",), "v1")]
    assert failed == {}
    assert resources == {gv: APIResourceList(gv, (
        APIResource("widgets", "widget", True, "Widget", ("get", "list"), ("wd",), ("all",)),
        APIResource("widgets/status", "widget", True, "Widget", ("get", "patch")),
        APIResource("widgets/scale", "widget", True, "Scale", ("get",), group="autoscaling", version="v1"),
    ))}


@pytest.mark.parametrize("scope, namespaced", [("Namespaced", True), ("Cluster", False), (None, False)],
                         ids=["namespaced", "cluster", "missing"])
def test_scope(scope: Optional[str], namespaced: bool) -> None:
    data = doc(group("g", version("v1", resource("things", WIDGET, scope=scope))))
    _, resources, _ = split_groups_and_resources(data)
    assert resources[GroupVersion("g", "v1")].resources[0].namespaced is namespaced


@pytest.mark.parametrize("kind", [None, {}, {"group": "", "version": "", "kind": ""}], ids=["absent", "empty-object", "all-empty"])
def test_resource_without_response_kind_is_skipped_but_its_subresources_are_kept(kind: Optional[Dict[str, str]]) -> None:
    parent = resource("widgets", kind, scope="Cluster", subresources=[
        {"subresource": "status", "verbs": ["get"], "responseKind": WIDGET},
    ])
    if kind is None:
        parent.pop("responseKind", None)
    _, resources, _ = split_groups_and_resources(doc(group("g", version("v1", parent))))
    assert resources[GroupVersion("g", "v1")].resources == (
        APIResource("widgets/status", "widget", False, "Widget", ("get",)),
    )


def test_subresource_without_response_kind_is_skipped() -> None:
    parent = resource("widgets", WIDGET, subresources=[{"subresource": "log", "verbs": ["get"]}])
    _, resources, _ = split_groups_and_resources(doc(group("g", version("v1", parent))))
    assert [r.name for r in resources[GroupVersion("g", "v1")].resources] == ["widgets"]


def test_stale_versions_fail_and_leave_the_group() -> None:
    data = doc(group("g",
                     version("v2", resource("widgets", WIDGET), freshness="Stale"),
                     version("v1", resource("widgets", WIDGET)),
                     version("v1beta1", resource("widgets", WIDGET))))
    groups, resources, failed = split_groups_and_resources(data)
    assert groups == [APIGroup("g", ("v1", "v1beta1"), "v1")]
    assert set(resources) == {GroupVersion("g", "v1"), GroupVersion("g", "v1beta1")}
    assert list(failed) == [GroupVersion("g", "v2")]
    err = failed[GroupVersion("g", "v2")]
    assert isinstance(err, StaleGroupVersion) and isinstance(err, DiscoveryError)
    assert str(err) == "stale GroupVersion discovery: g/v2"
    assert err.group_version == GroupVersion("g", "v2")


def test_all_stale_keeps_an_empty_group() -> None:
    groups, resources, failed = split_groups_and_resources(doc(group("g", version("v1", freshness="Stale"))))
    assert groups == [APIGroup("g", (), "")]
    assert resources == {} and list(failed) == [GroupVersion("g", "v1")]


def test_version_without_resources_gives_an_empty_list() -> None:
    groups, resources, _ = split_groups_and_resources(doc(group("g", {"version": "v1"})))
    assert groups == [APIGroup("g", ("v1",), "v1")]
    assert resources == {GroupVersion("g", "v1"): APIResourceList(GroupVersion("g", "v1"), ())}


def test_v2beta1_has_the_same_shape() -> None:
    data = doc(group("g", version("v1", resource("widgets", WIDGET))), api_version="apidiscovery.k8s.io/v2beta1")
    assert split_groups_and_resources(data)[0] == [APIGroup("g", ("v1",), "v1")]


def test_null_lists_are_empty() -> None:
    data = doc(group("g", version("v1", resource("widgets", WIDGET, verbs=None, shortNames=None, subresources=None))))
    (widget,) = split_groups_and_resources(data)[1][GroupVersion("g", "v1")].resources
    assert widget.verbs == () and widget.short_names == ()


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"items": "nope"},
        {"items": ["nope"]},
        {"items": [{"metadata": "nope"}]},
        {"items": [{"metadata": {"name": 5}}]},
        {"items": [{"metadata": {"name": "g"}, "versions": {}}]},
        {"items": [{"metadata": {"name": "g"}, "versions": [{"version": "v1", "resources": [1]}]}]},
        {"items": [{"metadata": {"name": "g"}, "versions": [{"version": "v1", "resources": [{"resource": "x", "verbs": "get"}]}]}]},
        {"items": [{"metadata": {"name": "g"}, "versions": [{"version": "v1", "resources": [{"resource": "x", "responseKind": "Pod"}]}]}]},
    ],
    ids=["not-an-object", "items-not-list", "item-not-object", "metadata-not-object", "name-not-string",
         "versions-not-list", "resource-not-object", "verbs-not-list", "response-kind-not-object"],
)
def test_malformed_documents_raise_value_error(data: Any) -> None:
    with pytest.raises(ValueError):
        split_groups_and_resources(data)


def test_fixture_groups_match_the_legacy_group_list(load_fixture: Callable[[str], Any]) -> None:
    groups, _, failed = split_groups_and_resources(load_fixture("/aggregated_v2"))
    legacy = [APIGroup.from_dict(g) for g in load_fixture("/apis")["groups"]]
    assert failed == {}
    assert groups == legacy


def test_fixture_resources_match_the_legacy_documents(load_fixture: Callable[[str], Any]) -> None:
    groups, resources, _ = split_groups_and_resources(load_fixture("/aggregated_v2"))
    assert len(resources) == sum(len(g.versions) for g in groups)
    for gv, converted in resources.items():
        legacy = APIResourceList.from_dict(load_fixture(f"/apis/{gv.group}/{gv.version}"))
        assert converted.group_version == legacy.group_version == gv
        assert [shape(r) for r in converted.resources] == [shape(r) for r in legacy.resources], gv


def test_fixture_scale_subresources_name_their_own_group(load_fixture: Callable[[str], Any]) -> None:
    _, resources, _ = split_groups_and_resources(load_fixture("/aggregated_v2"))
    scale = {r.name: r for r in resources[GroupVersion("apps", "v1")].resources}["deployments/scale"]
    assert (scale.group, scale.version, scale.kind) == ("autoscaling", "v1", "Scale")
    assert scale.singular_name == "deployment" and scale.namespaced and scale.categories == ()


def test_fixture_core_document(load_fixture: Callable[[str], Any]) -> None:
    groups, resources, failed = split_groups_and_resources(load_fixture("/aggregated_v2_api"))
    assert groups == [APIGroup("", ("v1",), "v1")] and failed == {}
    legacy = APIResourceList.from_dict(load_fixture("/api/v1"))
    converted = resources[CORE_V1]
    assert [r.name for r in converted.resources] == [r.name for r in legacy.resources]
    pods = {r.name: r for r in converted.resources}["pods"]
    assert pods.kind == "Pod" and pods.short_names == ("po",) and pods.categories == ("all",)


def test_fixture_stale_group_version(load_fixture: Callable[[str], Any]) -> None:
    data = copy.deepcopy(load_fixture("/aggregated_v2"))
    autoscaling = next(item for item in data["items"] if item["metadata"]["name"] == "autoscaling")
    autoscaling["versions"][0]["freshness"] = "Stale"  # v2, the preferred version
    groups, resources, failed = split_groups_and_resources(data)
    assert list(failed) == [GroupVersion("autoscaling", "v2")]
    converted: List[APIGroup] = [g for g in groups if g.name == "autoscaling"]
    assert converted == [APIGroup("autoscaling", ("v1",), "v1")]
    assert GroupVersion("autoscaling", "v2") not in resources
