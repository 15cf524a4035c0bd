"""RESTMapping is a small frozen value."""

from __future__ import annotations

import dataclasses

import pytest

from discovery.types import GroupVersionKind, GroupVersionResource
from restmapper import RESTMapping, Scope


@pytest.mark.parametrize("scope, namespaced", [(Scope.NAMESPACE, True), (Scope.ROOT, False)], ids=["namespace", "root"])
def test_namespaced(scope: Scope, namespaced: bool) -> None:
    mapping = RESTMapping(GroupVersionResource("", "v1", "pods"), GroupVersionKind("", "v1", "Pod"), scope)
    assert mapping.namespaced is namespaced


def test_frozen_and_scope_values() -> None:
    mapping = RESTMapping(GroupVersionResource("", "v1", "pods"), GroupVersionKind("", "v1", "Pod"), Scope.NAMESPACE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        mapping.scope = Scope.ROOT  # type: ignore[misc]
    assert (Scope.NAMESPACE.value, Scope.ROOT.value) == ("namespace", "root")
    assert Scope("root") is Scope.ROOT
