"""Discovery worlds for restmapper tests: the real fixture, and a hand-written one with CRDs."""

from __future__ import annotations

from typing import Any, Callable, List

import pytest

from discovery.types import GroupVersion
from restmapper import DeferredDiscoveryRESTMapper

from .fakes import FakeDiscovery, FakeServer, fixture_server, res


@pytest.fixture(scope="session")
def _kube_server(load_fixture: Callable[[str], Any]) -> FakeServer:
    return fixture_server(load_fixture)


@pytest.fixture
def kube_server(_kube_server: FakeServer) -> FakeServer:
    """The real discovery documents as a server (a private copy per test)."""
    return _kube_server.copy()


@pytest.fixture
def kube_discovery(kube_server: FakeServer) -> FakeDiscovery:
    return FakeDiscovery(kube_server)


@pytest.fixture
def warnings_seen() -> List[str]:
    return []


@pytest.fixture
def kube_mapper(kube_discovery: FakeDiscovery, warnings_seen: List[str]) -> DeferredDiscoveryRESTMapper:
    return DeferredDiscoveryRESTMapper(kube_discovery, warning_handler=warnings_seen.append)


def crd_server() -> FakeServer:
    """A small cluster with CRDs chosen to exercise every rule.

    * ``ct`` is a short name in two CRD groups (cattoys first in discovery order);
    * ``multi.example.com`` lists v1beta1 before its preferred v2, and
      ``legacythings`` exists only in v1beta1;
    * ``Widget``/``widgets`` exist in two groups;
    * ``dup.example.com`` has a resource whose singular is another's plural;
    * ``Policy`` has no singularName, so it is guessed;
    * categories: ``all`` and a custom ``example``.
    """
    server = FakeServer()
    server.add_group("", {"v1": [
        res("pods", "Pod", short=["po"], categories=["all"]),
        res("pods/log", "Pod"),
        res("services", "Service", short=["svc"], categories=["all"]),
        res("events", "Event", short=["ev"]),
        res("endpoints", "Endpoints", singular="", short=["ep"]),
        res("namespaces", "Namespace", short=["ns"], namespaced=False),
    ]})
    server.add_group("apps", {"v1": [
        res("deployments", "Deployment", short=["deploy"], categories=["all"]),
        res("deployments/scale", "Scale"),
    ]})
    server.add_group("events.k8s.io", {"v1": [res("events", "Event", short=["ev"])]})
    server.add_group("a.example.com", {"v1": [res("cattoys", "CatToy", short=["ct"], categories=["example"])]})
    server.add_group("b.example.com", {"v1": [res("crontabs", "CronTab", short=["ct", "cron"])]})
    server.add_group("stable.example.com", {"v1": [
        res("widgets", "Widget", short=["wd"], categories=["all", "example"]),
    ]})
    server.add_group("multi.example.com", {
        "v1beta1": [
            res("gadgets", "Gadget", short=["gd"], categories=["all"]),
            res("legacythings", "LegacyThing"),
        ],
        "v2": [res("gadgets", "Gadget", short=["gd"], categories=["all"])],
    }, preferred="v2")
    server.add_group("other.example.org", {"v1": [res("widgets", "Widget", short=["wd"])]})
    server.add_group("dup.example.com", {"v1": [
        res("things", "Thing"),
        res("thingies", "Thingy", singular="things"),
    ]})
    server.add_group("policy.example.com", {"v1": [res("policies", "Policy", singular="", namespaced=False)]})
    return server


@pytest.fixture
def crd_discovery() -> FakeDiscovery:
    return FakeDiscovery(crd_server())


@pytest.fixture
def crd_mapper(crd_discovery: FakeDiscovery, warnings_seen: List[str]) -> DeferredDiscoveryRESTMapper:
    return DeferredDiscoveryRESTMapper(crd_discovery, warning_handler=warnings_seen.append)


GV_STABLE = GroupVersion("stable.example.com", "v1")
