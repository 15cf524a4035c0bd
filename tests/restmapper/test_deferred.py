"""DeferredDiscoveryRESTMapper: lazy build, reset-once on a miss, rate limit, threads, fast path."""

from __future__ import annotations

import threading
import time
from typing import List

import pytest

from discovery.errors import ServiceUnavailable
from discovery.types import GroupKind, GroupVersion, GroupVersionKind, GroupVersionResource
from restmapper import (
    DeferredDiscoveryRESTMapper,
    MappingError,
    NoKindMatch,
    NoMatch,
    NoResourceMatch,
    RESTMapping,
    Scope,
    resolve,
)

from .conftest import crd_server
from .fakes import FakeDiscovery, FakeServer, res

GVR = GroupVersionResource
GVK = GroupVersionKind
NEW_GV = GroupVersion("new.example.com", "v1")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _add_gizmos(server: FakeServer) -> None:
    server.add_group("new.example.com", {"v1": [res("gizmos", "Gizmo", short=["gz"])]})


def test_lazy_until_first_lookup() -> None:
    discovery = FakeDiscovery(crd_server())
    mapper = DeferredDiscoveryRESTMapper(discovery)
    assert sum(discovery.calls.values()) == 0
    assert mapper.discovery is discovery
    assert mapper.kind_for(GVR("", "", "po")) == GVK("", "v1", "Pod")
    mapper.kind_for(GVR("", "", "svc"))
    assert dict(discovery.calls) == {"server_groups_and_resources": 1}


@pytest.mark.parametrize(
    "lookup",
    [
        pytest.param(lambda m: m.kind_for(GVR("", "", "gizmos")), id="kind_for"),
        pytest.param(lambda m: m.kind_for(GVR("", "", "gz")), id="kind_for-short-name"),
        pytest.param(lambda m: m.kinds_for(GVR("", "", "gizmo"))[0], id="kinds_for"),
        pytest.param(lambda m: m.resource_for(GVR("", "", "gizmos")), id="resource_for"),
        pytest.param(lambda m: m.resources_for(GVR("", "", "gizmos"))[0], id="resources_for"),
        pytest.param(lambda m: m.rest_mapping(GroupKind("new.example.com", "Gizmo")), id="rest_mapping"),
        pytest.param(lambda m: m.rest_mappings(GroupKind("new.example.com", "Gizmo"))[0], id="rest_mappings"),
        pytest.param(lambda m: m.resource_singularizer("gizmos"), id="resource_singularizer"),
        pytest.param(lambda m: resolve(m, "gz"), id="resolve"),
    ],
)
def test_stale_cache_miss_resets_once_and_finds_new_crd(lookup) -> None:
    server = crd_server()
    discovery = FakeDiscovery(server, fresh=False)
    mapper = DeferredDiscoveryRESTMapper(discovery)
    mapper.kind_for(GVR("", "", "po"))
    _add_gizmos(server)  # installed after the cache was written
    assert lookup(mapper)
    assert discovery.calls["invalidate"] == 1
    assert discovery.calls["server_groups_and_resources"] == 2


def test_stale_miss_always_resets_then_fresh_misses_spend_the_burst() -> None:
    discovery = FakeDiscovery(crd_server(), fresh=False)
    clock = Clock()  # frozen: no token comes back
    mapper = DeferredDiscoveryRESTMapper(discovery, reset_burst=2, reset_rate=1.0, clock=clock)
    for _ in range(5):
        with pytest.raises(NoResourceMatch):
            mapper.kind_for(GVR("", "", "nosuch"))
    # the stale reset, then one per token of the burst (the stale one took a token too)
    assert discovery.calls["invalidate"] == 2
    assert discovery.calls["server_groups_and_resources"] == 3


def test_stale_miss_resets_even_with_an_empty_bucket() -> None:
    discovery = FakeDiscovery(crd_server(), fresh=False)
    mapper = DeferredDiscoveryRESTMapper(discovery, reset_burst=0, clock=Clock())
    with pytest.raises(NoResourceMatch):
        mapper.kind_for(GVR("", "", "nosuch"))
    assert discovery.calls["invalidate"] == 1  # client-go's reset-once on stale data is never refused
    with pytest.raises(NoResourceMatch):
        mapper.kind_for(GVR("", "", "nosuch"))
    assert discovery.calls["invalidate"] == 1  # fresh now, and no token


def test_kind_listed_right_after_a_discovery_run_is_found_on_first_try() -> None:
    # Issue 12 item 5: discovery ran a moment ago (fresh data), then the kind appears.
    server = crd_server()
    discovery = FakeDiscovery(server, fresh=True)
    clock = Clock()
    mapper = DeferredDiscoveryRESTMapper(discovery, clock=clock)
    mapper.kind_for(GVR("", "", "po"))  # discovery at t=0
    clock.now = 0.01
    _add_gizmos(server)
    assert mapper.kind_for(GVR("", "", "gz")) == GVK("new.example.com", "v1", "Gizmo")
    assert discovery.calls["invalidate"] == 1


def test_caller_retrying_once_a_second_finds_the_kind_within_a_second() -> None:
    # Established comes a little before discovery lists the kind: the first tries miss.
    server = crd_server()
    discovery = FakeDiscovery(server, fresh=True)
    clock = Clock()
    mapper = DeferredDiscoveryRESTMapper(discovery, clock=clock)
    mapper.kind_for(GVR("", "", "po"))
    listed_at = 7.5
    found_at = None
    for second in range(20):  # long enough to empty any burst of 3
        clock.now = float(second)
        if clock.now >= listed_at and not server.lists.get(NEW_GV):
            _add_gizmos(server)
        try:
            mapper.kind_for(GVR("", "", "gz"))
        except NoResourceMatch:
            continue
        found_at = clock.now
        break
    assert found_at is not None and found_at - listed_at <= 1.0


def test_typo_loop_is_held_to_the_burst_then_the_rate() -> None:
    discovery = FakeDiscovery(crd_server(), fresh=True)
    clock = Clock()
    mapper = DeferredDiscoveryRESTMapper(discovery, clock=clock)  # defaults: burst 3, 1/s
    mapper.kind_for(GVR("", "", "po"))
    for step in range(1000):  # 1,000 typos over 10 seconds
        clock.now = step / 100
        with pytest.raises(NoResourceMatch):
            mapper.kind_for(GVR("", "", "typo"))
    # 3 at once, then one per second for the ~10 s that follow
    assert 3 + 9 <= discovery.calls["invalidate"] <= 3 + 10


@pytest.mark.parametrize(
    "interval, resets",
    [
        pytest.param(10.0, 2, id="one-per-10s"),  # a full token at t=0, the next one at t=10
        pytest.param(0.0, 20, id="zero-is-unlimited"),
    ],
)
def test_min_reset_interval_keeps_its_old_meaning(interval: float, resets: int) -> None:
    discovery = FakeDiscovery(crd_server(), fresh=True)
    clock = Clock()
    mapper = DeferredDiscoveryRESTMapper(discovery, min_reset_interval=interval, clock=clock)
    mapper.kind_for(GVR("", "", "po"))
    for step in range(20):
        clock.now = step * 0.55  # 0 .. 10.45 s
        with pytest.raises(NoResourceMatch):
            mapper.kind_for(GVR("", "", "typo"))
    assert discovery.calls["invalidate"] == resets


def test_try_reset_is_limited_and_skips_a_reset_already_done() -> None:
    discovery = FakeDiscovery(crd_server(), fresh=True)
    clock = Clock()
    mapper = DeferredDiscoveryRESTMapper(discovery, reset_burst=1, reset_rate=0.5, clock=clock)
    mapper.kind_for(GVR("", "", "po"))
    seen = mapper.generation
    assert seen == 1
    assert mapper.try_reset(seen_generation=seen) is True
    assert discovery.calls["invalidate"] == 1
    mapper.kind_for(GVR("", "", "po"))
    assert mapper.generation == 2
    # another caller still holding generation 1: the rebuild it wants already happened
    assert mapper.try_reset(seen_generation=seen) is True
    assert discovery.calls["invalidate"] == 1
    assert mapper.try_reset() is False  # bucket empty
    clock.now = 2.0
    assert mapper.try_reset() is True
    assert discovery.calls["invalidate"] == 2


@pytest.mark.parametrize("fresh, from_cache", [(True, False), (False, True)], ids=["fresh", "from-disk-cache"])
def test_built_from_cache_says_where_the_mappings_came_from(fresh: bool, from_cache: bool) -> None:
    discovery = FakeDiscovery(crd_server(), fresh=fresh)
    mapper = DeferredDiscoveryRESTMapper(discovery)
    assert mapper.built_from_cache is False  # nothing built yet
    mapper.kind_for(GVR("", "", "po"))
    assert mapper.built_from_cache is from_cache
    assert mapper.try_reset(seen_generation=mapper.generation) is True  # stale data always resets; fresh has a token
    mapper.kind_for(GVR("", "", "po"))
    assert mapper.built_from_cache is False  # rebuilt from the server


@pytest.mark.parametrize(
    "burst, rate",
    [pytest.param(-1, 1.0, id="negative-burst"), pytest.param(1, -1.0, id="negative-rate"),
     pytest.param(1, float("nan"), id="nan-rate")],
)
def test_rejects_bad_limits(burst: int, rate: float) -> None:
    with pytest.raises(ValueError):
        DeferredDiscoveryRESTMapper(FakeDiscovery(crd_server()), reset_burst=burst, reset_rate=rate)


def test_memo_is_an_lru_not_cleared_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    import restmapper.deferred as deferred
    monkeypatch.setattr(deferred, "_MAX_MEMO", 3)
    mapper = DeferredDiscoveryRESTMapper(FakeDiscovery(crd_server()))
    calls: List[str] = []

    def lookup(name: str):
        return mapper.attempt_memoized(name, lambda m: calls.append(name) or m.kind_for(GVR("", "", name)))

    for name in ("po", "svc", "ev", "po", "ns"):  # "po" used again, so "svc" is the oldest when "ns" comes
        lookup(name)
    assert calls == ["po", "svc", "ev", "ns"]
    lookup("po")
    lookup("ev")
    assert calls == ["po", "svc", "ev", "ns"]  # still memoized: nothing was cleared whole
    lookup("svc")
    assert calls[-1] == "svc"  # the evicted one is computed again


def test_explicit_reset() -> None:
    discovery = FakeDiscovery(crd_server())
    mapper = DeferredDiscoveryRESTMapper(discovery)
    mapper.kind_for(GVR("", "", "po"))
    mapper.reset()
    assert discovery.calls["invalidate"] == 1
    assert discovery.calls["server_groups_and_resources"] == 1
    mapper.kind_for(GVR("", "", "po"))
    assert discovery.calls["server_groups_and_resources"] == 2


def test_attempt_runs_several_lookups_before_one_reset() -> None:
    discovery = FakeDiscovery(crd_server(), fresh=False)
    mapper = DeferredDiscoveryRESTMapper(discovery)
    seen: List[object] = []

    def several(delegate):
        seen.append(delegate)
        for name in ("a", "b", "c"):
            try:
                return delegate.kind_for(GVR("", "", name))
            except NoMatch:
                continue
        raise NoResourceMatch(GVR("", "", "c"))

    with pytest.raises(NoResourceMatch):
        mapper.attempt(several)
    assert len(seen) == 2 and seen[0] is not seen[1]  # ran once, reset, ran once more
    assert discovery.calls["invalidate"] == 1


def test_attempt_does_not_reset_on_other_errors() -> None:
    discovery = FakeDiscovery(crd_server(), fresh=False)
    mapper = DeferredDiscoveryRESTMapper(discovery)

    def broken(delegate):
        raise KeyError("bug")

    with pytest.raises(KeyError):
        mapper.attempt(broken)
    assert discovery.calls["invalidate"] == 0


def test_concurrent_cold_start_builds_once() -> None:
    discovery = FakeDiscovery(crd_server())
    discovery.on_call = lambda method: time.sleep(0.02)
    mapper = DeferredDiscoveryRESTMapper(discovery)
    barrier = threading.Barrier(16)
    results, errors = [], []

    def work() -> None:
        barrier.wait()
        try:
            results.append(resolve(mapper, "deploy"))
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=work) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 16 and len(set(results)) == 1
    assert discovery.calls["server_groups_and_resources"] == 1


def test_concurrent_misses_reset_once() -> None:
    server = crd_server()
    discovery = FakeDiscovery(server, fresh=False)
    mapper = DeferredDiscoveryRESTMapper(discovery)
    mapper.kind_for(GVR("", "", "po"))
    _add_gizmos(server)
    discovery.on_call = lambda method: time.sleep(0.02)
    barrier = threading.Barrier(16)
    results, errors = [], []

    def work() -> None:
        barrier.wait()
        try:
            results.append(mapper.kind_for(GVR("", "", "gizmos")))
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=work) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [GVK("new.example.com", "v1", "Gizmo")] * 16
    assert discovery.calls["invalidate"] == 1
    assert discovery.calls["server_groups_and_resources"] == 2


def test_lookups_while_resetting() -> None:
    discovery = FakeDiscovery(crd_server())
    discovery.on_call = lambda method: time.sleep(0.001)
    mapper = DeferredDiscoveryRESTMapper(discovery)
    names = ["po", "svc", "deploy", "ct", "gd", "widgets.stable.example.com", "Deployment.v1.apps", "ns"]
    stop = threading.Event()
    errors: List[BaseException] = []
    counts = [0]

    def work() -> None:
        while not stop.is_set():
            for name in names:
                try:
                    resolve(mapper, name)
                    mapper.kind_for(GVR("", "", "pods"))
                    mapper.rest_mapping(GroupKind("apps", "Deployment"))
                    counts[0] += 1
                except BaseException as err:  # pragma: no cover - reported below
                    errors.append(err)
                    return

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    resets = 10
    for _ in range(resets):
        time.sleep(0.01)
        mapper.reset()
    time.sleep(0.01)
    stop.set()
    for t in threads:
        t.join()
    assert errors == []
    assert counts[0] > 0
    builds = discovery.calls["server_groups_and_resources"]
    assert 1 <= builds <= resets + 1  # never more than one build per reset


def test_fast_path_reads_one_group_version() -> None:
    discovery = FakeDiscovery(crd_server())
    mapper = DeferredDiscoveryRESTMapper(discovery)
    mapping = mapper.rest_mapping(GroupKind("apps", "Deployment"), "v1")
    assert mapping == RESTMapping(GVR("apps", "v1", "deployments"), GVK("apps", "v1", "Deployment"), Scope.NAMESPACE)
    lower = mapper.rest_mapping(GroupKind("", "namespace"), "v1")
    assert lower == RESTMapping(GVR("", "v1", "namespaces"), GVK("", "v1", "namespace"), Scope.ROOT)
    assert dict(discovery.calls) == {"server_resources_for_group_version": 2}


@pytest.mark.parametrize(
    "kind, versions",
    [
        pytest.param(GroupKind("apps", "Nope"), ("v1",), id="kind-not-in-group-version"),
        pytest.param(GroupKind("zz.example.com", "Thing"), ("v1",), id="group-version-not-served"),
        pytest.param(GroupKind("apps", "Scale"), ("v1",), id="subresource-kind"),
        pytest.param(GroupKind("apps", "Deployment"), ("v1", "v2"), id="several-versions-use-full-path"),
        pytest.param(GroupKind("apps", "Deployment"), ("",), id="empty-version-uses-full-path"),
    ],
)
def test_fast_path_falls_back(kind: GroupKind, versions: tuple) -> None:
    discovery = FakeDiscovery(crd_server())
    mapper = DeferredDiscoveryRESTMapper(discovery, reset_burst=0)  # no reset on the miss: one build only
    try:
        mapper.rest_mapping(kind, *versions)
    except NoKindMatch:
        pass
    assert discovery.calls["server_groups_and_resources"] == 1


def test_fast_path_agrees_with_full_mapper(kube_server: FakeServer) -> None:
    full = DeferredDiscoveryRESTMapper(FakeDiscovery(kube_server))
    checked = 0
    for gv, lst in kube_server.lists.items():
        for r in lst.top_level():
            for kind in (r.kind, r.kind.lower()):
                fast = DeferredDiscoveryRESTMapper(FakeDiscovery(kube_server))
                gk = GroupKind(gv.group, kind)
                assert fast.rest_mapping(gk, gv.version) == full.rest_mapping(gk, gv.version)
                checked += 1
    assert checked > 150


def test_fast_path_unused_once_built() -> None:
    discovery = FakeDiscovery(crd_server())
    mapper = DeferredDiscoveryRESTMapper(discovery)
    mapper.kind_for(GVR("", "", "po"))
    mapper.rest_mapping(GroupKind("apps", "Deployment"), "v1")
    assert "server_resources_for_group_version" not in discovery.calls


def test_partial_discovery_maps_healthy_groups_and_names_failures(kube_server: FakeServer) -> None:
    metrics = GroupVersion("metrics.k8s.io", "v1beta1")
    kube_server.add_group("metrics.k8s.io", {"v1beta1": []})
    kube_server.failing[metrics] = ServiceUnavailable(
        {"code": 503, "message": "the server is currently unable to handle the request"})
    mapper = DeferredDiscoveryRESTMapper(FakeDiscovery(kube_server))
    assert resolve(mapper, "deploy").resource == GVR("apps", "v1", "deployments")
    with pytest.raises(NoResourceMatch) as err:
        resolve(mapper, "nodes.metrics.k8s.io")
    assert set(err.value.discovery_failures) == {metrics}
    assert str(err.value) == (
        'the server doesn\'t have a resource type "nodes" (discovery failed for: metrics.k8s.io/v1beta1: '
        "(ServiceUnavailable) the server is currently unable to handle the request)")
    with pytest.raises(NoKindMatch, match=r"discovery failed for: metrics.k8s.io/v1beta1"):
        mapper.rest_mapping(GroupKind("metrics.k8s.io", "NodeMetrics"))


def test_warnings_reach_the_handler(crd_mapper: DeferredDiscoveryRESTMapper, warnings_seen: List[str]) -> None:
    crd_mapper.kind_for(GVR("", "", "ct"))
    assert warnings_seen == ['short name "ct" could also match lower priority resource crontabs.b.example.com']


def test_rejects_negative_interval() -> None:
    with pytest.raises(ValueError):
        DeferredDiscoveryRESTMapper(FakeDiscovery(crd_server()), min_reset_interval=-1)


def test_mapping_errors_are_mapping_errors(crd_mapper: DeferredDiscoveryRESTMapper) -> None:
    with pytest.raises(MappingError):
        crd_mapper.resource_for(GVR("", "", "things"))
