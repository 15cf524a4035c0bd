"""``dynclient wait`` beside ``kubectl wait`` on the same server: same stdout, stderr and exit code.

The static cases run one tool after the other on objects that do not
change. The live cases start both tools at once on the same object, change
it while they wait, and compare what each printed: the wait has to notice
the change through its watch.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import pytest

import dynclient
from tests.integration.crds import install, unique_group

Run = Tuple[int, str, str]
CM = dynclient.GroupVersionResource("", "v1", "configmaps")


def widget_crd(group: str) -> Dict:
    """A CRD without a status subresource whose status keeps anything, so a test can write conditions."""
    schema = {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": f"widgets.{group}"},
            "spec": {"group": group, "scope": "Namespaced",
                     "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
                     "versions": [{"name": "v1", "served": True, "storage": True, "schema": schema}]}}


@pytest.fixture(scope="module")
def group(kubeconfig) -> str:
    dyn = dynclient.connect(kubeconfig)
    name = unique_group("wait")
    crds = install(dyn, [widget_crd(name)])
    yield name
    for crd in crds:
        dyn.resource(dynclient.GroupVersionResource("apiextensions.k8s.io", "v1", "customresourcedefinitions")).delete(crd)
    dyn.close()


@pytest.fixture
def objects(dyn, namespace, group) -> Dict[str, "dynclient.ResourceClient"]:
    cms = dyn.resource(CM).namespace(namespace)
    for name in ("a", "c"):
        cms.create({"metadata": {"name": name, "labels": {"app": "w"}}, "data": {"x": "1"}})
    widgets = dyn.resource(dynclient.GroupVersionResource(group, "v1", "widgets")).namespace(namespace)
    widgets.create({"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": "ready"},
                    "status": {"conditions": [{"type": "Ready", "status": "True"}]}})
    widgets.create({"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": "stale", "generation": 1},
                    "spec": {"n": 1},
                    "status": {"observedGeneration": 0, "conditions": [{"type": "Ready", "status": "True"}]}})
    return {"cms": cms, "widgets": widgets}


@pytest.fixture
def command(kubeconfig: str, tmp_path: Path, namespace: str) -> Callable[[str, List[str]], List[str]]:
    def build(which: str, argv: List[str]) -> List[str]:
        head = [sys.executable, "-m", "dynclient"] if which == "dynclient" else ["kubectl"]
        return [*head, "--kubeconfig", kubeconfig, "--cache-dir", str(tmp_path / f"cache-{which}"), "-n", namespace,
                "wait", *argv]

    return build


def finished(proc: subprocess.Popen, which: str) -> Run:
    out, err = proc.communicate(timeout=120)
    # The usage hint names the program: "See 'kubectl wait --help'".
    return proc.returncode, out, err.replace("'dynclient wait", "'kubectl wait") if which == "dynclient" else err


def both(command, argv: List[str], change: Callable[[], None] = None, after: float = 1.5) -> Tuple[Run, Run]:
    procs = {which: subprocess.Popen(command(which, argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for which in ("dynclient", "kubectl")}
    if change is not None:
        time.sleep(after)
        change()
    return finished(procs["dynclient"], "dynclient"), finished(procs["kubectl"], "kubectl")


STATIC: List[Tuple[str, List[str]]] = [
    ("delete-missing", ["--for=delete", "cm/missing"]),
    ("condition-missing", ["--for=condition=Ready", "cm/missing"]),
    ("condition-timeout", ["--for=condition=Ready", "cm/a", "--timeout=1s"]),
    ("condition-once", ["--for=condition=Ready", "cm/a", "--timeout=0"]),
    ("condition-met", ["--for=condition=Ready", "widget/ready"]),
    ("condition-met-case-folded", ["--for=condition=ready=TRUE", "widgets/ready"]),
    ("condition-false-timeout", ["--for=condition=Ready=False", "widget/ready", "--timeout=1s"]),
    ("condition-stale-generation", ["--for=condition=Ready", "widget/stale", "--timeout=1s"]),
    ("condition-once-met", ["--for=condition=Ready", "widget/ready", "--timeout=0"]),
    ("jsonpath-met", ["--for=jsonpath={.data.x}=1", "cm/a"]),
    ("jsonpath-quoted", ["--for=jsonpath='{.data.x}'='1'", "cm/a"]),
    ("jsonpath-any", ["--for=jsonpath={.data.x}", "cm/a"]),
    ("jsonpath-timeout", ["--for=jsonpath={.data.x}=2", "cm/a", "--timeout=1s"]),
    ("jsonpath-nested", ["--for=jsonpath={.data}=1", "cm/a"]),
    ("jsonpath-once-missing-field", ["--for=jsonpath={.data.y}=1", "cm/a", "--timeout=0"]),
    ("jsonpath-empty", ["--for=jsonpath=", "cm/a"]),
    ("jsonpath-no-value", ["--for=jsonpath={.data.x}=", "cm/a"]),
    ("jsonpath-unclosed", ["--for=jsonpath={.data.x", "cm/a"]),
    ("selector-none", ["--for=condition=Ready", "cm", "-l", "app=none"]),
    ("selector-none-delete", ["--for=delete", "cm", "-l", "app=none"]),
    ("selector", ["--for=jsonpath={.data.x}=1", "cm", "-l", "app=w"]),
    ("selector-timeout", ["--for=jsonpath={.data.x}=2", "cm", "-l", "app=w", "--timeout=1s"]),
    ("all", ["--for=jsonpath={.data.x}=1", "cm", "--all"]),
    ("all-with-selector", ["--for=jsonpath={.data.x}=1", "cm", "--all", "-l", "app=w"]),
    ("type-without-name", ["--for=condition=Ready", "cm"]),
    ("unknown-condition", ["--for=bogus", "cm/a"]),
    ("no-condition", ["cm/a"]),
    ("no-resources", ["--for=jsonpath={.data.x}=1"]),
    ("unknown-type", ["--for=jsonpath={.data.x}=1", "foo/a"]),
    ("missing-then-met", ["--for=jsonpath={.data.x}=1", "cm/b", "cm/a"]),
    ("two-missing", ["--for=jsonpath={.data.x}=1", "cm/b", "cm/d"]),
    ("two-names", ["--for=jsonpath={.data.x}=1", "cm", "a", "c"]),
    ("two-timeouts", ["--for=jsonpath={.data.x}=2", "cm/a", "cm/c", "--timeout=1s"]),
    ("delete-timeout", ["--for=delete", "cm/b", "cm/a", "--timeout=1s"]),
    ("delete-once", ["--for=delete", "cm/a", "--timeout=0"]),
    ("output-name", ["--for=jsonpath={.data.x}=1", "cm/a", "-o", "name"]),
    ("output-json", ["--for=jsonpath={.data.x}=1", "cm/a", "-o", "json"]),
    ("bad-timeout", ["--for=jsonpath={.data.x}=1", "cm/a", "--timeout=abc"]),
    ("negative-timeout", ["--for=jsonpath={.data.x}=1", "cm/a", "--timeout=-1s"]),
    ("condition-selector-with-type-name", ["--for=condition=Ready", "cm/a", "-l", "app=w"]),
    ("delete-field-selector-with-names", ["--for=delete", "cm", "a", "--field-selector=metadata.name=a"]),
    # --for=create (kubectl >= 1.31): kubectl polls its builder while exactly one object is missing.
    ("create-met", ["--for=create", "cm/a"]),
    ("create-any-case", ["--for=CREATE", "cm/a", "-o", "name"]),
    ("create-output-json", ["--for=Create", "cm/a", "-o", "json"]),
    ("create-custom-resource", ["--for=create", "widget/ready"]),
    ("create-timeout", ["--for=create", "cm/missing", "--timeout=1s"]),
    ("create-once-missing", ["--for=create", "cm/missing", "--timeout=0"]),
    ("create-once-met", ["--for=create", "cm/a", "--timeout=0"]),
    ("create-one-of-two-missing", ["--for=create", "cm/a", "cm/missing", "--timeout=1s"]),
    ("create-names-one-missing", ["--for=create", "cm", "a", "missing", "--timeout=1s"]),
    ("create-two-missing-fail-at-once", ["--for=create", "cm/b", "cm/d", "--timeout=60s"]),
    ("create-selector", ["--for=create", "cm", "-l", "app=w"]),
    ("create-selector-none", ["--for=create", "cm", "-l", "app=none", "--timeout=60s"]),
    ("create-all", ["--for=create", "cm", "--all"]),
    ("create-all-with-type-name", ["--for=create", "cm/a", "--all"]),
    ("create-type-without-name", ["--for=create", "cm"]),
    ("create-blank-selector", ["--for=create", "cm", "-l", " "]),
    ("create-selector-without-type", ["--for=create", "-l", "app=w"]),
    ("create-selector-with-names", ["--for=create", "cm", "a", "-l", "app=w"]),
    ("create-selector-with-type-name", ["--for=create", "cm/a", "--field-selector=metadata.name=a"]),
    ("create-unknown-type", ["--for=create", "foo/a"]),
    ("create-no-resources", ["--for=create"]),
    ("create-bad-output", ["--for=create", "cm/a", "-o", "yaml", "--timeout=0"]),
]


@pytest.mark.parametrize("argv", [argv for _, argv in STATIC], ids=[case for case, _ in STATIC])
def test_same_as_kubectl(command, objects, argv):
    mine, theirs = both(command, argv)
    assert mine == theirs


def cm_doc(name: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"


FILES: List[Tuple[str, List[str], List[str]]] = [
    ("there", ["a"], []),
    ("missing-fails-at-once", ["missing"], ["--timeout=60s"]),
    ("one-of-two-missing-fails-at-once", ["a", "missing"], ["--timeout=60s"]),
]


@pytest.mark.parametrize("names, extra", [(names, extra) for _, names, extra in FILES], ids=[c for c, _, _ in FILES])
def test_create_from_a_file_same_as_kubectl(command, objects, tmp_path, names, extra):
    path = tmp_path / "objects.yaml"
    path.write_text("---\n".join(cm_doc(n) for n in names))
    start = time.monotonic()
    mine, theirs = both(command, ["--for=create", "-f", str(path), *extra])
    assert mine == theirs
    assert time.monotonic() - start < 30  # neither waited out its 60 s


def test_condition_that_becomes_true_while_waiting(command, objects):
    widgets = objects["widgets"]
    widgets.create({"apiVersion": widgets.gvk.group + "/v1", "kind": "Widget", "metadata": {"name": "later"},
                    "status": {"conditions": [{"type": "Ready", "status": "False"}]}})

    def ready() -> None:
        widgets.patch("later", {"status": {"conditions": [{"type": "Ready", "status": "True"}]}})

    mine, theirs = both(command, ["--for=condition=Ready", "widget/later", "--timeout=30s"], ready)
    assert mine == theirs == (0, f"widget.{widgets.gvk.group}/later condition met\n", "")


def test_condition_false_that_becomes_false(command, objects):
    widgets = objects["widgets"]
    mine, theirs = both(command, ["--for=condition=Ready=False", "widget/ready", "--timeout=30s"],
                        lambda: widgets.patch("ready", {"status": {"conditions": [{"type": "Ready",
                                                                                   "status": "False"}]}}))
    assert mine == theirs == (0, f"widget.{widgets.gvk.group}/ready condition met\n", "")


def test_delete_while_waiting(command, objects):
    mine, theirs = both(command, ["--for=delete", "cm/a", "--timeout=30s"], lambda: objects["cms"].delete("a"))
    assert mine == theirs == (0, "configmap/a condition met\n", "")


def test_jsonpath_on_a_selection_while_one_changes(command, objects):
    cms = objects["cms"]
    mine, theirs = both(command, ["--for=jsonpath={.metadata.labels.done}=yes", "cm", "-l", "app=w", "--timeout=30s"],
                        lambda: [cms.patch(n, {"metadata": {"labels": {"done": "yes"}}}) for n in ("a", "c")])
    assert mine == theirs == (0, "configmap/a condition met\nconfigmap/c condition met\n", "")


def test_create_while_waiting(command, objects):
    cms = objects["cms"]
    mine, theirs = both(command, ["--for=create", "cm/b", "--timeout=30s"],
                        lambda: cms.create({"metadata": {"name": "b"}}))
    assert mine == theirs == (0, "configmap/b condition met\n", "")


def test_create_of_the_one_missing_name_then_all_are_printed(command, objects):
    cms = objects["cms"]
    mine, theirs = both(command, ["--for=create", "cm", "a", "b", "c", "-o", "name", "--timeout=-1s"],
                        lambda: cms.create({"metadata": {"name": "b"}}))
    assert mine == theirs == (0, "configmap/a\nconfigmap/b\nconfigmap/c\n", "")


def test_create_of_a_custom_resource_while_waiting(command, objects):
    widgets = objects["widgets"]
    group = widgets.gvk.group
    mine, theirs = both(command, ["--for=create", "widgets/later", "--timeout=30s"],
                        lambda: widgets.create({"apiVersion": f"{group}/v1", "kind": "Widget",
                                                "metadata": {"name": "later"}}))
    assert mine == theirs == (0, f"widget.{group}/later condition met\n", "")
