"""A CRD's whole life without codegen: define, discover via reset-on-miss, use every verb, delete."""

from __future__ import annotations

import pytest

import dynclient
from tests.integration import crds as crdlib


@pytest.fixture
def group(dyn):
    g = crdlib.unique_group("life")
    yield g
    crdlib.uninstall(dyn, [f"gadgets.{g}"])


def test_crd_lifecycle(make_client, request_log, namespace, group, tmp_path):
    dyn = make_client(cache_dir=str(tmp_path / "life"), min_reset_interval=0.0)
    dyn.resource("cm").namespace(namespace).list()  # discovery is now loaded, before the CRD exists
    with pytest.raises(dynclient.NoMatch):
        dyn.resource(f"gadgets.{group}")

    crdlib.install(dyn, [crdlib.crd(group, "Gadget", versions=["v1"], short_names=["gdg"], scale=True)])
    request_log.clear()
    gadgets = dyn.resource(f"gadgets.{group}").namespace(namespace)  # the miss resets discovery once
    assert sorted(request_log.discovery_paths()) == ["/api", "/apis"]
    assert (gadgets.gvr, gadgets.gvk.kind, gadgets.namespaced) == (
        dynclient.GroupVersionResource(group, "v1", "gadgets"), "Gadget", True)
    request_log.clear()
    assert dyn.resource("gdg").gvr == gadgets.gvr  # short name, no more discovery
    assert request_log.discovery_paths() == []

    obj = {"apiVersion": f"{group}/v1", "kind": "Gadget", "metadata": {"name": "g1"},
           "spec": {"size": 1, "replicas": 1}}
    created = gadgets.create(obj)
    assert created["metadata"]["uid"]
    assert gadgets.get("g1")["spec"]["size"] == 1
    assert [i["metadata"]["name"] for i in gadgets.list()["items"]] == ["g1"]

    created["spec"]["size"] = 2
    updated = gadgets.update(created)
    assert updated["spec"]["size"] == 2

    assert gadgets.patch("g1", {"spec": {"color": "red"}})["spec"]["color"] == "red"
    patched = gadgets.patch("g1", [{"op": "replace", "path": "/spec/size", "value": 3}], "json")
    assert patched["spec"]["size"] == 3
    applied = gadgets.apply({"apiVersion": f"{group}/v1", "kind": "Gadget", "metadata": {"name": "g1"},
                             "spec": {"color": "blue"}}, field_manager="tests", force=True)
    assert applied["spec"]["color"] == "blue"

    status = gadgets.subresource("status").patch("g1", {"status": {"ready": True, "replicas": 1}})
    assert status["status"]["ready"] is True
    current = gadgets.get("g1")
    current["status"]["replicas"] = 2
    assert gadgets.update_status(current)["status"]["replicas"] == 2

    scale = gadgets.subresource("scale")
    assert scale.get("g1")["spec"]["replicas"] == 1
    assert scale.patch("g1", {"spec": {"replicas": 4}})["spec"]["replicas"] == 4
    assert gadgets.get("g1")["spec"]["replicas"] == 4

    gadgets.delete("g1")
    with pytest.raises(dynclient.NotFound):
        gadgets.get("g1")
    crdlib.uninstall(dyn, [f"gadgets.{group}"])


def test_resource_for_kind_resolves_a_crd(make_client, namespace, group):
    dyn = make_client(min_reset_interval=0.0)
    crdlib.install(dyn, [crdlib.crd(group, "Gadget", versions=["v1", "v2"], storage="v1")])
    for version in ("v1", "v2"):
        rc = dyn.resource_for_kind(f"{group}/{version}", "Gadget")
        assert rc.gvr == dynclient.GroupVersionResource(group, version, "gadgets")


def test_wait_for_kind_returns_once_discovery_serves_a_new_crd(make_client, namespace, group):
    """dyn.wait_for_kind is how to wait: Established comes a moment before discovery lists the kind."""
    dyn = make_client()
    dyn.resource("cm").namespace(namespace).list()  # discovery loaded before the CRD exists
    dyn.resource(crdlib.CRD_GVR).create(crdlib.crd(group, "Gadget", versions=["v1"]))  # no wait for Established
    mapping = dyn.wait_for_kind(f"{group}/v1", "Gadget", timeout=60)
    assert mapping.resource == dynclient.GroupVersionResource(group, "v1", "gadgets")
    created = dyn.resource(mapping).namespace(namespace).create(
        {"apiVersion": f"{group}/v1", "kind": "Gadget", "metadata": {"name": "g1"}})
    assert created["metadata"]["name"] == "g1"
    with pytest.raises(dynclient.DynclientError, match="timed out waiting for discovery to serve kind Nope"):
        dyn.wait_for_kind(f"{group}/v1", "Nope", timeout=0.5)
