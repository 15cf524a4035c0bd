"""Built-in kinds, pagination, watch, server-side apply and typed errors against the real server."""

from __future__ import annotations

import base64
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import dynclient


def cm(name, data=None, labels=None):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, **({"labels": labels} if labels else {})}, "data": data or {"k": "v"}}


# -- built-ins ------------------------------------------------------------------

BUILTINS = [
    ("cm", lambda n: cm(n), {"data": {"k": "w"}}),
    ("secret", lambda n: {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": n},
                          "stringData": {"password": "s3cr3t"}}, {"metadata": {"labels": {"a": "b"}}}),
    ("deploy", lambda n: {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": n},
                          "spec": {"replicas": 1, "selector": {"matchLabels": {"app": n}},
                                   "template": {"metadata": {"labels": {"app": n}},
                                                "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}},
     {"spec": {"replicas": 3}}),
]


def test_each_face_is_the_client_it_names(dyn, face):
    """The faces are real: the aio face's client is dynclient.aio's, the others the sync DynamicClient."""
    import dynclient.aio

    if face == "aio":
        assert isinstance(dyn.aio, dynclient.aio.AsyncDynamicClient)
    else:
        assert isinstance(dyn, dynclient.DynamicClient)


@pytest.mark.parametrize("name, make, patch", BUILTINS, ids=[b[0] for b in BUILTINS])
def test_namespaced_builtin_round_trip(dyn, namespace, name, make, patch):
    rc = dyn.resource(name).namespace(namespace)
    created = rc.create(make("obj"))
    assert created["metadata"]["namespace"] == namespace
    patched = rc.patch("obj", patch)
    assert patched["metadata"]["resourceVersion"] != created["metadata"]["resourceVersion"]
    assert [i["metadata"]["name"] for i in rc.list()["items"]] == ["obj"]
    rc.delete("obj")
    with pytest.raises(dynclient.NotFound):
        rc.get("obj")


def test_deployment_scale_subresource(dyn, namespace):
    rc = dyn.resource("deployments.apps").namespace(namespace)
    rc.create(BUILTINS[2][1]("web"))
    scale = rc.subresource("scale")
    assert scale.get("web")["kind"] == "Scale"
    scale.patch("web", {"spec": {"replicas": 5}})
    assert rc.get("web")["spec"]["replicas"] == 5


@pytest.mark.parametrize(
    "name, obj",
    [("ns", {"apiVersion": "v1", "kind": "Namespace"}),
     ("clusterroles", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                       "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]})],
    ids=["namespace", "clusterrole"],
)
def test_cluster_scoped_builtins(dyn, name, obj):
    rc = dyn.resource(name)
    assert not rc.namespaced
    with pytest.raises(ValueError, match="cluster-scoped"):
        rc.namespace("default")
    obj_name = f"dyn-{time.time_ns()}"
    rc.create({**obj, "metadata": {"name": obj_name}})
    assert rc.get(obj_name)["metadata"]["name"] == obj_name
    rc.delete(obj_name)


# -- pagination ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def thousand(kubeconfig, tmp_path_factory):
    dyn = dynclient.connect(kubeconfig, cache_dir=str(tmp_path_factory.mktemp("page")), qps=0)
    ns = f"page-{time.time_ns()}"
    dyn.resource("ns").create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    cms = dyn.resource("cm").namespace(ns)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: cms.create(cm(f"cm-{i:04d}")), range(1000)))
    yield dyn, ns
    cms.delete_collection()  # no namespace controller may run to empty the namespace
    dyn.resource("ns").delete(ns)
    dyn.close()


def test_list_in_pages_of_100(thousand):
    dyn, ns = thousand
    cms = dyn.resource("cm").namespace(ns)
    names, token, pages = [], None, 0
    while True:
        page = cms.list(limit=100, continue_=token)
        pages += 1
        names += [i["metadata"]["name"] for i in page["items"]]
        token = page["metadata"].get("continue")
        if not token:
            break
    expected = [f"cm-{i:04d}" for i in range(1000)]
    assert pages >= 10
    assert sorted(n for n in names if n.startswith("cm-")) == expected
    assert [n for n in cms.iter(limit=100) if n["metadata"]["name"].startswith("cm-")] != []
    assert sorted(i["metadata"]["name"] for i in cms.iter(limit=100) if i["metadata"]["name"].startswith("cm-")) \
        == expected


def expired_token(token: str) -> str:
    """The same position with a resourceVersion long compacted away."""
    padded = token + "=" * (-len(token) % 4)
    data = json.loads(base64.urlsafe_b64decode(padded))
    data["rv"] = 1
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_expired_continue_token_is_expired_and_iter_relists(thousand, monkeypatch):
    dyn, ns = thousand
    cms = dyn.resource("cm").namespace(ns)
    first = cms.list(limit=100)
    stale = expired_token(first["metadata"]["continue"])
    deadline = time.monotonic() + 30  # wait for the API server's etcd compaction to pass revision 1
    while True:
        try:
            cms.list(limit=100, continue_=stale)
        except dynclient.Expired as err:
            assert err.code == 410
            break
        assert time.monotonic() < deadline, "revision 1 was never compacted; is --etcd-compaction-interval set?"
        time.sleep(1)

    from types import SimpleNamespace

    import dynclient.resource as resource_module

    real_split = resource_module.split_checked
    calls = {"n": 0}

    def split_with_one_expired_token(reply, *, method, url):
        calls["n"] += 1
        if calls["n"] == 3:  # the third page hands out a token that has expired
            page = json.loads(reply.content)
            page["metadata"]["continue"] = expired_token(page["metadata"]["continue"])
            reply = SimpleNamespace(status_code=reply.status_code, headers=reply.headers,
                                    content=json.dumps(page).encode(), url=url)
        return real_split(reply, method=method, url=url)

    monkeypatch.setattr(resource_module, "split_checked", split_with_one_expired_token)
    names = [i["metadata"]["name"] for i in cms.iter(limit=100)]
    assert sorted(n for n in names if n.startswith("cm-")) == [f"cm-{i:04d}" for i in range(1000)]
    assert len(names) == len(set(names))  # the relist skipped what was already yielded
    assert calls["n"] > 11  # the relist really happened


# -- watch --------------------------------------------------------------------------


def test_watch_sees_added_modified_deleted_in_order(dyn, namespace):
    cms = dyn.resource("cm").namespace(namespace)
    rv = cms.list()["metadata"]["resourceVersion"]
    events = []
    watch = cms.watch(resource_version=rv, timeout_seconds=20)

    def consume():
        for kind, obj in watch:
            events.append((kind, obj["metadata"]["name"]))
            if kind == "DELETED":
                watch.stop()

    reader = threading.Thread(target=consume)
    reader.start()
    cms.create(cm("w"))
    cms.patch("w", {"data": {"k": "2"}})
    cms.delete("w")
    reader.join(25)
    assert not reader.is_alive()
    assert events == [("ADDED", "w"), ("MODIFIED", "w"), ("DELETED", "w")]


def test_watch_list_ends_initial_events_with_a_bookmark(dyn, namespace):
    cms = dyn.resource("cm").namespace(namespace)
    cms.create(cm("existing"))
    seen = []
    watch = cms.watch(send_initial_events=True, yield_bookmarks=True, timeout_seconds=20)
    for kind, obj in watch:
        seen.append((kind, obj["metadata"].get("name")))
        if kind == "BOOKMARK":
            watch.stop()
    assert seen[0] == ("ADDED", "existing")
    assert seen[-1][0] == "BOOKMARK" and watch.initial_events_done
    assert ("ADDED", "kube-root-ca.crt") in seen or len(seen) == 2  # the root CA map exists only with a controller


def test_watch_timeout_ends_cleanly(dyn, namespace):
    cms = dyn.resource("cm").namespace(namespace)
    rv = cms.list()["metadata"]["resourceVersion"]
    start = time.monotonic()
    assert list(cms.watch(resource_version=rv, timeout_seconds=3)) == []
    assert 2.5 <= time.monotonic() - start < 8


def test_watch_stop_from_another_thread(dyn, namespace):
    watch = dyn.resource("cm").namespace(namespace).watch(timeout_seconds=60)
    threading.Timer(0.5, watch.stop).start()
    start = time.monotonic()
    assert list(watch) == []
    assert time.monotonic() - start < 5


# -- server-side apply --------------------------------------------------------------


def test_apply_conflict_names_fields_and_force_takes_them(dyn, namespace):
    cms = dyn.resource("cm").namespace(namespace)
    cms.apply(cm("ssa", {"a": "1"}), field_manager="alice")
    with pytest.raises(dynclient.Conflict) as info:
        cms.apply(cm("ssa", {"a": "2"}), field_manager="bob")
    assert info.value.reason == "Conflict"
    assert [c.get("field") for c in info.value.causes] == [".data.a"]
    assert "alice" in info.value.message
    taken = cms.apply(cm("ssa", {"a": "2"}), field_manager="bob", force=True)
    assert taken["data"]["a"] == "2"
    managers = {m["manager"] for m in taken["metadata"]["managedFields"]}
    assert "bob" in managers


# -- typed errors -------------------------------------------------------------------


def test_typed_errors_from_the_real_server(dyn, namespace):
    cms = dyn.resource("cm").namespace(namespace)
    with pytest.raises(dynclient.NotFound) as nf:
        cms.get("missing")
    assert nf.value.status["details"]["name"] == "missing"
    first = cms.create(cm("e"))
    with pytest.raises(dynclient.AlreadyExists):
        cms.create(cm("e"))
    cms.patch("e", {"data": {"k": "changed"}})
    with pytest.raises(dynclient.Conflict) as conflict:
        cms.update(first)  # carries the stale resourceVersion
    assert not isinstance(conflict.value, dynclient.AlreadyExists)
    with pytest.raises(dynclient.Invalid) as invalid:
        cms.create(cm("Not_A_Valid_Name"))
    assert invalid.value.causes and invalid.value.causes[0]["field"] == "metadata.name"


def test_dry_run_persists_nothing(dyn, namespace):
    cms = dyn.resource("cm").namespace(namespace)
    assert cms.create(cm("dry"), dry_run=True)["metadata"]["name"] == "dry"
    with pytest.raises(dynclient.NotFound):
        cms.get("dry")
    cms.create(cm("dry"))
    cms.apply(cm("dry", {"k": "applied"}), field_manager="t", force=True, dry_run=True)
    cms.patch("dry", {"data": {"k": "patched"}}, dry_run=True)
    cms.delete("dry", dry_run=True)
    assert cms.get("dry")["data"] == {"k": "v"}


def test_forbidden_for_the_unprivileged_user(kubeconfig, has_unprivileged_context, tmp_path):
    if not has_unprivileged_context:
        pytest.skip("the external cluster has no 'unprivileged' context")
    with dynclient.connect(kubeconfig, "unprivileged", cache_dir=str(tmp_path)) as dyn:
        with pytest.raises(dynclient.Forbidden) as info:
            dyn.resource(dynclient.GroupVersionResource("", "v1", "secrets")).namespace("default").list()
    assert info.value.code == 403 and "unprivileged" in info.value.message


def test_unauthorized_for_a_bad_token(kubeconfig, tmp_path):
    import yaml

    with open(kubeconfig) as fh:
        config = yaml.safe_load(fh)
    for user in config["users"]:
        user["user"] = {"token": "not-a-real-token"}
    with dynclient.connect(config, cache_dir=str(tmp_path)) as dyn:
        with pytest.raises(dynclient.Unauthorized) as info:
            dyn.resource(dynclient.GroupVersionResource("", "v1", "configmaps")).list()
    assert info.value.code == 401
    assert "not-a-real-token" not in str(info.value)


def test_resource_client_waits_and_gives_its_metadata_view(dyn, namespace):
    """``rc.wait`` (kubectl wait's conditions, on a watch) and ``rc.metadata()`` (PartialObjectMetadata)."""
    import threading

    cms = dyn.resource("cm").namespace(namespace)
    cms.create(cm("waited"))
    timer = threading.Timer(0.5, lambda: cms.patch("waited", {"data": {"ready": "yes"}}))
    timer.start()
    try:
        got = cms.wait("waited", condition="jsonpath={.data.ready}=yes", timeout=30)
    finally:
        timer.cancel()
    assert got["data"]["ready"] == "yes"
    meta = cms.metadata().get("waited")
    assert meta["kind"] == "PartialObjectMetadata" and meta["metadata"]["name"] == "waited"
    assert "data" not in meta
    threading.Timer(0.5, lambda: cms.delete("waited")).start()
    cms.wait("waited", condition="delete", timeout=30)
    with pytest.raises(dynclient.NotFound):
        cms.get("waited")
