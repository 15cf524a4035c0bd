"""Categories from discovery, in discovery order, duplicates kept."""

from __future__ import annotations

import pytest

from discovery.errors import TransportError
from discovery.types import GroupResource, GroupVersion
from restmapper import CategoryExpander, DiscoveryCategoryExpander, SimpleCategoryExpander

from .conftest import crd_server
from .fakes import FakeDiscovery, FakeServer

GR = GroupResource


@pytest.mark.parametrize(
    "category, expected",
    [
        pytest.param("all", [GR("", "pods"), GR("", "services"), GR("apps", "deployments"),
                             GR("stable.example.com", "widgets"), GR("multi.example.com", "gadgets"),
                             GR("multi.example.com", "gadgets")], id="all"),
        pytest.param("example", [GR("a.example.com", "cattoys"), GR("stable.example.com", "widgets")], id="custom"),
        pytest.param("nope", None, id="not-a-category"),
        pytest.param("pods", None, id="a-resource-is-not-a-category"),
    ],
)
def test_expand(category: str, expected: object) -> None:
    assert DiscoveryCategoryExpander(FakeDiscovery(crd_server())).expand(category) == expected


def test_all_on_real_discovery(kube_server: FakeServer) -> None:
    found = DiscoveryCategoryExpander(FakeDiscovery(kube_server)).expand("all")
    assert [str(gr) for gr in found or []] == [
        "pods", "replicationcontrollers", "services",
        "daemonsets.apps", "deployments.apps", "replicasets.apps", "statefulsets.apps",
        "horizontalpodautoscalers.autoscaling", "horizontalpodautoscalers.autoscaling",
        "cronjobs.batch", "jobs.batch",
    ]
    assert DiscoveryCategoryExpander(FakeDiscovery(kube_server)).expand("api-extensions")


def test_partial_and_failed_discovery() -> None:
    server = crd_server()
    server.failing[GroupVersion("stable.example.com", "v1")] = TransportError("timeout")
    assert DiscoveryCategoryExpander(FakeDiscovery(server)).expand("example") == [GR("a.example.com", "cattoys")]

    class Down(FakeDiscovery):
        def server_groups_and_resources(self):
            raise TransportError("connection refused")

    assert DiscoveryCategoryExpander(Down(server)).expand("all") is None


def test_simple_expander_and_protocol() -> None:
    simple = SimpleCategoryExpander({"mine": [GR("", "pods")]})
    assert simple.expand("mine") == [GR("", "pods")]
    assert simple.expand("other") is None
    assert isinstance(simple, CategoryExpander)
    assert isinstance(DiscoveryCategoryExpander(FakeDiscovery(crd_server())), CategoryExpander)
