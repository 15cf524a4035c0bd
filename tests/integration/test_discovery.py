"""Discovery against the real API server: round trips, legacy mode, kubectl agreement, and the shared cache."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

import dynclient

from discovery.cachedir import discovery_cache_dir
from discovery.types import GroupVersion

GET_LINE = re.compile(r"GET (https?://\S+?)(?:\?\S*)? (\d{3})")


def kubectl_requests(stderr: str):
    """The request paths a ``kubectl -v=6`` run made, in order."""
    from urllib.parse import urlsplit

    return [urlsplit(m.group(1)).path for m in GET_LINE.finditer(stderr)]


def is_discovery_path(path: str) -> bool:
    parts = [p for p in path.split("/") if p]
    return parts in (["api"], ["apis"]) or (parts[:1] == ["api"] and len(parts) == 2) or (
        parts[:1] == ["apis"] and len(parts) in (2, 3)
    )


def test_aggregated_discovery_costs_exactly_two_requests(make_client, request_log):
    dyn = make_client()
    groups, lists = dyn.discovery.server_groups_and_resources()
    assert sorted(request_log.paths()) == ["/api", "/apis"]
    assert groups[0].name == "" and {"apps", "apiextensions.k8s.io"} <= {g.name for g in groups}
    assert any(rl.group_version == GroupVersion("apps", "v1") for rl in lists)


def test_resolve_and_list_cold_is_three_requests(make_client, request_log, namespace, tmp_path):
    request_log.clear()
    dyn = make_client(cache_dir=str(tmp_path / "cold"))
    dyn.resource("deploy").namespace(namespace).list()
    paths = request_log.paths()
    assert sorted(paths[:2]) == ["/api", "/apis"]  # fetched concurrently
    assert paths[2:] == [f"/apis/apps/v1/namespaces/{namespace}/deployments"]


def test_forced_legacy_discovery_fetches_every_group_version(make_client, request_log):
    dyn = make_client(legacy_discovery=True)
    try:
        groups, lists = dyn.discovery.server_groups_and_resources()
    except dynclient.GroupDiscoveryFailed as err:
        # A CRD another test just deleted can still be listed for a moment; its documents are then 404.
        assert all(gv.group.endswith(".example.com") and isinstance(e, dynclient.NotFound)
                   for gv, e in err.failed.items()), err
        groups, lists = err.partial
        lists = list(lists) + [None] * len(err.failed)
    expected = {"/api", "/apis"} | {
        "/api/v1" if not gv.group else f"/apis/{gv.group}/{gv.version}" for g in groups for gv in g.group_versions()
    }
    assert len(request_log.paths()) == len(expected)
    assert set(request_log.paths()) == expected
    assert len(lists) == sum(len(g.versions) for g in groups)


def _kubectl_table(output: str):
    """Rows of ``kubectl api-resources -o wide`` split on the header's column starts."""
    lines = output.splitlines()
    header = lines[0]
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    rows = []
    for line in lines[1:]:
        cells = [line[a:b].strip() for a, b in zip(starts, starts[1:] + [None])]
        rows.append(tuple(cells))
    return rows


def test_preferred_resources_agree_with_kubectl_api_resources(make_client, kubectl):
    expected = sorted(_kubectl_table(kubectl("api-resources", "-o", "wide").stdout))
    dyn = make_client()
    got = []
    for rl in dyn.discovery.server_preferred_resources():
        for r in rl.resources:
            if not r.verbs:
                continue
            got.append((r.name, ",".join(r.short_names), str(rl.group_version), str(r.namespaced).lower(), r.kind,
                        ",".join(r.verbs), ",".join(r.categories)))
    assert sorted(got) == expected
    assert len(expected) > 50


def _cache_files(root: Path):
    return sorted(p for p in root.rglob("*.json"))


def test_kubectl_reads_the_cache_dynclient_wrote(make_client, kubectl, tmp_path, kubeconfig):
    cache = tmp_path / "shared-cache"
    dyn = make_client(cache_dir=str(cache))
    dyn.discovery.server_groups_and_resources()
    dyn.close()  # cache files are written in the background; close() waits for them
    host_dir = Path(discovery_cache_dir(str(cache), dyn.transport.host))
    assert (host_dir / "servergroups.json").is_file()
    assert (host_dir / "apps" / "v1" / "serverresources.json").is_file()
    assert (host_dir / "v1" / "serverresources.json").is_file()
    proc = kubectl("get", "deployments.apps", "-A", "-v=6", cache_dir=str(cache))
    requests = kubectl_requests(proc.stderr)
    assert [p for p in requests if is_discovery_path(p)] == []
    assert requests == ["/apis/apps/v1/deployments"]


def test_dynclient_reads_the_cache_kubectl_wrote(make_client, kubectl, tmp_path, request_log):
    cache = tmp_path / "shared-cache"
    kubectl("get", "deployments.apps", "-A", cache_dir=str(cache))
    assert _cache_files(cache), "kubectl wrote no cache files"
    dyn = make_client(cache_dir=str(cache))
    dyn.resource("deploy").list()
    dyn.resource("cm").list()
    assert request_log.discovery_paths() == []
    assert request_log.paths() == ["/apis/apps/v1/deployments", "/api/v1/configmaps"]


def test_cache_file_modes_match_kubectl(make_client, tmp_path):
    cache = tmp_path / "mode-cache"
    old = os.umask(0o022)
    try:
        filled = make_client(cache_dir=str(cache))
        filled.discovery.server_groups_and_resources()
        filled.close()
    finally:
        os.umask(old)
    files = _cache_files(cache)
    assert files
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o660}
    host_dir = files[0].parent
    while host_dir != cache / "discovery":
        assert stat.S_IMODE(host_dir.stat().st_mode) == 0o750, host_dir
        host_dir = host_dir.parent


def test_warm_cache_makes_no_discovery_requests(make_client, request_log, tmp_path):
    cache = str(tmp_path / "warm")
    first = make_client(cache_dir=cache)
    first.resource("deployments.v1.apps").list()
    first.close()
    request_log.clear()
    make_client(cache_dir=cache).resource("deployments.v1.apps").list()
    assert request_log.paths() == ["/apis/apps/v1/deployments"]


@pytest.mark.parametrize("version", ["v1", "v2"], ids=["v1", "v2"])
def test_fully_qualified_kind_on_legacy_server_fetches_one_document(make_client, request_log, version):
    dyn = make_client(legacy_discovery=True)
    mapping = dyn.resource_for_kind(f"autoscaling/{version}", "HorizontalPodAutoscaler")
    assert mapping.gvr == GroupVersion("autoscaling", version).with_resource("horizontalpodautoscalers")
    assert request_log.paths() == [f"/apis/autoscaling/{version}"]
