"""discovery.disk: kubectl's on-disk discovery cache (client-go CachedDiscoveryClient)."""

from __future__ import annotations

import copy
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Set

import pytest

from discovery import (
    APIGroupList,
    DiscoveryClient,
    DiskCachedDiscoveryClient,
    FakeRequester,
    GroupDiscoveryFailed,
    GroupVersion,
    MemCacheClient,
    ServiceUnavailable,
    UnsafeDiscoveryName,
)
from discovery.cachedir import discovery_cache_dir
from discovery.disk import DEFAULT_TTL, encode_cache_file
from discovery.fake import CONTENT_TYPE_V2
from discovery.interface import ACCEPT_V2, LocalResources, WriteBatching

from .helpers import CORE_V1, NoRequests, names

APPS_V1 = GroupVersion("apps", "v1")
BATCH_V1 = GroupVersion("batch", "v1")


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "discovery" / "127.0.0.1_6443"


@pytest.fixture
def umask() -> Iterator[Callable[[int], None]]:
    """Set the process umask for one test, and restore it afterwards."""
    original = os.umask(0o022)
    os.umask(original)

    def set_umask(value: int) -> None:
        os.umask(value)

    yield set_umask
    os.umask(original)


def disk(delegate: Any, directory: Path, **kwargs: Any) -> DiskCachedDiscoveryClient:
    return DiskCachedDiscoveryClient(delegate, str(directory), **kwargs)


def files_under(root: Path) -> Set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def resources_path(root: Path, gv: GroupVersion) -> Path:
    return root / gv.group / gv.version / "serverresources.json" if gv.group else root / gv.version / "serverresources.json"


def expected_files(gvs: List[GroupVersion]) -> Set[str]:
    return {"servergroups.json"} | {str(Path(gv.group or "") / gv.version / "serverresources.json") for gv in gvs}


# -- kubectl's encoding, written out independently of model.to_dict -------------------------------

_RESOURCE_FIELDS = [("name", False), ("singularName", False), ("namespaced", False), ("group", True), ("version", True),
                    ("kind", False), ("verbs", False), ("shortNames", True), ("categories", True), ("storageVersionHash", True)]


def kubectl_resource_list(doc: Dict[str, Any], group_version: str) -> bytes:
    """Bytes of a serverresources.json as kubectl writes it: Go struct field order, omitempty, compact, newline."""
    resources = []
    for r in doc["resources"]:
        out: Dict[str, Any] = {}
        for field, omitempty in _RESOURCE_FIELDS:
            value = r.get(field, False if field == "namespaced" else "" if field in ("singularName", "kind") else None)
            if omitempty and not value:
                continue
            out[field] = value
        resources.append(out)
    body = {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}
    return (json.dumps(body, separators=(",", ":")) + "\n").encode()


def kubectl_group_list(apis_doc: Dict[str, Any]) -> bytes:
    """Bytes of a servergroups.json as kubectl writes it, core group first."""
    core = {"name": "", "versions": [{"groupVersion": "v1", "version": "v1"}], "preferredVersion": {"groupVersion": "v1", "version": "v1"}}
    groups = [core] + [{"name": g["name"], "versions": g["versions"], "preferredVersion": g["preferredVersion"]} for g in apis_doc["groups"]]
    return (json.dumps({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}, separators=(",", ":")) + "\n").encode()


def write_kubectl_cache(root: Path, load_fixture: Callable[[str], Any], gvs: List[GroupVersion]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "servergroups.json").write_bytes(kubectl_group_list(load_fixture("/apis")))
    for gv in gvs:
        path = resources_path(root, gv)
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"/apis/{gv.group}/{gv.version}" if gv.group else "/api/v1"
        path.write_bytes(kubectl_resource_list(load_fixture(url), str(gv)))


# -- cold and warm ------------------------------------------------------------------------------------


def test_cold_aggregated_is_two_requests_and_writes_kubectls_layout(
    aggregated_fake: FakeRequester, cache_dir: Path, served_gvs: List[GroupVersion]
) -> None:
    client = disk(DiscoveryClient(aggregated_fake), cache_dir)
    groups, resources = client.server_groups_and_resources()
    assert sorted(aggregated_fake.paths) == ["/api", "/apis"]
    assert [rl.group_version for rl in resources] == served_gvs
    assert files_under(cache_dir) == expected_files(served_gvs)
    assert client.fresh is True


def test_warm_cache_needs_no_request(aggregated_fake: FakeRequester, cache_dir: Path, served_gvs: List[GroupVersion]) -> None:
    cold = disk(DiscoveryClient(aggregated_fake), cache_dir)
    expected = cold.server_groups_and_resources()
    expected_preferred = cold.server_preferred_resources()
    warm = disk(DiscoveryClient(NoRequests()), cache_dir)
    assert warm.server_groups_and_resources() == expected
    assert warm.server_preferred_resources() == expected_preferred
    assert warm.server_preferred_namespaced_resources()
    assert names(warm.server_resources_for_group_version(APPS_V1))
    groups, maybe, failed = warm.groups_and_maybe_resources()
    assert maybe is None and failed == {} and groups == expected[0]
    assert warm.fresh is False


def test_cold_legacy_is_parallel_then_warm(kube_fixtures: Path, cache_dir: Path, served_gvs: List[GroupVersion]) -> None:
    fake = FakeRequester.from_fixture_dir(kube_fixtures, aggregated=False, delay=0.005)
    expected = disk(DiscoveryClient(fake), cache_dir).server_groups_and_resources()
    assert len(fake.calls) == 2 + len(served_gvs)
    assert fake.max_in_flight > 1
    assert files_under(cache_dir) == expected_files(served_gvs)
    assert disk(DiscoveryClient(NoRequests()), cache_dir).server_groups_and_resources() == expected


@pytest.mark.parametrize("aggregated, requests", [(True, 2), (False, 36)], ids=["aggregated", "legacy"])
def test_kubectl_stack_disk_over_memory_over_live(kube_fixtures: Path, cache_dir: Path, aggregated: bool, requests: int) -> None:
    fake = FakeRequester.from_fixture_dir(kube_fixtures, aggregated=aggregated)
    client = disk(MemCacheClient(DiscoveryClient(fake)), cache_dir)
    client.server_groups_and_resources()
    client.server_preferred_resources()
    assert len(fake.calls) == requests
    assert len(files_under(cache_dir)) == 35


# -- kubectl compatibility ------------------------------------------------------------------------


def test_files_are_byte_identical_to_kubectls(
    legacy_fake: FakeRequester, cache_dir: Path, load_fixture: Callable[[str], Any], served_gvs: List[GroupVersion]
) -> None:
    disk(DiscoveryClient(legacy_fake), cache_dir).server_groups_and_resources()
    assert (cache_dir / "servergroups.json").read_bytes() == kubectl_group_list(load_fixture("/apis"))
    for gv in served_gvs:
        url = f"/apis/{gv.group}/{gv.version}" if gv.group else "/api/v1"
        assert resources_path(cache_dir, gv).read_bytes() == kubectl_resource_list(load_fixture(url), str(gv)), gv


def test_reads_files_kubectl_wrote(
    legacy_fake: FakeRequester, cache_dir: Path, load_fixture: Callable[[str], Any], served_gvs: List[GroupVersion]
) -> None:
    write_kubectl_cache(cache_dir, load_fixture, served_gvs)
    expected = DiscoveryClient(legacy_fake).server_groups_and_resources()
    client = disk(DiscoveryClient(NoRequests()), cache_dir)
    assert client.server_groups_and_resources() == expected
    assert client.fresh is False


def test_encoding_escapes_like_go() -> None:
    from discovery import APIGroup

    data = encode_cache_file(APIGroupList((APIGroup("a<b>&c\u2028", ("v1",), "v1"),)))
    assert b"a\\u003cb\\u003e\\u0026c\\u2028" in data
    assert json.loads(data)["groups"][0]["name"] == "a<b>&c\u2028"
    assert data.startswith(b'{"kind":"APIGroupList","apiVersion":"v1",') and data.endswith(b"}\n")


# -- modes and atomic writes --------------------------------------------------------------------


@pytest.mark.parametrize("mask, dir_mode", [(0o022, 0o750), (0o002, 0o750), (0o077, 0o700)], ids=["umask-022", "umask-002", "umask-077"])
def test_modes(aggregated_fake: FakeRequester, tmp_path: Path, umask: Callable[[int], None], mask: int, dir_mode: int) -> None:
    umask(mask)
    root = tmp_path / "new" / "discovery" / "h_6443"
    disk(DiscoveryClient(aggregated_fake), root).server_groups_and_resources()
    dirs = [tmp_path / "new", tmp_path / "new" / "discovery", root, root / "apps", root / "apps" / "v1", root / "v1"]
    assert {oct(d.stat().st_mode & 0o777) for d in dirs} == {oct(dir_mode)}
    modes = {oct(p.stat().st_mode & 0o777) for p in root.rglob("*") if p.is_file()}
    assert modes == {oct(0o660)}


def test_no_temp_files_are_left(aggregated_fake: FakeRequester, cache_dir: Path, served_gvs: List[GroupVersion]) -> None:
    client = disk(DiscoveryClient(aggregated_fake), cache_dir)
    client.server_groups_and_resources()
    client.invalidate()
    client.server_groups_and_resources()
    assert files_under(cache_dir) == expected_files(served_gvs)


def test_readers_never_see_partial_files(aggregated_fake: FakeRequester, cache_dir: Path) -> None:
    disk(DiscoveryClient(aggregated_fake), cache_dir).server_groups_and_resources()
    reader_fake = FakeRequester()  # any request here would mean a reader found a bad file
    stop = threading.Event()
    errors: List[BaseException] = []

    def write() -> None:
        # Always-expired clock: every call fetches again and rewrites every file.
        writer = disk(DiscoveryClient(aggregated_fake), cache_dir, clock=lambda: time.time() + 10 * DEFAULT_TTL)
        while not stop.is_set():
            writer.server_groups_and_resources()

    def read() -> None:
        try:
            for _ in range(10):
                disk(DiscoveryClient(reader_fake), cache_dir).server_groups_and_resources()
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    writers = [threading.Thread(target=write) for _ in range(2)]
    readers = [threading.Thread(target=read) for _ in range(4)]
    for t in writers + readers:
        t.start()
    for t in readers:
        t.join()
    stop.set()
    for t in writers:
        t.join()
    assert errors == []
    assert reader_fake.calls == []


# -- TTL ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ttl, offset, requests",
    [(DEFAULT_TTL, DEFAULT_TTL - 1, 0), (DEFAULT_TTL, DEFAULT_TTL + 1, 2), (60.0, 59.0, 0), (60.0, 61.0, 2), (0.0, 0.5, 2)],
    ids=["default-fresh", "default-expired", "custom-fresh", "custom-expired", "zero"],
)
def test_ttl_from_mtime(aggregated_fake: FakeRequester, cache_dir: Path, ttl: float, offset: float, requests: int) -> None:
    disk(DiscoveryClient(aggregated_fake), cache_dir).server_groups_and_resources()
    aggregated_fake.reset_calls()
    written = (cache_dir / "servergroups.json").stat().st_mtime
    client = disk(DiscoveryClient(aggregated_fake), cache_dir, ttl=ttl, clock=lambda: written + offset)
    client.server_groups_and_resources()
    assert len(aggregated_fake.calls) == requests


def test_expired_resource_file_is_refetched_alone(legacy_fake: FakeRequester, cache_dir: Path) -> None:
    disk(DiscoveryClient(legacy_fake), cache_dir).server_groups_and_resources()
    legacy_fake.reset_calls()
    path = resources_path(cache_dir, APPS_V1)
    old = time.time() - 2 * DEFAULT_TTL
    os.utime(path, (old, old))
    disk(DiscoveryClient(legacy_fake), cache_dir).server_groups_and_resources()
    assert legacy_fake.paths == ["/apis/apps/v1"]
    assert path.stat().st_mtime > old


# -- bad cache files ----------------------------------------------------------------------------------


BAD_RESOURCE_FILES = {
    "truncated": b'{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"apps/v1","resources":[{"name":"depl',
    "empty": b"",
    "not-json": b"\x00\x01garbage",
    "array": b"[]",
    "missing-kind": b'{"apiVersion":"v1","groupVersion":"apps/v1","resources":[]}',
    "wrong-kind": b'{"kind":"APIGroupList","apiVersion":"v1","groups":[]}',
    "wrong-api-version": b'{"kind":"APIResourceList","apiVersion":"v2","groupVersion":"apps/v1","resources":[]}',
    "wrong-group-version": b'{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"batch/v1","resources":[]}',
    "resources-not-list": b'{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"apps/v1","resources":{"a":1}}',
    "resource-not-object": b'{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"apps/v1","resources":[1]}',
}


@pytest.mark.parametrize("content", list(BAD_RESOURCE_FILES.values()), ids=list(BAD_RESOURCE_FILES))
def test_bad_resource_file_is_refetched_and_rewritten(legacy_fake: FakeRequester, cache_dir: Path, content: bytes) -> None:
    expected = disk(DiscoveryClient(legacy_fake), cache_dir).server_groups_and_resources()
    resources_path(cache_dir, APPS_V1).write_bytes(content)
    legacy_fake.reset_calls()
    client = disk(DiscoveryClient(legacy_fake), cache_dir)
    assert client.server_groups_and_resources() == expected
    assert legacy_fake.paths == ["/apis/apps/v1"]
    assert json.loads(resources_path(cache_dir, APPS_V1).read_bytes())["groupVersion"] == "apps/v1"


BAD_GROUP_FILES = {
    "truncated": b'{"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"","vers',
    "empty": b"",
    "wrong-kind": b'{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"v1","resources":[]}',
    "groups-not-list": b'{"kind":"APIGroupList","apiVersion":"v1","groups":"x"}',
    "bad-version-entry": b'{"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"g","versions":[7]}]}',
}


@pytest.mark.parametrize("content", list(BAD_GROUP_FILES.values()), ids=list(BAD_GROUP_FILES))
def test_bad_group_file_is_refetched(aggregated_fake: FakeRequester, cache_dir: Path, content: bytes) -> None:
    expected = disk(DiscoveryClient(aggregated_fake), cache_dir).server_groups_and_resources()
    (cache_dir / "servergroups.json").write_bytes(content)
    aggregated_fake.reset_calls()
    assert disk(DiscoveryClient(aggregated_fake), cache_dir).server_groups_and_resources() == expected
    assert sorted(aggregated_fake.paths) == ["/api", "/apis"]
    assert APIGroupList.from_dict(json.loads((cache_dir / "servergroups.json").read_bytes())).groups == tuple(expected[0])


# -- what is never cached -------------------------------------------------------------------------


def test_errors_are_not_cached(legacy_fake: FakeRequester, cache_dir: Path) -> None:
    legacy_fake.fail("/apis/batch/v1", 503)
    client = disk(DiscoveryClient(legacy_fake), cache_dir)
    with pytest.raises(GroupDiscoveryFailed) as info:
        client.server_groups_and_resources()
    assert isinstance(info.value.failed[BATCH_V1], ServiceUnavailable)
    assert APPS_V1 in [rl.group_version for rl in info.value.partial[1]]
    assert not resources_path(cache_dir, BATCH_V1).exists()
    assert not (cache_dir / "batch").exists()
    legacy_fake.heal("/apis/batch/v1")
    legacy_fake.reset_calls()
    disk(DiscoveryClient(legacy_fake), cache_dir).server_groups_and_resources()
    assert legacy_fake.paths == ["/apis/batch/v1"]


def test_empty_lists_are_not_cached(legacy_fake: FakeRequester, cache_dir: Path) -> None:
    node = GroupVersion("node.k8s.io", "v1")
    legacy_fake.add("/apis/node.k8s.io/v1", {"kind": "APIResourceList", "groupVersion": "node.k8s.io/v1", "resources": []})
    _, resources = disk(DiscoveryClient(legacy_fake), cache_dir).server_groups_and_resources()
    assert {rl.group_version: rl for rl in resources}[node].resources == ()
    assert not resources_path(cache_dir, node).exists()
    legacy_fake.reset_calls()
    disk(DiscoveryClient(legacy_fake), cache_dir).server_resources_for_group_version(node)
    assert legacy_fake.paths == ["/apis/node.k8s.io/v1"]


def test_empty_group_list_is_not_cached(cache_dir: Path) -> None:
    fake = FakeRequester().add("/apis", {"kind": "APIGroupList", "groups": []})
    assert disk(DiscoveryClient(fake), cache_dir).server_groups() == []
    assert not cache_dir.exists()


def test_aggregated_empty_list_is_returned_but_not_written(aggregated_fake: FakeRequester, load_fixture: Callable[[str], Any], cache_dir: Path) -> None:
    data = copy.deepcopy(load_fixture("/aggregated_v2"))
    next(i for i in data["items"] if i["metadata"]["name"] == "node.k8s.io")["versions"][0]["resources"] = []
    aggregated_fake.add("/apis", data, content_type=CONTENT_TYPE_V2, accept=ACCEPT_V2)
    _, resources = disk(DiscoveryClient(aggregated_fake), cache_dir).server_groups_and_resources()
    assert GroupVersion("node.k8s.io", "v1") in [rl.group_version for rl in resources]
    assert not resources_path(cache_dir, GroupVersion("node.k8s.io", "v1")).exists()


# -- unsafe names ---------------------------------------------------------------------------------


def test_unsafe_names_from_the_server_write_nothing_outside(
    legacy_fake: FakeRequester, load_fixture: Callable[[str], Any], tmp_path: Path, cache_dir: Path
) -> None:
    apis = copy.deepcopy(load_fixture("/apis"))
    for name, version in (("../../x", "v1"), ("..", "v1"), ("ok.example.com", "../../../y"), ("/abs", "v1")):
        gv = f"{name}/{version}"
        apis["groups"].append({"name": name, "versions": [{"groupVersion": gv, "version": version}],
                               "preferredVersion": {"groupVersion": gv, "version": version}})
    legacy_fake.add("/apis", apis)
    for path in ("/apis/../../x/v1", "/apis/ok.example.com/../../../y"):
        legacy_fake.add(path, {"kind": "APIResourceList", "groupVersion": "x/v1", "resources": [{"name": "pwn", "kind": "P", "verbs": []}]})
    client = disk(DiscoveryClient(legacy_fake), cache_dir)
    with pytest.raises(GroupDiscoveryFailed) as info:
        client.server_groups_and_resources()
    assert set(info.value.failed) == {GroupVersion("../../x", "v1"), GroupVersion("..", "v1"),
                                      GroupVersion("ok.example.com", "../../../y"), GroupVersion("/abs", "v1")}
    assert all(isinstance(e, UnsafeDiscoveryName) for e in info.value.failed.values())
    everything = {p for p in tmp_path.rglob("*") if p.is_file()}
    assert everything and all(cache_dir in p.parents for p in everything)
    assert not any("pwn" in p.read_text() for p in everything)
    assert not any(".." in path for path in legacy_fake.paths)


def test_unsafe_names_in_a_cached_group_file_are_refused(cache_dir: Path, tmp_path: Path) -> None:
    cache_dir.mkdir(parents=True)
    tampered = {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
        {"name": "", "versions": [{"groupVersion": "v1", "version": "v1"}], "preferredVersion": {"groupVersion": "v1", "version": "v1"}},
        {"name": "../../../etc", "versions": [{"groupVersion": "../../../etc/v1", "version": "v1"}],
         "preferredVersion": {"groupVersion": "../../../etc/v1", "version": "v1"}},
    ]}
    (cache_dir / "servergroups.json").write_text(json.dumps(tampered))
    fake = FakeRequester({"/api/v1": {"kind": "APIResourceList", "groupVersion": "v1",
                                      "resources": [{"name": "pods", "kind": "Pod", "namespaced": True, "verbs": ["get"]}]}})
    with pytest.raises(GroupDiscoveryFailed) as info:
        disk(DiscoveryClient(fake), cache_dir).server_groups_and_resources()
    assert list(info.value.failed) == [GroupVersion("../../../etc", "v1")]
    assert fake.paths == ["/api/v1"]
    assert {p.parent.name for p in tmp_path.rglob("serverresources.json")} == {"v1"}
    assert all(cache_dir in p.parents for p in tmp_path.rglob("*") if p.is_file())


@pytest.mark.parametrize("gv", [GroupVersion("../..", "v1"), GroupVersion("apps", "../v1"), GroupVersion("", "..")],
                         ids=["group", "version", "core-version"])
def test_unsafe_direct_lookup_is_refused(cache_dir: Path, gv: GroupVersion) -> None:
    with pytest.raises(UnsafeDiscoveryName):
        disk(DiscoveryClient(NoRequests()), cache_dir).server_resources_for_group_version(gv)
    assert not cache_dir.exists()


# -- fresh and invalidate -----------------------------------------------------------------------------


def test_fresh_and_invalidate(aggregated_fake: FakeRequester, cache_dir: Path) -> None:
    writer = disk(DiscoveryClient(aggregated_fake), cache_dir)
    assert writer.fresh is True
    writer.server_groups_and_resources()
    writer.server_groups_and_resources()  # reads back its own files
    assert writer.fresh is True and len(aggregated_fake.calls) == 2

    aggregated_fake.reset_calls()
    reader = disk(DiscoveryClient(aggregated_fake), cache_dir)
    reader.server_groups_and_resources()
    assert reader.fresh is False and aggregated_fake.calls == []

    reader.invalidate()
    assert reader.fresh is True
    reader.server_groups_and_resources()  # files not written by the reader are ignored now
    assert sorted(aggregated_fake.paths) == ["/api", "/apis"]
    reader.server_groups_and_resources()  # its own files are used again
    assert sorted(aggregated_fake.paths) == ["/api", "/apis"] and reader.fresh is True


def test_invalidate_reaches_the_memory_cache(aggregated_fake: FakeRequester, cache_dir: Path) -> None:
    memory = MemCacheClient(DiscoveryClient(aggregated_fake))
    client = disk(memory, cache_dir)
    client.server_groups_and_resources()
    assert memory.fresh is True
    client.invalidate()
    assert memory.fresh is False
    client.server_groups_and_resources()
    assert len(aggregated_fake.calls) == 4


# -- construction and odds and ends -------------------------------------------------------------------


def test_for_host_uses_kubectls_directory(aggregated_fake: FakeRequester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECACHEDIR", str(tmp_path / "kc"))
    client = DiskCachedDiscoveryClient.for_host(DiscoveryClient(aggregated_fake), "https://127.0.0.1:6443")
    assert client.cache_dir == str(tmp_path / "kc" / "discovery" / "127.0.0.1_6443")
    client.server_groups()
    assert (tmp_path / "kc" / "discovery" / "127.0.0.1_6443" / "servergroups.json").is_file()
    other = DiskCachedDiscoveryClient.for_host(DiscoveryClient(aggregated_fake), "h:1", parent=str(tmp_path / "p"), ttl=5)
    assert other.cache_dir == discovery_cache_dir(str(tmp_path / "p"), "h:1")


def test_write_failures_are_logged_and_ignored(
    aggregated_fake: FakeRequester, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    client = disk(DiscoveryClient(aggregated_fake), blocker / "cache")
    with caplog.at_level(logging.INFO, logger="discovery.disk"):
        groups, resources = client.server_groups_and_resources()
    assert len(resources) == 34
    # one warning naming the directory, then no more attempts (test_unwritable_cache.py has the cases)
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1 and "cannot write the discovery cache" in warned[0].getMessage()


def test_server_version_is_delegated(cache_dir: Path) -> None:
    fake = FakeRequester({"/version": {"gitVersion": "v1.36.0"}})
    assert disk(DiscoveryClient(fake), cache_dir).server_version() == {"gitVersion": "v1.36.0"}
    assert not cache_dir.exists()


def test_core_lookup_uses_the_v1_file(legacy_fake: FakeRequester, cache_dir: Path) -> None:
    client = disk(DiscoveryClient(legacy_fake), cache_dir)
    assert "pods" in names(client.server_resources_for_group_version(CORE_V1))
    assert files_under(cache_dir) == {"v1/serverresources.json"}
    assert disk(DiscoveryClient(NoRequests()), cache_dir).server_resources_for_group_version(CORE_V1).group_version == CORE_V1


# -- the seams the memory cache uses: LocalResources and WriteBatching ------------------------------


def _stale(path: Path) -> None:
    old = time.time() - DEFAULT_TTL - 60
    os.utime(path, (old, old))


@pytest.mark.parametrize(
    "prepare, gv, found",
    [
        (lambda root: None, APPS_V1, True),
        (lambda root: resources_path(root, APPS_V1).unlink(), APPS_V1, False),
        (lambda root: _stale(resources_path(root, APPS_V1)), APPS_V1, False),
        (lambda root: resources_path(root, APPS_V1).write_bytes(b"{not json"), APPS_V1, False),
        (lambda root: None, GroupVersion("../..", "v1"), False),
    ],
    ids=["cached", "missing", "expired", "unreadable", "unsafe-name"],
)
def test_local_lookup_reads_files_and_never_the_network(
    aggregated_fake: FakeRequester, cache_dir: Path, prepare: Callable[[Path], None], gv: GroupVersion, found: bool
) -> None:
    disk(DiscoveryClient(aggregated_fake), cache_dir).server_groups_and_resources()
    prepare(cache_dir)
    local = disk(DiscoveryClient(NoRequests()), cache_dir)
    assert isinstance(local, LocalResources) and isinstance(local, WriteBatching)
    resource_list = local.cached_resources_for_group_version(gv)
    assert (resource_list is not None) == found
    if found:
        assert resource_list.group_version == gv and "deployments" in names(resource_list)


class _NoPool:
    """Stands in for ThreadPoolExecutor in discovery.parallel: proves the pool was not needed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("the memory cache started a thread pool for a warm disk cache")


@pytest.mark.parametrize("removed, requests", [(0, 0), (1, 1), (3, 3)], ids=["all-cached", "one-missing", "three-missing"])
def test_memory_cache_reads_a_warm_disk_cache_in_one_thread(
    kube_fixtures: Path, cache_dir: Path, served_gvs: List[GroupVersion], monkeypatch: pytest.MonkeyPatch,
    removed: int, requests: int,
) -> None:
    """Only group-versions missing from disk go to the network pool; the rest are read in the calling thread."""
    disk(DiscoveryClient(FakeRequester.from_fixture_dir(kube_fixtures, aggregated=False)), cache_dir).server_groups_and_resources()
    for gv in served_gvs[1:1 + removed]:
        resources_path(cache_dir, gv).unlink()
    fake = FakeRequester.from_fixture_dir(kube_fixtures, aggregated=False)
    if not removed:
        monkeypatch.setattr("discovery.parallel.ThreadPoolExecutor", _NoPool)
    client = MemCacheClient(disk(DiscoveryClient(fake), cache_dir))
    groups, resources = client.server_groups_and_resources()
    assert [rl.group_version for rl in resources] == served_gvs
    assert len(fake.calls) == requests
    assert sorted(fake.paths) == sorted(f"/apis/{gv}" for gv in served_gvs[1:1 + removed])


class _FilesWhileFetching:
    """A Requester that records how many resource files were on disk at each request."""

    def __init__(self, fake: FakeRequester, root: Path) -> None:
        self.fake, self.root = fake, root
        self.seen: List[int] = []

    def get(self, path: str, *, accept: str) -> Any:
        self.seen.append(sum(1 for f in files_under(self.root) if f.endswith("serverresources.json")))
        return self.fake.get(path, accept=accept)


@pytest.mark.parametrize("write_behind", [False, True], ids=["sync", "write-behind"])
def test_legacy_fetch_writes_its_files_after_the_last_request(
    kube_fixtures: Path, cache_dir: Path, served_gvs: List[GroupVersion], write_behind: bool
) -> None:
    """Writes wait for the parallel fetch (WriteBatching), then all of them land."""
    spy = _FilesWhileFetching(FakeRequester.from_fixture_dir(kube_fixtures, aggregated=False, delay=0.002), cache_dir)
    cached = disk(DiscoveryClient(spy), cache_dir, write_behind=write_behind)
    MemCacheClient(cached).server_groups_and_resources()
    cached.flush()
    assert len(spy.seen) == 2 + len(served_gvs) and set(spy.seen) == {0}
    assert files_under(cache_dir) == expected_files(served_gvs)
    cached.close()


def test_writes_held_by_nested_blocks_land_when_the_outer_one_ends(aggregated_fake: FakeRequester, cache_dir: Path) -> None:
    cached = disk(DiscoveryClient(aggregated_fake), cache_dir)
    with cached.holding_writes():
        with cached.holding_writes():
            cached.server_groups_and_resources()
        assert files_under(cache_dir) == set()
    assert len(files_under(cache_dir)) == 35


@pytest.mark.parametrize("held", [False, True], ids=["write-behind", "held-then-written"])
def test_a_write_scheduled_before_invalidate_is_dropped(aggregated_fake: FakeRequester, cache_dir: Path, held: bool) -> None:
    """Data fetched before invalidate() must not land afterwards and pass for fresh."""
    cached = disk(DiscoveryClient(aggregated_fake), cache_dir, write_behind=True)
    gate = threading.Event()
    real = cached._write_now

    def slow(path: str, obj: Any, generation: int) -> None:  # a lane a little behind (slow disk, busy CPU)
        gate.wait(5)
        real(path, obj, generation)

    cached._write_now = slow  # type: ignore[method-assign]
    if held:
        with cached.holding_writes():
            cached.server_groups_and_resources()
            cached.invalidate()
    else:
        cached.server_groups_and_resources()
        cached.invalidate()
    gate.set()
    cached.flush()
    assert files_under(cache_dir) == set()
    before = len(aggregated_fake.calls)
    cached.server_groups()
    assert len(aggregated_fake.calls) > before and cached.fresh is True
    cached.close()
