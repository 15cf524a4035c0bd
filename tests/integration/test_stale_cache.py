"""A stale disk cache heals itself (issue 12 item 4), on the real API server.

A short name is served by a CRD in group A and cached on disk; the CRD is
deleted and the same short name created in group B. Within the cache's TTL a
new client that shares the disk cache still maps the name to group A, and
its request gets ``404 page not found``, as kubectl's does. dynclient then
rediscovers once, finds group B and repeats the request there.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import pytest

import dynclient
from tests.integration import crds as crdlib


def wait_gone(dyn: dynclient.DynamicClient, crd_name: str, timeout: float = 60.0) -> None:
    crds = dyn.resource(crdlib.CRD_GVR)
    deadline = time.monotonic() + timeout
    while True:
        try:
            crds.get(crd_name)
        except dynclient.NotFound:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"CRD {crd_name} still there after {timeout}s")
        time.sleep(0.2)


def wait_served(kubeconfig: str, tmp_path, group: str, plural: str, timeout: float = 30.0) -> None:
    """Until live discovery (no cache) lists the resource: the heal needs the server to serve it."""
    deadline = time.monotonic() + timeout
    while True:
        with dynclient.connect(kubeconfig, disk_cache=False) as fresh:
            try:
                if fresh.resource(f"{plural}.{group}").gvr.group == group:
                    return
            except dynclient.NoMatch:
                pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{plural}.{group} not in discovery after {timeout}s")
        time.sleep(0.2)


@pytest.fixture
def moved_short_name(kubeconfig, make_client, tmp_path, namespace):
    """A short name used from group A (and cached on disk), then moved to group B."""
    short = f"sc{uuid.uuid4().hex[:6]}"
    group_a, group_b = crdlib.unique_group("sa"), crdlib.unique_group("sb")
    admin = make_client(disk_cache=False)
    crd_a = crdlib.crd(group_a, "Gadget", short_names=[short])
    crd_b = crdlib.crd(group_b, "Gadget", short_names=[short])
    installed = crdlib.install(admin, [crd_a])
    try:
        first = make_client()  # the shared disk cache: tmp_path/cache
        first.resource(short).namespace(namespace).create(
            {"apiVersion": f"{group_a}/v1", "kind": "Gadget", "metadata": {"name": "old"}})
        assert first.resource(short).gvr.group == group_a
        first.close()  # the cache files are on disk now
        crdlib.uninstall(admin, installed)
        wait_gone(admin, installed[0])
        installed = crdlib.install(admin, [crd_b])
        wait_served(kubeconfig, tmp_path, group_b, "gadgets")
        yield short, group_a, group_b
    finally:
        crdlib.uninstall(admin, installed)


def test_a_new_client_heals_a_read_and_a_write_with_one_rediscovery_each(moved_short_name, make_client, namespace,
                                                                         request_log, kubectl, tmp_path):
    short, group_a, group_b = moved_short_name
    # Two new clients on the same disk cache, within its TTL: both still map the name to group A.
    request_log.clear()
    reader, writer = make_client(), make_client()
    assert reader.resource(short).gvr.group == group_a
    assert writer.resource(short).gvr.group == group_a
    assert request_log.discovery_paths() == []  # all from the disk cache
    # kubectl on the same (stale) cache gets the plain 404, as the issue describes.
    stale = kubectl("get", short, "-n", namespace, check=False, cache_dir=str(tmp_path / "cache"))
    assert stale.returncode == 1 and "the server could not find the requested resource" in stale.stderr

    items = reader.resource(short).namespace(namespace).list()["items"]
    assert items == []
    assert reader.healer.rediscoveries == 1
    paths = request_log.paths()
    old_path = f"/apis/{group_a}/v1/namespaces/{namespace}/gadgets"
    new_path = f"/apis/{group_b}/v1/namespaces/{namespace}/gadgets"
    assert paths[0] == old_path and paths[-1] == new_path
    discovery = request_log.discovery_paths()
    assert discovery and len(discovery) == len(set(discovery))  # one rediscovery: each document once
    assert [i.status for i in request_log.infos if i.url.endswith(old_path)] == [404]
    assert [i.status for i in request_log.infos if i.url.endswith(new_path) and i.status != 429] == [200]

    request_log.clear()
    created = writer.resource(short).namespace(namespace).create(
        {"apiVersion": f"{group_b}/v1", "kind": "Gadget", "metadata": {"name": "new"}})
    assert created["apiVersion"] == f"{group_b}/v1"
    assert writer.healer.rediscoveries == 1
    posts = [(i.method, i.url.split("?")[0].rsplit("/apis", 1)[-1], i.status) for i in request_log.infos
             if i.method == "POST" and i.status != 429]  # a 429 is retried by the transport
    assert posts == [("POST", f"/{group_a}/v1/namespaces/{namespace}/gadgets", 404),
                     ("POST", f"/{group_b}/v1/namespaces/{namespace}/gadgets", 201)]
    # Healed for good: the next request goes straight to group B.
    request_log.clear()
    assert [o["metadata"]["name"] for o in writer.resource(short).namespace(namespace).list()["items"]] == ["new"]
    assert [i.status for i in request_log.infos if i.status != 429] == [200]


NEW_PROCESS = """
import sys
import dynclient
from dynclient.transport import RequestInfo

seen = []
dyn = dynclient.connect(sys.argv[1], cache_dir=sys.argv[2], hooks=[lambda info: seen.append(info)])
items = dyn.resource(sys.argv[3]).namespace(sys.argv[4]).list()["items"]
print(dyn.resource(sys.argv[3]).gvr.group, [i["metadata"]["name"] for i in items], dyn.healer.rediscoveries,
      [i.status for i in seen if "/gadgets" in i.url and i.status != 429])  # 429: retried by the transport
dyn.close()
"""


def test_a_new_process_sharing_the_disk_cache_heals(moved_short_name, kubeconfig, tmp_path, namespace):
    short, _, group_b = moved_short_name
    proc = subprocess.run([sys.executable, "-c", NEW_PROCESS, kubeconfig, str(tmp_path / "cache"), short, namespace],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[0] == f"{group_b} [] 1 [404, 200]"


def test_a_404_about_an_object_is_not_healed(make_client, namespace, request_log):
    dyn = make_client()
    cms = dyn.resource("cm").namespace(namespace)
    request_log.clear()
    with pytest.raises(dynclient.NotFound, match='configmaps "nope" not found'):
        cms.get("nope")
    assert dyn.healer.rediscoveries == 0
    assert request_log.discovery_paths() == []
