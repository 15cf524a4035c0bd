"""The hand-written frozen values keep the semantics the dataclasses they replace had."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any

import pytest

from discovery.model import APIGroup, APIGroupList, APIResource, APIResourceList
from discovery.types import GroupVersion, GroupVersionKind, GroupVersionResource
from dynclient.config.impersonation import Impersonation
from dynclient.config.kubeconfig import Kubeconfig
from dynclient.config.model import ClusterInfo, ContextInfo, ExecConfig, UserInfo
from restmapper.mapping import RESTMapping, Scope

GVK = GroupVersionKind("apps", "v1", "Deployment")
GVR = GroupVersionResource("apps", "v1", "deployments")
RESOURCE = APIResource("deployments", "deployment", True, "Deployment", ("get", "list"), ("deploy",))

VALUES = [
    GVK,
    RESOURCE,
    APIResourceList(GroupVersion("apps", "v1"), (RESOURCE,)),
    APIGroupList((APIGroup("apps", ("v1",), "v1"),)),
    RESTMapping(GVR, GVK, Scope.NAMESPACE),
    ClusterInfo(server="https://h", extensions={"a": 1}, origin="/k", raw={"server": "https://h"}),
    UserInfo(token="t", impersonate=Impersonation(user="u", groups=("g",), extra={"k": ["v"]})),
    Kubeconfig(clusters={"c": ClusterInfo(server="https://h")}, current_context="c", sources=("/k",)),
]
IDS = ["gvk", "api-resource", "resource-list", "group-list", "rest-mapping", "cluster", "user", "kubeconfig"]


@pytest.mark.parametrize("value", VALUES, ids=IDS)
@pytest.mark.parametrize("clone", [copy.copy, copy.deepcopy, lambda v: pickle.loads(pickle.dumps(v))],
                         ids=["copy", "deepcopy", "pickle"])
def test_copies_are_equal_values(value: Any, clone: Any) -> None:
    other = clone(value)
    assert other == value and type(other) is type(value)


@pytest.mark.parametrize("value", VALUES, ids=IDS)
def test_assigning_or_deleting_raises_frozen_instance_error(value: Any) -> None:
    name = type(value).__slots__[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, name, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        delattr(value, name)


@pytest.mark.parametrize("a, b, equal", [
    (GVK, GroupVersionKind("apps", "v1", "Deployment"), True),
    (GVK, GroupVersionKind("apps", "v2", "Deployment"), False),
    (GroupVersionKind("a", "b", "c"), GroupVersionResource("a", "b", "c"), False),  # same fields, other class
    (ClusterInfo(server="s", origin="/a", raw={"x": 1}), ClusterInfo(server="s", origin="/b"), True),  # compare=False
    (ContextInfo(cluster="c", origin="/a"), ContextInfo(cluster="c", origin="/b"), True),
    (UserInfo(token="t", origin="/a"), UserInfo(token="u", origin="/a"), False),
], ids=["same", "other-version", "other-class", "cluster-origin-ignored", "context-origin-ignored", "other-token"])
def test_equality_and_hash(a: Any, b: Any, equal: bool) -> None:
    assert (a == b) is equal
    try:
        hashes = hash(a), hash(b)
    except TypeError:  # a dict among the compared fields (ClusterInfo.extensions): unhashable, as the dataclass was
        return
    if equal:
        assert hashes[0] == hashes[1]


@pytest.mark.parametrize("value, text", [
    (GVK, "GroupVersionKind(group='apps', version='v1', kind='Deployment')"),
    (APIGroup("apps", ("v1",)), "APIGroup(name='apps', versions=('v1',), preferred_version='')"),
    (ExecConfig("get-token", ("--token=x",), (("K", "secret"),)),
     "ExecConfig(command='get-token', args=<1 args>, env=('K=<redacted>',), api_version='', install_hint=None, "
     "interactive_mode=None, provide_cluster_info=False)"),
    (ContextInfo(cluster="c", raw={"cluster": "c"}), "ContextInfo(cluster='c', user=None, namespace=None, origin=None)"),
], ids=["gvk", "group", "exec-redacted", "context-without-raw"])
def test_repr(value: Any, text: str) -> None:
    assert repr(value) == text


def test_ordering_is_the_fields_tuple() -> None:
    kinds = [GroupVersionKind("b", "v1", "A"), GroupVersionKind("a", "v2", "B"), GroupVersionKind("a", "v1", "C")]
    assert sorted(kinds) == [kinds[2], kinds[1], kinds[0]]
    with pytest.raises(TypeError):
        _ = GVK < GVR  # type: ignore[operator]
