"""``dynclient get``, the global flags and the CLI's error texts, byte for byte against kubectl.

Every case runs the same argv through kubectl (the oracle, on PATH) and
through dynclient, on the same server and objects, and compares stdout,
stderr and the exit code. kubectl's program name in its help hints
("See 'kubectl get --help'") reads "dynclient" in ours; nothing else is
rewritten. The objects are custom resources whose printer columns have no
AGE, so tables compare exactly; where AGE or timestamps are unavoidable
(watch output), the comparison says so and masks only those.

Most cases call ``dynclient.cli.main`` in-process (the code ``python -m
dynclient`` runs); ``test_the_error_table_through_python_m_dynclient`` runs
the error cases through a real ``python -m dynclient`` subprocess too.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

import pytest

import dynclient
from dynclient.cli.main import main

from . import crds

Result = Tuple[int, bytes, bytes]
GVR_NS = dynclient.GroupVersionResource("", "v1", "namespaces")
GVR_CM = dynclient.GroupVersionResource("", "v1", "configmaps")
GVR_DEPLOY = dynclient.GroupVersionResource("apps", "v1", "deployments")


def _with_columns(doc: Dict, columns: List[Dict]) -> Dict:
    for version in doc["spec"]["versions"]:
        version["additionalPrinterColumns"] = columns
    return doc


@pytest.fixture(scope="module")
def world(kubeconfig: str, tmp_path_factory) -> Dict[str, str]:
    """A namespace with ConfigMaps, a Deployment and Gizmos, and cluster-scoped Planets (no AGE columns)."""
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    dyn = dynclient.connect(kubeconfig, disk_cache=False)
    group = crds.unique_group("get")
    docs = [
        _with_columns(crds.crd(group, "Gizmo"), [
            {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
            {"name": "Color", "type": "string", "jsonPath": ".spec.color"},
        ]),
        _with_columns(crds.crd(group, "Planet", scope="Cluster"), [
            {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
        ]),
    ]
    names = crds.install_served(dyn, docs)
    ns = f"t-{uuid.uuid4().hex[:10]}"
    dyn.resource(GVR_NS).create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    cms = dyn.resource(GVR_CM).namespace(ns)
    cms.create({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "a", "labels": {"app": "web", "tier": "fe"}},
                "data": {"k": "v", "html": "<b>&</b>"}})
    cms.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}})
    dyn.resource(GVR_DEPLOY).namespace(ns).create({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]}}}})
    gizmos = dyn.resource(f"gizmos.{group}").namespace(ns)
    for name, size, color, labels in [
        ("g1", 3, "red", {"app": "web", "rank": "2"}),
        ("g2", 10000000, "blue", {"app": "db", "app.kubernetes.io/name": "gadget"}),
        ("g3", 7, None, {"rank": "10"}),
        ("g4", 3, "green", {}),
    ]:
        spec: Dict = {"size": size}
        if color:
            spec["color"] = color
        gizmos.create({"apiVersion": f"{group}/v1", "kind": "Gizmo",
                       "metadata": {"name": name, "labels": labels}, "spec": spec})
    planets = dyn.resource(f"planets.{group}")
    for name, size in [("p1", 5), ("p2", 1)]:
        planets.create({"apiVersion": f"{group}/v1", "kind": "Planet", "metadata": {"name": name},
                        "spec": {"size": size}})
    caches = tmp_path_factory.mktemp("get-caches")
    yield {"ns": ns, "g": group, "kubeconfig": kubeconfig, "kcache": str(caches / "kubectl"),
           "dcache": str(caches / "dynclient"), "tmp": str(caches)}
    for name in ("p1", "p2"):
        try:
            planets.delete(name)
        except dynclient.NotFound:
            pass
    dyn.resource(GVR_NS).delete(ns)
    crds.uninstall(dyn, names)
    dyn.close()


COMMANDS = {"get", "api-resources", "apply", "delete"}


def with_config(argv: Sequence[str], config: str, cache: str) -> List[str]:
    """The connection flags first; after an unknown command, since kubectl refuses flags before one
    ("flags cannot be placed before plugin name")."""
    flags = ["--kubeconfig", config, "--cache-dir", cache]
    unknown_command = bool(argv) and not argv[0].startswith("-") and argv[0] not in COMMANDS
    return [*argv, *flags] if unknown_command else [*flags, *argv]


def run_kubectl(world: Dict[str, str], argv: Sequence[str], *, cache: str = "", config: str = "") -> Result:
    cmd = ["kubectl", *with_config(argv, config or world["kubeconfig"], cache or world["kcache"])]
    proc = subprocess.run(cmd, capture_output=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def run_dynclient(world: Dict[str, str], argv: Sequence[str], *, cache: str = "", config: str = "") -> Result:
    """``dynclient.cli.main`` in-process, with stdout and stderr captured as bytes."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = main(with_config(argv, config or world["kubeconfig"], cache or world["dcache"]))
    finally:
        sys.stdout, sys.stderr = saved
    out.flush()
    err.flush()
    return code, out.buffer.getvalue(), err.buffer.getvalue()  # type: ignore[attr-defined]


def run_python_m(world: Dict[str, str], argv: Sequence[str], *, cache: str = "", config: str = "") -> Result:
    cmd = [sys.executable, "-m", "dynclient", *with_config(argv, config or world["kubeconfig"], cache or world["dcache"])]
    proc = subprocess.run(cmd, capture_output=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def as_dynclient(result: Result) -> Result:
    """kubectl's result with its own name in the help hints read as ours."""
    code, out, err = result
    return code, out, err.replace(b"kubectl", b"dynclient")


def expand(world: Dict[str, str], argv: Sequence[str]) -> List[str]:
    return [a.format(**world) for a in argv]


def same_as_kubectl(world: Dict[str, str], argv: Sequence[str],
                    runner: Callable[..., Result] = run_dynclient) -> Result:
    """Assert both tools give the same bytes and exit code; a difference must survive fresh discovery."""
    argv = expand(world, argv)
    for attempt in range(2):
        mine = runner(world, argv)
        theirs = as_dynclient(run_kubectl(world, argv))
        if mine == theirs:
            return mine
        for stale in (world["kcache"], world["dcache"]):  # a CRD of another test came or went in between
            shutil.rmtree(stale, ignore_errors=True)
    assert mine[0] == theirs[0], (mine, theirs)
    assert mine[2].decode() == theirs[2].decode()
    assert mine[1].decode() == theirs[1].decode()
    return mine


# -- error texts -------------------------------------------------------------------------------

ERROR_CASES = [
    ("unknown-flag", ["get", "cm", "--bogus"]),
    ("unknown-flag-with-value", ["get", "cm", "--bogus=1"]),
    ("unknown-flag-before-value", ["api-resources", "--foo=bar"]),
    ("unknown-shorthand", ["get", "cm", "-x"]),
    ("unknown-shorthand-after-bool", ["get", "cm", "-Ax"]),
    ("flag-needs-argument-short", ["get", "cm", "-o"]),
    ("flag-needs-argument-long", ["get", "cm", "--chunk-size"]),
    ("global-flag-needs-argument", ["--token"]),
    ("bad-verbosity-before-command", ["-v=abc", "get", "cm"]),
    ("verbosity-out-of-range", ["get", "cm", "-v", "99999999999"]),
    ("bad-int", ["get", "cm", "--chunk-size=x"]),
    ("int-out-of-range", ["get", "cm", "--chunk-size=99999999999999999999"]),
    ("bad-bool", ["get", "cm", "--no-headers=maybe"]),
    ("bad-bool-shorthand", ["get", "cm", "-w=x"]),
    ("unknown-command", ["zzzzzz"]),
    ("unknown-command-suggested", ["apply2"]),
    ("unknown-command-suggested-delete", ["delet"]),
    ("api-resources-has-no-A", ["api-resources", "-A"]),
    ("api-resources-has-no-all-namespaces", ["api-resources", "--all-namespaces"]),
    ("bad-label-selector", ["-n", "{ns}", "get", "cm", "-l", "a=("]),
    ("bad-label-selector-two-types", ["-n", "{ns}", "get", "cm,gizmos.{g}", "-l", "a b"]),
    ("bad-field-selector", ["-n", "{ns}", "get", "cm", "--field-selector", "a~b"]),
    ("bad-selector-json", ["-n", "{ns}", "get", "cm", "-l", "!!x", "-o", "json"]),
    ("name-with-selector", ["-n", "{ns}", "get", "cm", "a", "-l", "x"]),
    ("bad-request-timeout", ["--request-timeout=abc", "get", "cm"]),
    ("bad-request-timeout-unit", ["--request-timeout=1x", "get", "cm"]),
    ("unauthorized-warm-cache", ["--token=bogus", "-n", "{ns}", "get", "cm"]),
    ("forbidden-as-user", ["--as=nobody", "-n", "{ns}", "get", "cm"]),
    ("unknown-type", ["get", "nosuchtype"]),
    ("not-found", ["-n", "{ns}", "get", "cm", "nosuch"]),
    ("bad-output", ["-n", "{ns}", "get", "cm", "nosuch", "-o", "bogus"]),
]


@pytest.fixture(scope="module")
def warm(world) -> Dict[str, str]:
    """Both discovery caches filled, as after any earlier command."""
    for runner in (run_kubectl, run_dynclient):
        runner(world, ["api-resources", "-o", "name"])
    return world


@pytest.mark.parametrize("argv", [c[1] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES])
def test_error_texts(warm, argv):
    code, _, err = same_as_kubectl(warm, argv)
    assert code == 1 and err


def test_the_error_table_through_python_m_dynclient(warm):
    for _, argv in ERROR_CASES[:19]:  # the ones decided before any request: fast in a subprocess
        same_as_kubectl(warm, argv, runner=run_python_m)


def test_unauthorized_during_discovery_reads_as_kubectl(world, tmp_path):
    # A cold cache: the 401 comes from discovery, which client-go words with its generic text.
    argv = ["--token=bogus", "-n", world["ns"], "get", "cm"]
    mine = run_dynclient(world, argv, cache=str(tmp_path / "d"))
    theirs = run_kubectl(world, argv, cache=str(tmp_path / "k"))
    expected = b"error: You must be logged in to the server (the server has asked for the client to provide credentials)\n"
    assert mine == (1, b"", expected)
    assert theirs[0] == 1 and theirs[2].endswith(expected)


def test_api_resources_prints_its_header_before_an_unauthorized(world, tmp_path):
    argv = ["--token=bogus", "api-resources"]
    mine = run_dynclient(world, argv, cache=str(tmp_path / "d"))
    theirs = run_kubectl(world, argv, cache=str(tmp_path / "k"))
    # kubectl also logs its discovery failure as klog lines (with timestamps); the last line is the error.
    assert mine[:2] == theirs[:2] and mine[1].startswith(b"NAME ")
    assert mine[2] == theirs[2].splitlines(keepends=True)[-1]


def test_get_without_a_type_omits_the_explain_hint(warm):
    """Deliberate difference: kubectl points at "kubectl explain", which dynclient does not have."""
    mine = run_dynclient(warm, ["get"])
    theirs = as_dynclient(run_kubectl(warm, ["get"]))
    explain = (b'Use "dynclient explain <resource>" for a detailed description of that resource '
               b"(e.g. dynclient explain pods).\n")
    assert explain in theirs[2]
    assert mine == (theirs[0], theirs[1], theirs[2].replace(explain, b""))


def test_bad_output_lists_the_formats_dynclient_has(warm):
    """Deliberate difference: kubectl's list also names its Go template printers, which dynclient does not have."""
    argv = ["-n", warm["ns"], "get", "cm", "-o", "bogus"]
    mine = run_dynclient(warm, argv)
    theirs = run_kubectl(warm, argv)
    kubectl_list = b"custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json," \
                   b"jsonpath-file,name,template,templatefile,wide,yaml"
    ours = b"custom-columns,custom-columns-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,wide,yaml"
    assert kubectl_list in theirs[2]
    assert mine == (theirs[0], theirs[1], theirs[2].replace(kubectl_list, ours))


# -- global flags --------------------------------------------------------------------------------

GLOBAL_CASES = [
    ("as-user-and-groups", ["--as=nobody", "--as-group=system:masters", "-n", "{ns}", "get", "cm", "-o", "name"]),
    ("as-group-repeated", ["--as=nobody", "--as-group=x", "--as-group=system:masters", "-n", "{ns}", "get",
                           "gizmos.{g}"]),
    ("request-timeout-seconds", ["--request-timeout=5", "-n", "{ns}", "get", "cm", "-o", "name"]),
    ("request-timeout-duration", ["--request-timeout=1m", "-n", "{ns}", "get", "gizmos.{g}"]),
    ("request-timeout-zero", ["--request-timeout=0", "-n", "{ns}", "get", "gizmos.{g}", "g1"]),
]


@pytest.mark.parametrize("argv", [c[1] for c in GLOBAL_CASES], ids=[c[0] for c in GLOBAL_CASES])
def test_global_flags(warm, argv):
    code, out, _ = same_as_kubectl(warm, argv)
    assert code == 0 and out


def _token(kubeconfig: str) -> str:
    import yaml

    config = yaml.safe_load(Path(kubeconfig).read_text())
    return next(u["user"]["token"] for u in config["users"] if u["user"].get("token"))


def test_token_and_server_override_the_kubeconfig(warm, tmp_path):
    import yaml

    config = yaml.safe_load(Path(warm["kubeconfig"]).read_text())
    server = config["clusters"][0]["cluster"]["server"]
    for user in config["users"]:
        user["user"]["token"] = "not-valid"
    config["clusters"][0]["cluster"]["server"] = "https://127.0.0.1:1"
    broken = tmp_path / "broken.kubeconfig"
    broken.write_text(yaml.safe_dump(config))
    argv = ["--server", server, "--token", _token(warm["kubeconfig"]), "-n", warm["ns"], "get", "gizmos." + warm["g"]]
    mine = run_dynclient(warm, argv, config=str(broken))
    theirs = run_kubectl(warm, argv, config=str(broken))
    assert mine == theirs and mine[0] == 0 and b"g1" in mine[1]


def test_server_that_refuses(warm):
    # kubectl also logs five klog lines for the failed discovery; the final line is the error both print.
    argv = ["-s", "https://127.0.0.1:1", "get", "cm"]
    mine = run_dynclient(warm, argv, cache=warm["tmp"] + "/refused-d")
    theirs = run_kubectl(warm, argv, cache=warm["tmp"] + "/refused-k")
    line = b"The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n"
    assert mine == (1, b"", line)
    assert theirs[0] == 1 and theirs[2].endswith(line)


# -- get: forms, scopes, columns ----------------------------------------------------------------

GET_CASES = [
    ("comma-in-a-name-is-one-name", ["-n", "{ns}", "get", "cm", "a,b"]),
    ("dashdash-before-names", ["-n", "{ns}", "get", "gizmos.{g}", "--", "g1", "g2"]),
    ("dashdash-before-type", ["-n", "{ns}", "get", "--", "gizmos.{g}", "g1"]),
    ("names", ["-n", "{ns}", "get", "gizmos.{g}", "g2", "g1"]),
    ("mixed-scopes-A", ["get", "gizmos.{g},planets.{g}", "-A"]),
    ("mixed-scopes-A-cluster-first", ["get", "planets.{g},gizmos.{g}", "-A"]),
    ("cluster-scoped-A", ["get", "planets.{g}", "-A"]),
    ("show-labels", ["-n", "{ns}", "get", "gizmos.{g}", "--show-labels"]),
    ("label-columns", ["-n", "{ns}", "get", "gizmos.{g}", "-L", "app,rank", "-L", "app.kubernetes.io/name"]),
    ("label-columns-A", ["get", "gizmos.{g}", "-A", "-L", "app", "--show-labels"]),
    ("show-kind", ["-n", "{ns}", "get", "gizmos.{g}", "--show-kind"]),
    ("show-kind-no-headers", ["-n", "{ns}", "get", "gizmos.{g}", "g1", "--show-kind", "--no-headers"]),
    ("two-types-kind", ["-n", "{ns}", "get", "gizmos.{g},cm", "-o", "name"]),
    ("sort-by-int", ["-n", "{ns}", "get", "gizmos.{g}", "--sort-by=.spec.size"]),
    ("sort-by-braces", ["-n", "{ns}", "get", "gizmos.{g}", "--sort-by={{.spec.color}}"]),
    ("sort-by-quantity-strings-with-missing", ["-n", "{ns}", "get", "gizmos.{g}", "--sort-by=.metadata.labels.rank"]),
    ("sort-by-field-nobody-has", ["-n", "{ns}", "get", "gizmos.{g}", "--sort-by=.spec.nosuch"]),
    ("sort-by-name-output", ["-n", "{ns}", "get", "gizmos.{g}", "--sort-by=spec.size", "-o", "name"]),
    ("sort-by-missing-name-output", ["-n", "{ns}", "get", "gizmos.{g}", "--sort-by=.spec.nosuch", "-o", "name"]),
    ("sort-by-cluster-scoped", ["get", "planets.{g}", "--sort-by=.spec.size"]),
    ("subresource-scale", ["-n", "{ns}", "get", "deploy", "web", "--subresource=scale"]),
    ("subresource-scale-json", ["-n", "{ns}", "get", "deploy", "web", "--subresource", "scale", "-o", "json"]),
    ("subresource-status-name", ["-n", "{ns}", "get", "deploy/web", "--subresource=status", "-o", "name"]),
    ("subresource-bulk", ["-n", "{ns}", "get", "deploy", "--subresource=scale"]),
    ("subresource-unknown", ["-n", "{ns}", "get", "deploy", "web", "--subresource=nosuch"]),
    ("show-labels-with-json", ["-n", "{ns}", "get", "cm", "--show-labels", "-o", "json"]),
    ("watch-events-without-watch", ["-n", "{ns}", "get", "cm", "--output-watch-events"]),
]


@pytest.mark.parametrize("argv", [c[1] for c in GET_CASES], ids=[c[0] for c in GET_CASES])
def test_get(warm, argv):
    same_as_kubectl(warm, argv)


def test_mixed_scopes_keep_the_namespace_column(warm):
    _, out, _ = same_as_kubectl(warm, ["get", "gizmos.{g},planets.{g}", "-A"])
    tables = out.decode().split("\n\n")
    assert tables[1].splitlines()[0].split()[:2] == ["NAMESPACE", "NAME"]
    assert tables[1].splitlines()[1].startswith(" ")  # an empty NAMESPACE cell for the planet


def test_sort_by_orders_ties_and_missing_fields_as_kubectl(warm):
    _, out, _ = same_as_kubectl(warm, ["-n", "{ns}", "get", "gizmos.{g}", "--sort-by=.metadata.labels.rank",
                                       "--no-headers"])
    # Without the label: "less" than everything (g4 then g2, reversed by Go's insertion sort); "2" < "10" as quantities.
    assert [line.split()[0] for line in out.decode().splitlines()] == ["g4", "g2", "g1", "g3"]


# -- get: JSONPath and custom columns -------------------------------------------------------------

OUTPUT_CASES = [
    ("jsonpath-list-numbers-are-float64", ["get", "gizmos.{g}", "-o", "jsonpath={{.items[*].spec.size}}"]),
    ("jsonpath-one-object-keeps-ints", ["get", "gizmos.{g}", "g2", "-o", "jsonpath={{.spec.size}}"]),
    ("jsonpath-range", ["get", "gizmos.{g}",
                        "-o", 'jsonpath={{range .items[*]}}{{.metadata.name}}{{"\\t"}}{{.spec.color}}{{"\\n"}}{{end}}']),
    ("jsonpath-filter", ["get", "gizmos.{g}", "-o", 'jsonpath={{.items[?(@.spec.color=="blue")].metadata.name}}']),
    ("jsonpath-filter-exists", ["get", "gizmos.{g}", "-o", "jsonpath={{.items[?(@.spec.color)].metadata.name}}"]),
    ("jsonpath-recursive", ["get", "cm", "a", "-o", "jsonpath={{..name}}"]),
    ("jsonpath-map-as-json", ["get", "cm", "a", "-o", "jsonpath={{.data}}"]),
    ("jsonpath-escaped-key", ["get", "gizmos.{g}", "g2",
                              "-o", "jsonpath={{.metadata.labels.app\\.kubernetes\\.io/name}}"]),
    ("jsonpath-slice-union", ["get", "gizmos.{g}", "-o", "jsonpath={{.items[1:3].metadata.name}} {{.items[0,3].kind}}"]),
    ("jsonpath-managed-fields-kept", ["get", "cm", "a", "-o", "jsonpath={{.metadata.managedFields[*].operation}}"]),
    ("jsonpath-text-only", ["get", "cm", "a", "-o", "jsonpath=plain text"]),
    ("jsonpath-as-json", ["get", "gizmos.{g}", "-o", "jsonpath-as-json={{.items[*].metadata.name}}"]),
    ("jsonpath-parse-error", ["get", "cm", "-o", "jsonpath={{.items[*]"]),
    ("jsonpath-execute-error", ["get", "cm", "a", "-o", "jsonpath={{.nosuch}}", "--allow-missing-template-keys=false"]),
    ("jsonpath-index-error", ["get", "cm", "a", "-o", "jsonpath={{.metadata.managedFields[9]}}"]),
    ("jsonpath-empty", ["get", "cm", "-o", "jsonpath="]),
    ("jsonpath-sorted", ["get", "gizmos.{g}", "--sort-by=.spec.size", "-o", "jsonpath={{.items[*].metadata.name}}"]),
    ("custom-columns", ["get", "gizmos.{g}", "-o", "custom-columns=NAME:.metadata.name,SIZE:spec.size,C:{{.spec.color}}"]),
    ("custom-columns-maps-and-lists", ["get", "cm", "-o", "custom-columns=N:.metadata.name,L:.metadata.labels,D:.data"]),
    ("custom-columns-several-values", ["get", "gizmos.{g}", "-o", "custom-columns=ALL:.items"]),
    ("custom-columns-no-headers", ["get", "gizmos.{g}", "--no-headers", "-o", "custom-columns=N:.metadata.name"]),
    ("custom-columns-one-object", ["get", "gizmos.{g}", "g2", "-o", "custom-columns=N:.metadata.name,S:.spec.size"]),
    ("custom-columns-sorted", ["get", "gizmos.{g}", "--sort-by=.spec.color", "-o", "custom-columns=N:.metadata.name"]),
    ("custom-columns-empty", ["get", "cm", "-o", "custom-columns="]),
    ("custom-columns-no-colon", ["get", "cm", "-o", "custom-columns=NAME"]),
    ("custom-columns-bad-path", ["get", "cm", "-o", "custom-columns=A:.metadata.name,B:{{.x"]),
    ("custom-columns-two-templates", ["get", "cm", "-o", "custom-columns=A:{{.a}}{{.b}}"]),
    ("custom-columns-missing-file", ["get", "cm", "-o", "custom-columns-file=/nonexistent/cols"]),
    ("jsonpath-missing-file", ["get", "cm", "-o", "jsonpath-file=/nonexistent/tmpl"]),
]


@pytest.mark.parametrize("argv", [c[1] for c in OUTPUT_CASES], ids=[c[0] for c in OUTPUT_CASES])
def test_jsonpath_and_custom_columns(warm, argv):
    same_as_kubectl(warm, ["-n", "{ns}", *argv])


def test_template_files(warm, tmp_path):
    columns = tmp_path / "cols.txt"
    columns.write_text("NAME      SIZE\n.metadata.name   {.spec.size}\n")
    template = tmp_path / "tmpl.txt"
    template.write_text('{range .items[*]}{.metadata.name}={.spec.size}{"\\n"}{end}')
    for argv in (["-o", f"custom-columns-file={columns}"], ["-o", f"jsonpath-file={template}"]):
        code, out, _ = same_as_kubectl(warm, ["-n", "{ns}", "get", "gizmos.{g}", *argv])
        assert code == 0 and b"g2" in out


def test_jsonpath_numbers_are_kubectls(warm):
    _, out, _ = same_as_kubectl(warm, ["-n", "{ns}", "get", "gizmos.{g}", "-o", "jsonpath={{.items[*].spec.size}}"])
    assert out == b"3 10000000 7 3"  # the List's unstructured content: integers stay int64


# -- get --raw --------------------------------------------------------------------------------------

RAW_CASES = [
    ("object", ["get", "--raw", "/api/v1/namespaces/{ns}/configmaps/a"]),
    ("query", ["get", "--raw=/apis/{g}/v1/planets?limit=1"]),
    ("not-found", ["get", "--raw", "/api/v1/namespaces/{ns}/configmaps/nosuch"]),
    ("not-a-path", ["get", "--raw", "api"]),
    ("no-scheme", ["get", "--raw", "://x"]),
    ("with-arguments", ["get", "--raw", "/api", "cm"]),
    ("with-output", ["get", "--raw", "/api", "-o", "json"]),
    ("with-selector", ["get", "--raw", "/api", "-l", "a=b"]),
    ("unauthorized-is-the-servers-text", ["--token=bogus", "get", "--raw", "/api"]),
]


@pytest.mark.parametrize("argv", [c[1] for c in RAW_CASES], ids=[c[0] for c in RAW_CASES])
def test_raw(warm, argv):
    same_as_kubectl(warm, argv)


# -- request lines and -v -------------------------------------------------------------------------

_REQUEST = re.compile(rb"\] (GET https://\S+) (\d+ [A-Za-z ]+?) in \d+ milliseconds$", re.M)


def request_lines(stderr: bytes) -> List[bytes]:
    """The ``-v=6`` request lines without timestamps and timings, discovery left out."""
    lines = []
    for m in _REQUEST.finditer(stderr):
        url = m.group(1)
        if re.search(rb"https://[^/]+/(api|apis)(/[^/?]+){0,2}(\?|$)", url) or url.endswith(b"/version"):
            continue
        lines.append(re.sub(rb"continue=[^&]+", b"continue=TOKEN", url) + b" " + m.group(2))
    return lines


@pytest.mark.parametrize("argv", [
    ["-n", "{ns}", "get", "gizmos.{g}", "-v=6"],
    ["-n", "{ns}", "get", "gizmos.{g}", "--chunk-size=2", "-v=6"],
    ["-n", "{ns}", "get", "gizmos.{g}", "--chunk-size=0", "-v=6"],
    ["-n", "{ns}", "get", "gizmos.{g}", "--chunk-size=3", "-l", "app", "--field-selector", "metadata.name!=x", "-v=6"],
    ["-n", "{ns}", "get", "gizmos.{g}", "--chunk-size=1", "--sort-by=.spec.size", "-v=6"],
    ["-n", "{ns}", "get", "gizmos.{g}", "--chunk-size=1", "-o", "name", "-v=6"],
    ["--request-timeout=1m30s", "-n", "{ns}", "get", "gizmos.{g}", "--chunk-size=2", "-v=6"],
    ["-n", "{ns}", "get", "gizmos.{g}", "g1", "g2", "-v=6"],
], ids=["default-500", "chunks-of-2", "chunking-off", "selectors", "sort-by-reads-whole", "name-output",
        "request-timeout", "names"])
def test_request_lines_match_kubectls(warm, argv):
    argv = expand(warm, argv)
    mine = run_dynclient(warm, argv)
    theirs = run_kubectl(warm, argv)
    assert mine[0] == theirs[0] == 0 and mine[1] == theirs[1]
    assert request_lines(mine[2]) == request_lines(theirs[2]) != []


@pytest.mark.parametrize("verbosity", [6, 7, 8, 9, 10])
def test_a_bearer_token_never_reaches_the_log(warm, verbosity):
    token = _token(warm["kubeconfig"]).encode()
    for argv in (["-n", warm["ns"], "get", "cm", "a"], ["get", "--raw", "/api"],
                 ["--token", token.decode(), "-n", warm["ns"], "get", "cm", "-o", "name"]):
        code, out, err = run_dynclient(warm, [f"-v={verbosity}", *argv])
        assert code == 0
        assert token not in err and token not in out


def test_v8_shows_response_bodies_as_kubectl_does(warm):
    argv = ["-n", warm["ns"], "get", "cm", "a", "-o", "name", "-v=8"]
    mine, theirs = run_dynclient(warm, argv), run_kubectl(warm, argv)

    def bodies(stderr: bytes) -> List[bytes]:
        # A quoted body on one line, or klog's "body=<" block of tab-indented lines closed by " >".
        found = re.finditer(rb'"Response Body" body=("[^\n]*"$|<\n(?:\t[^\n]*\n)*? >$)', stderr, re.M)
        return [m.group(1) for m in found if b'"kind' in m.group(1) and b'ConfigMap' in m.group(1)]

    assert mine[1] == theirs[1]
    ours = bodies(mine[2])
    assert ours and ours[-1] == bodies(theirs[2])[-1]


# -- get -w ------------------------------------------------------------------------------------------

def _watch(runner: Callable[..., Result], world: Dict[str, str], argv: Sequence[str], changes: Callable[[], None],
           settle: float = 1.5) -> Result:
    """Run a watch in the background; make ``changes`` once it is listening; stop it with the server's timeout."""
    results: List[Result] = []
    thread = threading.Thread(target=lambda: results.append(runner(world, argv)))
    thread.start()
    time.sleep(settle)
    changes()
    thread.join(timeout=60)
    assert results, "the watch did not end"
    return results[0]


def _kubectl_watch(world: Dict[str, str], argv: Sequence[str]) -> Result:
    return as_dynclient(run_kubectl(world, argv))


@pytest.mark.parametrize("extra", [
    ["-o", "name"],
    ["--watch-only", "-o", "name"],
    ["--output-watch-events", "-o", "jsonpath={{.type}} {{.object.metadata.name}} {{.object.spec.size}}{{\"\\n\"}}"],
    ["--output-watch-events", "-o", "custom-columns=T:.type,N:.object.metadata.name"],
    [],
    ["--output-watch-events", "--show-labels"],
    ["-A", "--no-headers"],
], ids=["name", "watch-only", "events-jsonpath", "events-custom-columns", "table", "events-table", "all-namespaces"])
def test_watch_like_kubectl(warm, kubeconfig, extra):
    dyn = dynclient.connect(kubeconfig, disk_cache=False)
    gizmos = dyn.resource(f"gizmos.{warm['g']}").namespace(warm["ns"])
    # --request-timeout bounds the watch as the server's end of it would.
    argv = expand(warm, ["--request-timeout=4s", "-n", "{ns}", "get", "gizmos.{g}", "-w", *extra])
    if "--watch-only" in extra:
        argv.remove("-w")

    def changes() -> None:
        name = f"w{uuid.uuid4().hex[:6]}"
        gizmos.create({"apiVersion": f"{warm['g']}/v1", "kind": "Gizmo", "metadata": {"name": name},
                       "spec": {"size": 1}})
        gizmos.patch(name, {"spec": {"size": 2}})
        gizmos.delete(name)
        changes.names.append(name)  # type: ignore[attr-defined]

    changes.names = []  # type: ignore[attr-defined]
    mine = _watch(run_dynclient, warm, argv, changes)
    theirs = _watch(_kubectl_watch, warm, argv, changes)
    ours_name, their_name = changes.names  # type: ignore[attr-defined]
    try:
        assert mine[0] == theirs[0]
        assert mine[1].replace(ours_name.encode(), b"NEW") == theirs[1].replace(their_name.encode(), b"NEW")
        assert mine[1].count(ours_name.encode()) == 3  # ADDED, MODIFIED, DELETED
    finally:
        dyn.close()
