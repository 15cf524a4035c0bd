"""discovery.memory: the in-process cache (client-go memcache)."""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, List

import pytest

from discovery import (
    APIResourceList,
    DiscoveryClient,
    DiskCachedDiscoveryClient,
    EmptyGroupVersion,
    FakeRequester,
    Forbidden,
    GroupDiscoveryFailed,
    GroupVersion,
    MemCacheClient,
    NotFound,
    ServiceUnavailable,
    StaleGroupVersion,
)
from discovery.fake import CONTENT_TYPE_V2
from discovery.interface import ACCEPT_V2

from .helpers import CORE_V1, names

APPS_V1 = GroupVersion("apps", "v1")
BATCH_V1 = GroupVersion("batch", "v1")


def mem(fake: FakeRequester, **kwargs: Any) -> MemCacheClient:
    return MemCacheClient(DiscoveryClient(fake), **kwargs)


@pytest.mark.parametrize("aggregated, cold", [(True, 2), (False, 36)], ids=["aggregated", "legacy"])
def test_one_discovery_then_memory(kube_fixtures: Any, aggregated: bool, cold: int) -> None:
    fake = FakeRequester.from_fixture_dir(kube_fixtures, aggregated=aggregated)
    client = mem(fake)
    first = client.server_groups_and_resources()
    assert len(fake.calls) == cold
    assert client.server_groups_and_resources() == first
    assert client.server_groups() == first[0]
    assert client.server_preferred_resources()
    assert client.server_preferred_namespaced_resources()
    assert names(client.server_resources_for_group_version(APPS_V1))
    assert len(fake.calls) == cold


def test_results_match_the_live_client(aggregated_fake: FakeRequester) -> None:
    live = DiscoveryClient(aggregated_fake)
    client = MemCacheClient(live)
    assert client.server_groups_and_resources() == live.server_groups_and_resources()
    assert client.server_preferred_resources() == live.server_preferred_resources()
    assert client.server_preferred_namespaced_resources() == live.server_preferred_namespaced_resources()


def test_fresh_and_invalidate(aggregated_fake: FakeRequester) -> None:
    client = mem(aggregated_fake)
    assert client.fresh is False
    client.server_groups()
    assert client.fresh is True and len(aggregated_fake.calls) == 2
    client.invalidate()
    assert client.fresh is False
    client.server_groups_and_resources()
    assert client.fresh is True and len(aggregated_fake.calls) == 4


@pytest.mark.parametrize("aggregated, cold", [(True, 2), (False, 36)], ids=["aggregated", "legacy"])
def test_concurrent_first_callers_trigger_one_discovery(kube_fixtures: Any, aggregated: bool, cold: int) -> None:
    fake = FakeRequester.from_fixture_dir(kube_fixtures, aggregated=aggregated, delay=0.01)
    client = mem(fake)
    barrier = threading.Barrier(8)
    results: List[Any] = []

    def run() -> None:
        barrier.wait()
        results.append(client.server_groups_and_resources())

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and all(r == results[0] for r in results)
    assert len(fake.calls) == cold


def test_unloaded_group_version_costs_one_request(legacy_fake: FakeRequester) -> None:
    client = mem(legacy_fake)
    assert "deployments" in names(client.server_resources_for_group_version(APPS_V1))
    assert legacy_fake.paths == ["/apis/apps/v1"]
    client.server_resources_for_group_version(APPS_V1)
    assert legacy_fake.paths == ["/apis/apps/v1"]
    assert client.fresh is False  # no full discovery happened


def test_full_discovery_reuses_group_versions_already_loaded(legacy_fake: FakeRequester) -> None:
    client = mem(legacy_fake)
    client.server_resources_for_group_version(APPS_V1)
    client.server_groups_and_resources()
    assert legacy_fake.paths.count("/apis/apps/v1") == 1
    assert len(legacy_fake.calls) == 36


def test_unknown_group_version_is_remembered_but_does_not_poison_full_discovery(aggregated_fake: FakeRequester) -> None:
    client = mem(aggregated_fake)
    client.server_groups()
    with pytest.raises(NotFound):
        client.server_resources_for_group_version(GroupVersion("nope.example.com", "v1"))
    with pytest.raises(NotFound):
        client.server_resources_for_group_version(GroupVersion("nope.example.com", "v1"))
    assert sorted(aggregated_fake.paths[:2]) == ["/api", "/apis"]
    assert aggregated_fake.paths[2:] == ["/apis/nope.example.com/v1"]
    groups, resources = client.server_groups_and_resources()
    assert len(resources) == 34


def test_permanent_failures_are_remembered_until_invalidate(legacy_fake: FakeRequester) -> None:
    legacy_fake.fail("/apis/batch/v1", 403)
    client = mem(legacy_fake)
    for _ in range(2):
        with pytest.raises(GroupDiscoveryFailed) as info:
            client.server_groups_and_resources()
        assert isinstance(info.value.failed[BATCH_V1], Forbidden)
        assert APPS_V1 in [rl.group_version for rl in info.value.partial[1]]
    assert legacy_fake.paths.count("/apis/batch/v1") == 1
    with pytest.raises(Forbidden):
        client.server_resources_for_group_version(BATCH_V1)
    assert legacy_fake.paths.count("/apis/batch/v1") == 1

    legacy_fake.heal("/apis/batch/v1")
    client.invalidate()
    _, resources = client.server_groups_and_resources()
    assert BATCH_V1 in [rl.group_version for rl in resources]
    assert legacy_fake.paths.count("/apis/batch/v1") == 2


def test_transient_failures_are_retried_on_access(legacy_fake: FakeRequester) -> None:
    legacy_fake.fail("/apis/batch/v1", 503)
    client = mem(legacy_fake)
    with pytest.raises(GroupDiscoveryFailed) as info:
        client.server_groups_and_resources()
    assert isinstance(info.value.failed[BATCH_V1], ServiceUnavailable)
    # The refresh asked once; the per-group-version pass retried the transient error once.
    assert legacy_fake.paths.count("/apis/batch/v1") == 2
    legacy_fake.heal("/apis/batch/v1")
    assert names(client.server_resources_for_group_version(BATCH_V1))
    _, resources = client.server_groups_and_resources()
    assert BATCH_V1 in [rl.group_version for rl in resources]
    assert legacy_fake.paths.count("/apis/batch/v1") == 3


def test_empty_group_version_is_a_failure_in_legacy_mode(legacy_fake: FakeRequester) -> None:
    legacy_fake.add("/apis/node.k8s.io/v1", {"kind": "APIResourceList", "groupVersion": "node.k8s.io/v1", "resources": []})
    client = mem(legacy_fake)
    with pytest.raises(GroupDiscoveryFailed) as info:
        client.server_groups_and_resources()
    err = info.value.failed[GroupVersion("node.k8s.io", "v1")]
    assert isinstance(err, EmptyGroupVersion)
    assert str(err) == "received empty response for: node.k8s.io/v1"
    assert err.resource_list == APIResourceList(GroupVersion("node.k8s.io", "v1"), ())


def test_stale_group_versions_are_remembered(kube_fixtures: Any, load_fixture: Callable[[str], Any]) -> None:
    import copy

    data = copy.deepcopy(load_fixture("/aggregated_v2"))
    next(i for i in data["items"] if i["metadata"]["name"] == "batch")["versions"][0]["freshness"] = "Stale"
    fake = FakeRequester.from_fixture_dir(kube_fixtures, aggregated=True).add(
        "/apis", data, content_type=CONTENT_TYPE_V2, accept=ACCEPT_V2)
    client = mem(fake)
    for _ in range(2):
        with pytest.raises(GroupDiscoveryFailed) as info:
            client.server_preferred_resources()
        assert isinstance(info.value.failed[BATCH_V1], StaleGroupVersion)
    with pytest.raises(StaleGroupVersion):
        client.server_resources_for_group_version(BATCH_V1)
    assert len(fake.calls) == 2


def test_evicted_entries_are_fetched_again(aggregated_fake: FakeRequester, served_gvs: List[GroupVersion]) -> None:
    client = mem(aggregated_fake, max_entries=5)
    _, resources = client.server_groups_and_resources()
    assert [rl.group_version for rl in resources] == served_gvs
    assert len(aggregated_fake.calls) > 2  # the cache could not hold everything


def test_empty_group_list_is_not_cached() -> None:
    fake = FakeRequester({"/api": {"versions": []}, "/apis": {"groups": []}})
    fake.remove("/api")
    client = mem(fake)
    assert client.server_groups() == []
    assert client.server_groups() == []
    assert client.fresh is False
    assert sorted(fake.paths[:2]) == sorted(fake.paths[2:]) == ["/api", "/apis"]


def test_server_version_is_not_cached() -> None:
    fake = FakeRequester({"/version": {"gitVersion": "v1.36.0"}})
    client = mem(fake)
    assert client.server_version() == client.server_version() == {"gitVersion": "v1.36.0"}
    assert fake.paths == ["/version", "/version"]


class SpyCache:
    """A delegate that is itself a cache: records invalidate() and reports its own freshness."""

    def __init__(self, inner: DiscoveryClient, fresh: bool) -> None:
        self.inner = inner
        self.fresh = fresh
        self.invalidated = 0

    def invalidate(self) -> None:
        self.invalidated += 1
        self.fresh = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_invalidate_reaches_the_delegate_and_freshness_includes_it(aggregated_fake: FakeRequester) -> None:
    spy = SpyCache(DiscoveryClient(aggregated_fake), fresh=False)
    client = MemCacheClient(spy)  # type: ignore[arg-type]
    client.server_groups()
    assert client.fresh is False  # memory is loaded, but from stale data below it
    client.invalidate()
    assert spy.invalidated == 1
    client.server_groups()
    assert client.fresh is True


def test_over_a_warm_disk_cache_freshness_follows_the_disk(aggregated_fake: FakeRequester, tmp_path: Any) -> None:
    DiskCachedDiscoveryClient(DiscoveryClient(aggregated_fake), str(tmp_path / "c")).server_groups_and_resources()
    aggregated_fake.reset_calls()
    client = MemCacheClient(DiskCachedDiscoveryClient(DiscoveryClient(aggregated_fake), str(tmp_path / "c")))
    client.server_groups_and_resources()
    assert aggregated_fake.calls == [] and client.fresh is False
    client.invalidate()
    client.server_groups_and_resources()
    assert len(aggregated_fake.calls) == 2 and client.fresh is True


def test_resources_keep_discovery_order(legacy_fake: FakeRequester, served_gvs: List[GroupVersion]) -> None:
    _, resources = mem(legacy_fake).server_groups_and_resources()
    assert [rl.group_version for rl in resources] == served_gvs
    assert resources[0].group_version == CORE_V1


def test_entries_by_gv_identity(aggregated_fake: FakeRequester) -> None:
    client = mem(aggregated_fake)
    by_gv: Dict[GroupVersion, APIResourceList] = {rl.group_version: rl for rl in client.server_groups_and_resources()[1]}
    assert client.server_resources_for_group_version(APPS_V1) is by_gv[APPS_V1]
