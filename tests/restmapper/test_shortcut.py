"""ShortcutExpander: client-go's expandResourceShortcut, rule by rule."""

from __future__ import annotations

from typing import List, Optional

import pytest

from discovery.errors import TransportError
from discovery.types import GroupKind, GroupVersion, GroupVersionKind, GroupVersionResource
from restmapper import (
    NoMatch,
    NoResourceMatch,
    ShortcutExpander,
    get_api_group_resources,
    new_discovery_rest_mapper,
)

from .conftest import crd_server
from .fakes import FakeDiscovery, FakeServer, res

GVR = GroupVersionResource
GVK = GroupVersionKind


def _expander(server: Optional[FakeServer] = None, warnings: Optional[List[str]] = None) -> ShortcutExpander:
    discovery = FakeDiscovery(server or crd_server())
    mapper = new_discovery_rest_mapper(get_api_group_resources(discovery))
    return ShortcutExpander(mapper, discovery, None if warnings is None else warnings.append)


LOWER = "could also match lower priority resource"


@pytest.mark.parametrize(
    "query, expanded, warnings",
    [
        pytest.param(GVR("", "", "ct"), GVR("a.example.com", "", "cattoys"),
                     [f'short name "ct" {LOWER} crontabs.b.example.com'], id="first-in-discovery-order-wins"),
        pytest.param(GVR("b.example.com", "", "ct"), GVR("b.example.com", "", "crontabs"), [], id="group-narrows"),
        pytest.param(GVR("", "", "wd"), GVR("stable.example.com", "", "widgets"),
                     [f'short name "wd" {LOWER} widgets.other.example.org'], id="same-name-other-group-warns"),
        pytest.param(GVR("", "", "ev"), GVR("", "", "events"),
                     [f'short name "ev" {LOWER} events.events.k8s.io'], id="ev-like-kubectl"),
        pytest.param(GVR("", "", "gd"), GVR("multi.example.com", "", "gadgets"), [], id="versions-are-not-ambiguous"),
        pytest.param(GVR("", "v1", "deploy"), GVR("apps", "", "deployments"), [], id="version-dropped"),
        pytest.param(GVR("apps", "v1", "deploy"), GVR("apps", "", "deployments"), [], id="version-dropped-with-group"),
        pytest.param(GVR("b", "v1", "cron"), GVR("b.example.com", "v1", "crontabs"), [], id="group-prefix-keeps-version"),
        pytest.param(GVR("stable.example", "", "wd"), GVR("stable.example.com", "", "widgets"), [], id="group-prefix"),
        pytest.param(GVR("", "", "pods"), GVR("", "", "pods"), [], id="full-name-untouched"),
        pytest.param(GVR("", "", "pod"), GVR("", "", "pod"), [], id="singular-untouched"),
        pytest.param(GVR("", "", "PO"), GVR("", "", "PO"), [], id="case-sensitive"),
        pytest.param(GVR("nope", "", "po"), GVR("nope", "", "po"), [], id="wrong-group-untouched"),
        pytest.param(GVR("", "", "zz"), GVR("", "", "zz"), [], id="unknown-untouched"),
    ],
)
def test_expand(query: GVR, expanded: GVR, warnings: List[str]) -> None:
    seen: List[str] = []
    expander = _expander(warnings=seen)
    assert expander.expand(query) == expanded
    assert seen == warnings
    expander.expand(query)  # memoized expansions warn again, like upstream
    assert seen == warnings * 2


def test_full_name_beats_short_name() -> None:
    server = crd_server()
    server.add_group("z.example.com", {"v1": [res("po", "Po")]})
    expander = _expander(server)
    assert expander.expand(GVR("", "", "po")) == GVR("", "", "po")
    assert expander.kind_for(GVR("", "", "po")) == GVK("z.example.com", "v1", "Po")


@pytest.mark.parametrize(
    "query, kind",
    [
        (GVR("", "", "ct"), GVK("a.example.com", "v1", "CatToy")),
        (GVR("", "", "deploy"), GVK("apps", "v1", "Deployment")),
        (GVR("", "", "svc"), GVK("", "v1", "Service")),
        (GVR("", "", "gd"), GVK("multi.example.com", "v2", "Gadget")),
    ],
    ids=str,
)
def test_kind_for_expands(query: GVR, kind: GVK) -> None:
    assert _expander().kind_for(query) == kind


def test_other_methods_expand_or_pass_through() -> None:
    expander = _expander()
    assert expander.resource_for(GVR("", "", "deploy")) == GVR("apps", "v1", "deployments")
    assert expander.resources_for(GVR("", "", "svc")) == [GVR("", "v1", "services")]
    assert expander.kinds_for(GVR("", "", "po")) == [GVK("", "v1", "Pod")]
    assert expander.resource_singularizer("svc") == "service"
    assert expander.resource_singularizer("pods") == "pod"
    assert expander.rest_mapping(GroupKind("apps", "Deployment")).resource == GVR("apps", "v1", "deployments")
    assert len(expander.rest_mappings(GroupKind("multi.example.com", "Gadget"))) == 2
    with pytest.raises(NoResourceMatch):
        expander.kind_for(GVR("", "", "nosuch"))


def test_table_read_once_then_cached() -> None:
    discovery = FakeDiscovery(crd_server())
    mapper = new_discovery_rest_mapper(get_api_group_resources(discovery))
    expander = ShortcutExpander(mapper, discovery)
    for name in ("po", "svc", "ct", "po"):
        expander.kind_for(GVR("", "", name))
    assert discovery.calls["server_groups_and_resources"] == 2  # the mapper's, then the table's
    expander.reset()
    expander.kind_for(GVR("", "", "po"))
    assert discovery.calls["server_groups_and_resources"] == 3


def test_pinned_table_never_reads_discovery() -> None:
    discovery = FakeDiscovery(crd_server())
    lists = discovery.server_groups_and_resources()[1]
    mapper = new_discovery_rest_mapper(get_api_group_resources(discovery))
    expander = ShortcutExpander(mapper, discovery, resource_lists=lists)
    expander.kind_for(GVR("", "", "ct"))
    with pytest.raises(NoMatch):
        expander.kind_for(GVR("", "", "nosuch"))
    assert discovery.calls["server_groups_and_resources"] == 2


class _Rebuilding:
    """Like client-go's deferred mapper without a shortcut layer: rebuild from fresh discovery on a miss."""

    def __init__(self, discovery: FakeDiscovery) -> None:
        self.discovery = discovery
        self.mapper = new_discovery_rest_mapper(get_api_group_resources(discovery))

    def kind_for(self, resource: GVR) -> GVK:
        try:
            return self.mapper.kind_for(resource)
        except NoMatch:
            self.discovery.invalidate()
            self.mapper = new_discovery_rest_mapper(get_api_group_resources(self.discovery))
            return self.mapper.kind_for(resource)


def test_kind_for_retry_re_reads_discovery() -> None:
    # Upstream: after the delegate refreshed discovery, expand again before giving up.
    server = crd_server()
    discovery = FakeDiscovery(server, fresh=False)
    expander = ShortcutExpander(_Rebuilding(discovery), discovery)  # type: ignore[arg-type]
    expander.expand(GVR("", "", "po"))  # table built from the stale cache
    server.add_group("new.example.com", {"v1": [res("gizmos", "Gizmo", short=["gz"])]})
    assert expander.kind_for(GVR("", "", "gz")) == GVK("new.example.com", "v1", "Gizmo")


def test_discovery_failure_expands_nothing_and_is_not_cached() -> None:
    class Down(FakeDiscovery):
        down = True

        def server_groups_and_resources(self):
            if self.down:
                raise TransportError("connection refused")
            return super().server_groups_and_resources()

    discovery = Down(crd_server())
    expander = ShortcutExpander(new_discovery_rest_mapper(get_api_group_resources(FakeDiscovery(crd_server()))), discovery)
    assert expander.expand(GVR("", "", "deploy")) == GVR("", "", "deploy")
    discovery.down = False
    assert expander.expand(GVR("", "", "deploy")) == GVR("apps", "", "deployments")


def test_partial_discovery_still_expands() -> None:
    server = crd_server()
    server.failing[GroupVersion("b.example.com", "v1")] = TransportError("timeout")
    expander = _expander(server)
    assert expander.expand(GVR("", "", "deploy")) == GVR("apps", "", "deployments")
    assert expander.expand(GVR("", "", "cron")) == GVR("", "", "cron")
