"""Manifests as people ship them, on the real API server beside kubectl (the oracle).

Multi-namespace bundles, a directory with a stray non-Kubernetes YAML file,
a file without a final newline, YAML that only kubectl's decoding reads
right, a bundle of 50 CRDs with their custom resources in one file, and
delete's propagation policy. Each applies the same input with dynclient
and with ``kubectl apply --server-side`` (into other names or namespaces)
and compares what the server holds.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest

import dynclient
from dynclient.manifests import apply_manifests, delete_manifests
from dynclient.manifests.results import CRD_HINT, error_text

CRDS = dynclient.GroupVersionResource("apiextensions.k8s.io", "v1", "customresourcedefinitions")
NAMESPACES = dynclient.GroupVersionResource("", "v1", "namespaces")


def uid() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def namespaces(dyn) -> Iterator[Callable[[], str]]:
    """Make fresh namespaces; all deleted afterwards (they stay Terminating: nothing waits)."""
    made: List[str] = []

    def make() -> str:
        name = f"b-{uid()}"
        dyn.resource(NAMESPACES).create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        made.append(name)
        return name

    yield make
    for name in made:
        try:
            dyn.resource(NAMESPACES).delete(name)
        except dynclient.NotFound:
            pass


@pytest.fixture
def crd_cleanup(dyn) -> Iterator[List[str]]:
    names: List[str] = []
    yield names
    for name in names:
        try:
            dyn.resource(CRDS).delete(name)
        except dynclient.NotFound:
            pass


def server_object(kubectl, kind: str, name: str, ns: str = "") -> Dict[str, Any]:
    args = ["get", kind, name, "-o", "json"] + (["-n", ns] if ns else [])
    return json.loads(kubectl(*args).stdout)


# -- objects naming other namespaces -------------------------------------------------------------

def bundle(a: str, b: str) -> str:
    return (f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: in-a, namespace: {a}}}\ndata: {{x: '1'}}\n---\n"
            f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: in-b, namespace: {b}}}\ndata: {{x: '2'}}\n---\n"
            f"apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: sa, namespace: {b}}}\n---\n"
            f"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"
            f"metadata: {{name: rb, namespace: {a}}}\n"
            f"roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}}\n"
            f"subjects: [{{kind: ServiceAccount, name: sa, namespace: {b}}}]\n---\n"
            f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: in-context-{a}}}\ndata: {{x: '3'}}\n")


def test_multi_namespace_bundle_goes_where_each_object_says(dyn, namespaces, kubectl, tmp_path):
    ours_a, ours_b, theirs_a, theirs_b = (namespaces() for _ in range(4))
    ours, theirs = tmp_path / "ours.yaml", tmp_path / "theirs.yaml"
    ours.write_text(bundle(ours_a, ours_b))
    theirs.write_text(bundle(theirs_a, theirs_b))
    # No namespace given (no -n): objects naming one go there, the others to the context's.
    context = dyn.namespace
    try:
        results = apply_manifests(dyn, ours)
        assert {(r.namespace, r.name, r.action) for r in results} == {
            (ours_a, "in-a", "created"), (ours_b, "in-b", "created"), (ours_b, "sa", "created"),
            (ours_a, "rb", "created"), (context, f"in-context-{ours_a}", "created")}
        proc = kubectl("apply", "--server-side", "-f", str(theirs))
        assert proc.stdout.count("serverside-applied") == 5
        assert server_object(kubectl, "cm", f"in-context-{theirs_a}", context)["data"] == {"x": "3"}
    finally:
        for name in (ours_a, theirs_a):
            kubectl("delete", "cm", f"in-context-{name}", "-n", context, "--ignore-not-found", check=False)
    for kind, name, mine, kubectls in (("cm", "in-a", ours_a, theirs_a), ("cm", "in-b", ours_b, theirs_b),
                                       ("sa", "sa", ours_b, theirs_b), ("rolebinding", "rb", ours_a, theirs_a)):
        got, want = server_object(kubectl, kind, name, mine), server_object(kubectl, kind, name, kubectls)
        for key in ("data", "roleRef"):
            assert got.get(key) == want.get(key)
    assert server_object(kubectl, "rolebinding", "rb", ours_a)["subjects"][0]["namespace"] == ours_b


# -- a directory with a stray non-Kubernetes YAML file -------------------------------------------

ALERTMANAGER = """\
global:
  resolve_timeout: 5m
route:
  receiver: "null"
receivers:
- name: "null"
"""


def test_directory_with_a_stray_yaml_applies_the_rest_and_names_it(dyn, namespace, kubectl, tmp_path):
    ours = tmp_path / "ours"
    ours.mkdir()
    (ours / "a-config.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n")
    (ours / "alertmanager.yaml").write_text(ALERTMANAGER)
    (ours / "z-secret.yaml").write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: z}\nstringData: {k: v}\n")
    results = apply_manifests(dyn, ours, namespace=namespace, stop_on_error=False)
    assert [(r.name, r.action) for r in results if not r.invalid] == [("z", "created"), ("a", "created")]
    (bad,) = [r for r in results if r.invalid]
    assert bad.failed and str(bad) == f"{ours / 'alertmanager.yaml'}: document 0 (line 1): apiVersion is missing"
    assert (bad.error.source, bad.error.line) == (str(ours / "alertmanager.yaml"), 1)
    # kubectl: the same two applied, the stray file reported, exit 1.
    other = f"k-{uid()}"
    kubectl("create", "namespace", other)
    try:
        proc = kubectl("apply", "--server-side", "-n", other, "-f", str(ours), check=False)
        assert proc.returncode == 1 and "alertmanager.yaml" in proc.stderr
        assert sorted(proc.stdout.split("\n")[:2]) == ["configmap/a serverside-applied", "secret/z serverside-applied"]
    finally:
        kubectl("delete", "namespace", other, "--wait=false")
    assert kubectl("get", "cm/a", "secret/z", "-n", namespace, "-o", "name").stdout.split() == [
        "configmap/a", "secret/z"]


# -- decoding: a file without a final newline, and kubectl's scalar rules ---------------------------

def test_block_scalar_at_the_end_of_a_file_without_a_final_newline(dyn, namespace, kubectl, tmp_path):
    path = tmp_path / "script.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: script}\ndata:\n  run.sh: |\n"
                    "    #!/bin/sh\n    echo hello")
    apply_manifests(dyn, path, namespace=namespace)
    other = f"k-{uid()}"
    kubectl("create", "namespace", other)
    try:
        kubectl("apply", "--server-side", "-n", other, "-f", str(path))
        ours = server_object(kubectl, "cm", "script", namespace)["data"]
        assert ours == server_object(kubectl, "cm", "script", other)["data"] == {"run.sh": "#!/bin/sh\necho hello\n"}
    finally:
        kubectl("delete", "namespace", other, "--wait=false")


ANYTHING_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: things.{group}}}
spec:
  group: {group}
  scope: Namespaced
  names: {{plural: things, singular: thing, kind: Thing}}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {{type: object, x-kubernetes-preserve-unknown-fields: true}}
"""

TRICKY = """\
apiVersion: {group}/v1
kind: Thing
metadata:
  name: tricky
  labels: {{app: web, app: api}}
spec:
  time: 12:30
  exponent: 1e3
  notOctal: 08
  octal: 0o17
  mode: 0644
  yes: y
  no: n
  on: ON
  wide: 123456789012345678901234567890
  binary: !!binary aGVsbG8=
  ref: !Ref some-bucket
  date: 2001-12-14
  merged:
    <<: {{a: 1, b: 2}}
    b: 3
  script: |
    echo hi
"""


def test_values_reach_the_server_as_kubectl_sends_them(dyn, namespace, kubectl, tmp_path, crd_cleanup):
    group = f"k{uid()}.example.com"
    crd_cleanup.append(f"things.{group}")
    ours = tmp_path / "ours.yaml"
    ours.write_text(ANYTHING_CRD.format(group=group) + "---\n" + TRICKY.format(group=group))
    results = apply_manifests(dyn, ours, namespace=namespace)
    assert [r.action for r in results] == ["created", "created"]
    theirs = tmp_path / "theirs.yaml"
    theirs.write_text(TRICKY.format(group=group).replace("name: tricky", "name: theirs"))
    kubectl("apply", "--server-side", "-n", namespace, "-f", str(theirs))
    got = server_object(kubectl, f"things.{group}", "tricky", namespace)
    want = server_object(kubectl, f"things.{group}", "theirs", namespace)
    assert got["spec"] == want["spec"]
    assert got["metadata"]["labels"] == want["metadata"]["labels"] == {"app": "api"}
    assert got["spec"]["time"] == "12:30" and got["spec"]["octal"] == 15 and got["spec"]["binary"] == "hello"
    assert got["spec"]["true"] is True and got["spec"]["false"] is False  # y/n keys and values are booleans


# -- a big CRD bundle in one file, CRDs and their resources in one pass --------------------------------

def big_bundle(group: str, count: int) -> str:
    docs = []
    for i in range(count):
        props = {f"field{j}": {"type": "string", "description": f"field {j} of kind {i}, " + "x" * 200}
                 for j in range(40)}
        crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
               "metadata": {"name": f"kind{i}s.{group}"},
               "spec": {"group": group, "scope": "Namespaced",
                        "names": {"plural": f"kind{i}s", "singular": f"kind{i}", "kind": f"Kind{i}"},
                        "versions": [{"name": "v1", "served": True, "storage": True,
                                      "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                                          "spec": {"type": "object", "properties": props}}}}}]}}
        docs.append(json.dumps(crd) + "\n")
        docs.append(f"apiVersion: {group}/v1\nkind: Kind{i}\nmetadata: {{name: one}}\nspec: {{field0: v{i}}}\n")
    return "# Source: a generated bundle, CRDs in JSON (valid YAML), resources in YAML\n---\n" + "---\n".join(docs)


def test_big_crd_bundle_applies_in_one_pass(make_client, namespace, kubectl, tmp_path, crd_cleanup, request_log):
    group = f"big{uid()}.example.com"
    crd_cleanup.extend(f"kind{i}s.{group}" for i in range(50))
    path = tmp_path / "bundle.yaml"
    path.write_text(big_bundle(group, 50))
    dyn = make_client()
    request_log.clear()
    start = time.monotonic()
    results = apply_manifests(dyn, path, namespace=namespace)
    elapsed = time.monotonic() - start
    assert [r.action for r in results] == ["created"] * 100
    assert [r.gvk.kind for r in results[:50]] == ["CustomResourceDefinition"] * 50
    methods = [i.method for i in request_log.infos]
    assert methods.count("PATCH") == 100  # one request per object: no GET before each apply
    # CRDs are watched, never polled: at most one watch per CRD, and no GET of a CRD by name.
    crd_gets = [i.url for i in request_log.infos if i.method == "GET" and "/customresourcedefinitions/" in i.url]
    assert crd_gets == []
    assert sum(1 for i in request_log.infos if "watch=true" in i.url) <= 50
    names = kubectl("get", ",".join(f"kind{i}s.{group}" for i in range(50)), "-n", namespace, "-o", "name").stdout
    assert len(names.split()) == 50
    assert elapsed < 120


def test_crds_nothing_in_the_source_uses_are_not_waited_for(dyn, tmp_path, crd_cleanup, request_log):
    group = f"lone{uid()}.example.com"
    crd_cleanup.extend(f"kind{i}s.{group}" for i in range(3))
    path = tmp_path / "crds.yaml"
    path.write_text("---\n".join(doc for doc in big_bundle(group, 3).split("---\n")
                                  if "CustomResourceDefinition" in doc or doc.startswith("#")))
    request_log.clear()
    assert [r.action for r in apply_manifests(dyn, path)] == ["created"] * 3
    assert not any("watch=true" in i.url for i in request_log.infos)


def test_no_matches_reads_like_kubectl(dyn, namespace, kubectl, tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("apiVersion: v1\nkind: Frobnicator\nmetadata: {name: x}\n")
    (result,) = apply_manifests(dyn, path, namespace=namespace, stop_on_error=False)
    proc = kubectl("apply", "--server-side", "-n", namespace, "-f", str(path), check=False)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [f"error: {error_text(result.error)}", result.note]
    assert result.note == CRD_HINT


# -- delete: Background propagation, as kubectl sends it ----------------------------------------------

def test_delete_sends_background_like_kubectl(dyn, namespace, kubectl, tmp_path, request_log):
    rc = ("apiVersion: v1\nkind: ReplicationController\nmetadata: {name: rc}\nspec:\n  replicas: 0\n"
          "  selector: {app: rc}\n  template:\n    metadata: {labels: {app: rc}}\n"
          "    spec: {containers: [{name: c, image: pause}]}\n")
    path = tmp_path / "rc.yaml"
    path.write_text(rc)
    apply_manifests(dyn, path, namespace=namespace)
    request_log.clear()
    (result,) = delete_manifests(dyn, path, namespace=namespace)
    assert result.action == "deleted"
    assert kubectl("get", "rc", "rc", "-n", namespace, check=False).returncode != 0  # gone at once
    # With no policy the server orphans a ReplicationController's pods: finalizers ["orphan"], and it stays
    # (no garbage collector runs on the harness to take the finalizer off).
    path.write_text(rc.replace("name: rc}", "name: rc2}"))
    apply_manifests(dyn, path, namespace=namespace)
    delete_manifests(dyn, path, namespace=namespace, propagation_policy=None)
    assert server_object(kubectl, "rc", "rc2", namespace)["metadata"]["finalizers"] == ["orphan"]


@pytest.mark.parametrize(
    "head",
    ["apiVersion: v1\nkind: ConfigMap\nmetadata: {name: holder}\n", "apiVersion: v1\nkind: ConfigMapList\n",
     "apiVersion: v1\nkind: Frob\nmetadata: {name: x}\n", "apiVersion: v1\nkind: FrobList\n"],
    ids=["served-kind-with-items", "served-kind-List", "unserved-kind-with-items", "unserved-kind-List"],
)
def test_objects_with_items_as_kubectl_applies_them(dyn, namespace, kubectl, tmp_path, head):
    path = tmp_path / "list.yaml"
    path.write_text(head + "items:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- {metadata: {name: b}}\n")
    results = apply_manifests(dyn, path, namespace=namespace, dry_run=True, stop_on_error=False)
    proc = kubectl("apply", "--server-side", "--dry-run=server", "-n", namespace, "-f", str(path), check=False)
    ours = [f"configmap/{r.name} serverside-applied (server dry run)" for r in results if not r.failed]
    assert ours == proc.stdout.splitlines()
    if any(r.failed for r in results):
        assert proc.returncode == 1
        assert proc.stderr.splitlines() == [f"error: {error_text(results[0].error)}", CRD_HINT]
