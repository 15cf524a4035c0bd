"""discovery.client: the live DiscoveryClient against the real discovery documents."""

from __future__ import annotations

import copy
import threading
import time
from typing import Any, Callable, Dict, List

import pytest

from discovery import (
    APIGroup,
    APIGroupList,
    APIResourceList,
    DiscoveryClient,
    DiscoveryEndpointNotFound,
    DiscoveryError,
    Forbidden,
    FakeRequester,
    GroupDiscoveryFailed,
    GroupVersion,
    InternalError,
    NotFound,
    ServiceUnavailable,
    StaleGroupVersion,
    TransportError,
    UnsafeDiscoveryName,
)
from discovery.fake import CONTENT_TYPE_V2, CONTENT_TYPE_V2BETA1
from discovery.interface import ACCEPT_AGGREGATED, ACCEPT_JSON, ACCEPT_V2, ACCEPT_V2BETA1

from .helpers import CORE_V1, names, shapes

APPS_V1 = GroupVersion("apps", "v1")
BATCH_V1 = GroupVersion("batch", "v1")


def by_gv(lists: List[APIResourceList]) -> Dict[GroupVersion, APIResourceList]:
    return {rl.group_version: rl for rl in lists}


# -- request counts -------------------------------------------------------------------------


def test_aggregated_full_discovery_is_two_requests(aggregated_fake: FakeRequester, served_gvs: List[GroupVersion]) -> None:
    groups, resources = DiscoveryClient(aggregated_fake).server_groups_and_resources()
    assert aggregated_fake.calls == [("/api", ACCEPT_AGGREGATED), ("/apis", ACCEPT_AGGREGATED)]
    assert [rl.group_version for rl in resources] == served_gvs
    assert groups[0] == APIGroup("", ("v1",), "v1")


def test_legacy_full_discovery_is_one_request_per_group_version(
    legacy_fake: FakeRequester, served_gvs: List[GroupVersion]
) -> None:
    groups, resources = DiscoveryClient(legacy_fake).server_groups_and_resources()
    assert sorted(legacy_fake.paths[:2]) == ["/api", "/apis"]
    expected = {f"/apis/{gv.group}/{gv.version}" if gv.group else "/api/v1" for gv in served_gvs}
    assert sorted(legacy_fake.paths[2:]) == sorted(expected)
    assert all(accept == ACCEPT_JSON for path, accept in legacy_fake.calls[2:])
    assert [rl.group_version for rl in resources] == served_gvs


def test_legacy_group_versions_are_fetched_in_parallel(kube_fixtures: Any, served_gvs: List[GroupVersion]) -> None:
    delay = 0.02
    fake = FakeRequester.from_fixture_dir(kube_fixtures, aggregated=False, delay=delay)
    started = time.perf_counter()
    DiscoveryClient(fake, max_workers=16).server_groups_and_resources()
    elapsed = time.perf_counter() - started
    serial = delay * len(fake.calls)
    assert len(fake.calls) == 2 + len(served_gvs)
    assert fake.max_in_flight > 1
    assert elapsed < serial / 3, (elapsed, serial)


def test_max_workers_bounds_concurrency(kube_fixtures: Any) -> None:
    fake = FakeRequester.from_fixture_dir(kube_fixtures, aggregated=False, delay=0.005)
    DiscoveryClient(fake, max_workers=3).server_groups_and_resources()
    assert 1 < fake.max_in_flight <= 3


def test_max_workers_must_be_positive(legacy_fake: FakeRequester) -> None:
    with pytest.raises(ValueError):
        DiscoveryClient(legacy_fake, max_workers=0)


def test_legacy_only_asks_for_plain_json(aggregated_fake: FakeRequester, served_gvs: List[GroupVersion]) -> None:
    client = DiscoveryClient(aggregated_fake, legacy_only=True)
    assert client.legacy_only
    _, resources = client.server_groups_and_resources()
    assert {accept for _, accept in aggregated_fake.calls} == {ACCEPT_JSON}
    assert len(aggregated_fake.calls) == 2 + len(served_gvs)
    assert len(resources) == len(served_gvs)


# -- groups ---------------------------------------------------------------------------------


@pytest.mark.parametrize("aggregated", [True, False], ids=["aggregated", "legacy"])
def test_server_groups_core_first_then_server_order(
    kube_fixtures: Any, load_fixture: Callable[[str], Any], aggregated: bool
) -> None:
    fake = FakeRequester.from_fixture_dir(kube_fixtures, aggregated=aggregated)
    groups = DiscoveryClient(fake).server_groups()
    assert groups[0] == APIGroup("", ("v1",), "v1")
    assert groups[1:] == list(APIGroupList.from_dict(load_fixture("/apis")).groups)
    assert len(fake.calls) == 2


def test_aggregated_and_legacy_agree(aggregated_fake: FakeRequester, legacy_fake: FakeRequester) -> None:
    agg_groups, agg_resources = DiscoveryClient(aggregated_fake).server_groups_and_resources()
    leg_groups, leg_resources = DiscoveryClient(legacy_fake).server_groups_and_resources()
    assert agg_groups == leg_groups
    # The core group is derived from a different document in each format; /apis must match exactly.
    assert shapes(agg_resources[1:]) == shapes(leg_resources[1:])
    assert [names(rl) for rl in agg_resources] == [names(rl) for rl in leg_resources]


def test_groups_and_maybe_resources_aggregated(aggregated_fake: FakeRequester, served_gvs: List[GroupVersion]) -> None:
    groups, resources, failed = DiscoveryClient(aggregated_fake).groups_and_maybe_resources()
    assert resources is not None and list(resources) == served_gvs
    assert failed == {}


def test_groups_and_maybe_resources_legacy(legacy_fake: FakeRequester) -> None:
    groups, resources, failed = DiscoveryClient(legacy_fake).groups_and_maybe_resources()
    assert resources is None and failed == {} and len(groups) == 23


@pytest.mark.parametrize("aggregated_path", ["/api", "/apis"], ids=["only-api", "only-apis"])
def test_resources_only_when_both_endpoints_are_aggregated(
    legacy_fake: FakeRequester, kube_fixtures: Any, aggregated_path: str
) -> None:
    name = "aggregated_v2_api.json" if aggregated_path == "/api" else "aggregated_v2.json"
    legacy_fake.add(aggregated_path, (kube_fixtures / name).read_bytes(), content_type=CONTENT_TYPE_V2, accept=ACCEPT_V2)
    groups, resources, _ = DiscoveryClient(legacy_fake).groups_and_maybe_resources()
    assert resources is None
    assert [g.name for g in groups][:2] == ["", "apiregistration.k8s.io"]


def test_v2beta1_is_understood(kube_fixtures: Any) -> None:
    fake = FakeRequester()
    for path, name in (("/api", "aggregated_v2_api.json"), ("/apis", "aggregated_v2.json")):
        body = (kube_fixtures / name).read_bytes().replace(b"apidiscovery.k8s.io/v2", b"apidiscovery.k8s.io/v2beta1")
        fake.add(path, body, content_type=CONTENT_TYPE_V2BETA1, accept=ACCEPT_V2BETA1)
    groups, resources, _ = DiscoveryClient(fake).groups_and_maybe_resources()
    assert resources is not None and APPS_V1 in resources and len(groups) == 23
    assert len(fake.calls) == 2


@pytest.mark.parametrize("aggregated", [True, False], ids=["aggregated", "legacy"])
def test_404_on_api_is_tolerated(kube_fixtures: Any, aggregated: bool) -> None:
    fake = FakeRequester.from_fixture_dir(kube_fixtures, aggregated=aggregated).remove("/api")
    groups, resources, failed = DiscoveryClient(fake).groups_and_maybe_resources()
    assert groups[0].name == "apiregistration.k8s.io"
    assert (resources is not None) is aggregated
    assert failed == {}


@pytest.mark.parametrize("aggregated", [True, False], ids=["aggregated", "legacy"])
def test_404_on_apis_names_the_url_and_status(kube_fixtures: Any, aggregated: bool) -> None:
    # client-go TestDiscoveryFailsWhenNonCoreGroupsMissing: /api works, /apis is missing.
    fake = FakeRequester.from_fixture_dir(kube_fixtures, aggregated=aggregated).remove("/apis")
    with pytest.raises(DiscoveryEndpointNotFound) as info:
        DiscoveryClient(fake).server_groups_and_resources()
    assert info.value.status_code == 404 and info.value.url == "/apis"
    assert "GET /apis" in str(info.value) and "404" in str(info.value)
    assert isinstance(info.value.__cause__, NotFound)
    assert not isinstance(info.value, GroupDiscoveryFailed)


@pytest.mark.parametrize("code, error", [(404, DiscoveryEndpointNotFound), (403, Forbidden)], ids=["404", "403"])
def test_broken_server_fails_server_groups(code: int, error: type) -> None:
    # client-go TestGetServerGroupsWithBrokenServer: every path answers the same error.
    fake = FakeRequester().fail("/api", code).fail("/apis", code)
    with pytest.raises(error):
        DiscoveryClient(fake).server_groups()


@pytest.mark.parametrize("path", ["/api", "/apis"])
def test_other_errors_on_the_group_endpoints_propagate(aggregated_fake: FakeRequester, path: str) -> None:
    aggregated_fake.fail(path, 500)
    with pytest.raises(InternalError):
        DiscoveryClient(aggregated_fake).server_groups()
    aggregated_fake.fail(path, TransportError("connection refused"))
    with pytest.raises(TransportError):
        DiscoveryClient(aggregated_fake).server_groups_and_resources()


def test_legacy_core_without_versions_is_still_listed() -> None:
    fake = FakeRequester({"/api": {"kind": "APIVersions", "versions": []}, "/apis": {"kind": "APIGroupList", "groups": []}})
    assert DiscoveryClient(fake).server_groups() == [APIGroup("", (), "")]


# -- one group-version ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "gv, path",
    [(CORE_V1, "/api/v1"), (APPS_V1, "/apis/apps/v1"), (GroupVersion("rbac.authorization.k8s.io", "v1"), "/apis/rbac.authorization.k8s.io/v1")],
    ids=["core", "apps", "dotted-group"],
)
def test_server_resources_for_group_version(legacy_fake: FakeRequester, gv: GroupVersion, path: str) -> None:
    result = DiscoveryClient(legacy_fake).server_resources_for_group_version(gv)
    assert legacy_fake.calls == [(path, ACCEPT_JSON)]
    assert result.group_version == gv and result.resources


def test_group_version_comes_from_the_request() -> None:
    fake = FakeRequester({"/api/v1": {"kind": "APIResourceList", "resources": []},
                          "/apis/apps/v1": {"kind": "APIResourceList", "groupVersion": "wrong/v9", "resources": []}})
    client = DiscoveryClient(fake)
    assert client.server_resources_for_group_version(CORE_V1).group_version == CORE_V1
    assert client.server_resources_for_group_version(APPS_V1).group_version == APPS_V1


def test_core_v1_404_is_an_empty_list_but_others_raise() -> None:
    client = DiscoveryClient(FakeRequester())
    assert client.server_resources_for_group_version(CORE_V1) == APIResourceList(CORE_V1, ())
    with pytest.raises(NotFound):
        client.server_resources_for_group_version(APPS_V1)


def test_empty_group_version_is_a_caller_error() -> None:
    with pytest.raises(ValueError):
        DiscoveryClient(FakeRequester()).server_resources_for_group_version(GroupVersion("", ""))


@pytest.mark.parametrize("gv", [GroupVersion("../../x", "v1"), GroupVersion("apps", "v1/../../x"), GroupVersion("a b", "v1")],
                         ids=["group", "version", "space"])
def test_unsafe_group_version_is_refused_without_a_request(gv: GroupVersion) -> None:
    fake = FakeRequester()
    with pytest.raises(UnsafeDiscoveryName):
        DiscoveryClient(fake).server_resources_for_group_version(gv)
    assert fake.calls == []


def test_server_version() -> None:
    version = {"major": "1", "minor": "36", "gitVersion": "v1.36.0"}
    fake = FakeRequester({"/version": version})
    assert DiscoveryClient(fake).server_version() == version
    assert fake.calls == [("/version", ACCEPT_JSON)]


# -- malformed replies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, body, content_type",
    [
        ("/apis", b"{not json", ACCEPT_JSON),
        ("/apis", b'{"kind":"APIGroupList","groups":[{"name":"a"', ACCEPT_JSON),
        ("/apis", b"\xff\xfe", ACCEPT_JSON),
        ("/apis", b'{"groups": "nope"}', ACCEPT_JSON),
        ("/apis", b'{"groups": [{"name": "g", "versions": [1]}]}', ACCEPT_JSON),
        ("/apis", b"[]", ACCEPT_JSON),
        ("/api", b'{"versions": "v1"}', ACCEPT_JSON),
        ("/api", b'"v1"', ACCEPT_JSON),
        ("/apis", b'{"items": 7}', CONTENT_TYPE_V2),
        ("/apis", b'{"items": [{"metadata": {"name": "g"}, "versions": [{"version": "v1", "resources": [{"resource": "x", "verbs": 1}]}]}]}', CONTENT_TYPE_V2),
    ],
    ids=["not-json", "truncated", "not-utf8", "groups-not-list", "version-not-object", "array",
         "api-versions-not-list", "api-string", "aggregated-items", "aggregated-verbs"],
)
def test_malformed_group_documents_name_the_path(legacy_fake: FakeRequester, path: str, body: bytes, content_type: str) -> None:
    legacy_fake.add(path, body, content_type=content_type)
    with pytest.raises(DiscoveryError) as info:
        DiscoveryClient(legacy_fake).server_groups()
    assert path in str(info.value)
    assert not isinstance(info.value, GroupDiscoveryFailed)


@pytest.mark.parametrize("body", [b"{", b'{"resources": {"a": 1}}', b'{"resources": [{"kind": "X"}]}', b"null"],
                         ids=["truncated", "resources-not-list", "resource-without-name", "null"])
def test_malformed_resource_list_names_the_path(legacy_fake: FakeRequester, body: bytes) -> None:
    legacy_fake.add("/apis/apps/v1", body)
    client = DiscoveryClient(legacy_fake)
    with pytest.raises(DiscoveryError) as info:
        client.server_resources_for_group_version(APPS_V1)
    assert "/apis/apps/v1" in str(info.value)
    with pytest.raises(GroupDiscoveryFailed) as failed:
        client.server_groups_and_resources()
    assert list(failed.value.failed) == [APPS_V1]


def test_malformed_version_document() -> None:
    with pytest.raises(DiscoveryError, match="/version"):
        DiscoveryClient(FakeRequester({"/version": b"oops"})).server_version()
    with pytest.raises(DiscoveryError, match="/version"):
        DiscoveryClient(FakeRequester({"/version": []})).server_version()


# -- partial failure ------------------------------------------------------------------------------


def test_broken_group_version_fails_but_healthy_groups_are_returned(
    legacy_fake: FakeRequester, served_gvs: List[GroupVersion]
) -> None:
    legacy_fake.fail("/apis/batch/v1", 503)
    client = DiscoveryClient(legacy_fake)
    with pytest.raises(GroupDiscoveryFailed) as info:
        client.server_groups_and_resources()
    err = info.value
    assert list(err.failed) == [BATCH_V1]
    assert isinstance(err.failed[BATCH_V1], ServiceUnavailable)
    assert "batch/v1" in str(err)
    groups, resources = err.partial
    assert len(groups) == 23
    assert [rl.group_version for rl in resources] == [gv for gv in served_gvs if gv != BATCH_V1]
    assert "deployments" in names(by_gv(resources)[APPS_V1])
    # client-go withRetries: partial failure is retried once.
    assert legacy_fake.paths.count("/apis/batch/v1") == 2
    assert legacy_fake.paths.count("/apis") == 2
    # Lookups in healthy groups keep working.
    assert names(client.server_resources_for_group_version(APPS_V1))


def test_retry_succeeds_when_the_group_version_recovers(legacy_fake: FakeRequester) -> None:
    calls = {"n": 0}
    real_get = legacy_fake.get

    def flaky(path: str, *, accept: str) -> Any:
        if path == "/apis/batch/v1":
            calls["n"] += 1
            if calls["n"] == 1:
                raise TransportError("connection reset")
        return real_get(path, accept=accept)

    legacy_fake.get = flaky  # type: ignore[method-assign]
    _, resources = DiscoveryClient(legacy_fake).server_groups_and_resources()
    assert BATCH_V1 in by_gv(resources) and calls["n"] == 2


def stale(kube_fixtures: Any, load_fixture: Callable[[str], Any], group: str, version: str) -> FakeRequester:
    data = copy.deepcopy(load_fixture("/aggregated_v2"))
    item = next(i for i in data["items"] if i["metadata"]["name"] == group)
    next(v for v in item["versions"] if v["version"] == version)["freshness"] = "Stale"
    fake = FakeRequester.from_fixture_dir(kube_fixtures, aggregated=True)
    return fake.add("/apis", data, content_type=CONTENT_TYPE_V2, accept=ACCEPT_V2)


def test_stale_group_version_fails_with_partial_results(kube_fixtures: Any, load_fixture: Callable[[str], Any]) -> None:
    fake = stale(kube_fixtures, load_fixture, "batch", "v1")
    client = DiscoveryClient(fake)
    with pytest.raises(GroupDiscoveryFailed) as info:
        client.server_groups_and_resources()
    assert list(info.value.failed) == [BATCH_V1]
    assert isinstance(info.value.failed[BATCH_V1], StaleGroupVersion)
    groups, resources = info.value.partial
    assert APIGroup("batch", (), "") in groups
    assert BATCH_V1 not in by_gv(resources) and APPS_V1 in by_gv(resources)
    assert len(fake.calls) == 4  # two attempts of two requests


def test_preferred_resources_partial_on_failure(kube_fixtures: Any, load_fixture: Callable[[str], Any]) -> None:
    fake = stale(kube_fixtures, load_fixture, "autoscaling", "v2")
    with pytest.raises(GroupDiscoveryFailed) as info:
        DiscoveryClient(fake).server_preferred_resources()
    partial = by_gv(info.value.partial)
    assert GroupVersion("autoscaling", "v2") not in partial
    assert names(partial[GroupVersion("autoscaling", "v1")]) == ["horizontalpodautoscalers"]
    with pytest.raises(GroupDiscoveryFailed) as namespaced:
        DiscoveryClient(fake).server_preferred_namespaced_resources()
    assert all(r.namespaced for rl in namespaced.value.partial for r in rl.resources)
    assert GroupVersion("autoscaling", "v1") in by_gv(namespaced.value.partial)


# -- unsafe names from the server -------------------------------------------------------------------


def test_unsafe_names_in_a_legacy_group_list_are_never_requested(legacy_fake: FakeRequester, load_fixture: Callable[[str], Any]) -> None:
    apis = copy.deepcopy(load_fixture("/apis"))
    apis["groups"].append({"name": "../../x", "versions": [{"groupVersion": "../../x/v1", "version": "v1"}],
                           "preferredVersion": {"groupVersion": "../../x/v1", "version": "v1"}})
    apis["groups"].append({"name": "ok.example.com", "versions": [{"groupVersion": "ok.example.com/..", "version": ".."}],
                           "preferredVersion": {"groupVersion": "ok.example.com/..", "version": ".."}})
    legacy_fake.add("/apis", apis)
    client = DiscoveryClient(legacy_fake)
    with pytest.raises(GroupDiscoveryFailed) as info:
        client.server_groups_and_resources()
    assert set(info.value.failed) == {GroupVersion("../../x", "v1"), GroupVersion("ok.example.com", "..")}
    assert all(isinstance(e, UnsafeDiscoveryName) for e in info.value.failed.values())
    assert not any(".." in path for path in legacy_fake.paths)
    groups, resources = info.value.partial
    assert "../../x" not in [g.name for g in groups]
    assert APIGroup("ok.example.com", (), "") in groups
    assert APPS_V1 in by_gv(resources)


def test_unsafe_names_in_aggregated_discovery(aggregated_fake: FakeRequester, load_fixture: Callable[[str], Any]) -> None:
    data = copy.deepcopy(load_fixture("/aggregated_v2"))
    data["items"].append({"metadata": {"name": "evil/../.."}, "versions": [{"version": "v1", "resources": []}]})
    aggregated_fake.add("/apis", data, content_type=CONTENT_TYPE_V2, accept=ACCEPT_V2)
    groups, resources, failed = DiscoveryClient(aggregated_fake).groups_and_maybe_resources()
    assert list(failed) == [GroupVersion("evil/../..", "v1")]
    assert resources is not None and GroupVersion("evil/../..", "v1") not in resources
    assert "evil/../.." not in [g.name for g in groups]


# -- preferred resources ------------------------------------------------------------------------------


def legacy_preferred(load_fixture: Callable[[str], Any], group: str) -> List[tuple]:
    """Derive the expected preferred resources of one group straight from the legacy documents."""
    doc = load_fixture(f"/apis/{group}")
    preferred = doc["preferredVersion"]["version"]
    versions = [v["version"] for v in doc["versions"]]
    top = {v: [r["name"] for r in load_fixture(f"/apis/{group}/{v}")["resources"] if "/" not in r["name"]] for v in versions}
    owner: Dict[str, str] = {}
    for v in versions:
        for name in top[v]:
            if name not in owner or v == preferred:
                owner[name] = v
    return [(f"{group}/{v}", [n for n in top[v] if owner[n] == v]) for v in versions]


@pytest.mark.parametrize("aggregated", [True, False], ids=["aggregated", "legacy"])
@pytest.mark.parametrize(
    "group, expected",
    [
        ("autoscaling", [("autoscaling/v2", ["horizontalpodautoscalers"]), ("autoscaling/v1", [])]),
        ("coordination.k8s.io", [("coordination.k8s.io/v1", ["leases"]), ("coordination.k8s.io/v1beta1", ["leasecandidates"]),
                                 ("coordination.k8s.io/v1alpha2", [])]),
        ("resource.k8s.io", [("resource.k8s.io/v1", ["deviceclasses", "devicetaintrules", "resourceclaims",
                                                      "resourceclaimtemplates", "resourceslices"]),
                             ("resource.k8s.io/v1beta2", []), ("resource.k8s.io/v1beta1", []),
                             ("resource.k8s.io/v1alpha3", ["resourcepoolstatusrequests"])]),
        ("certificates.k8s.io", [("certificates.k8s.io/v1", ["certificatesigningrequests"]),
                                 ("certificates.k8s.io/v1beta1", ["clustertrustbundles", "podcertificaterequests"])]),
        ("apps", [("apps/v1", ["controllerrevisions", "daemonsets", "deployments", "replicasets", "statefulsets"])]),
    ],
    ids=["autoscaling", "coordination", "resource", "certificates", "apps"],
)
def test_preferred_resources_match_the_legacy_documents(
    kube_fixtures: Any, load_fixture: Callable[[str], Any], aggregated: bool, group: str, expected: list
) -> None:
    fake = FakeRequester.from_fixture_dir(kube_fixtures, aggregated=aggregated)
    result = DiscoveryClient(fake).server_preferred_resources()
    got = [(str(rl.group_version), names(rl)) for rl in result if rl.group_version.group == group]
    assert got == expected == legacy_preferred(load_fixture, group)


def test_preferred_resources_cover_every_group_version_once(legacy_fake: FakeRequester, served_gvs: List[GroupVersion]) -> None:
    result = DiscoveryClient(legacy_fake).server_preferred_resources()
    assert [rl.group_version for rl in result] == served_gvs
    assert not any(r.is_subresource for rl in result for r in rl.resources)
    assert "pods" in names(result[0])


def test_preferred_namespaced_resources(aggregated_fake: FakeRequester) -> None:
    result = DiscoveryClient(aggregated_fake).server_preferred_namespaced_resources()
    assert all(rl.resources and all(r.namespaced for r in rl.resources) for rl in result)
    lists = by_gv(result)
    assert "nodes" not in names(lists[CORE_V1]) and "pods" in names(lists[CORE_V1])
    assert GroupVersion("autoscaling", "v1") not in lists
    assert GroupVersion("rbac.authorization.k8s.io", "v1") in lists
    assert GroupVersion("apiextensions.k8s.io", "v1") not in lists


# -- concurrency ------------------------------------------------------------------------------------


def test_one_client_serves_many_threads(legacy_fake: FakeRequester) -> None:
    client = DiscoveryClient(legacy_fake, max_workers=4)
    results: List[Any] = []
    errors: List[BaseException] = []

    def run() -> None:
        try:
            results.append(client.server_groups_and_resources())
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 8 and all(r == results[0] for r in results)
