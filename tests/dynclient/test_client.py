"""DynamicClient wiring: kubeconfig -> transport -> cached discovery -> mapper, against a real server on loopback.

The requests counted here are the issue's targets: 2 when cold against an
aggregated server, 0 discovery requests when warm, and legacy group-versions
fetched in parallel.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Iterator

import pytest

import dynclient
from discovery.fake import FakeRequester
from discovery.memory import MemCacheClient
from discovery.client import DiscoveryClient
from discovery.types import GroupVersionKind, GroupVersionResource
from dynclient.healing import StaleCacheHealer
from restmapper.mapping import RESTMapping, Scope
from tests.replyserver import ReplyServer


def serve_fixtures(server: ReplyServer, kube_fixtures: Path, *, aggregated: bool) -> None:
    """Register every discovery document of the real fixture on the server (not all must fire)."""
    v2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    for f in sorted(kube_fixtures.glob("*.json")):
        if f.name.startswith("aggregated"):
            continue
        path = "/" + f.stem.replace("__", "/")
        if aggregated and path in ("/api", "/apis"):
            doc = "aggregated_v2_api.json" if path == "/api" else "aggregated_v2.json"
            server.add("GET", path, body=(kube_fixtures / doc).read_bytes(), content_type=v2)
        else:
            server.add("GET", path, body=f.read_bytes(), content_type="application/json")


@pytest.fixture
def loose_server() -> Iterator[ReplyServer]:
    """Over TLS, because a kubeconfig's token is only sent to an https server (as client-go)."""
    with ReplyServer(tls=True) as server:
        yield server


@pytest.fixture
def kubeconfig_file(tmp_path: Path, loose_server: ReplyServer) -> str:
    path = tmp_path / "config"
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "c",
        "clusters": [{"name": "k", "cluster": {"server": loose_server.url, "insecure-skip-tls-verify": True}}],
        "users": [{"name": "u", "user": {"token": "t0ken"}}],
        "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u", "namespace": "team-a"}}],
    }))
    return str(path)


def list_reply(server, path):
    server.add("GET", path, json={"kind": "List", "items": [], "metadata": {}})


def paths(server):
    return [c.path for c in server.calls]


def test_connect_cold_then_warm(loose_server, kube_fixtures, kubeconfig_file, tmp_path):
    serve_fixtures(loose_server, kube_fixtures, aggregated=True)
    list_reply(loose_server, "/apis/apps/v1/namespaces/team-a/deployments")
    cache = str(tmp_path / "cache")
    dyn = dynclient.connect(kubeconfig_file, cache_dir=cache)
    assert dyn.namespace == "team-a"
    dyn.resource("deploy").namespace(dyn.namespace).list()
    assert sorted(paths(loose_server)[:2]) == ["/api", "/apis"]  # fetched concurrently
    assert paths(loose_server)[2:] == ["/apis/apps/v1/namespaces/team-a/deployments"]
    dyn.close()  # waits for the cache files written in the background
    assert loose_server.calls[0].headers["Authorization"] == "Bearer t0ken"
    assert not loose_server.unmatched

    loose_server.calls.clear()
    with dynclient.connect(kubeconfig_file, cache_dir=cache) as warm:
        warm.resource("deployments.v1.apps").namespace("team-a").list()
    assert paths(loose_server) == ["/apis/apps/v1/namespaces/team-a/deployments"]


@pytest.mark.parametrize(
    "name, gvr, kind, namespaced",
    [
        ("po", ("", "v1", "pods"), "Pod", True),
        ("Deployment.apps", ("apps", "v1", "deployments"), "Deployment", True),
        ("deployments.v1.apps", ("apps", "v1", "deployments"), "Deployment", True),
        ("hpa", ("autoscaling", "v2", "horizontalpodautoscalers"), "HorizontalPodAutoscaler", True),
        ("ns", ("", "v1", "namespaces"), "Namespace", False),
        ("crd", ("apiextensions.k8s.io", "v1", "customresourcedefinitions"), "CustomResourceDefinition", False),
    ],
    ids=["short", "kind-group", "resource-version-group", "preferred-version", "cluster-scoped", "crd"],
)
def test_resource_identity(kube_fixtures, transport, name, gvr, kind, namespaced):
    dyn = dynclient.DynamicClient(transport, MemCacheClient(DiscoveryClient(
        FakeRequester.from_fixture_dir(kube_fixtures, aggregated=True))))
    rc = dyn.resource(name)
    assert (rc.gvr, rc.gvk.kind, rc.namespaced) == (dynclient.GroupVersionResource(*gvr), kind, namespaced)
    assert dyn.resource(rc.gvr).gvr == rc.gvr  # a GVR resolves to itself
    assert dyn.resource_for_kind(rc.gvk.api_version, kind).gvr == rc.gvr


def test_resources_for_category_all_in_kubectl_order(kube_fixtures, transport):
    dyn = dynclient.DynamicClient(transport, MemCacheClient(DiscoveryClient(
        FakeRequester.from_fixture_dir(kube_fixtures, aggregated=False))))
    assert [r.gvr.resource for r in dyn.resources("all")] == [
        "pods", "replicationcontrollers", "services", "daemonsets", "deployments", "replicasets",
        "statefulsets", "horizontalpodautoscalers", "cronjobs", "jobs"]


def test_unknown_name_raises_no_match(kube_fixtures, transport):
    dyn = dynclient.DynamicClient(transport, MemCacheClient(DiscoveryClient(
        FakeRequester.from_fixture_dir(kube_fixtures, aggregated=True))))
    with pytest.raises(dynclient.NoResourceMatch, match='"nosuchthing"'):
        dyn.resource("nosuchthing")


def test_legacy_discovery_is_parallel(kube_fixtures, transport):
    requester = FakeRequester.from_fixture_dir(kube_fixtures, aggregated=False, delay=0.05)
    dyn = dynclient.DynamicClient(transport, MemCacheClient(DiscoveryClient(requester)))
    start = time.monotonic()
    dyn.resource("deploy")
    elapsed = time.monotonic() - start
    group_versions = len(requester.calls) - 2
    assert group_versions > 20
    assert requester.max_in_flight > 1
    assert elapsed < 0.05 * group_versions / 3  # far below the serial sum


def test_bad_kubeconfig_is_a_config_error(tmp_path):
    bad = tmp_path / "config"
    bad.write_text("clusters: [")
    with pytest.raises(dynclient.ConfigError, match=str(bad)):
        dynclient.connect(str(bad))


# -- healing a stale cache: the wiring (the heal itself: test_resource.py and integration/test_stale_cache.py) ---


def test_clients_made_from_names_carry_a_healer_and_gvrs_do_not(kube_fixtures, transport):
    dyn = dynclient.DynamicClient(transport, MemCacheClient(DiscoveryClient(
        FakeRequester.from_fixture_dir(kube_fixtures, aggregated=True))))
    named = dyn.resource("deploy")
    assert named.healer is not None and named.healer.name == "deploy"
    assert named.healer.generation == dyn.mapper.generation
    assert named.namespace("x").healer is named.healer  # builders keep it
    assert dyn.resource(named.gvr).healer is None and dyn.resource(named.mapping).healer is None
    assert [(r.gvr.resource, r.healer.name) for r in dyn.resources("po,deploy.apps")] == [
        ("pods", "po"), ("deployments", "deploy.apps")]


class FakeMapper:
    def __init__(self, allow: bool) -> None:
        self.allow, self.generation, self.asked = allow, 4, []

    def try_reset(self, *, seen_generation=None):
        self.asked.append(seen_generation)
        return self.allow


OLD = RESTMapping(GroupVersionResource("a.example.com", "v1", "gadgets"),
                  GroupVersionKind("a.example.com", "v1", "Gadget"), Scope.NAMESPACE)
NEW = RESTMapping(GroupVersionResource("b.example.com", "v1", "gadgets"),
                  GroupVersionKind("b.example.com", "v1", "Gadget"), Scope.NAMESPACE)


@pytest.mark.parametrize(
    "allow, resolved, expected",
    [(True, NEW, NEW), (True, OLD, None), (False, NEW, None), (True, dynclient.NoResourceMatch, None)],
    ids=["moved", "same-mapping", "reset-refused", "name-gone"],
)
def test_stale_cache_healer(allow, resolved, expected):
    mapper = FakeMapper(allow)

    def resolve(name):
        assert name == "gd"
        if resolved is dynclient.NoResourceMatch:
            raise dynclient.NoResourceMatch(OLD.resource)
        return resolved

    healer = StaleCacheHealer(mapper, resolve)
    assert healer.for_name("gd").remap(OLD) == expected
    assert mapper.asked == [4]  # the generation the name was resolved at
    assert healer.rediscoveries == (1 if allow else 0)
