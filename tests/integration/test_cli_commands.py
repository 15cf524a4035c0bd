"""The everyday commands beside kubectl on the same server: the same bytes on stdout and stderr, the same exit code.

Commands that change objects (create, patch, label, annotate, scale) run
each tool on the same freshly made objects: the namespace's objects are
deleted and made again before each run, so both start from one state.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import pytest
import yaml

import dynclient

GVR_CM = dynclient.GroupVersionResource("", "v1", "configmaps")
GVR_DEPLOY = dynclient.GroupVersionResource("apps", "v1", "deployments")

Run = Tuple[int, str, str]


def require_context(kubeconfig: str, name: str) -> None:
    """Skip unless the kubeconfig has context ``name`` (the harness has an ``unprivileged`` one)."""
    contexts = yaml.safe_load(Path(kubeconfig).read_text()).get("contexts") or []
    if not any(c.get("name") == name for c in contexts):
        pytest.skip(f"the kubeconfig has no {name!r} context")


@pytest.fixture
def tool(kubeconfig: str, tmp_path: Path) -> Callable[..., Run]:
    """``tool("dynclient"|"kubectl", *argv, config=...)``: one run in ``tmp_path``."""

    def run(which: str, *argv: str, config: str = "") -> Run:
        config = config or kubeconfig
        cache = str(tmp_path / f"cache-{which}")
        cmd = ([sys.executable, "-m", "dynclient"] if which == "dynclient" else ["kubectl"])
        proc = subprocess.run([*cmd, "--kubeconfig", config, "--cache-dir", cache, *argv], capture_output=True,
                              text=True, timeout=120, cwd=tmp_path)
        return proc.returncode, proc.stdout, proc.stderr

    return run


def _fresh(dyn, namespace: str) -> None:
    cms = dyn.resource(GVR_CM).namespace(namespace)
    deploys = dyn.resource(GVR_DEPLOY).namespace(namespace)
    for rc in (cms, deploys):
        for item in rc.list().get("items", []):
            rc.delete(item["metadata"]["name"])
    cms.create({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "conf", "labels": {"a": "b"}, "annotations": {"note": "hello world"}},
                "data": {"a": "1"}})
    cms.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ok1"}})
    deploys.create({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                             "template": {"metadata": {"labels": {"app": "web"}},
                                          "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})


@pytest.fixture
def compare(tool, dyn, namespace, tmp_path) -> Callable[..., Run]:
    """Run both tools from the same fresh objects; assert they agree; return dynclient's result."""
    (tmp_path / "conf.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\n")
    (tmp_path / "new.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new1\n")
    (tmp_path / "gen.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: gen-\n")
    (tmp_path / "patch.json").write_text('{"data":{"g":"7"}}')

    def run(*argv: str) -> Run:
        _fresh(dyn, namespace)
        mine = tool("dynclient", "-n", namespace, *argv)
        _fresh(dyn, namespace)
        theirs = tool("kubectl", "-n", namespace, *argv)
        assert mine == theirs
        return mine

    return run


WRITE_CASES: List[Tuple[str, List[str]]] = [
    # create
    ("create-exists", ["create", "-f", "conf.yaml"]),
    ("create-server-dry-run", ["create", "-f", "conf.yaml", "--dry-run=server"]),
    ("create-client-dry-run-generate-name", ["create", "-f", "gen.yaml", "--dry-run=client"]),
    ("create-new-name-only", ["create", "-f", "conf.yaml", "-f", "new.yaml", "-o", "name", "--dry-run=server"]),
    ("create-without-file", ["create"]),
    # patch
    ("patch-strategic", ["patch", "cm", "conf", "-p", '{"data":{"b":"2"}}']),
    ("patch-no-change", ["patch", "cm", "conf", "-p", '{"data":{"a":"1"}}']),
    ("patch-merge-dry-run", ["patch", "cm", "conf", "--type", "merge", "-p", '{"data":{"c":"3"}}', "--dry-run=server"]),
    ("patch-json", ["patch", "cm", "conf", "--type=json", "-p", '[{"op":"add","path":"/data/n","value":"v"}]']),
    ("patch-json-not-a-list", ["patch", "cm", "conf", "--type", "json", "-p", '{"a":1}']),
    ("patch-yaml", ["patch", "cm", "conf", "-p", 'data: {y: "1"}']),
    ("patch-not-found", ["patch", "cm", "nosuch", "-p", "{}"]),
    ("patch-no-patch", ["patch", "cm", "conf"]),
    ("patch-bad-type", ["patch", "cm", "conf", "--type", "bogus", "-p", "{}"]),
    ("patch-two-objects", ["patch", "cm/conf", "cm/ok1", "-p", '{"data":{"d":"4"}}']),
    ("patch-name-output", ["patch", "cm", "conf", "-p", '{"data":{"e":"5"}}', "-o", "name"]),
    ("patch-from-file", ["patch", "-f", "conf.yaml", "-p", '{"data":{"f":"6"}}']),
    ("patch-file", ["patch", "cm", "conf", "--patch-file", "patch.json"]),
    ("patch-local-and-names", ["patch", "cm", "conf", "--local", "-p", "{}"]),
    # label
    ("label-same-value", ["label", "cm", "conf", "a=b"]),
    ("label-clash", ["label", "cm", "conf", "a=c"]),
    ("label-overwrite", ["label", "cm", "conf", "a=c", "--overwrite"]),
    ("label-remove", ["label", "cm", "conf", "a-"]),
    ("label-remove-missing", ["label", "cm", "ok1", "zz-"]),
    ("label-new", ["label", "cm", "ok1", "x=1"]),
    ("label-dry-run", ["label", "cm", "conf", "x=1", "--dry-run=server"]),
    ("label-all", ["label", "cm", "--all", "z=1"]),
    ("label-selector-name", ["label", "cm", "-l", "a=b", "y=2", "-o", "name"]),
    ("label-two-names", ["label", "cm", "conf", "ok1", "q=1"]),
    ("label-not-found", ["label", "cm", "nosuch", "a=b"]),
    ("label-from-file", ["label", "-f", "conf.yaml", "w=1"]),
    ("label-bad-spec", ["label", "cm", "conf", "a=b=c"]),
    ("label-bad-value", ["label", "cm", "conf", "a=b c"]),
    ("label-no-change", ["label", "cm", "conf"]),
    ("label-resource-after-change", ["label", "cm", "conf", "x=1", "cm"]),
    ("label-no-resource", ["label", "a=b"]),
    ("label-flag-first", ["label", "--overwrite", "cm", "conf", "a=q"]),
    ("label-client-dry-run-name", ["label", "cm", "conf", "w=1", "-o", "name", "--dry-run=client"]),
    # annotate
    ("annotate-new", ["annotate", "cm", "ok1", "note=x"]),
    ("annotate-clash", ["annotate", "cm", "conf", "note=y"]),
    ("annotate-overwrite-dry-run", ["annotate", "cm", "conf", "note=y", "--overwrite", "--dry-run=server"]),
    ("annotate-remove-and-add", ["annotate", "cm", "conf", "note-", "other=a=b c"]),
    ("annotate-nothing", ["annotate", "cm", "conf"]),
    ("annotate-bad-pair", ["annotate", "cm", "conf", "=x"]),
    # scale
    ("scale", ["scale", "deploy", "web", "--replicas=3"]),
    ("scale-slash-dry-run", ["scale", "deploy/web", "--replicas=2", "--dry-run=server"]),
    ("scale-not-found", ["scale", "deploy", "nosuch", "--replicas=1"]),
    ("scale-no-subresource", ["scale", "cm", "conf", "--replicas=1"]),
    ("scale-precondition-fails", ["scale", "deploy", "web", "--replicas=1", "--current-replicas=5"]),
    ("scale-precondition-holds", ["scale", "deploy", "web", "--replicas=4", "--current-replicas=1"]),
    ("scale-negative", ["scale", "deploy", "web", "--replicas=-1"]),
    ("scale-name", ["scale", "deploy", "web", "--replicas=2", "-o", "name"]),
]


@pytest.mark.parametrize("argv", [c[1] for c in WRITE_CASES], ids=[c[0] for c in WRITE_CASES])
def test_write_commands_like_kubectl(compare, argv):
    compare(*argv)


def test_label_really_changes_the_object(compare, dyn, namespace):
    assert compare("label", "cm", "ok1", "x=1") == (0, "configmap/ok1 labeled\n", "")
    assert dyn.resource(GVR_CM).namespace(namespace).get("ok1")["metadata"]["labels"] == {"x": "1"}


def test_scale_really_scales(compare, dyn, namespace):
    compare("scale", "deploy", "web", "--replicas=3")
    assert dyn.resource(GVR_DEPLOY).namespace(namespace).get("web")["spec"]["replicas"] == 3


# -- read-only commands ---------------------------------------------------------------------------

READ_CASES: List[Tuple[str, List[str]]] = [
    ("api-versions", ["api-versions"]),
    ("cluster-info", ["cluster-info"]),
    ("config-view", ["config", "view"]),
    ("config-view-minify-json", ["config", "view", "--minify", "-o", "json"]),
    ("config-view-raw", ["config", "view", "--raw"]),
    ("config-view-context-minify", ["--context", "unprivileged", "config", "view", "--minify"]),
    ("config-get-contexts", ["config", "get-contexts"]),
    ("config-get-contexts-one", ["config", "get-contexts", "admin"]),
    ("config-get-contexts-missing", ["config", "get-contexts", "nosuch"]),
    ("config-get-contexts-names", ["config", "get-contexts", "-o", "name"]),
    ("config-current-context", ["config", "current-context"]),
    ("can-i-yes", ["auth", "can-i", "get", "pods"]),
    ("can-i-no", ["--context", "unprivileged", "auth", "can-i", "get", "pods"]),
    ("can-i-cluster-scoped", ["auth", "can-i", "list", "nodes"]),
    ("can-i-unknown-verb", ["auth", "can-i", "frob", "pods"]),
    ("can-i-unknown-type", ["auth", "can-i", "get", "widgets"]),
    ("can-i-unknown-group", ["--context", "unprivileged", "auth", "can-i", "get", "things.nosuch.example.com"]),
    ("can-i-url", ["auth", "can-i", "get", "/healthz"]),
    ("can-i-type-slash-name", ["auth", "can-i", "get", "pods/x"]),
    ("can-i-subresource", ["auth", "can-i", "get", "pods", "--subresource=log"]),
    ("can-i-quiet", ["--context", "unprivileged", "auth", "can-i", "create", "deployments.apps", "-q"]),
    ("can-i-everything", ["auth", "can-i", "*", "*"]),
    ("can-i-all-namespaces", ["auth", "can-i", "list", "secrets", "-A"]),
]


@pytest.mark.parametrize("argv", [c[1] for c in READ_CASES], ids=[c[0] for c in READ_CASES])
def test_read_commands_like_kubectl(tool, tmp_path, kubeconfig, argv):
    if "unprivileged" in argv:
        require_context(kubeconfig, "unprivileged")
    for _ in range(3):  # shared server: discovery may change between the runs; a real difference stays
        mine, theirs = tool("dynclient", *argv), tool("kubectl", *argv)
        if mine == theirs:
            break
        for cache in ("cache-dynclient", "cache-kubectl"):
            shutil.rmtree(tmp_path / cache, ignore_errors=True)
    assert mine == theirs


def test_config_view_redacts_secrets(tool, kubeconfig):
    code, out, err = tool("dynclient", "config", "view")
    config = yaml.safe_load(Path(kubeconfig).read_text())
    tokens = [u["user"]["token"] for u in config["users"] if u["user"].get("token")]
    assert code == 0 and tokens and not any(t in out for t in tokens)
    assert out.count("token: REDACTED") == len(tokens) and "DATA+OMITTED" in out


def test_use_context_writes_the_file_as_kubectl_does(tool, kubeconfig, tmp_path):
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    shutil.copy(kubeconfig, mine)
    shutil.copy(kubeconfig, theirs)
    assert tool("dynclient", "config", "use-context", "unprivileged", config=str(mine)) == \
        tool("kubectl", "config", "use-context", "unprivileged", config=str(theirs)) == \
        (0, 'Switched to context "unprivileged".\n', "")
    assert mine.read_text() == theirs.read_text()
    assert tool("dynclient", "config", "current-context", config=str(mine)) == (0, "unprivileged\n", "")
    assert tool("dynclient", "config", "use-context", "nosuch", config=str(mine)) == \
        tool("kubectl", "config", "use-context", "nosuch", config=str(theirs))


def test_version_server_part_is_kubectls(tool):
    """The client is dynclient, so only the server half can match kubectl's."""
    code, out, err = tool("dynclient", "version", "-o", "json")
    theirs = json.loads(tool("kubectl", "version", "-o", "json")[1])
    assert code == 0 and err == ""
    ours = json.loads(out)
    assert ours["serverVersion"] == theirs["serverVersion"]
    assert list(ours["serverVersion"]) == list(theirs["serverVersion"])
    plain = tool("dynclient", "version")[1].splitlines()
    assert plain[-1] == f"Server Version: {theirs['serverVersion']['gitVersion']}"
    assert plain[0].startswith("Client Version: v")
    assert tool("dynclient", "version", "--client")[1] == plain[0] + "\n"
    assert tool("dynclient", "version", "-o", "xml")[0:3:2] == (1, "error: --output must be 'yaml' or 'json'\n")


# -- diff -------------------------------------------------------------------------------------------

def _normalized(run: Run) -> Run:
    """Temp dir names, file times, and per-object creation stamps and uids differ between any two runs."""
    import re

    code, out, err = run
    out = re.sub(r"/(LIVE|MERGED)-\d+/", r"/\1-N/", out)
    out = re.sub(r"\t\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ [+-]\d{4}", "\tTIME", out)
    out = re.sub(r"(creationTimestamp|uid): .*", r"\1: X", out)
    return code, out, err


DIFF_FILES: Dict[str, str] = {
    "changed.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\ndata:\n  a: \"9\"\n",
    "same.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok1\n",
    "new.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: brandnew\ndata:\n  x: \"1\"\n",
    "bad.yaml": "foo: 1\n",
    "frob.yaml": "apiVersion: v1\nkind: Frobnicator\nmetadata:\n  name: x\n",
    "secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: conf\nstringData:\n  p: hunter2\n",
}

DIFF_CASES = [
    ("changed-and-new", ["-f", "changed.yaml", "-f", "new.yaml"]),
    ("no-change", ["-f", "same.yaml"]),
    ("bad-document", ["-f", "same.yaml", "-f", "bad.yaml"]),
    ("unknown-kind", ["-f", "frob.yaml"]),
    ("secret-masked", ["-f", "secret.yaml"]),
    ("no-file", []),
]


@pytest.mark.parametrize("argv", [c[1] for c in DIFF_CASES], ids=[c[0] for c in DIFF_CASES])
def test_diff_like_kubectl_server_side(tool, dyn, namespace, tmp_path, argv):
    for name, text in DIFF_FILES.items():
        (tmp_path / name).write_text(text)
    _fresh(dyn, namespace)
    mine = _normalized(tool("dynclient", "-n", namespace, "diff", "--force-conflicts", *argv))
    theirs = _normalized(tool("kubectl", "-n", namespace, "diff", "--server-side", "--force-conflicts", *argv))
    assert mine == theirs
    assert "hunter2" not in mine[1]


# -- custom resources ----------------------------------------------------------------------------

@pytest.fixture
def gizmo_crd(dyn):
    """A namespaced CRD with a scale subresource, served and in discovery."""
    from . import crds

    group = crds.unique_group("f2")
    names = crds.install_served(dyn, [crds.crd(group, "Gizmo", scale=True)])
    yield group
    crds.uninstall(dyn, names)


@pytest.mark.parametrize("argv", [
    ["patch", "gizmo.GROUP", "g1", "-p", '{"spec":{"size":1}}'],
    ["patch", "gizmo.GROUP", "g1", "--type", "merge", "-p", '{"spec":{"size":2}}'],
    ["scale", "gizmo.GROUP", "g1", "--replicas=3"],
    ["label", "gizmo.GROUP", "g1", "x=y"],
    ["delete", "gizmo.GROUP", "g1"],
], ids=["strategic-refused", "merge", "scale-subresource", "label", "delete"])
def test_custom_resources_like_kubectl(tool, dyn, namespace, gizmo_crd, argv):
    rc = dyn.resource(f"gizmos.{gizmo_crd}").namespace(namespace)
    argv = [a.replace("GROUP", gizmo_crd) for a in argv]
    results = []
    for which in ("dynclient", "kubectl"):
        try:
            rc.delete("g1")
        except dynclient.NotFound:
            pass
        rc.create({"apiVersion": f"{gizmo_crd}/v1", "kind": "Gizmo", "metadata": {"name": "g1"},
                   "spec": {"replicas": 1}})
        results.append(tool(which, "-n", namespace, *argv))
    assert results[0] == results[1]
