"""dynclient.manifests apply/create/delete on an in-memory fake cluster (no HTTP).

The fake serves a few built-in kinds and makes CRDs behave as the API server
does: Established only after a few reads, and missing from discovery for a
moment after that. The real server is exercised in tests/integration.
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
from types import SimpleNamespace
from typing import Any, Dict, List, Optional, Set, Tuple

import pytest

import dynclient.manifests as manifests
from discovery.errors import AlreadyExists, NotFound
from discovery.types import GroupKind, GroupVersionKind, GroupVersionResource
from dynclient.errors import ManifestError
from dynclient.manifests import (
    CRDNotEstablished,
    Document,
    ManifestApplyError,
    ManifestResult,
    apply_action,
    apply_manifests,
    create_manifests,
    delete_manifests,
    resolve_document,
)
from dynclient.manifests.crds import wait_established
from dynclient.manifests.results import CRD_HINT, error_text
from restmapper.errors import NoKindMatch
from restmapper.mapping import RESTMapping, Scope

BUILTIN = {
    GroupKind("", "Namespace"): ("namespaces", Scope.ROOT),
    GroupKind("", "ConfigMap"): ("configmaps", Scope.NAMESPACE),
    GroupKind("apps", "Deployment"): ("deployments", Scope.NAMESPACE),
    GroupKind("rbac.authorization.k8s.io", "ClusterRole"): ("clusterroles", Scope.ROOT),
    GroupKind("apiextensions.k8s.io", "CustomResourceDefinition"): ("customresourcedefinitions", Scope.ROOT),
}
CRD_GVR = GroupVersionResource("apiextensions.k8s.io", "v1", "customresourcedefinitions")


def status_error(cls, message: str):
    return cls({"kind": "Status", "status": "Failure", "reason": cls.reason_name, "message": message})


class FakeCluster:
    """Objects by (gvr, namespace, name); CRDs establish after ``establish_after`` reads."""

    def __init__(self, *, establish_after: int = 1, discovery_lag: int = 0, accept_names: bool = True) -> None:
        self.objects: Dict[Tuple[GroupVersionResource, Optional[str], str], Dict[str, Any]] = {}
        self.rv = itertools.count(100)
        self.establish_after = establish_after
        self.discovery_lag = discovery_lag
        self.accept_names = accept_names
        self.crd_reads: Dict[str, int] = {}
        self.calls: List[Tuple[str, str, Optional[str], str]] = []
        self.propagation: List[Optional[str]] = []
        self.validation: List[Optional[str]] = []  # fieldValidation of each apply and create

    def served(self) -> Dict[GroupKind, Tuple[str, Scope, Set[str]]]:
        kinds = {gk: (res, scope, {"v1"}) for gk, (res, scope) in BUILTIN.items()}
        for (gvr, _, _), obj in self.objects.items():
            if gvr == CRD_GVR and _established(obj):
                spec = obj["spec"]
                versions = {v["name"] for v in spec["versions"] if v.get("served")}
                scope = Scope.NAMESPACE if spec.get("scope", "Namespaced") == "Namespaced" else Scope.ROOT
                kinds[GroupKind(spec["group"], spec["names"]["kind"])] = (spec["names"]["plural"], scope, versions)
        return kinds

    def read_crd(self, obj: Dict[str, Any]) -> None:
        name = obj["metadata"]["name"]
        self.crd_reads[name] = self.crd_reads.get(name, 0) + 1
        if self.crd_reads[name] >= self.establish_after and not _established(obj):
            names = {"type": "NamesAccepted", "status": "True" if self.accept_names else "False",
                     "message": "no conflicts found" if self.accept_names else '"widgets" is already in use'}
            conditions = [names]
            if self.accept_names:
                conditions.append({"type": "Established", "status": "True"})
            obj["status"] = {"conditions": conditions}
            obj["metadata"]["resourceVersion"] = str(next(self.rv))


def _established(obj: Dict[str, Any]) -> bool:
    return any(c.get("type") == "Established" and c.get("status") == "True"
               for c in (obj.get("status") or {}).get("conditions") or [])


class FakeTransport:
    """The transport's hook seam: apply learns from the PATCH's status code whether it created."""

    def __init__(self) -> None:
        self.hooks: List[Any] = []

    def add_hook(self, hook) -> None:
        self.hooks.append(hook)

    def emit(self, method: str, status: int) -> None:
        for hook in self.hooks:
            hook(SimpleNamespace(method=method, status=status))


class FakeClient:
    def __init__(self, cluster: FakeCluster, mapping: RESTMapping, ns: Optional[str] = None,
                 transport: Optional[FakeTransport] = None) -> None:
        self.cluster, self.mapping, self.ns, self.transport = cluster, mapping, ns, transport or FakeTransport()

    def namespace(self, ns: Optional[str]) -> "FakeClient":
        assert self.mapping.namespaced, "a cluster-scoped client got a namespace"
        return FakeClient(self.cluster, self.mapping, ns, self.transport)

    def key(self, name: str):
        assert bool(self.ns) == self.mapping.namespaced
        return self.mapping.resource, self.ns, name

    def log(self, verb: str, name: str) -> None:
        self.cluster.calls.append((verb, self.mapping.resource.resource, self.ns, name))

    def get(self, name: str) -> Dict[str, Any]:
        self.log("get", name)
        obj = self.cluster.objects.get(self.key(name))
        if obj is None:
            raise status_error(NotFound, f'{self.mapping.resource.resource} "{name}" not found')
        if self.mapping.resource == CRD_GVR:
            self.cluster.read_crd(obj)
        return copy.deepcopy(obj)

    def _store(self, body: Dict[str, Any], name: str, dry_run: bool, existing: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        assert body["metadata"].get("namespace") == self.ns, "the body's namespace must match the URL's"
        new = copy.deepcopy(body)
        if existing is not None:
            merged = copy.deepcopy(existing)
            merged.update({k: v for k, v in new.items() if k != "metadata"})
            merged["metadata"].update({k: v for k, v in new["metadata"].items()})
            new = merged
            if new == existing:
                return copy.deepcopy(existing)
        new["metadata"]["name"] = name
        if not dry_run:
            new["metadata"]["resourceVersion"] = str(next(self.cluster.rv))
            self.cluster.objects[self.key(name)] = new
        return copy.deepcopy(new)

    def apply(self, body, *, field_manager: str, force: bool = False, dry_run: bool = False, field_validation=None):
        name = body["metadata"]["name"]
        self.log("apply", name)
        self.cluster.validation.append(field_validation)
        existing = self.cluster.objects.get(self.key(name))
        reply = self._store(body, name, dry_run, existing)
        self.transport.emit("PATCH", 201 if existing is None else 200)
        return reply

    def watch(self, *, name: str, timeout_seconds: float):
        """A watch on one CRD: each event is one look at it (so it establishes after a few)."""
        self.log("watch", name)
        deadline = time.monotonic() + timeout_seconds
        cluster, key = self.cluster, self.key(name)

        class Watch:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return None

            def __iter__(self):
                kind = "ADDED"
                while time.monotonic() < deadline:
                    obj = cluster.objects.get(key)
                    if obj is None:
                        yield "DELETED", {}
                        return
                    cluster.read_crd(obj)
                    yield kind, copy.deepcopy(obj)
                    kind = "MODIFIED"
                    threading.Event().wait(0.002)

        return Watch()

    def create(self, body, *, dry_run: bool = False, field_manager=None, field_validation=None):
        meta = body["metadata"]
        self.cluster.validation.append(field_validation)
        name = meta.get("name") or f"{meta['generateName']}{next(self.cluster.rv)}"
        self.log("create", name)
        if self.key(name) in self.cluster.objects:
            raise status_error(AlreadyExists, f'{self.mapping.resource.resource} "{name}" already exists')
        return self._store(body, name, dry_run, None)

    def delete(self, name: str, *, propagation_policy=None, dry_run: bool = False):
        self.log("delete", name)
        self.cluster.propagation.append(propagation_policy)
        if self.key(name) not in self.cluster.objects:
            raise status_error(NotFound, f'{self.mapping.resource.resource} "{name}" not found')
        obj = self.cluster.objects[self.key(name)] if dry_run else self.cluster.objects.pop(self.key(name))
        return copy.deepcopy(obj)


class FakeMapper:
    """Sees the cluster's served kinds as of its last reset, ``discovery_lag`` resets late for new CRDs."""

    def __init__(self, cluster: FakeCluster) -> None:
        self.cluster = cluster
        self.resets = 0
        self.snapshot = cluster.served()
        self.pending_lag: Dict[GroupKind, int] = {}

    def reset(self) -> None:
        self.resets += 1
        served = self.cluster.served()
        for gk in served.keys() - self.snapshot.keys():
            left = self.pending_lag.setdefault(gk, self.cluster.discovery_lag)
            if left > 0:
                self.pending_lag[gk] = left - 1
                served.pop(gk)
        self.snapshot = served

    def rest_mapping(self, gk: GroupKind, version: str) -> RESTMapping:
        found = self.snapshot.get(gk)
        if found is None or version not in found[2]:
            raise NoKindMatch(gk, [version])
        resource, scope, _ = found
        return RESTMapping(GroupVersionResource(gk.group, version, resource), gk.with_version(version), scope)


class FakeDyn:
    def __init__(self, cluster: FakeCluster, namespace: str = "default") -> None:
        self.cluster = cluster
        self.mapper = FakeMapper(cluster)
        self.namespace = namespace
        self.transport = FakeTransport()

    def rest_mapping(self, gvk: GroupVersionKind) -> RESTMapping:
        return self.mapper.rest_mapping(gvk.group_kind, gvk.version)

    def resource(self, mapping: RESTMapping) -> FakeClient:
        return FakeClient(self.cluster, mapping, transport=self.transport)


@pytest.fixture(autouse=True)
def no_sleeping(monkeypatch):
    # (a kind that discovery lists late is waited for by tools.wait.wait_for_kind: a 20 ms first step)
    monkeypatch.setattr(manifests.crds.time, "sleep", lambda s: None)


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster(establish_after=2, discovery_lag=1)


@pytest.fixture
def dyn(cluster) -> FakeDyn:
    return FakeDyn(cluster)


CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions: [{name: v1, served: true, storage: true}]
"""
APP = f"""\
apiVersion: example.com/v1
kind: Widget
metadata: {{name: w1, namespace: demo}}
spec: {{size: 1}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: cfg, namespace: demo}}
data: {{a: "1"}}
---
{CRD}---
apiVersion: v1
kind: Namespace
metadata: {{name: demo}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: reader}}
"""


def lines(results: List[ManifestResult]) -> List[str]:
    return [str(r) for r in results]


def test_apply_in_dependency_order_with_crd_in_the_same_source(dyn):
    seen = []
    results = apply_manifests(dyn, APP, progress=lambda i, n, r: seen.append((i, n, str(r))), keep_replies=True)
    assert lines(results) == [
        "namespace/demo created",
        "configmap/cfg created",
        "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created",
        "clusterrole.rbac.authorization.k8s.io/reader created",
        "widget.example.com/w1 created",
    ]
    assert seen == [(i, 5, line) for i, line in enumerate(lines(results), 1)]
    assert dyn.mapper.resets >= 2  # once after the CRD, once more while discovery lagged
    assert results[-1].gvr == GroupVersionResource("example.com", "v1", "widgets")
    assert results[-1].namespace == "demo" and results[-1].object["spec"] == {"size": 1}
    assert results[2].object["metadata"]["name"] == "widgets.example.com"
    verbs = [(verb, name) for verb, _, _, name in dyn.cluster.calls]
    # one request per object, and the CRD waited for with a watch just before its kind's turn
    assert verbs == [("apply", "demo"), ("apply", "cfg"), ("apply", "widgets.example.com"), ("apply", "reader"),
                     ("watch", "widgets.example.com"), ("apply", "w1")]


def test_one_request_per_object_created_then_applied(dyn, cluster):
    first = apply_manifests(dyn, APP)
    assert {r.action for r in first} == {"created"} and all(r.object is None for r in first)
    cluster.calls.clear()
    again = apply_manifests(dyn, APP)
    assert {r.action for r in again} == {"applied"}
    assert [verb for verb, *_ in cluster.calls] == ["apply"] * 5  # no GET, and no wait: the CRD is Established


def test_reapply_is_unchanged_and_a_change_is_configured_with_report_changes(dyn, cluster):
    apply_manifests(dyn, APP)
    cluster.calls.clear()
    assert {r.action for r in apply_manifests(dyn, APP, report_changes=True)} == {"unchanged"}
    assert [verb for verb, *_ in cluster.calls].count("get") == 5
    changed = APP.replace("size: 1", "size: 2")
    assert [(r.name, r.action) for r in apply_manifests(dyn, changed, report_changes=True)
            if r.action != "unchanged"] == [("w1", "configured")]


@pytest.mark.parametrize(
    "before, after, expected",
    [
        (None, {"metadata": {"resourceVersion": "1"}}, "created"),
        ({"metadata": {"resourceVersion": "1"}, "a": 1}, {"metadata": {"resourceVersion": "1"}, "a": 1}, "unchanged"),
        ({"metadata": {"resourceVersion": "1"}, "a": 1}, {"metadata": {"resourceVersion": "2"}, "a": 2}, "configured"),
        ({"metadata": {"resourceVersion": "1"}, "a": 1}, {"metadata": {"resourceVersion": "1"}, "a": 2}, "configured"),
        ({"metadata": {"resourceVersion": "1"}},
         {"metadata": {"resourceVersion": "2", "managedFields": [{"manager": "before-first-apply"}]}}, "unchanged"),
    ],
    ids=["created", "same", "changed", "dry-run-changed", "bookkeeping-only"],
)
def test_apply_action(before, after, expected):
    assert apply_action(before, after) == expected


def test_crd_names_refused_fails_its_resources(dyn, cluster):
    cluster.accept_names = False
    with pytest.raises(ManifestApplyError) as info:
        apply_manifests(dyn, APP)
    assert isinstance(info.value.result.error, CRDNotEstablished) and info.value.result.name == "w1"
    assert 'names not accepted: "widgets" is already in use' in str(info.value)
    assert [r.action for r in info.value.results] == ["created"] * 4 + ["failed"]


def test_crd_never_established_times_out_naming_it(dyn, cluster):
    cluster.establish_after = 10**9
    with pytest.raises(ManifestApplyError) as info:
        apply_manifests(dyn, APP, crd_timeout=0.05)
    err = info.value
    assert str(err) == ("<string>: document 0 (line 1): apply Widget demo/w1: "
                        "customresourcedefinition widgets.example.com was not Established after 0.05s")
    assert err.result.error.document == 2 and err.result.error.line == 11  # the CRD's own place
    assert [r.action for r in err.results] == ["created"] * 4 + ["failed"]


def test_a_crd_no_later_object_uses_is_not_waited_for(dyn, cluster):
    cluster.establish_after = 10**9
    results = apply_manifests(dyn, CRD + "---\n" + NO_NS_CM, namespace="default", crd_timeout=0.05)
    assert [r.action for r in results] == ["created", "created"]
    assert "watch" not in [verb for verb, *_ in cluster.calls]


def _crds_and_resources(count: int) -> str:
    crds = "".join(CRD.replace("widgets", f"w{i}s").replace("widget", f"w{i}").replace("Widget", f"W{i}") + "---\n"
                   for i in range(count))
    crs = "".join(f"apiVersion: example.com/v1\nkind: W{i}\nmetadata: {{name: r{i}, namespace: default}}\n---\n"
                  for i in range(count))
    return crs + crds


def test_several_crds_are_waited_for_at_once_before_the_first_resource(dyn, cluster):
    results = apply_manifests(dyn, _crds_and_resources(5))
    assert [r.action for r in results] == ["created"] * 10
    verbs = [verb for verb, *_ in cluster.calls]
    assert verbs == ["apply"] * 5 + ["watch"] * 5 + ["apply"] * 5


def test_wait_established_with_a_fake_clock():
    now = [0.0]

    class Crds:
        gets = 0

        def get(self, name):
            Crds.gets += 1
            return {"status": {"conditions": [{"type": "Established", "status": "True" if Crds.gets > 3 else "False"}]}}

    crd = wait_established(Crds(), "w", timeout=10, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    assert Crds.gets == 4 and now[0] < 1
    with pytest.raises(CRDNotEstablished, match="not Established after 0.3s"):
        Crds.gets = -10**6
        wait_established(Crds(), "w", timeout=0.3, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    assert _established(crd)


def test_wait_for_crds_off_does_not_wait(dyn, cluster):
    results = apply_manifests(dyn, APP, wait_for_crds=False, stop_on_error=False)
    assert lines(results)[2] == "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created"
    assert [verb for verb, *_ in cluster.calls] == ["apply"] * 4  # the widget did not resolve: not sent


def test_missing_crd_names_the_document(dyn, cluster):
    source = APP.replace(CRD + "---\n", "")
    with pytest.raises(ManifestApplyError) as info:
        apply_manifests(dyn, source)
    err = info.value
    assert str(err) == ('<string>: document 0 (line 1): apply Widget demo/w1: resource mapping not found for name: '
                        '"w1" namespace: "demo" from "<string>": no matches for kind "Widget" in version '
                        '"example.com/v1"; ensure CRDs are installed first')
    assert isinstance(err.result.error, NoKindMatch) and isinstance(err.__cause__, NoKindMatch)
    assert [r.action for r in err.results] == ["created", "created", "created", "failed"]
    assert err.results[-1] is err.result


def test_keep_going_records_failures(dyn):
    source = APP.replace(CRD + "---\n", "")
    results = apply_manifests(dyn, source, stop_on_error=False)
    assert [r.action for r in results] == ["created", "created", "created", "failed"]
    assert results[-1].failed and results[-1].gvr is None
    assert str(results[-1]) == ('widget.example.com/w1 failed: resource mapping not found for name: "w1" namespace: '
                                '"demo" from "<string>": no matches for kind "Widget" in version "example.com/v1"; '
                                "ensure CRDs are installed first")
    assert error_text(results[-1].error) == ('resource mapping not found for name: "w1" namespace: "demo" from '
                                             '"<string>": no matches for kind "Widget" in version "example.com/v1"')
    assert results[-1].note == CRD_HINT == "ensure CRDs are installed first"


def test_no_matches_names_the_file_and_the_namespace_as_written(dyn, tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("apiVersion: v1\nkind: Frobnicator\nmetadata: {name: x}\n")
    (result,) = apply_manifests(dyn, path, stop_on_error=False)
    assert error_text(result.error) == (f'resource mapping not found for name: "x" namespace: "" from "{path}": '
                                        'no matches for kind "Frobnicator" in version "v1"')
    assert result.note == "ensure CRDs are installed first"


def test_dry_run_persists_nothing_and_explains_new_crds(dyn, cluster):
    results = apply_manifests(dyn, APP, dry_run=True, stop_on_error=False)
    assert cluster.objects == {}
    assert lines(results)[:4] == [
        "namespace/demo created (server dry run)",
        "configmap/cfg created (server dry run)",
        "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created (server dry run)",
        "clusterrole.rbac.authorization.k8s.io/reader created (server dry run)",
    ]
    assert "its CustomResourceDefinition widgets.example.com is in this source, but a dry run does not create it" in str(results[4])
    assert dyn.mapper.resets == 0


def test_dry_run_after_a_real_apply_is_unchanged(dyn):
    apply_manifests(dyn, APP)
    assert {r.action for r in apply_manifests(dyn, APP, dry_run=True, report_changes=True)} == {"unchanged"}
    changed = APP.replace("size: 1", "size: 3")
    assert [r.action for r in apply_manifests(dyn, changed, dry_run=True, report_changes=True)][-1] == "configured"
    assert {r.action for r in apply_manifests(dyn, changed, dry_run=True)} == {"applied"}


# -- namespaces --------------------------------------------------------------------

NO_NS_CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\n"
NO_NS = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n"
OWN_NS = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: mine}\n"
CLUSTER_WITH_NS = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r, namespace: mine}\n"


@pytest.mark.parametrize(
    "text, namespace, expected",
    [
        (NO_NS, None, "ctx"),
        (NO_NS, "given", "given"),
        (OWN_NS, None, "mine"),
        (OWN_NS, "mine", "mine"),
        (CLUSTER_WITH_NS, None, None),
        (CLUSTER_WITH_NS, "given", None),
    ],
    ids=["context-namespace", "caller-namespace", "own-namespace", "same-namespace", "cluster-scoped-ignores-own",
         "cluster-scoped-ignores-caller"],
)
def test_namespace_rules(cluster, text, namespace, expected):
    dyn = FakeDyn(cluster, namespace="ctx")
    (doc,) = manifests.iter_documents(text)
    mapping, ns = resolve_document(dyn, doc, namespace=namespace)
    assert ns == expected
    (result,) = apply_manifests(dyn, text, namespace=namespace, keep_replies=True)
    assert result.namespace == expected and result.action == "created"
    assert "namespace" not in result.object["metadata"] if expected is None else result.object["metadata"]["namespace"] == expected


def test_namespace_conflict_is_kubectls_error(dyn):
    with pytest.raises(ManifestError) as info:
        resolve_document(dyn, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "a"}},
                         namespace="b")
    assert str(info.value) == ('<object>: document 0: the namespace from the provided object "a" does not match the '
                               "namespace \"b\". You must pass namespace='a' to perform this operation.")
    with pytest.raises(ManifestApplyError, match='does not match the namespace "b"'):
        apply_manifests(dyn, OWN_NS, namespace="b")


def test_invalid_namespace_argument(dyn):
    with pytest.raises(ValueError, match="DNS-1123"):
        apply_manifests(dyn, NO_NS, namespace="Not_Valid")


# -- refused up front ---------------------------------------------------------------------

def test_broken_source_sends_nothing(dyn, cluster):
    with pytest.raises(ManifestError, match="document 2"):
        apply_manifests(dyn, f"{NO_NS}---\n{OWN_NS}---\n- not a mapping\n")
    assert cluster.calls == []


STRAY = "global:\n  resolve_timeout: 5m\nroute: {receiver: x}\n"


def test_bad_documents_are_reported_and_the_rest_applied(dyn, cluster, tmp_path):
    (tmp_path / "a.yaml").write_text(f"{NO_NS}---\n- not a mapping\n---\n{OWN_NS}")
    (tmp_path / "alertmanager.yaml").write_text(STRAY)
    (tmp_path / "b.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: g-}\n---\n"
                                     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\n")
    seen: List[Tuple[int, int]] = []
    results = apply_manifests(dyn, tmp_path, stop_on_error=False, progress=lambda d, t, r: seen.append((d, t)))
    assert [(r.name, r.action, r.invalid) for r in results] == [
        ("cfg", "created", False), ("cfg", "created", False), ("s", "created", False),
        ("", "failed", True), ("", "failed", True), ("", "failed", True)]
    assert seen == [(i, 6) for i in range(1, 7)]
    bad = results[3:]
    assert str(bad[0]) == f"{tmp_path / 'a.yaml'}: document 1 (line 5): expected a mapping (an object with apiVersion and kind), got a list"
    assert str(bad[1]) == f"{tmp_path / 'alertmanager.yaml'}: document 0 (line 1): apiVersion is missing"
    assert str(bad[2]).startswith(f"{tmp_path / 'b.yaml'}: document 0 (line 1): cannot apply a ConfigMap without metadata.name")
    assert all(isinstance(r.error, ManifestError) for r in bad)
    assert bad[1].document.obj == {"global": {"resolve_timeout": "5m"}, "route": {"receiver": "x"}}
    with pytest.raises(ManifestError):
        apply_manifests(dyn, tmp_path)  # stop_on_error=True: refused before anything is sent


def test_delete_sends_background_propagation_by_default(dyn, cluster):
    apply_manifests(dyn, NO_NS)
    delete_manifests(dyn, NO_NS)
    delete_manifests(dyn, NO_NS, ignore_not_found=True, propagation_policy="Orphan")
    delete_manifests(dyn, NO_NS, ignore_not_found=True, propagation_policy=None)
    assert cluster.propagation == ["Background", "Orphan", None]


@pytest.mark.parametrize("operation, report_changes", [
    (apply_manifests, False), (apply_manifests, True), (create_manifests, None),
], ids=["apply", "apply-report-changes", "create"])
def test_writes_ask_for_strict_field_validation(dyn, cluster, operation, report_changes):
    """kubectl's default --validate=strict: the server refuses unknown fields instead of dropping them."""
    options = {} if report_changes is None else {"report_changes": report_changes}
    operation(dyn, NO_NS, **options)
    assert cluster.validation and set(cluster.validation) == {"Strict"}


@pytest.mark.parametrize("operation", [apply_manifests, delete_manifests], ids=["apply", "delete"])
def test_generate_name_needs_create(dyn, cluster, operation):
    text = f"{NO_NS}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{generateName: gen-}}\n"
    with pytest.raises(ManifestError, match=r"document 1 \(line 5\): cannot (apply|delete) a ConfigMap without "
                                            r"metadata.name \(generateName works only with create\)"):
        operation(dyn, text)
    assert cluster.calls == []


# -- create and delete -------------------------------------------------------------------

def test_create(dyn):
    text = f"{APP}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{generateName: gen-, namespace: demo}}\n"
    results = create_manifests(dyn, text)
    assert [r.action for r in results] == ["created"] * 6
    assert results[2].name.startswith("gen-") and results[2].name != "gen-"
    with pytest.raises(ManifestApplyError, match=r'create Namespace demo: \(AlreadyExists\) namespaces "demo" already exists'):
        create_manifests(dyn, APP)


def test_delete_reverse_order_and_not_found(dyn, cluster):
    apply_manifests(dyn, APP)
    results = delete_manifests(dyn, APP)
    assert lines(results) == [
        'widget.example.com "w1" deleted',
        'clusterrole.rbac.authorization.k8s.io "reader" deleted',
        'customresourcedefinition.apiextensions.k8s.io "widgets.example.com" deleted',
        'configmap "cfg" deleted',
        'namespace "demo" deleted',
    ]
    assert cluster.objects == {}
    assert dyn.mapper.resets >= 1
    with pytest.raises(ManifestApplyError, match=r'delete Widget demo/w1: resource mapping not found for name: "w1" '
                                                 r'namespace: "demo" from "<string>": no matches for kind "Widget"'):
        delete_manifests(dyn, APP)
    again = delete_manifests(dyn, APP, ignore_not_found=True)
    assert [r.action for r in again] == ["not found"] * 5  # the Widget too: its CRD (in the source) is gone


def test_delete_not_found_is_an_error(dyn):
    with pytest.raises(ManifestApplyError, match=r'\(NotFound\) configmaps "cfg" not found'):
        delete_manifests(dyn, NO_NS)


def test_delete_dry_run_keeps_everything(dyn, cluster):
    apply_manifests(dyn, APP)
    before = copy.deepcopy(cluster.objects)
    results = delete_manifests(dyn, APP, dry_run=True)
    assert cluster.objects == before
    assert str(results[0]) == 'widget.example.com "w1" deleted (server dry run)'


def test_delete_refuses_a_bad_propagation_policy(dyn):
    with pytest.raises(ValueError, match="propagation_policy"):
        delete_manifests(dyn, NO_NS, propagation_policy="Sometimes")


# -- results -----------------------------------------------------------------------------

def _result(kind_gvk: GroupVersionKind, action: str, **kw: Any) -> ManifestResult:
    doc = Document("f.yaml", 0, 1, {"apiVersion": kind_gvk.api_version, "kind": kind_gvk.kind, "metadata": {"name": "x"}})
    return ManifestResult(doc, kind_gvk, None, None, "x", action, **kw)


@pytest.mark.parametrize(
    "result, text",
    [
        (_result(GroupVersionKind("", "v1", "ConfigMap"), "configured"), "configmap/x configured"),
        (_result(GroupVersionKind("apps", "v1", "Deployment"), "unchanged"), "deployment.apps/x unchanged"),
        (_result(GroupVersionKind("example.com", "v1", "Widget"), "created", dry_run=True),
         "widget.example.com/x created (server dry run)"),
        (_result(GroupVersionKind("", "v1", "Namespace"), "deleted", operation="delete"), 'namespace "x" deleted'),
        (_result(GroupVersionKind("", "v1", "Secret"), "failed", error=status_error(NotFound, "gone"), operation="delete"),
         'secret "x" failed: (NotFound) gone'),
        (_result(GroupVersionKind("", "v1", "Secret"), "failed", error=ManifestError("bad", source="f", document=1),
                 note="why"), "secret/x failed: bad; why"),
    ],
    ids=["core", "group", "dry-run", "delete", "delete-failed", "failed-with-note"],
)
def test_result_str(result, text):
    assert str(result) == text


def test_public_names():
    assert sorted(manifests.__all__) == sorted(set(manifests.__all__))
    assert all(hasattr(manifests, name) for name in manifests.__all__)
    for name in ("load_manifests", "iter_documents", "Document", "ManifestResult", "ManifestApplyError",
                 "apply_manifests", "create_manifests", "delete_manifests", "resolve_document"):
        assert name in manifests.__all__
    assert issubclass(ManifestApplyError, ManifestError)


@pytest.mark.parametrize(
    "setup, kwargs, note",
    [
        (lambda c: None, {"source": APP.replace("example.com/v1", "example.com/v2")},
         "its CustomResourceDefinition widgets.example.com serves v1, not v2"),
        (lambda c: None, {"wait_for_crds": False},
         "its CustomResourceDefinition widgets.example.com in this source was not waited for (wait_for_crds=False)"),
        (lambda c: setattr(c, "discovery_lag", 10**9), {"crd_timeout": 0.05},
         "its CustomResourceDefinition widgets.example.com is Established, but discovery did not list Widget within 0.05s"),
    ],
    ids=["version-not-served", "not-waited-for", "discovery-never-lists"],
)
def test_notes_say_why_a_custom_resource_did_not_resolve(dyn, cluster, setup, kwargs, note):
    setup(cluster)
    source = kwargs.pop("source", APP)
    results = apply_manifests(dyn, source, stop_on_error=False, **kwargs)
    widget = results[-1]
    assert widget.failed and isinstance(widget.error, NoKindMatch)
    assert widget.note == note


# -- objects of one kind go out together -------------------------------------------------------


def _doc(kind: str, name: str, api_version: str = "v1") -> Document:
    return Document("<test>", 0, 1, {"apiVersion": api_version, "kind": kind, "metadata": {"name": name}})


@pytest.mark.parametrize(
    "kinds, concurrency, expected",
    [
        ("CM CM CM", 8, [3]),
        ("NS CM CM D D CM", 8, [1, 2, 2, 1]),
        ("CRD CRD CM CM", 8, [1, 1, 2]),
        ("CM CM CM", 1, [1, 1, 1]),
        ("", 8, []),
        ("CM:a CM:b CM:a CM:c", 8, [2, 2]),
    ],
    ids=["one-kind", "runs-of-kinds", "crds-alone", "concurrency-1", "empty", "same-name-again"],
)
def test_batches_are_runs_of_one_kind(kinds, concurrency, expected):
    spelled = {"CM": ("v1", "ConfigMap"), "NS": ("v1", "Namespace"), "D": ("apps/v1", "Deployment"),
               "CRD": ("apiextensions.k8s.io/v1", "CustomResourceDefinition")}
    docs = []
    for i, k in enumerate(kinds.split()):
        kind, _, name = k.partition(":")
        docs.append(_doc(spelled[kind][1], name or f"o{i}", spelled[kind][0]))
    batches = list(manifests.apply._batches(docs, concurrency))
    assert [len(b) for b in batches] == expected
    assert [d for b in batches for d in b] == docs


class _Gate:
    """Counts how many sends are in flight at once; each send waits a little so they can overlap."""

    def __init__(self) -> None:
        self.lock, self.now, self.most = threading.Lock(), 0, 0

    def __call__(self, send):
        def wrapped(*args, **kwargs):
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
            try:
                threading.Event().wait(0.01)  # not time.sleep: the no_sleeping fixture stubs it out
                return send(*args, **kwargs)
            finally:
                with self.lock:
                    self.now -= 1
        return wrapped


@pytest.mark.parametrize("concurrency, most", [(1, 1), (4, 4), (8, 8)], ids=["serial", "four", "eight"])
def test_one_kinds_objects_are_sent_concurrently_and_reported_in_order(dyn, cluster, monkeypatch, concurrency, most):
    gate = _Gate()
    monkeypatch.setattr(FakeClient, "apply", gate(FakeClient.apply))
    source = "".join(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i:02d}}}\n---\n" for i in range(20))
    seen: List[int] = []
    results = apply_manifests(dyn, source, namespace="default", concurrency=concurrency,
                              progress=lambda done, total, result: seen.append(done))
    assert [r.name for r in results] == [f"c{i:02d}" for i in range(20)]
    assert {r.action for r in results} == {"created"} and seen == list(range(1, 21))
    assert gate.most == most


def test_a_failure_in_a_batch_reports_the_whole_batch(dyn, cluster, monkeypatch):
    real = FakeClient.apply

    def apply(self, body, **kwargs):
        if body["metadata"]["name"] == "c03":
            raise status_error(AlreadyExists, 'configmaps "c03" is in the way')
        return real(self, body, **kwargs)

    monkeypatch.setattr(FakeClient, "apply", apply)
    source = "".join(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i:02d}}}\n---\n" for i in range(6))
    source += "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: after}\n"
    with pytest.raises(ManifestApplyError) as info:
        apply_manifests(dyn, source, namespace="default")
    err = info.value
    assert err.result.name == "c03" and [r.name for r in err.results] == [f"c{i:02d}" for i in range(6)]
    assert [r.action for r in err.results] == ["created"] * 3 + ["failed"] + ["created"] * 2
    assert ("apply", "deployments", "default", "after") not in cluster.calls


def test_concurrency_must_be_positive(dyn):
    with pytest.raises(ValueError, match="concurrency must be at least 1"):
        apply_manifests(dyn, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", concurrency=0)


def test_the_last_document_for_an_object_wins(dyn, cluster):
    source = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {v: first}\n---\n"
              "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n---\n"
              "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {v: second}\n")
    results = apply_manifests(dyn, source, namespace="default")
    assert [(r.name, r.action) for r in results] == [("c", "created"), ("other", "created"), ("c", "applied")]
    final = next(o for (gvr, ns, name), o in cluster.objects.items() if name == "c")
    assert final["data"] == {"v": "second"}


@pytest.mark.parametrize(
    "head, applied",
    [
        ("apiVersion: v1\nkind: List\n", ["a"]),  # b takes the kind "List" less "List": none, so it is invalid
        ("apiVersion: v1\nkind: ConfigMapList\n", ["a", "b"]),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: holder}\n", ["a", "b"]),
        ("apiVersion: v1\nkind: Foo\nmetadata: {name: x}\n", []),
        ("apiVersion: v1\nkind: FooList\n", []),
    ],
    ids=["List", "served-kind-List", "served-kind-with-items", "unserved-kind-with-items", "unserved-kind-List"],
)
def test_a_list_whose_own_kind_is_not_served_applies_nothing(dyn, cluster, head, applied):
    text = head + "items:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- {metadata: {name: b}}\n"
    results = apply_manifests(dyn, text, namespace="default", stop_on_error=False)
    assert [r.name for r in results if not r.failed] == applied
    for result in results:
        if result.invalid:
            assert "items[1]: kind is missing" in str(result.error)
        elif result.failed:
            kind = head.split("kind: ")[1].split("\n")[0]
            assert error_text(result.error) == ('resource mapping not found for name: "" namespace: "" from "<string>": '
                                                f'no matches for kind "{kind}" in version "v1"')
            assert result.note == CRD_HINT
    assert len(results) == 2
