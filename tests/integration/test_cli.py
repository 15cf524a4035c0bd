"""The ``dynclient`` command line against a real API server, with kubectl as the oracle.

Every comparison runs both tools on the same server and state, and compares
their output byte for byte. Tables carry an AGE column the server computes
at request time, so those comparisons retry until both tools saw the same
second.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Callable, List, Tuple

import pytest

import dynclient
from dynclient.cli.main import main

from . import crds

GVR_CM = dynclient.GroupVersionResource("", "v1", "configmaps")
GVR_DEPLOY = dynclient.GroupVersionResource("apps", "v1", "deployments")
GVR_CRD = dynclient.GroupVersionResource("apiextensions.k8s.io", "v1", "customresourcedefinitions")


@pytest.fixture
def cli(kubeconfig: str, tmp_path: Path, capsys) -> Callable[..., Tuple[int, str, str]]:
    """Run ``dynclient`` in-process against the test server; returns (exit code, stdout, stderr)."""
    cache = str(tmp_path / "dynclient-cache")

    def run(*args: str) -> Tuple[int, str, str]:
        capsys.readouterr()
        code = main(["--kubeconfig", kubeconfig, "--cache-dir", cache, *args])
        out, err = capsys.readouterr()
        return code, out, err

    run.cache_dir = cache  # type: ignore[attr-defined]
    return run


def same_as_kubectl(cli, kubectl, *args: str) -> Tuple[str, str]:
    """Assert dynclient and kubectl print the same bytes and exit alike; returns (stdout, stderr).

    The server is shared: a CRD another test deleted can leave discovery
    between the two runs. A real difference survives a second look with
    fresh discovery, so compare up to three times before failing.
    """
    for attempt in range(3):
        code, out, err = cli(*args)
        theirs = kubectl(*args, check=False)
        if (code, out, err) == (theirs.returncode, theirs.stdout, theirs.stderr) or attempt == 2:
            break
        for stale in (cli.cache_dir, kubectl.cache_dir):
            shutil.rmtree(stale, ignore_errors=True)
        time.sleep(1)
    assert (code, out, err) == (theirs.returncode, theirs.stdout, theirs.stderr)
    return out, err


def same_table_as_kubectl(cli, kubectl, *args: str, attempts: int = 5) -> str:
    """Like ``same_as_kubectl``, for tables whose AGE may tick between the two runs."""
    for _ in range(attempts):
        before = kubectl(*args, check=False)
        code, out, err = cli(*args)
        after = kubectl(*args, check=False)
        if (code, out, err) in ((before.returncode, before.stdout, before.stderr),
                                (after.returncode, after.stdout, after.stderr)):
            return out
        time.sleep(0.3)
    assert (code, out, err) == (after.returncode, after.stdout, after.stderr)
    return out


def configmap(name: str, namespace: str, data=None) -> dict:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace}}
    if data is not None:
        obj["data"] = data
    return obj


def deployment(name: str, namespace: str) -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]}}},
    }


@pytest.fixture
def objects(dyn, namespace) -> str:
    """A namespace holding two ConfigMaps (one with awkward data) and a Deployment."""
    cms = dyn.resource(GVR_CM).namespace(namespace)
    cms.create(configmap("alpha", namespace, {"html": "<b>&amp;</b>", "multi": "line1\nline2\n", "y": "true",
                                              "unicode": "héllo 日本", "num": "0755"}))
    cms.create(configmap("beta", namespace))
    dyn.resource(GVR_DEPLOY).namespace(namespace).create(deployment("web", namespace))
    return namespace


@pytest.fixture(scope="module")
def widget_crd(kubeconfig: str):
    """A namespaced CRD with printer columns (of every type, one wide-only), served and Established."""
    group = f"cli{uuid.uuid4().hex[:8]}.example.com"
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group, "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "categories": ["all"]},
            "versions": [{
                "name": "v1", "served": True, "storage": True,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
                "additionalPrinterColumns": [
                    {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                    {"name": "Color", "type": "string", "jsonPath": ".spec.color"},
                    {"name": "Ratio", "type": "number", "jsonPath": ".spec.ratio", "priority": 1},
                    {"name": "Ok", "type": "boolean", "jsonPath": ".spec.ok"},
                ],
            }],
        },
    }
    client = dynclient.connect(kubeconfig, disk_cache=False)
    crds = client.resource(GVR_CRD)
    crds.create(crd)
    deadline = time.monotonic() + 60
    while True:
        conditions = (crds.get(f"widgets.{group}").get("status") or {}).get("conditions") or []
        if any(c["type"] == "Established" and c["status"] == "True" for c in conditions):
            break
        assert time.monotonic() < deadline, "the CRD never became Established"
        time.sleep(0.2)
    # Discovery lags Established a little: wait until the kind is served.
    while True:
        client.discovery.invalidate()
        client.mapper.reset()
        try:
            client.resource(f"widgets.{group}")
            break
        except dynclient.MappingError:
            assert time.monotonic() < deadline, "the CRD's kind never appeared in discovery"
            time.sleep(0.2)
    yield group
    crds.delete(f"widgets.{group}")
    client.close()


@pytest.fixture
def widgets(kubeconfig, widget_crd, namespace) -> Tuple[str, str]:
    client = dynclient.connect(kubeconfig, disk_cache=False)
    rc = client.resource(f"widgets.{widget_crd}").namespace(namespace)
    rc.create({"apiVersion": f"{widget_crd}/v1", "kind": "Widget", "metadata": {"name": "w1"},
               "spec": {"size": 3, "color": "red", "ratio": 1.5, "ok": True}})
    rc.create({"apiVersion": f"{widget_crd}/v1", "kind": "Widget", "metadata": {"name": "w2"},
               "spec": {"size": 10000000, "color": "a\nb", "ratio": 1e21, "ok": False}})
    client.close()
    return widget_crd, namespace


# -- api-resources --------------------------------------------------------------------------

API_RESOURCES_FLAGS = [
    ("default", []),
    ("wide", ["-o", "wide"]),
    ("name", ["-o", "name"]),
    ("api-group-apps", ["--api-group", "apps"]),
    ("api-group-core", ["--api-group="]),
    ("cluster-scoped", ["--namespaced=false"]),
    ("namespaced", ["--namespaced=true"]),
    ("verbs", ["--verbs", "list,watch"]),
    ("repeated-verbs-wide", ["--verbs=list", "--verbs=create", "-o", "wide"]),
    ("sort-by-kind", ["--sort-by", "kind"]),
    ("sort-by-name-no-headers", ["--sort-by=name", "--no-headers"]),
    ("categories", ["--categories", "all", "-o", "wide"]),
    ("nothing-matches", ["--api-group", "nosuch.example.com", "-o", "wide"]),
    ("cached", ["--cached"]),
    ("bad-output", ["-o", "json"]),
    ("bad-sort", ["--sort-by", "age"]),
]


@pytest.mark.parametrize("flags", [c[1] for c in API_RESOURCES_FLAGS], ids=[c[0] for c in API_RESOURCES_FLAGS])
def test_api_resources_is_byte_identical(cli, kubectl, flags):
    same_as_kubectl(cli, kubectl, "api-resources", *flags)


def test_api_resources_lists_a_crd_like_kubectl(cli, kubectl, widget_crd):
    out, _ = same_as_kubectl(cli, kubectl, "api-resources", "--api-group", widget_crd, "-o", "wide")
    rows = [line.split() for line in out.splitlines()[1:]]
    assert rows == [["widgets", f"{widget_crd}/v1", "true", "Widget",
                     "delete,deletecollection,get,list,patch,create,update,watch", "all"]]


def test_api_resources_as_a_subprocess(kubeconfig, kubectl, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "dynclient", "--kubeconfig", kubeconfig, "--cache-dir",
                           str(tmp_path / "c"), "api-resources", "-o", "wide"], capture_output=True, timeout=120)
    theirs = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "--cache-dir", str(tmp_path / "k"),
                             "api-resources", "-o", "wide"], capture_output=True, timeout=120)
    assert (proc.returncode, proc.stdout, proc.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)


# -- get: -o name, json, yaml ------------------------------------------------------------------

def test_get_name(cli, kubectl, objects):
    out, _ = same_as_kubectl(cli, kubectl, "-n", objects, "get", "configmaps", "-o", "name")
    assert out == "configmap/alpha\nconfigmap/beta\n"


@pytest.mark.parametrize("args", [
    ["get", "namespaces", "-o", "name"],
    ["get", "deploy,cm", "-o", "name"],
    ["get", "all", "-o", "name"],
    ["get", "deployment.apps/web", "configmap/beta", "-o", "name"],
    ["get", "cm", "alpha", "beta", "-o", "name"],
    ["get", "cm", "--chunk-size", "1", "-o", "name"],
    ["get", "cm", "--chunk-size", "0", "-o", "name"],
    ["get", "deployments.v1.apps", "-l", "app=web", "-o", "name"],
    ["get", "cm", "--field-selector", "metadata.name=beta", "-o", "name"],
], ids=["namespaces", "two-types", "category-all", "type-slash-name", "names", "chunked", "unchunked", "selector",
        "field-selector"])
def test_get_name_forms(cli, kubectl, objects, args):
    same_as_kubectl(cli, kubectl, "-n", objects, *args)


@pytest.mark.parametrize("output", ["json", "yaml"])
@pytest.mark.parametrize("what", [["configmaps"], ["configmap", "alpha"], ["cm", "alpha", "beta"], ["deploy", "web"],
                                  ["cm,deploy"]], ids=["list", "one", "two-names", "deployment", "two-types"])
def test_get_json_and_yaml_are_byte_identical(cli, kubectl, objects, output, what):
    out, _ = same_as_kubectl(cli, kubectl, "-n", objects, "get", *what, "-o", output)
    if output == "json" and what == ["configmaps"]:
        doc = json.loads(out)
        assert doc["kind"] == "List" and doc["metadata"] == {"resourceVersion": ""}
        assert [i["kind"] for i in doc["items"]] == ["ConfigMap", "ConfigMap"]
        assert "\\u003cb\\u003e" in out and "managedFields" not in out


def test_get_empty_list_as_json(cli, kubectl, namespace):
    out, _ = same_as_kubectl(cli, kubectl, "-n", namespace, "get", "configmaps", "-o", "json")
    assert json.loads(out)["items"] == []


def test_get_custom_resources(cli, kubectl, widgets):
    group, ns = widgets
    out, _ = same_as_kubectl(cli, kubectl, "-n", ns, "get", f"widgets.{group}", "-o", "name")
    assert out == f"widget.{group}/w1\nwidget.{group}/w2\n"
    same_as_kubectl(cli, kubectl, "-n", ns, "get", f"widget.{group}", "w2", "-o", "json")
    same_as_kubectl(cli, kubectl, "-n", ns, "get", f"widgets.v1.{group}", "-o", "yaml")


# -- get: tables -----------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["get", "configmaps"],
    ["get", "configmap", "alpha"],
    ["get", "deployments"],
    ["get", "deployments", "-o", "wide"],
    ["get", "cm,deploy"],
    ["get", "all"],
    ["get", "cm", "--no-headers"],
    ["get", "cm,deploy", "--no-headers"],
    ["get", "cm", "--chunk-size", "1"],
], ids=["configmaps", "one", "deployments", "wide", "two-types", "all", "no-headers", "two-types-no-headers",
        "chunked"])
def test_tables(cli, kubectl, objects, args):
    out = same_table_as_kubectl(cli, kubectl, "-n", objects, *args)
    if "--no-headers" not in args:
        assert out.startswith("NAME ") and "AGE" in out.splitlines()[0]


def test_table_of_namespaces(cli, kubectl, namespace):
    out = same_table_as_kubectl(cli, kubectl, "get", "namespaces", namespace)
    assert out.splitlines()[0].split() == ["NAME", "STATUS", "AGE"]


def test_all_namespaces_adds_the_namespace_column(cli, kubectl, objects):
    out = same_table_as_kubectl(cli, kubectl, "get", "configmaps", "-A")
    assert out.splitlines()[0].split()[:2] == ["NAMESPACE", "NAME"]
    assert any(line.split()[:2] == [objects, "alpha"] for line in out.splitlines())


def test_tables_of_custom_resources(cli, kubectl, widgets):
    group, ns = widgets
    out = same_table_as_kubectl(cli, kubectl, "-n", ns, "get", f"widgets.{group}")
    assert out.splitlines()[0].split() == ["NAME", "SIZE", "COLOR", "OK"]  # printer columns replace AGE
    assert "a..." in out  # a multi-line cell is cut at the line break
    wide = same_table_as_kubectl(cli, kubectl, "-n", ns, "get", f"widgets.{group}", "-o", "wide")
    assert "RATIO" in wide and "1e+21" in wide
    same_table_as_kubectl(cli, kubectl, "get", f"widgets.{group}", "-A")


def test_no_resources_found(cli, kubectl, namespace):
    _, err = same_as_kubectl(cli, kubectl, "-n", namespace, "get", "configmaps")
    assert err == f"No resources found in {namespace} namespace.\n"


# -- errors --------------------------------------------------------------------------------------

def test_not_found(cli, kubectl, namespace):
    code, out, err = cli("-n", namespace, "get", "configmaps", "nosuch")
    assert (code, out, err) == (1, "", 'Error from server (NotFound): configmaps "nosuch" not found\n')
    same_as_kubectl(cli, kubectl, "-n", namespace, "get", "configmaps", "nosuch")


def test_unknown_resource_type(cli, kubectl):
    code, out, err = cli("get", "nosuchtype")
    assert (code, out, err) == (1, "", 'error: the server doesn\'t have a resource type "nosuchtype"\n')
    same_as_kubectl(cli, kubectl, "get", "nosuchtype")


@pytest.mark.parametrize("args", [
    ["get", "cm", "alpha", "nosuch", "-o", "name"],
    ["get", "cm", "nosuch", "--ignore-not-found"],
    ["get", "cm", "nosuch", "--ignore-not-found", "-o", "json"],
    ["get", "cm", "alpha", "-A"],
    ["get", "all", "alpha"],
    ["get", "cm", "alpha", "-l", "x=y"],
    ["get", "cm", "cm/alpha"],
    ["get", "cm.v1"],
], ids=["some-missing", "ignore-not-found", "ignore-not-found-json", "name-across-namespaces", "name-with-category",
        "name-with-selector", "mixed-forms", "kind-dot-version"])
def test_error_cases_like_kubectl(cli, kubectl, objects, args):
    same_as_kubectl(cli, kubectl, "-n", objects, *args)


def test_unsupported_output_lists_only_what_dynclient_prints(cli, namespace):
    # kubectl lists its Go template printers too, which dynclient does not have.
    assert cli("-n", namespace, "get", "cm", "-o", "bogus") == (
        1, "", 'error: unable to match a printer suitable for the output format "bogus", allowed formats are: '
               "custom-columns,custom-columns-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,wide,yaml\n")


def test_no_traceback_and_exit_1_in_a_subprocess(kubeconfig, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "dynclient", "--kubeconfig", kubeconfig, "--cache-dir",
                           str(tmp_path / "c"), "get", "configmaps", "nosuch"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1
    assert proc.stderr == 'Error from server (NotFound): configmaps "nosuch" not found\n'


def test_verbose_logs_requests_but_no_token(cli, kubeconfig, namespace):
    code, _, err = cli("-n", namespace, "get", "configmaps", "-v=6")
    assert code == 0
    # The same request line kubectl -v=6 prints: full URL with its query, status code and text.
    assert f"/api/v1/namespaces/{namespace}/configmaps?limit=500 200 OK in " in err and "] GET https://" in err
    import yaml

    config = yaml.safe_load(Path(kubeconfig).read_text())
    tokens = [u["user"].get("token") for u in config.get("users", []) if u["user"].get("token")]
    assert tokens and not any(t in err for t in tokens)


# -- apply and delete ------------------------------------------------------------------------------

def write_manifests(directory: Path) -> Path:
    directory.mkdir()
    (directory / "1-configmaps.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg1\ndata:\n  a: \"1\"\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg2\n")
    (directory / "2-deployment.yaml").write_text(json.dumps(deployment("web2", "")).replace('"namespace": "", ', ""))
    (directory / "notes.txt").write_text("not a manifest")
    return directory


@pytest.fixture
def second_namespace(dyn) -> str:
    name = f"t-{uuid.uuid4().hex[:10]}"
    ns = dyn.resource(dynclient.GroupVersionResource("", "v1", "namespaces"))
    ns.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    yield name
    ns.delete(name)


def test_apply_then_delete_print_kubectls_lines(cli, kubectl, namespace, second_namespace, tmp_path):
    """dynclient apply is server-side apply: its lines are ``kubectl apply --server-side``'s."""
    manifests = write_manifests(tmp_path / "manifests")
    mine, theirs = ["-n", namespace], ["-n", second_namespace]

    code, out, err = cli(*mine, "apply", "-f", str(manifests))
    expected = "configmap/cfg1 serverside-applied\nconfigmap/cfg2 serverside-applied\ndeployment.apps/web2 serverside-applied\n"
    assert (code, out, err) == (0, expected, "")
    assert kubectl(*theirs, "apply", "--server-side", "-f", str(manifests)).stdout == expected

    code, out, _ = cli(*mine, "apply", "-f", str(manifests))
    assert (code, out) == (0, kubectl(*theirs, "apply", "--server-side", "-f", str(manifests)).stdout)
    assert out == expected

    code, out, _ = cli(*mine, "apply", "-f", str(manifests), "--dry-run=server")
    assert (code, out) == (0, kubectl(*theirs, "apply", "--server-side", "-f", str(manifests),
                                      "--dry-run=server").stdout)
    assert out.endswith("serverside-applied (server dry run)\n")

    code, out, err = cli(*mine, "delete", "-f", str(manifests))
    theirs_out = kubectl(*theirs, "delete", "-f", str(manifests)).stdout
    assert (code, err) == (0, "")
    assert out == theirs_out
    assert 'deployment.apps "web2" deleted' in out.splitlines()

    code, out, err = cli(*mine, "delete", "-f", str(manifests))
    theirs_proc = kubectl(*theirs, "delete", "-f", str(manifests), check=False)
    assert (code, out) == (theirs_proc.returncode, theirs_proc.stdout)
    assert sorted(err.splitlines()) == sorted(theirs_proc.stderr.splitlines())

    code, out, err = cli(*mine, "delete", "-f", str(manifests), "--ignore-not-found")
    assert (code, out, err) == (0, "", "")


def test_apply_recursive_reads_subdirectories(cli, kubectl, namespace, tmp_path):
    top = tmp_path / "tree"
    (top / "sub").mkdir(parents=True)
    (top / "sub" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nested\n")
    theirs = kubectl("-n", namespace, "apply", "--server-side", "-f", str(top), check=False)
    assert cli("-n", namespace, "apply", "-f", str(top)) == (theirs.returncode, theirs.stdout, theirs.stderr)
    assert theirs.returncode == 1 and "recognized file extensions are [.json .yaml .yml]" in theirs.stderr
    code, out, _ = cli("-n", namespace, "apply", "-f", str(top), "-R")
    assert (code, out) == (0, "configmap/nested serverside-applied\n")


def test_delete_by_name_like_kubectl(cli, kubectl, dyn, namespace, second_namespace):
    for ns in (namespace, second_namespace):
        cms = dyn.resource(GVR_CM).namespace(ns)
        cms.create(configmap("x", ns))
        cms.create(configmap("y", ns))
        dyn.resource(GVR_DEPLOY).namespace(ns).create(deployment("d", ns))
    results: List[Tuple[int, str, str]] = []
    for ns in (namespace, second_namespace):
        runner = cli if ns == namespace else (lambda *a: (lambda p: (p.returncode, p.stdout, p.stderr))(
            kubectl(*a, check=False)))
        results.append(runner("-n", ns, "delete", "configmap", "x", "nosuch", "y"))
        results.append(runner("-n", ns, "delete", "deployment.apps/d"))
    assert results[0] == results[2]
    assert results[0] == (1, 'configmap "x" deleted\nconfigmap "y" deleted\n',
                          'Error from server (NotFound): configmaps "nosuch" not found\n')
    assert results[1] == results[3] == (0, 'deployment.apps "d" deleted\n', "")


def test_apply_reports_a_bad_manifest(cli, kubectl, namespace, second_namespace, tmp_path):
    """The good document is applied; the bad one is reported in kubectl's words, and the exit code is 1."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\nkind: ConfigMap\n")
    theirs = kubectl("-n", second_namespace, "apply", "--server-side", "-f", str(bad), check=False)
    assert cli("-n", namespace, "apply", "-f", str(bad)) == (theirs.returncode, theirs.stdout, theirs.stderr)
    assert theirs.returncode == 1 and theirs.stdout == "configmap/ok serverside-applied\n"
    assert "apiVersion not set" in theirs.stderr and str(bad) in theirs.stderr


# -- watch ---------------------------------------------------------------------------------------

def test_watch_prints_one_line_per_event_and_ends_at_the_timeout(cli, dyn, namespace):
    dyn.resource(GVR_CM).namespace(namespace).create(configmap("watched", namespace))
    started = time.monotonic()
    code, out, err = cli("-n", namespace, "watch", "configmaps", "--timeout", "2")
    assert code == 0 and err == ""
    assert out == f"ADDED configmap/watched ({namespace})\n"
    assert time.monotonic() - started < 30


@pytest.fixture
def deprecated_crd(dyn):
    """A CRD whose v1 is deprecated with a warning text; v2 is its storage version."""
    group = crds.unique_group("dep")
    doc = crds.crd(group, "Gadget", versions=("v1", "v2"), storage="v2")
    doc["spec"]["versions"][0].update(deprecated=True, deprecationWarning=f"gadgets.{group}/v1 is going away")
    names = crds.install_served(dyn, [doc])
    yield group
    crds.uninstall(dyn, names)


@pytest.mark.parametrize(
    "version, warned",
    [("v1", True), ("v2", False)],
    ids=["deprecated-version-warns", "current-version-quiet"],
)
def test_server_warnings_are_printed_like_kubectl(cli, kubectl, deprecated_crd, namespace, version, warned):
    """The apiserver's Warning header reaches stderr as kubectl prints it: "Warning: <text>", once."""
    _, err = same_as_kubectl(cli, kubectl, "get", f"gadgets.{version}.{deprecated_crd}", "-n", namespace)
    expected = f"Warning: gadgets.{deprecated_crd}/v1 is going away\n"
    assert (expected in err) == warned
    assert err.count("Warning:") == int(warned)
