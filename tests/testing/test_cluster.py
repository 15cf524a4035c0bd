"""FakeCluster through the real client: verbs, errors, CRDs, namespaces, finalizers, SSA, control."""

from __future__ import annotations

import threading

import pytest

import dynclient
from dynclient.testing import FakeCluster


def cm(name, data=None, labels=None, **meta):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, **({"labels": labels} if labels else {}), **meta}, "data": data or {"k": "v"}}


CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {"group": "example.com", "scope": "Namespaced",
             "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wdg"]},
             "versions": [{"name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
                           "schema": {"openAPIV3Schema": {"type": "object",
                                                          "x-kubernetes-preserve-unknown-fields": True}}}]},
}


@pytest.fixture
def dyn(fake_cluster):
    with fake_cluster.connect() as client:
        yield client


@pytest.fixture
def cms(dyn):
    return dyn.resource("cm").namespace("default")


def test_connect_returns_an_ordinary_client_and_touches_no_disk(fake_cluster, isolated_env):
    with fake_cluster.connect() as dyn:
        assert isinstance(dyn, dynclient.DynamicClient)
        assert dyn.resource("deploy").gvr == dynclient.GroupVersionResource("apps", "v1", "deployments")
    assert not (isolated_env / ".kube").exists()
    assert fake_cluster.requests[0].path in ("/api", "/apis")


def test_create_assigns_uid_resource_version_and_generated_name(cms):
    first = cms.create(cm("", generateName="gen-"))
    second = cms.create(cm("", generateName="gen-"))
    assert first["metadata"]["name"].startswith("gen-") and len(first["metadata"]["name"]) == 9
    assert first["metadata"]["name"] != second["metadata"]["name"]
    assert first["metadata"]["uid"] != second["metadata"]["uid"]
    assert int(second["metadata"]["resourceVersion"]) > int(first["metadata"]["resourceVersion"])
    assert first["metadata"]["managedFields"][0]["manager"] == "dynclient"


# Each case: what the test does -> the error class, its reason, and the server's message.
ERRORS = [
    ("get-missing", lambda c: c.get("nope"), dynclient.NotFound, 'configmaps "nope" not found'),
    ("create-twice", lambda c: (c.create(cm("a")), c.create(cm("a"))), dynclient.AlreadyExists,
     'configmaps "a" already exists'),
    ("stale-update", lambda c: (c.create(cm("a")), c.update(cm("a", resourceVersion="1"))), dynclient.Conflict,
     'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes '
     "to the latest version and try again"),
    ("missing-name", lambda c: c.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}),
     dynclient.Invalid, 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required'),
    ("bad-name", lambda c: c.create(cm("Bad_Name")), dynclient.Invalid, 'ConfigMap "Bad_Name" is invalid: '
     'metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain'),
    ("no-namespace", lambda c: c.namespace("nowhere").create(cm("a")), dynclient.NotFound,
     'namespaces "nowhere" not found'),
    ("patch-missing", lambda c: c.patch("nope", {"data": {}}), dynclient.NotFound, 'configmaps "nope" not found'),
    ("bad-field-selector", lambda c: c.list(field_selector="spec.x=1"), dynclient.BadRequest,
     '"spec.x" is not a known field selector: only "metadata.name", "metadata.namespace"'),
]


@pytest.mark.parametrize("action, error, message", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_are_the_real_status_bodies(cms, action, error, message):
    with pytest.raises(error) as info:
        action(cms)
    assert info.value.status["message"].startswith(message)
    assert info.value.status["kind"] == "Status" and info.value.status["status"] == "Failure"


def test_not_found_details_name_the_object(cms):
    with pytest.raises(dynclient.NotFound) as info:
        cms.get("nope")
    assert info.value.status["details"] == {"name": "nope", "kind": "configmaps"}


PATCHES = [
    ("merge", "merge", {"data": {"k": None, "n": "1"}}, {"n": "1"}),
    ("json", "json", [{"op": "add", "path": "/data/n", "value": "1"}, {"op": "remove", "path": "/data/k"}],
     {"n": "1"}),
    ("strategic", "strategic", {"data": {"n": "1"}}, {"k": "v", "n": "1"}),
]


@pytest.mark.parametrize("patch_type, body, data", [p[1:] for p in PATCHES], ids=[p[0] for p in PATCHES])
def test_patch_types(cms, patch_type, body, data):
    cms.create(cm("p"))
    assert cms.patch("p", body, patch_type)["data"] == data


def test_strategic_merge_keys_merge_containers_by_name(dyn):
    deploys = dyn.resource("deploy").namespace("default")
    deploys.create({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                    "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "x"},
                                                                  {"name": "b", "image": "y"}]}}}})
    patched = deploys.patch("d", {"spec": {"template": {"spec": {"containers": [{"name": "b", "image": "z"}]}}}},
                            "strategic")
    assert patched["spec"]["template"]["spec"]["containers"] == [{"name": "a", "image": "x"},
                                                                 {"name": "b", "image": "z"}]
    assert patched["metadata"]["generation"] == 2


def test_strategic_merge_is_refused_for_custom_resources(dyn):
    dyn.resource("crd").create(CRD)
    widgets = dyn.resource("widgets").namespace("default")
    widgets.create({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}})
    with pytest.raises(dynclient.StatusError) as info:
        widgets.patch("w", {"spec": {}}, "strategic")
    assert info.value.code == 415


def test_crd_is_established_and_served_to_a_client_that_already_discovered(dyn, fake_cluster):
    assert dyn.resource("configmaps")  # discovery is cached before the CRD exists
    crd = dyn.resource("customresourcedefinitions").create(CRD)
    conditions = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
    assert conditions == {"NamesAccepted": "True", "Established": "True"}
    widgets = dyn.resource("wdg").namespace("default")  # the stale cache heals
    created = widgets.create({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
                              "spec": {"size": 1}, "status": {"ready": True}})
    assert "status" not in created and created["metadata"]["generation"] == 1
    assert widgets.update_status({**created, "status": {"ready": True}})["status"] == {"ready": True}
    assert [w["apiVersion"] for w in widgets.list()["items"]] == ["example.com/v1"]
    dyn.resource("crd").delete("widgets.example.com")
    with pytest.raises(LookupError):
        fake_cluster.objects("example.com/v1", "Widget")


def test_cluster_scoped_and_namespaced_paths(dyn, fake_cluster):
    nodes = dyn.resource("nodes")
    nodes.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}})
    assert nodes.get("n1")["metadata"].get("namespace") is None
    with pytest.raises(dynclient.NotFound) as info:
        dyn.transport.request("GET", "/api/v1/namespaces/default/nodes/n1")
    assert info.value.status["message"] == "the server could not find the requested resource"


def test_finalizers_hold_a_delete_until_removed(cms):
    cms.create(cm("f", finalizers=["example.com/hold"]))
    held = cms.delete("f")
    assert held["metadata"]["deletionTimestamp"] and cms.get("f")["metadata"]["finalizers"] == ["example.com/hold"]
    with pytest.raises(dynclient.Invalid):
        cms.patch("f", {"metadata": {"finalizers": ["example.com/hold", "example.com/more"]}})
    cms.patch("f", [{"op": "remove", "path": "/metadata/finalizers"}], "json")
    with pytest.raises(dynclient.NotFound):
        cms.get("f")


def test_deleting_a_namespace_deletes_its_objects(dyn, fake_cluster):
    dyn.resource("ns").create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "gone"}})
    dyn.resource("cm").namespace("gone").create(cm("a"))
    deleted = dyn.resource("ns").delete("gone")
    assert deleted["status"]["phase"] == "Terminating"
    assert fake_cluster.objects("v1", "ConfigMap", "gone") == []
    with pytest.raises(dynclient.NotFound):
        dyn.resource("ns").get("gone")


SELECTORS = [
    ("equality", {"label_selector": "app=web"}, ["a", "b"]),
    ("inequality", {"label_selector": "app!=web"}, ["c", "d"]),
    ("set", {"label_selector": "tier in (front,back)"}, ["a", "c"]),
    ("notin", {"label_selector": "tier notin (front)"}, ["b", "c", "d"]),
    ("exists", {"label_selector": "tier"}, ["a", "c"]),
    ("not-exists", {"label_selector": "!tier"}, ["b", "d"]),
    ("and", {"label_selector": "app=web,tier=front"}, ["a"]),
    ("name", {"field_selector": "metadata.name=c"}, ["c"]),
    ("not-name", {"field_selector": "metadata.name!=c"}, ["a", "b", "d"]),
    ("namespace", {"field_selector": "metadata.namespace=default"}, ["a", "b", "c", "d"]),
]


@pytest.mark.parametrize("query, names", [s[1:] for s in SELECTORS], ids=[s[0] for s in SELECTORS])
def test_selectors(cms, query, names):
    for name, labels in [("a", {"app": "web", "tier": "front"}), ("b", {"app": "web"}),
                         ("c", {"app": "db", "tier": "back"}), ("d", {})]:
        cms.create(cm(name, labels=labels))
    assert [i["metadata"]["name"] for i in cms.list(**query)["items"]] == names


def test_limit_and_continue_page_in_key_order(cms):
    for i in range(7):
        cms.create(cm(f"c{i}"))
    first = cms.list(limit=3)
    assert first["metadata"]["remainingItemCount"] == 4
    names = [i["metadata"]["name"] for i in cms.iter(limit=3)]
    assert names == [f"c{i}" for i in range(7)]


def test_continue_token_expires_after_compaction(fake_cluster, cms):
    for i in range(3):
        cms.create(cm(f"c{i}"))
    token = cms.list(limit=1)["metadata"]["continue"]
    cms.create(cm("later"))
    fake_cluster.compact()
    with pytest.raises(dynclient.Expired) as info:
        cms.list(limit=1, continue_=token)
    assert info.value.code == 410 and "too old to display a consistent list result" in info.value.message


def test_watch_from_a_resource_version_sees_changes_in_order(cms):
    rv = cms.list()["metadata"]["resourceVersion"]
    cms.create(cm("w"))
    cms.patch("w", {"data": {"k": "2"}})
    cms.delete("w")
    watch = cms.watch(resource_version=rv, timeout_seconds=5)
    events = []
    for kind, obj in watch:
        events.append((kind, obj["metadata"]["name"]))
        if kind == "DELETED":
            watch.stop()
    assert events == [("ADDED", "w"), ("MODIFIED", "w"), ("DELETED", "w")]


def test_watch_with_a_selector_sees_objects_enter_and_leave(cms):
    rv = cms.list()["metadata"]["resourceVersion"]
    cms.create(cm("s"))
    cms.patch("s", {"metadata": {"labels": {"pick": "me"}}})
    cms.patch("s", {"metadata": {"labels": {"pick": None}}})
    watch = cms.watch(resource_version=rv, label_selector="pick=me", timeout_seconds=5)
    events = []
    for kind, obj in watch:
        events.append(kind)
        if kind == "DELETED":
            watch.stop()
    assert events == ["ADDED", "DELETED"]


def test_watch_after_compaction_is_expired(fake_cluster, cms):
    cms.create(cm("a"))
    cms.create(cm("b"))
    fake_cluster.compact()
    with pytest.raises(dynclient.Expired):
        list(cms.watch(resource_version="2", timeout_seconds=5))


def test_watch_blocks_until_a_write_and_stops_from_another_thread(cms):
    watch = cms.watch(resource_version=cms.list()["metadata"]["resourceVersion"], timeout_seconds=30)
    seen = []

    def consume():
        for kind, obj in watch:
            seen.append(kind)

    reader = threading.Thread(target=consume)
    reader.start()
    cms.create(cm("late"))
    for _ in range(200):
        if seen:
            break
        threading.Event().wait(0.01)
    watch.stop()
    reader.join(5)
    assert not reader.is_alive() and seen == ["ADDED"]


def test_bookmarks_and_initial_events(cms):
    cms.create(cm("existing"))
    watch = cms.watch(send_initial_events=True, yield_bookmarks=True, timeout_seconds=5)
    seen = []
    for kind, obj in watch:
        seen.append((kind, obj["metadata"].get("name")))
        if kind == "BOOKMARK":
            watch.stop()
    assert seen == [("ADDED", "existing"), ("BOOKMARK", None)] and watch.initial_events_done


def test_apply_conflicts_on_fields_another_manager_owns(cms):
    cms.apply(cm("ssa", {"a": "1", "b": "1"}), field_manager="alice")
    with pytest.raises(dynclient.Conflict) as info:
        cms.apply(cm("ssa", {"a": "2", "b": "1"}), field_manager="bob")
    assert info.value.message == 'Apply failed with 1 conflict: conflicts with "alice":\n- .data.a'
    assert [c["field"] for c in info.value.causes] == [".data.a"]
    taken = cms.apply(cm("ssa", {"a": "2"}), field_manager="bob", force=True)
    owners = {m["manager"]: m["fieldsV1"] for m in taken["metadata"]["managedFields"]}
    assert owners == {"alice": {"f:data": {"f:b": {}}}, "bob": {"f:data": {"f:a": {}}}}


def test_apply_removes_fields_its_manager_dropped(cms):
    cms.apply(cm("ssa", {"a": "1", "b": "1"}), field_manager="alice")
    assert cms.apply(cm("ssa", {"a": "1"}), field_manager="alice")["data"] == {"a": "1"}


def test_an_update_takes_ownership_from_an_applier(cms):
    cms.apply(cm("ssa", {"a": "1"}), field_manager="alice")
    updated = cms.patch("ssa", {"data": {"a": "edited"}}, field_manager="editor")
    owners = {m["manager"]: m["operation"] for m in updated["metadata"]["managedFields"]}
    assert owners == {"editor": "Update"}


def test_fail_injects_statuses_then_lets_requests_through(fake_cluster, cms):
    cms.create(cm("a"))
    fake_cluster.fail("PATCH", "configmaps", 500, times=2)
    for _ in range(2):
        with pytest.raises(dynclient.StatusError) as info:
            cms.patch("a", {"data": {"k": "w"}})
        assert info.value.code == 500 and info.value.reason == "InternalError"
    assert cms.patch("a", {"data": {"k": "w"}})["data"] == {"k": "w"}
    assert [r.status for r in fake_cluster.requests if r.method == "PATCH"] == [500, 500, 200]


def test_a_get_retries_through_injected_503s_with_retry_after(fake_cluster, cms):
    cms.create(cm("a"))
    fake_cluster.fail("get", "configmaps", 503, times=2, retry_after=0)
    assert cms.get("a")["metadata"]["name"] == "a"
    assert [r.status for r in fake_cluster.requests if r.verb == "get" and r.resource] == [503, 503, 200]


def test_delay_past_the_read_timeout_is_a_timeout(fake_cluster):
    slept = []
    cluster = FakeCluster(sleep=slept.append)
    with cluster.connect(timeout=(1.0, 2.0)) as dyn:
        cms = dyn.resource("cm").namespace("default")
        cluster.delay("list", "configmaps", 0.5, times=1)
        cms.list()
        cluster.delay("POST", "configmaps", 10.0)
        with pytest.raises(dynclient.TransportError):
            cms.create(cm("slow"))
    assert slept == [0.5, 2.0]


def test_request_log(fake_cluster, cms):
    fake_cluster.clear_requests()
    cms.create(cm("a"), field_manager="me")
    (record,) = fake_cluster.requests
    assert (record.method, record.verb, record.resource, record.namespace, record.status) == (
        "POST", "create", "configmaps", "default", 201)
    assert ("fieldManager", "me") in record.query


def test_install_routes_code_that_connects_by_itself(tmp_path):
    cluster = FakeCluster(host="https://installed.fake.local", token="secret")
    path = cluster.write_kubeconfig(tmp_path / "kubeconfig")
    with cluster.install():
        with dynclient.connect(path, cache_dir=str(tmp_path / "cache")) as dyn:
            dyn.resource("cm").namespace("default").create(cm("mine"))
    assert cluster.get("v1", "ConfigMap", "mine", "default")["data"] == {"k": "v"}


def test_a_wrong_token_is_unauthorized(tmp_path):
    cluster = FakeCluster(token="right")
    config = cluster.kubeconfig()
    config["users"][0]["user"] = {"token": "wrong"}
    with dynclient.connect(config, cache_dir=str(tmp_path)) as dyn:
        cluster.mount(dyn.transport.pool._session)
        with pytest.raises(dynclient.Unauthorized):
            dyn.resource(dynclient.GroupVersionResource("", "v1", "configmaps")).list()


def test_direct_access_and_added_resources(fake_cluster, dyn):
    fake_cluster.add_resource("example.org", "v1alpha1", "gadgets", "Gadget", short_names=("gd",))
    fake_cluster.create({"apiVersion": "example.org/v1alpha1", "kind": "Gadget",
                         "metadata": {"name": "g", "namespace": "default"}})
    assert [g["metadata"]["name"] for g in dyn.resource("gd").namespace("default").list()["items"]] == ["g"]
    with pytest.raises(dynclient.AlreadyExists):
        fake_cluster.create({"apiVersion": "example.org/v1alpha1", "kind": "Gadget",
                             "metadata": {"name": "g", "namespace": "default"}})


METADATA = [
    ("get", "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json", "PartialObjectMetadata"),
    ("list", "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json",
     "PartialObjectMetadataList"),
    ("get", "application/json", None),
]


@pytest.mark.parametrize("verb, accept, kind", METADATA, ids=["get", "list", "plain-json"])
def test_partial_object_metadata_when_the_accept_asks(cms, verb, accept, kind):
    cms.create(cm("a"))
    got = cms.get("a", accept=accept) if verb == "get" else cms.list(accept=accept)
    if kind is None:
        assert got["kind"] == "ConfigMap" and got["data"] == {"k": "v"}
        return
    assert got["kind"] == kind and got["apiVersion"] == "meta.k8s.io/v1"
    item = got if verb == "get" else got["items"][0]
    assert "data" not in item and item["metadata"]["name"] == "a"


RC = {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "rc"},
      "spec": {"replicas": 0, "selector": {"app": "rc"}}}
GC = [
    ("rc-default-orphans", RC, None, ["orphan"]),
    ("explicit-orphan", cm("c"), "Orphan", ["orphan"]),
    ("foreground", cm("c"), "Foreground", ["foregroundDeletion"]),
    ("background-goes", cm("c"), "Background", None),
]


@pytest.mark.parametrize("obj, policy, finalizers", [g[1:] for g in GC], ids=[g[0] for g in GC])
def test_garbage_collector_finalizers_on_a_bare_apiserver(obj, policy, finalizers):
    cluster = FakeCluster(controllers=False)
    with cluster.connect() as dyn:
        rc = dyn.resource_for_kind(obj["apiVersion"], obj["kind"]).namespace("default")
        rc.create(obj)
        rc.delete(obj["metadata"]["name"], propagation_policy=policy)
        left = cluster.get(obj["apiVersion"], obj["kind"], obj["metadata"]["name"], "default")
    assert (left and left["metadata"]["finalizers"]) == finalizers if finalizers else left is None


def test_with_controllers_a_delete_leaves_no_gc_finalizer(cms):
    cms.create(cm("c"))
    cms.delete("c", propagation_policy="Foreground")
    with pytest.raises(dynclient.NotFound):
        cms.get("c")


TYPED_CRD = {**CRD, "spec": {**CRD["spec"], "versions": [{
    "name": "v1", "served": True, "storage": True,
    "schema": {"openAPIV3Schema": {"type": "object", "properties": {
        "spec": {"type": "object", "properties": {"size": {"type": "integer"},
                                                  "labels": {"type": "object",
                                                             "additionalProperties": {"type": "string"}},
                                                  "free": {"type": "object",
                                                           "x-kubernetes-preserve-unknown-fields": True}}}}}}}]}}
TYPO = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
        "spec": {"size": 1, "bogus": 2, "labels": {"any": "x"}, "free": {"any": 1}}, "top": 1}


def test_strict_field_validation_refuses_unknown_fields(dyn, fake_cluster):
    dyn.resource("crd").create(TYPED_CRD)
    with pytest.raises(dynclient.BadRequest) as info:
        dyn.transport.request("POST", "/apis/example.com/v1/namespaces/default/widgets", body=TYPO,
                              params={"fieldValidation": "Strict"})
    assert info.value.message == ('Widget in version "v1" cannot be handled as a Widget: strict decoding error: '
                                  'unknown field "spec.bogus", unknown field "top"')


def test_by_default_unknown_fields_are_pruned_with_a_warning(dyn):
    warned = []
    dyn.transport.warning_handler = warned.append
    dyn.resource("crd").create(TYPED_CRD)
    created = dyn.resource("widgets").namespace("default").create(TYPO)
    assert created["spec"] == {"size": 1, "labels": {"any": "x"}, "free": {"any": 1}} and "top" not in created
    assert warned == ['unknown field "spec.bogus"', 'unknown field "top"']


BUILTIN_TYPOS = [
    ("configmap", "cm", {**cm("t"), "bogusField": 1}, "ConfigMap", "v1", ["bogusField"]),
    ("deployment", "deploy", {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "t"},
                              "spec": {}, "sepc": {}}, "Deployment", "v1", ["sepc"]),
]


@pytest.mark.parametrize("name, obj, kind, version, fields", [b[1:] for b in BUILTIN_TYPOS],
                         ids=[b[0] for b in BUILTIN_TYPOS])
def test_strict_validation_of_builtin_top_level_fields(dyn, name, obj, kind, version, fields):
    rc = dyn.resource(name).namespace("default")
    with pytest.raises(dynclient.BadRequest) as info:
        dyn.transport.request("POST", rc._path(), body=obj, params={"fieldValidation": "Strict"})
    assert info.value.message.endswith(", ".join(f'unknown field "{f}"' for f in fields))
    assert all(f not in rc.create(obj) for f in fields)  # Warn (the default): pruned


def test_latency_is_waited_outside_the_store_so_requests_overlap():
    cluster = FakeCluster(latency=0.05)
    with cluster.connect() as dyn:
        cms = dyn.resource("cm").namespace("default")
        cms.list()
        import time as clock

        start = clock.monotonic()
        threads = [threading.Thread(target=cms.create, args=(cm(f"c{i}"),)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert clock.monotonic() - start < 0.15  # four 50 ms requests at once, not one after another
    assert len(cluster.objects("v1", "ConfigMap", "default")) == 4


def test_the_package_exports_what_it_lists():
    import dynclient.testing as testing

    assert [name for name in testing.__all__ if not hasattr(testing, name)] == []
    assert all(isinstance(line, str) and line for line in testing.NOT_MODELLED)
