"""discovery.types: parsing and printing of the group/version/kind/resource values."""

from __future__ import annotations

import dataclasses

import pytest

from discovery.types import (
    GroupKind,
    GroupResource,
    GroupVersion,
    GroupVersionKind,
    GroupVersionResource,
    parse_kind_arg,
    parse_resource_arg,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", GroupVersion("", "")),
        ("/", GroupVersion("", "")),
        ("v1", GroupVersion("", "v1")),
        ("apps/v1", GroupVersion("apps", "v1")),
        ("rbac.authorization.k8s.io/v1", GroupVersion("rbac.authorization.k8s.io", "v1")),
        ("stable.example.com/v1beta1", GroupVersion("stable.example.com", "v1beta1")),
    ],
    ids=["empty", "slash", "core", "apps", "dotted-group", "crd"],
)
def test_group_version_parse(text: str, expected: GroupVersion) -> None:
    assert GroupVersion.parse(text) == expected


@pytest.mark.parametrize(
    "text, error",
    [("a/b/c", ValueError), ("apps/v1/extra/more", ValueError), (123, TypeError), (None, TypeError)],
    ids=["three-parts", "four-parts", "int", "none"],
)
def test_group_version_parse_rejects(text: object, error: type) -> None:
    with pytest.raises(error):
        GroupVersion.parse(text)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "gv, text",
    [(GroupVersion("", "v1"), "v1"), (GroupVersion("apps", "v1"), "apps/v1"), (GroupVersion("", ""), "")],
    ids=["core", "apps", "empty"],
)
def test_group_version_str_round_trips(gv: GroupVersion, text: str) -> None:
    assert str(gv) == text
    assert gv.api_version == text
    assert GroupVersion.parse(text) == gv


def test_group_version_helpers() -> None:
    gv = GroupVersion("apps", "v1")
    assert gv.with_kind("Deployment") == GroupVersionKind("apps", "v1", "Deployment")
    assert gv.with_resource("deployments") == GroupVersionResource("apps", "v1", "deployments")
    assert GroupVersion("", "").is_empty() and not gv.is_empty()


def test_values_are_frozen_and_hashable() -> None:
    gv = GroupVersion("apps", "v1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        gv.group = "batch"  # type: ignore[misc]
    assert {gv: 1}[GroupVersion("apps", "v1")] == 1


@pytest.mark.parametrize(
    "arg, gvr, gr",
    [
        ("deployments.v1.apps", GroupVersionResource("apps", "v1", "deployments"), GroupResource("v1.apps", "deployments")),
        ("deployments.apps", None, GroupResource("apps", "deployments")),
        (
            "widgets.stable.example.com",
            GroupVersionResource("example.com", "stable", "widgets"),
            GroupResource("stable.example.com", "widgets"),
        ),
        ("pods", None, GroupResource("", "pods")),
        ("pods.v1.", GroupVersionResource("", "v1", "pods"), GroupResource("v1.", "pods")),
    ],
    ids=["resource.version.group", "resource.group", "crd-ambiguous", "bare", "core-fully-qualified"],
)
def test_parse_resource_arg(arg: str, gvr: object, gr: GroupResource) -> None:
    assert parse_resource_arg(arg) == (gvr, gr)


@pytest.mark.parametrize(
    "arg, gvk, gk",
    [
        ("Deployment.v1.apps", GroupVersionKind("apps", "v1", "Deployment"), GroupKind("v1.apps", "Deployment")),
        ("Deployment.apps", None, GroupKind("apps", "Deployment")),
        ("Pod", None, GroupKind("", "Pod")),
    ],
    ids=["kind.version.group", "kind.group", "bare"],
)
def test_parse_kind_arg(arg: str, gvk: object, gk: GroupKind) -> None:
    assert parse_kind_arg(arg) == (gvk, gk)


@pytest.mark.parametrize(
    "value, text",
    [
        (GroupKind("apps", "Deployment"), "Deployment.apps"),
        (GroupKind("", "Pod"), "Pod"),
        (GroupResource("apps", "deployments"), "deployments.apps"),
        (GroupResource("", "pods"), "pods"),
        (GroupVersionKind("apps", "v1", "Deployment"), "apps/v1, Kind=Deployment"),
        (GroupVersionKind("", "v1", "Pod"), "/v1, Kind=Pod"),
        (GroupVersionResource("apps", "v1", "deployments"), "apps/v1, Resource=deployments"),
    ],
    ids=["gk", "gk-core", "gr", "gr-core", "gvk", "gvk-core", "gvr"],
)
def test_str(value: object, text: str) -> None:
    assert str(value) == text


def test_group_kind_and_resource_parse() -> None:
    assert GroupKind.parse("Deployment.apps") == GroupKind("apps", "Deployment")
    assert GroupResource.parse("widgets.stable.example.com") == GroupResource("stable.example.com", "widgets")
    assert GroupKind("apps", "Deployment").with_version("v1") == GroupVersionKind("apps", "v1", "Deployment")
    assert GroupResource("apps", "deployments").with_version("v1") == GroupVersionResource("apps", "v1", "deployments")


def test_gvk_from_api_version_and_accessors() -> None:
    gvk = GroupVersionKind.from_api_version("apps/v1", "Deployment")
    assert gvk == GroupVersionKind("apps", "v1", "Deployment")
    assert gvk.api_version == "apps/v1"
    assert gvk.group_version == GroupVersion("apps", "v1")
    assert gvk.group_kind == GroupKind("apps", "Deployment")
    assert GroupVersionKind.from_api_version("v1", "Pod").api_version == "v1"
    assert GroupVersionKind("", "", "").is_empty() and not gvk.is_empty()


def test_gvk_and_gvr_parse() -> None:
    assert GroupVersionKind.parse("Deployment.v1.apps") == GroupVersionKind("apps", "v1", "Deployment")
    assert GroupVersionResource.parse("deployments.v1.apps") == GroupVersionResource("apps", "v1", "deployments")
    with pytest.raises(ValueError):
        GroupVersionKind.parse("Pod")
    with pytest.raises(ValueError):
        GroupVersionResource.parse("deployments.apps")


def test_gvr_accessors() -> None:
    gvr = GroupVersionResource("apps", "v1", "deployments")
    assert gvr.api_version == "apps/v1"
    assert gvr.group_resource == GroupResource("apps", "deployments")
    assert gvr.with_version("v1beta2") == GroupVersionResource("apps", "v1beta2", "deployments")
    assert GroupVersionResource("", "", "").is_empty() and not gvr.is_empty()
