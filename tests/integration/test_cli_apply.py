"""``dynclient apply`` and ``delete`` beside kubectl on the same server: the same bytes and exit code.

Both tools run as subprocesses in the same working directory, so the file
names in their messages are the same. Apply is compared against
``kubectl apply --server-side`` (dynclient's apply is always server-side).
Delete cases set the same objects up again before each tool runs.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import pytest
import yaml

import dynclient

GVR_CM = dynclient.GroupVersionResource("", "v1", "configmaps")
GVR_NS = dynclient.GroupVersionResource("", "v1", "namespaces")

Run = Tuple[int, str, str]


@pytest.fixture
def tool(kubeconfig: str, tmp_path: Path) -> Callable[..., Run]:
    """``tool("dynclient"|"kubectl", *argv, config=...)``: one run in ``tmp_path``, as (code, out, err).

    kubectl's apply gets ``--server-side`` (unless a client dry run is asked for).
    """

    def run(which: str, *argv: str, config: str = "") -> Run:
        config = config or kubeconfig
        if which == "dynclient":
            cmd = [sys.executable, "-m", "dynclient", "--kubeconfig", config, "--cache-dir", str(tmp_path / "c-dyn")]
            extra: List[str] = []
        else:
            cmd = ["kubectl", "--kubeconfig", config, "--cache-dir", str(tmp_path / "c-kubectl")]
            extra = ["--server-side"] if "apply" in argv and "--server-side" not in argv \
                and "--dry-run=client" not in argv else []
        proc = subprocess.run([*cmd, *argv, *extra], capture_output=True, text=True, timeout=120, cwd=tmp_path)
        return proc.returncode, proc.stdout, proc.stderr

    run.root = tmp_path  # type: ignore[attr-defined]
    return run


@pytest.fixture
def tools(tool) -> Callable[..., Tuple[Run, Run]]:
    """Both tools, dynclient first, on the same state (for commands that leave it as they found it)."""

    def run(*argv: str, config: str = "") -> Tuple[Run, Run]:
        # The server is shared: a CRD another test deletes can change discovery between the two runs.
        # A real difference survives fresh caches, so look up to three times.
        for _ in range(3):
            mine, theirs = tool("dynclient", *argv, config=config), tool("kubectl", *argv, config=config)
            if mine == theirs:
                break
            for cache in ("c-dyn", "c-kubectl"):
                shutil.rmtree(tool.root / cache, ignore_errors=True)
        return mine, theirs

    return run


def files(root: Path, contents: Dict[str, str]) -> None:
    for name, text in contents.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def cm(name: str, namespace: str = "", data: str = "") -> str:
    ns = f"\n  namespace: {namespace}" if namespace else ""
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}{ns}\n{data}"


@pytest.fixture
def other_namespace(dyn) -> str:
    name = f"t-{uuid.uuid4().hex[:10]}"
    dyn.resource(GVR_NS).create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    yield name
    try:
        dyn.resource(GVR_NS).delete(name)
    except dynclient.NotFound:
        pass


@pytest.fixture
def context_namespace_config(kubeconfig: str, tmp_path: Path, namespace: str) -> str:
    """A copy of the kubeconfig whose current context carries ``namespace``."""
    config = yaml.safe_load(Path(kubeconfig).read_text())
    for ctx in config["contexts"]:
        if ctx["name"] == config["current-context"]:
            ctx["context"]["namespace"] = namespace
    path = tmp_path / "kubeconfig-with-namespace"
    path.write_text(yaml.safe_dump(config))
    return str(path)


# -- defect 1: the context's namespace is a default, not a rule -----------------------------------

def test_apply_and_delete_objects_of_other_namespaces_with_a_context_namespace(
        tool, tools, dyn, tmp_path, namespace, other_namespace, context_namespace_config):
    files(tmp_path, {"mixed.yaml": cm("here") + "---\n" + cm("there", other_namespace) + "---\n"
                     + "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + other_namespace + "\n"})
    mine, theirs = tools("apply", "-f", "mixed.yaml", config=context_namespace_config)
    assert mine == theirs
    assert mine == (0, "configmap/here serverside-applied\nconfigmap/there serverside-applied\n"
                       f"namespace/{other_namespace} serverside-applied\n", "")
    assert dyn.resource(GVR_CM).namespace(namespace).get("here")
    assert dyn.resource(GVR_CM).namespace(other_namespace).get("there")
    files(tmp_path, {"two.yaml": cm("here") + "---\n" + cm("there", other_namespace)})
    mine, theirs = tools("delete", "-f", "two.yaml", "--dry-run=server", config=context_namespace_config)
    assert mine == theirs
    assert mine == (0, 'configmap "here" deleted (server dry run)\nconfigmap "there" deleted (server dry run)\n', "")
    mine = tool("dynclient", "delete", "-f", "two.yaml", config=context_namespace_config)
    assert mine == (0, 'configmap "here" deleted\nconfigmap "there" deleted\n', "")


def test_explicit_namespace_still_refuses_other_namespaces(tools, tmp_path, namespace, other_namespace):
    files(tmp_path, {"mixed.yaml": cm("a", other_namespace) + "---\n" + cm("b")})
    mine, theirs = tools("-n", namespace, "apply", "-f", "mixed.yaml")
    assert mine == theirs
    assert mine[0] == 1 and mine[1] == "configmap/b serverside-applied\n"
    assert f"You must pass '--namespace={other_namespace}' to perform this operation." in mine[2]


# -- defects 3 and 5, empty inputs, dry runs: byte-identical tables -----------------------------

BAD_DIRECTORY = {
    "d/a.yaml": cm("ok-a"),
    "d/b-alertmanager.yaml": "global:\n  resolve_timeout: 5m\nroute:\n  receiver: x\n",
    "d/c.yaml": cm("ok-c") + "---\nfoo: bar\n---\n" + cm("skipped-d"),
    "d/e.yaml": "kind: ConfigMap\nmetadata:\n  name: x\n",
    "d/notes.txt": "not read",
}

APPLY_CASES = [
    ("bad-documents-in-a-directory", BAD_DIRECTORY, ["apply", "-f", "d"]),
    ("one-bad-file", {"x.yaml": "apiVersion: v1\nmetadata:\n  name: x\n"}, ["apply", "-f", "x.yaml"]),
    ("scalar-and-list-documents", {"x.yaml": cm("ok-x") + "---\n- a\n", "y.yaml": "just text\n"},
     ["apply", "-f", "x.yaml", "-f", "y.yaml"]),
    ("unknown-kind", {"f.yaml": "apiVersion: v1\nkind: Frobnicator\nmetadata:\n  name: x\n---\n" + cm("after")},
     ["apply", "-f", "f.yaml"]),
    ("unknown-kind-twice", {"f.yaml": "apiVersion: v1\nkind: Frobnicator\nmetadata:\n  name: x\n"},
     ["apply", "-f", "f.yaml", "-f", "f.yaml"]),
    ("unknown-group", {"f.yaml": "apiVersion: nosuch.example.com/v1\nkind: Thing\nmetadata:\n  name: x\n"},
     ["apply", "-f", "f.yaml"]),
    ("bad-documents-and-a-refused-object", {**BAD_DIRECTORY, "d/f.yaml": cm("bad-data", data='data:\n  "a b": x\n')},
     ["apply", "-f", "d"]),
    ("no-name", {"n.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n"}, ["apply", "-f", "n.yaml"]),
    ("generate-name", {"g.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: g-\n"},
     ["apply", "-f", "g.yaml"]),
    ("empty-file", {"empty.yaml": ""}, ["apply", "-f", "empty.yaml"]),
    ("comments-only", {"c.yaml": "# nothing\n---\n"}, ["apply", "-f", "c.yaml"]),
    ("empty-directory", {"e/notes.txt": "x"}, ["apply", "-f", "e"]),
    ("missing-path", {}, ["apply", "-f", "nope.yaml"]),
    ("glob", {"g/a.yaml": cm("glob-a"), "g/b.yaml": cm("glob-b")}, ["apply", "-f", "g/*.yaml"]),
    ("server-dry-run", {"a.yaml": cm("dry-a") + "---\n" + cm("dry-b")}, ["apply", "-f", "a.yaml", "--dry-run=server"]),
    ("client-dry-run", {"a.yaml": cm("cdry-a")}, ["apply", "-f", "a.yaml", "--dry-run=client"]),
    ("client-dry-run-with-server-side", {"a.yaml": cm("cdry-a")},
     ["apply", "-f", "a.yaml", "--dry-run=client", "--server-side"]),
    ("bad-dry-run", {"a.yaml": cm("x")}, ["apply", "-f", "a.yaml", "--dry-run=bogus"]),
    ("output-name", {"a.yaml": cm("on-a") + "---\n" + cm("on-b")}, ["apply", "-f", "a.yaml", "-o", "name"]),
    ("file-order-not-install-order", {"o.yaml": cm("first") + "---\napiVersion: v1\nkind: Namespace\nmetadata:\n"
                                      "  name: NSNAME\n---\n" + cm("last")}, ["apply", "-f", "o.yaml"]),
]


@pytest.mark.parametrize("contents,argv", [c[1:] for c in APPLY_CASES], ids=[c[0] for c in APPLY_CASES])
def test_apply_like_kubectl(tools, tmp_path, namespace, contents, argv):
    files(tmp_path, {k: v.replace("NSNAME", namespace) for k, v in contents.items()})
    mine, theirs = tools("-n", namespace, *argv)
    assert mine == theirs


def test_apply_conflict_prints_kubectls_advice(tools, dyn, tmp_path, namespace):
    dyn.resource(GVR_CM).namespace(namespace).create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owned"}, "data": {"a": "1"}})
    files(tmp_path, {"c.yaml": cm("owned", data='data:\n  a: "2"\n')})
    mine, theirs = tools("-n", namespace, "apply", "-f", "c.yaml")
    assert mine == theirs
    assert mine[0] == 1 and "--force-conflicts" in mine[2]


@pytest.mark.parametrize("output", ["json", "yaml"])
def test_apply_output_objects_like_kubectl(tools, tmp_path, namespace, output):
    """One object prints as itself, several as a List (JSON in metav1.List's field order), no managedFields."""
    import re

    files(tmp_path, {"a.yaml": cm("oo-a", data='data:\n  h: "<&>"\n') + "---\n" + cm("oo-b"), "one.yaml": cm("oo-c")})
    for path in ("a.yaml", "one.yaml"):
        mine, theirs = tools("-n", namespace, "apply", "-f", path, "-o", output, "--dry-run=server")
        stamp = re.compile(r'"?(uid|creationTimestamp)"?: .*')
        assert (mine[0], stamp.sub("", mine[1]), mine[2]) == (theirs[0], stamp.sub("", theirs[1]), theirs[2])
        assert "managedFields" not in mine[1]


FORBIDDEN_CASES = [
    ("apply", ["apply", "-f", "f.yaml"]),
    ("apply-client-dry-run", ["apply", "-f", "f.yaml", "--dry-run=client"]),
    ("create", ["create", "-f", "f.yaml"]),
    ("delete", ["delete", "-f", "f.yaml"]),
]


@pytest.mark.parametrize("argv", [c[1] for c in FORBIDDEN_CASES], ids=[c[0] for c in FORBIDDEN_CASES])
def test_forbidden_like_kubectl(tools, kubeconfig, tmp_path, namespace, argv):
    from .test_cli_commands import require_context

    require_context(kubeconfig, "unprivileged")
    files(tmp_path, {"f.yaml": cm("forbidden")})
    mine, theirs = tools("--context", "unprivileged", "-n", namespace, *argv)
    assert mine == theirs
    assert mine[0] == 1 and "Forbidden" in mine[2]


def test_apply_from_stdin(kubeconfig, tmp_path, namespace):
    proc = subprocess.run([sys.executable, "-m", "dynclient", "--kubeconfig", kubeconfig, "-n", namespace,
                           "apply", "-f", "-"], input=cm("stdin-a") + "---\nfoo: 1\n", capture_output=True,
                          text=True, timeout=120)
    theirs = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "-n", namespace, "apply", "--server-side",
                             "-f", "-"], input=cm("stdin-a") + "---\nfoo: 1\n", capture_output=True, text=True,
                            timeout=120)
    assert (proc.returncode, proc.stdout, proc.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)
    assert 'error validating "STDIN"' in proc.stderr


# -- delete -----------------------------------------------------------------------------------------

def _setup(dyn, namespace: str, names: List[str], labels: Dict[str, str] = None) -> None:
    rc = dyn.resource(GVR_CM).namespace(namespace)
    for name in names:
        try:
            rc.create({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": name, "labels": labels or {"app": "x"}}})
        except dynclient.AlreadyExists:
            pass


DELETE_CASES = [
    ("names", ["delete", "cm", "a", "nosuch", "b"]),
    ("two-types", ["delete", "cm,secret", "a"]),
    ("slash-form", ["delete", "cm/a", "configmap/b"]),
    ("mixed-forms", ["delete", "cm", "cm/a"]),
    ("selector", ["delete", "cm", "-l", "app=x"]),
    ("selector-nothing", ["delete", "cm", "-l", "app=none"]),
    ("all", ["delete", "cm", "--all", "-o", "name"]),
    ("all-and-selector", ["delete", "cm", "--all", "-l", "app=x"]),
    ("no-arguments", ["delete"]),
    ("type-without-name", ["delete", "cm"]),
    ("names-across-namespaces", ["delete", "cm", "a", "-A"]),
    ("server-dry-run", ["delete", "cm", "a", "b", "--dry-run=server"]),
    ("client-dry-run-name", ["delete", "cm", "a", "--dry-run=client", "-o", "name"]),
    ("bad-cascade", ["delete", "cm", "--cascade=bogus", "a"]),
    ("legacy-cascade", ["delete", "cm", "a", "--cascade=true"]),
    ("orphan-no-wait", ["delete", "cm", "a", "--cascade=orphan", "--wait=false"]),
    ("foreground-no-wait", ["delete", "cm", "a", "--cascade=foreground", "--wait=false"]),
    ("now-and-grace", ["delete", "cm", "a", "--now", "--grace-period=3"]),
    ("now", ["delete", "cm", "a", "--now"]),
    ("force", ["delete", "cm", "a", "--force"]),
    ("force-and-grace", ["delete", "--force", "--grace-period=5", "cm", "a"]),
    ("flags-between-names", ["delete", "cm", "--wait=false", "a", "b"]),
    ("ignore-not-found", ["delete", "cm", "nosuch", "--ignore-not-found"]),
    ("bad-output", ["delete", "cm", "a", "-o", "json"]),
]


@pytest.mark.parametrize("argv", [c[1] for c in DELETE_CASES], ids=[c[0] for c in DELETE_CASES])
def test_delete_like_kubectl(tool, dyn, namespace, argv):
    _delete_parity(tool, dyn, namespace, argv)


def _delete_parity(tool, dyn, namespace, argv, names=("a", "b")):
    """The same objects set up before each tool runs; both must print and exit alike."""
    _setup(dyn, namespace, list(names))
    mine = tool("dynclient", "-n", namespace, *argv)
    _setup(dyn, namespace, list(names))
    theirs = tool("kubectl", "-n", namespace, *argv)
    assert mine == theirs
    return mine


DELETE_FILE_CASES = [
    ("file-order", {"d.yaml": cm("b") + "---\n" + cm("a") + "---\n" + cm("nosuch")}, ["delete", "-f", "d.yaml"]),
    ("bad-documents", BAD_DIRECTORY, ["delete", "-f", "d"]),
    ("bad-documents-ignore-not-found", BAD_DIRECTORY, ["delete", "-f", "d", "--ignore-not-found"]),
    ("empty-file", {"empty.yaml": ""}, ["delete", "-f", "empty.yaml"]),
    ("empty-directory", {"e/x.txt": ""}, ["delete", "-f", "e"]),
    ("unknown-kind", {"f.yaml": "apiVersion: v1\nkind: Frobnicator\nmetadata:\n  name: x\n"}, ["delete", "-f", "f.yaml"]),
    ("file-and-names", {"d.yaml": cm("a")}, ["delete", "-f", "d.yaml", "cm", "a"]),
    ("server-dry-run", {"d.yaml": cm("a") + "---\n" + cm("b")}, ["delete", "-f", "d.yaml", "--dry-run=server"]),
]


@pytest.mark.parametrize("contents,argv", [c[1:] for c in DELETE_FILE_CASES], ids=[c[0] for c in DELETE_FILE_CASES])
def test_delete_from_files_like_kubectl(tool, dyn, tmp_path, namespace, contents, argv):
    files(tmp_path, contents)
    _delete_parity(tool, dyn, namespace, argv, names=("a", "b", "ok-a", "ok-c", "skipped-d"))


def test_delete_sends_background_propagation(make_client, request_log, namespace, tmp_path, kubeconfig):
    """Defect 2: the DeleteOptions body says Background, as kubectl's does; an RC keeps no orphan finalizer."""
    dyn = make_client()
    rcs = dyn.resource(dynclient.GroupVersionResource("", "v1", "replicationcontrollers")).namespace(namespace)
    rcs.create({"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "rc"},
                "spec": {"replicas": 0, "selector": {"app": "rc"},
                         "template": {"metadata": {"labels": {"app": "rc"}},
                                      "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
    proc = subprocess.run([sys.executable, "-m", "dynclient", "--kubeconfig", kubeconfig, "-n", namespace,
                           "delete", "rc", "rc"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout == 'replicationcontroller "rc" deleted\n'
    with pytest.raises(dynclient.NotFound):  # Background: gone at once, no finalizer left behind
        rcs.get("rc")


@pytest.mark.parametrize("cascade,policy", [
    ("background", "Background"), ("foreground", "Foreground"), ("orphan", "Orphan"), ("true", "Background"),
    ("false", "Orphan"),
], ids=["background", "foreground", "orphan", "legacy-true", "legacy-false"])
def test_cascade_becomes_the_propagation_policy(cascade, policy):
    from dynclient.cli.delete import cascade_policy

    warnings: List[str] = []
    assert cascade_policy(cascade, warnings.append) == policy
    assert bool(warnings) == (cascade in ("true", "false"))


_KLOG = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+ ")


def _without_klog(err: str) -> str:
    """kubectl's stderr less its klog lines: a reflector racing the deadline logs one only sometimes."""
    return "".join(line for line in err.splitlines(keepends=True) if not _KLOG.match(line))


@pytest.mark.parametrize("argv", [
    ["delete", "cm", "held", "--timeout=2s"],
    ["delete", "cm", "held", "--timeout=2s", "--wait=false"],
], ids=["waits-then-times-out", "no-wait"])
def test_delete_waits_for_the_object_to_go(tool, dyn, namespace, argv):
    """kubectl waits until the object is gone; a finalizer keeps it, so the wait times out with kubectl's error."""
    rc = dyn.resource(GVR_CM).namespace(namespace)
    results = []
    for which in ("dynclient", "kubectl"):
        try:
            rc.patch("held", {"metadata": {"finalizers": None}}, "merge")
            rc.delete("held")
        except dynclient.NotFound:
            pass
        rc.create({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "held", "finalizers": ["dynclient.example.com/hold"]}})
        code, out, err = tool(which, "-n", namespace, *argv)
        results.append((code, out, _without_klog(err)))
    rc.patch("held", {"metadata": {"finalizers": None}}, "merge")
    assert results[0] == results[1]
    assert results[0][1] == 'configmap "held" deleted\n'
