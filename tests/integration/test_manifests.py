"""Manifests against a real API server: one call applies a CRD with its resources; kubectl is the oracle.

Every test uses its own CRD group and namespace, so tests never collide;
CRDs are deleted afterwards. Namespaces stay Terminating (no
controller-manager runs), so nothing waits for them.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Callable, Iterator, List

import pytest

import dynclient
from dynclient.errors import ManifestError, NoKindMatch
from dynclient.manifests import (
    ManifestApplyError,
    ManifestResult,
    apply_manifests,
    create_manifests,
    delete_manifests,
)

CRDS = dynclient.GroupVersionResource("apiextensions.k8s.io", "v1", "customresourcedefinitions")


def uid() -> str:
    return uuid.uuid4().hex[:8]


def crd_yaml(group: str) -> str:
    return f"""\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.{group}
spec:
  group: {group}
  scope: Namespaced
  names: {{plural: widgets, singular: widget, kind: Widget}}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {{status: {{}}}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {{type: integer}}
          status:
            type: object
            properties:
              ready: {{type: boolean}}
"""


def widget_yaml(group: str, name: str, ns: str, size: int) -> str:
    return f"apiVersion: {group}/v1\nkind: Widget\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  size: {size}\n"


def app_yaml(group: str, ns: str, *, size: int = 1) -> str:
    """Custom resources first, on purpose: the order in the file must not matter."""
    return "---\n".join([
        widget_yaml(group, "w1", ns, size),
        widget_yaml(group, "w2", ns, 2),
        f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n",
        crd_yaml(group),
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: {ns}\ndata:\n  color: blue\n",
        f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: {ns}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: web, image: registry.k8s.io/pause:3.10}}]
""",
    ])


@pytest.fixture
def crd_cleanup(dyn) -> Iterator[List[str]]:
    """Names of CRDs to delete after the test."""
    names: List[str] = []
    yield names
    for name in names:
        try:
            dyn.resource(CRDS).delete(name)
        except dynclient.NotFound:
            pass


@pytest.fixture
def app(crd_cleanup) -> Callable[..., tuple]:
    """A fresh (group, namespace) pair whose CRD is cleaned up."""

    def make() -> tuple:
        group, ns = f"w{uid()}.example.com", f"m-{uid()}"
        crd_cleanup.append(f"widgets.{group}")
        return group, ns

    return make


def actions(results: List[ManifestResult]) -> List[str]:
    return [str(r) for r in results]


def test_crd_and_its_resources_apply_in_one_call(dyn, app, kubectl):
    group, ns = app()
    text = app_yaml(group, ns)
    progress = []
    results = dyn_apply(dyn, text, progress=lambda i, n, r: progress.append((i, n)))
    assert actions(results) == [
        f"namespace/{ns} created",
        "configmap/cfg created",
        f"customresourcedefinition.apiextensions.k8s.io/widgets.{group} created",
        "deployment.apps/web created",
        f"widget.{group}/w1 created",
        f"widget.{group}/w2 created",
    ]
    assert progress == [(i, 6) for i in range(1, 7)]
    assert results[4].gvr == dynclient.GroupVersionResource(group, "v1", "widgets")
    # kubectl sees what was applied.
    out = kubectl("get", f"widgets.{group}", "-n", ns, "-o", "json").stdout
    assert sorted((i["metadata"]["name"], i["spec"]["size"]) for i in json.loads(out)["items"]) == [("w1", 1), ("w2", 2)]
    assert kubectl("get", "deploy/web", "cm/cfg", "-n", ns, "-o", "name").stdout.split() == [
        "deployment.apps/web", "configmap/cfg"]

    # Applying again: one PATCH each, "applied"; with report_changes, kubectl's client-side words.
    assert {r.action for r in dyn_apply(dyn, text)} == {"applied"}
    assert {r.action for r in dyn_apply(dyn, text, report_changes=True)} == {"unchanged"}
    # One changed resource is "configured", the rest "unchanged".
    again = dyn_apply(dyn, app_yaml(group, ns, size=5), report_changes=True)
    assert [(str(r.gvk.kind), r.name, r.action) for r in again if r.action != "unchanged"] == [("Widget", "w1", "configured")]
    assert json.loads(kubectl("get", f"widgets.{group}/w1", "-n", ns, "-o", "json").stdout)["spec"]["size"] == 5


def dyn_apply(dyn, source, **kw):
    """``DynamicClient.apply_manifests`` once the lead adds it; the module function until then."""
    method = getattr(dyn, "apply_manifests", None)
    return method(source, **kw) if callable(method) else apply_manifests(dyn, source, **kw)


def test_lines_match_kubectl_apply(dyn, namespace, kubectl, tmp_path):
    """kubectl's client-side apply words, for the same manifest in two namespaces."""
    other = f"t-{uid()}"
    dyn.resource("namespaces").create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": other}})
    path = tmp_path / "app.yaml"
    path.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: '1'}\n---\n"
        "apiVersion: v1\nkind: Service\nmetadata: {name: svc}\nspec: {ports: [{port: 80}]}\n---\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {a: b}}\n"
        "  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: pause}]}\n"
    )
    theirs = kubectl("apply", "-n", other, "-f", str(path)).stdout.splitlines()
    ours = actions(apply_manifests(dyn, path, namespace=namespace))
    assert sorted(ours) == sorted(theirs)
    assert sorted(actions(apply_manifests(dyn, path, namespace=namespace, report_changes=True))) == sorted(
        kubectl("apply", "-n", other, "-f", str(path)).stdout.splitlines())
    # Without report_changes the second apply is kubectl --server-side's one PATCH per object: "applied".
    assert {r.action for r in apply_manifests(dyn, path, namespace=namespace)} == {"applied"}
    dyn.resource("namespaces").delete(other)


def test_apply_a_directory(dyn, namespace, tmp_path, kubectl):
    tmp_path = tmp_path / "manifests"  # tmp_path itself holds the client's discovery cache
    (tmp_path / "sub").mkdir(parents=True)
    (tmp_path / "b-config.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n")
    (tmp_path / "a-secret.yml").write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nstringData: {k: v}\n")
    (tmp_path / "sub" / "c.json").write_text(json.dumps(
        {"apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}},
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa"}}]}))
    (tmp_path / "README.md").write_text("not a manifest")
    results = apply_manifests(dyn, tmp_path, namespace=namespace)
    assert actions(results) == ["serviceaccount/sa created", "secret/a created", "configmap/b created", "configmap/c created"]
    assert [r.document.source for r in results] == [
        str(tmp_path / "sub" / "c.json"), str(tmp_path / "a-secret.yml"), str(tmp_path / "b-config.yaml"),
        str(tmp_path / "sub" / "c.json")]
    assert kubectl("get", "cm/b", "cm/c", "secret/a", "sa/sa", "-n", namespace, "-o", "name").stdout.split() == [
        "configmap/b", "configmap/c", "secret/a", "serviceaccount/sa"]


def test_dry_run_persists_nothing(dyn, app, kubectl, namespace):
    group, _ = app()
    results = apply_manifests(dyn, app_yaml(group, namespace), dry_run=True, stop_on_error=False)
    assert actions(results)[:4] == [
        f"namespace/{namespace} applied (server dry run)",
        "configmap/cfg created (server dry run)",
        f"customresourcedefinition.apiextensions.k8s.io/widgets.{group} created (server dry run)",
        "deployment.apps/web created (server dry run)",
    ]
    # The CRD does not exist, so its resources cannot be checked: said per document.
    for result in results[4:]:
        assert result.failed and isinstance(result.error, NoKindMatch)
        assert str(result.error).startswith(f'resource mapping not found for name: "{result.name}" namespace: ')
        assert f"its CustomResourceDefinition widgets.{group} is in this source, but a dry run does not create it" in str(result)
    assert kubectl("get", "cm,deploy", "-n", namespace, "-o", "name").stdout == ""
    assert kubectl("get", "crd", f"widgets.{group}", check=False).returncode != 0


def test_dry_run_explains_a_namespace_it_does_not_create(dyn, app, kubectl):
    group, ns = app()
    results = apply_manifests(dyn, app_yaml(group, ns), dry_run=True, stop_on_error=False)
    assert str(results[0]) == f"namespace/{ns} created (server dry run)"
    assert str(results[1]) == (f'configmap/cfg failed: (NotFound) namespaces "{ns}" not found; '
                               f"its Namespace {ns} is in this source, but a dry run does not create it")
    assert kubectl("get", "ns", ns, check=False).returncode != 0


def test_dry_run_of_an_applied_manifest(dyn, app):
    group, ns = app()
    apply_manifests(dyn, app_yaml(group, ns))
    assert {r.action for r in apply_manifests(dyn, app_yaml(group, ns), dry_run=True, report_changes=True)} == {
        "unchanged"}
    changed = apply_manifests(dyn, app_yaml(group, ns, size=9), dry_run=True, report_changes=True)
    assert [r.name for r in changed if r.action == "configured"] == ["w1"]
    assert dyn.resource(f"widgets.{group}").namespace(ns).get("w1")["spec"]["size"] == 1


def test_delete_removes_everything(dyn, app, kubectl):
    group, ns = app()
    text = app_yaml(group, ns)
    apply_manifests(dyn, text)
    results = delete_manifests(dyn, text)
    assert actions(results) == [
        f'widget.{group} "w2" deleted',
        f'widget.{group} "w1" deleted',
        'deployment.apps "web" deleted',
        f'customresourcedefinition.apiextensions.k8s.io "widgets.{group}" deleted',
        'configmap "cfg" deleted',
        f'namespace "{ns}" deleted',
    ]
    assert kubectl("get", "cm/cfg", "deploy/web", "-n", ns, check=False).stdout == ""
    phase = json.loads(kubectl("get", "ns", ns, "-o", "json").stdout)["status"]["phase"]
    assert phase == "Terminating"  # and stays so: no controller-manager; not waited for
    # Again: everything is NotFound; ignored when asked (the Widgets too, as their CRD is gone).
    with pytest.raises(ManifestApplyError):
        delete_manifests(dyn, text)
    again = delete_manifests(dyn, text, ignore_not_found=True)
    assert [r.action for r in again] == ["not found"] * 5 + ["deleted"]  # a Terminating namespace still answers


def test_create_manifests(dyn, namespace):
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: gen-}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: fixed}\n"
    results = create_manifests(dyn, text, namespace=namespace)
    assert [r.action for r in results] == ["created", "created"]
    assert results[0].name.startswith("gen-") and len(results[0].name) > 4
    with pytest.raises(ManifestApplyError, match=r'create ConfigMap .*: \(AlreadyExists\) configmaps "gen-|fixed'):
        create_manifests(dyn, text.split("---\n")[1], namespace=namespace)


def test_missing_crd_fails_naming_the_document(dyn, namespace, tmp_path):
    path = tmp_path / "orphans.yaml"
    path.write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: ok}}\n---\n"
                    f"{widget_yaml('nope-' + uid() + '.example.com', 'lost', namespace, 1)}")
    with pytest.raises(ManifestApplyError) as info:
        apply_manifests(dyn, path, namespace=namespace)
    err = info.value
    assert str(err).startswith(f"{path}: document 1 (line 5): apply Widget {namespace}/lost: resource mapping not found "
                               f'for name: "lost" namespace: "{namespace}" from "{path}": no matches for kind "Widget"')
    assert str(err).endswith("; ensure CRDs are installed first")
    assert (err.source, err.document, err.line) == (str(path), 1, 5)
    assert actions(err.results[:1]) == ["configmap/ok created"] and err.results[1].failed


def test_kubectls_namespace_mismatch_error(dyn, namespace, kubectl, tmp_path, request_log):
    path = tmp_path / "cm.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: elsewhere}\n")
    theirs = kubectl("apply", "--server-side", "-n", namespace, "-f", str(path), check=False)
    assert theirs.returncode != 0
    expected = f'the namespace from the provided object "elsewhere" does not match the namespace "{namespace}".'
    assert expected in theirs.stderr
    request_log.clear()
    with pytest.raises(ManifestApplyError) as info:
        apply_manifests(dyn, path, namespace=namespace)
    assert expected in str(info.value)
    assert "You must pass namespace='elsewhere'" in str(info.value)
    assert not any(i.method in ("PATCH", "POST") for i in request_log.infos)


def test_cluster_scoped_object_with_a_namespace_is_accepted_like_kubectl(dyn, kubectl, tmp_path, namespace):
    """kubectl ignores metadata.namespace (and -n) on cluster-scoped objects; so do we."""
    name = f"dynclient-test-{uid()}"
    ours = tmp_path / "ours.yaml"
    ours.write_text(f"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {name}-a\n"
                    f"  namespace: {namespace}\nrules: []\n")
    theirs = tmp_path / "theirs.yaml"
    theirs.write_text(ours.read_text().replace(f"{name}-a", f"{name}-b"))
    try:
        assert kubectl("apply", "--server-side", "-n", "other", "-f", str(theirs)).returncode == 0
        (result,) = apply_manifests(dyn, ours, namespace="other", keep_replies=True)
        assert result.action == "created" and result.namespace is None
        assert "namespace" not in result.object["metadata"]
    finally:
        for suffix in ("a", "b"):
            kubectl("delete", "clusterrole", f"{name}-{suffix}", "--ignore-not-found", check=False)


@pytest.mark.parametrize(
    "text, message",
    [
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n- a list\n",
         "document 1 (line 5): expected a mapping (an object with apiVersion and kind), got a list"),
        ("kind: ConfigMap\nmetadata: {name: a}\n", "document 0 (line 1): apiVersion is missing"),
        ("apiVersion: v1\nmetadata: {name: a}\n", "document 0 (line 1): kind is missing"),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", "document 0 (line 1): metadata.name is missing"),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {a: .inf}\n",
         "document 0 (line 4): json: unsupported value: +Inf"),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n bad: indent\n", "document 0 (line 5): invalid YAML"),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: g-}\n",
         "document 0 (line 1): cannot apply a ConfigMap without metadata.name"),
    ],
    ids=["not-a-mapping", "no-apiVersion", "no-kind", "no-name", "inf", "invalid-yaml", "generateName-apply"],
)
def test_manifest_errors_send_nothing(dyn, namespace, tmp_path, request_log, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    request_log.clear()
    with pytest.raises(ManifestError) as info:
        apply_manifests(dyn, path, namespace=namespace)  # stop_on_error=True: refused before anything is sent
    assert str(info.value).startswith(f"{path}: {message}")
    assert request_log.infos == []


def test_missing_file(dyn, tmp_path):
    with pytest.raises(ManifestError, match="no such file or directory"):
        apply_manifests(dyn, str(tmp_path / "missing.yaml"))


def test_quickstart_manifest_round_trip(dyn, kubectl):
    """examples/quickstart.yaml applies in one call and deletes cleanly (skipped if an earlier run left it)."""
    path = Path(__file__).resolve().parents[2] / "examples" / "quickstart.yaml"
    try:
        phase = dyn.resource("namespaces").get("dynclient-demo")["status"]["phase"]
    except dynclient.NotFound:
        phase = None
    if phase == "Terminating":
        pytest.skip("dynclient-demo is Terminating from an earlier run on this server")
    results = apply_manifests(dyn, path)
    assert {r.action for r in results} <= {"created", "applied"}
    assert [r.gvk.kind for r in results][-2:] == ["Widget", "Widget"]
    assert kubectl("get", "wdg", "-n", "dynclient-demo", "-o", "name").stdout.split() == [
        "widget.demo.dynclient.dev/large", "widget.demo.dynclient.dev/small"]
    assert {r.action for r in delete_manifests(dyn, path)} == {"deleted"}


@pytest.mark.parametrize("concurrency, overlapping", [(1, False), (8, True)], ids=["one-by-one", "eight-at-once"])
def test_objects_of_one_kind_apply_concurrently(make_client, namespace, kubectl, tmp_path, concurrency, overlapping):
    """40 ConfigMaps: sent together (requests overlap in time) or one by one; kubectl's words either way."""
    spans: List[tuple] = []

    def record(info) -> None:
        end = time.monotonic()
        spans.append((end - info.elapsed, end))

    dyn = make_client(hooks=[record])
    path = tmp_path / "many.yaml"
    path.write_text("".join(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i:02d}}}\ndata: {{i: '{i}'}}\n---\n"
                            for i in range(40)))
    spans.clear()
    results = apply_manifests(dyn, path, namespace=namespace, concurrency=concurrency)
    assert [r.name for r in results] == [f"c{i:02d}" for i in range(40)]
    other = f"t-{uid()}"
    dyn.resource("namespaces").create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": other}})
    try:
        assert actions(results) == kubectl("apply", "-n", other, "-f", str(path)).stdout.splitlines()
    finally:
        dyn.resource("namespaces").delete(other)
    most = max(sum(1 for s, e in spans if s < t <= e) for _, t in spans)
    assert (most > 1) == overlapping
    names = kubectl("get", "configmaps", "-n", namespace, "-o", "name").stdout.split()
    assert {f"configmap/c{i:02d}" for i in range(40)} <= set(names)


def test_create_refuses_an_unknown_field_as_kubectl_does(dyn, namespace, kubectl, tmp_path):
    """kubectl create (and apply --server-side) send fieldValidation=Strict, and so do the manifest verbs.

    Without it the server drops an unknown field of a POST with only a
    warning, and the typo is silently lost.
    """
    path = tmp_path / "typo.yaml"
    path.write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: typo, namespace: {namespace}}}\n"
                    "data: {a: b}\nbogusField: 1\n")
    theirs = kubectl("create", "-f", str(path), check=False)
    assert theirs.returncode == 1 and 'unknown field "bogusField"' in theirs.stderr
    results = dyn.create_manifests(str(path), stop_on_error=False)
    assert [r.action for r in results] == ["failed"]
    assert isinstance(results[0].error, dynclient.errors.Invalid) or \
        isinstance(results[0].error, dynclient.errors.StatusError)
    assert 'unknown field "bogusField"' in str(results[0].error)
    assert kubectl("get", "cm", "typo", "-n", namespace, "--ignore-not-found", "-o", "name").stdout == ""
