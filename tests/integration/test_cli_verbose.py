"""``-v=8`` bodies and ``--request-timeout``'s ``?timeout=``, for every command, beside kubectl on the same server.

kubectl 1.32 (client-go's ``logBody``) logs a "Request Body" line for every
request (``body=""`` when it has none) and a "Response Body" line for every
reply it reads whole: discovery, gets, writes, error replies; a watch stream
has none. Lines are compared as far as they are comparable: timestamps,
pids and the caller's file:line differ by nature; the bodies are decoded
from klog's quoting, and JSON bodies compared as JSON with the server's
per-object values (uid, resourceVersion, times) masked, because each tool
makes its own object. Request bodies are compared as JSON too: the two
tools encode the same object with keys in another order. kubectl also
fetches OpenAPI documents that dynclient never asks for; those bodies are
left out. Discovery replies come in another order (dynclient asks for
``/api`` and ``/apis`` at once), so they are compared as a multiset.
"""

from __future__ import annotations

import ast
import io
import json
import re
import shutil
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import pytest
import yaml

import dynclient
from dynclient.cli.main import main

Result = Tuple[int, bytes, bytes]
GVR_NS = dynclient.GroupVersionResource("", "v1", "namespaces")
GVR_CM = dynclient.GroupVersionResource("", "v1", "configmaps")

_BODY = re.compile(rb'\] "(Request|Response) Body" body=("[^\n]*"$|<\n(?:\t[^\n]*\n)*? >$)', re.M)
#: dynclient's request line: -v=6/-v=9 ("GET url 200 OK in 3 milliseconds") and -v=7/-v=8 ("GET url" alone).
_OURS = re.compile(rb"(?:transport|requestlog)\.py:\d+\] (GET|POST|PUT|PATCH|DELETE) (https://\S+)"
                   rb"(?: (?:\d+ [A-Za-z ]+?|\w+) in \d+ milliseconds)?$", re.M)
#: kubectl's request lines: -v=6/-v=9 ("GET url 200 OK in 3 milliseconds") and -v=7/-v=8 ("GET url" alone).
_THEIRS = re.compile(rb"round_trippers\.go:\d+\] (GET|POST|PUT|PATCH|DELETE) (https://\S+)", re.M)
_DISCOVERY_KINDS = ("APIGroupDiscoveryList", "APIResourceList", "APIGroupList", "APIVersions")
#: Per object (each tool makes its own) or per tool (each names itself as the field manager).
_VOLATILE = ("uid", "resourceVersion", "creationTimestamp", "time", "deletionTimestamp", "manager")
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture(scope="module")
def world(kubeconfig: str, tmp_path_factory) -> Iterator[Dict[str, Any]]:
    """A namespace of its own with one ConfigMap, and a discovery cache directory per tool."""
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    dyn = dynclient.connect(kubeconfig, disk_cache=False)
    ns = f"vb-{uuid.uuid4().hex[:10]}"
    dyn.resource(GVR_NS).create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    cms = dyn.resource(GVR_CM).namespace(ns)
    cms.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "v\nw"}})
    tmp = tmp_path_factory.mktemp("verbose")
    manifest = tmp / "new.yaml"
    manifest.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "ConfigMap",
                                        "metadata": {"name": "new", "namespace": ns}, "data": {"x": "1"}}))
    yield {"ns": ns, "kubeconfig": kubeconfig, "tmp": tmp, "manifest": str(manifest), "cms": cms}
    dyn.resource(GVR_NS).delete(ns)
    dyn.close()


def _run_kubectl(world: Dict[str, Any], argv: Sequence[str], cache: str) -> Result:
    proc = subprocess.run(["kubectl", "--kubeconfig", world["kubeconfig"], "--cache-dir", cache, *argv],
                          capture_output=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def _run_dynclient(world: Dict[str, Any], argv: Sequence[str], cache: str) -> Result:
    """``dynclient.cli.main`` in-process, stdout and stderr captured as bytes."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = main(["--kubeconfig", world["kubeconfig"], "--cache-dir", cache, *argv])
    finally:
        sys.stdout, sys.stderr = saved
    return code, out.buffer.getvalue(), err.buffer.getvalue()  # type: ignore[attr-defined]


def _klog_value(value: bytes) -> str:
    """The string klog wrote: Go's %q (Python's literal syntax for these escapes) or a ``<`` block."""
    text = value.decode("utf-8", "replace")
    if text.startswith('"'):
        return ast.literal_eval(text)
    return "".join(line[1:] + "\n" for line in text.split("\n")[1:-1])


def bodies(stderr: bytes) -> List[Tuple[str, str]]:
    return [(m.group(1).decode(), _klog_value(m.group(2))) for m in _BODY.finditer(stderr)]


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get("kind") == "DeleteOptions":
            # dynclient's DeleteOptions carry their TypeMeta, kubectl's do not: a difference of cli/delete.py's
            # request, not of its logging (reported to its owner).
            value = {k: v for k, v in value.items() if k not in ("kind", "apiVersion")}
        return {k: "<masked>" if k in _VOLATILE else _mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v) for v in value]
    return value


def _canonical(text: str, counts: bool = False) -> str:
    """A body as JSON with the per-object values masked, or (cut short, no JSON) the text with them masked.

    The count of bytes cut off is masked too unless ``counts``: other tests' CRDs come and go from
    discovery, and a resourceVersion in the part cut off may gain a digit between the two runs.
    """
    try:
        return json.dumps(_mask(json.loads(text)), sort_keys=True)
    except ValueError:
        text = re.sub(r'"(uid|resourceVersion|manager)":"[^"]*"', r'"\1":"<masked>"', text)
        text = _TIMESTAMP.sub("<time>", text)
        return text if counts else re.sub(r" \[truncated \d+ chars\]$", " [truncated N chars]", text)


def _is_openapi(text: str) -> bool:
    return text.startswith(('{"paths":', '{"openapi":', '{"swagger":'))


def _is_discovery(text: str) -> bool:
    return any(f'"kind":"{kind}"' in text[:80] for kind in _DISCOVERY_KINDS) or text.startswith('{\n  "major"')


def comparable(stderr: bytes) -> Dict[str, Any]:
    """What two -v=8 logs must share: request bodies that are not empty, discovery replies, the other replies."""
    found = bodies(stderr)
    replies = [_canonical(t) for what, t in found if what == "Response" and not _is_openapi(t)]
    return {
        "sent": [_canonical(t) for what, t in found if what == "Request" and t],
        "discovery": Counter(r for r in replies if _is_discovery(r)),
        "replies": [r for r in replies if not _is_discovery(r)],
    }


def _our_requests(stderr: bytes) -> List[Tuple[bytes, bytes]]:
    return [(m.group(1), m.group(2)) for m in _OURS.finditer(stderr)]


def _reset_new(world: Dict[str, Any]) -> None:
    try:
        world["cms"].delete("new")
    except dynclient.NotFound:
        pass


def _reset_a(world: Dict[str, Any]) -> None:
    """ConfigMap ``a`` as the fixture made it (the write cases change or delete it)."""
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "v\nw"}}
    try:
        world["cms"].delete("a")
    except dynclient.NotFound:
        pass
    world["cms"].create(obj)


def _both(world: Dict[str, Any], argv: Sequence[str], tmp_path: Path,
          reset: Optional[Callable[[Dict[str, Any]], None]]) -> Tuple[Result, Result]:
    """kubectl's result, then ours, each from the same state (``reset``), which is left as found for the next test."""
    try:
        if reset:
            reset(world)
        theirs = _run_kubectl(world, argv, str(tmp_path / "k"))
        if reset:
            reset(world)
        return theirs, _run_dynclient(world, argv, str(tmp_path / "d"))
    finally:
        if reset:
            reset(world)


# (id, argv, reset before each tool's run, expected exit code, same discovery requests as kubectl).
# From manifests dynclient looks up the one group-version (/api/v1) where kubectl reads /api and /apis:
# their discovery bodies differ because the requests do (the manifests' business, not the log's).
CASES: List[Tuple[str, List[str], Optional[Callable[[Dict[str, Any]], None]], int, bool]] = [
    ("get-table", ["-n", "{ns}", "get", "cm"], None, 0, True),
    ("get-name-json", ["-n", "{ns}", "get", "cm", "a", "-o", "json"], None, 0, True),
    ("get-not-found", ["-n", "{ns}", "get", "cm", "nosuch", "-o", "name"], None, 1, True),
    ("get-not-found-table", ["-n", "{ns}", "get", "cm", "nosuch"], None, 1, True),
    ("api-resources", ["api-resources", "-o", "name"], None, 0, True),
    ("api-versions", ["api-versions"], None, 0, True),
    ("create", ["create", "-f", "{manifest}"], _reset_new, 0, False),
    ("apply-server-side", ["apply", "--server-side", "-f", "{manifest}"], _reset_new, 0, False),
    ("label", ["-n", "{ns}", "label", "cm", "a", "x=y"], _reset_a, 0, True),
    ("annotate", ["-n", "{ns}", "annotate", "cm", "a", "x=y"], _reset_a, 0, True),
    ("patch-merge", ["-n", "{ns}", "patch", "cm", "a", "--type=merge", "-p", '{{"data":{{"k":"z"}}}}'], _reset_a, 0,
     True),
    ("delete", ["-n", "{ns}", "delete", "cm", "a", "--wait=false"], _reset_a, 0, True),
]


@pytest.mark.parametrize("argv,reset,code,same_discovery", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_v8_logs_the_bodies_kubectl_logs(world, argv, reset, code, same_discovery, tmp_path):
    # Cold discovery caches: discovery's requests and bodies are part of what is compared.
    argv = [a.format(**world) for a in argv] + ["-v=8"]
    theirs, mine = _both(world, argv, tmp_path, reset)
    assert mine[0] == theirs[0] == code, (mine[2][-2000:], theirs[2][-2000:])
    ours, kubectls = comparable(mine[2]), comparable(theirs[2])
    assert ours["replies"] == kubectls["replies"]
    assert ours["sent"] == kubectls["sent"]
    if same_discovery:
        assert ours["discovery"] == kubectls["discovery"]
    assert ours["discovery"]  # a cold cache: discovery's replies are logged too
    # And every request of ours logged its body going out, every reply read whole its body coming back.
    requests = _our_requests(mine[2])
    found = bodies(mine[2])
    assert requests and sum(1 for what, _ in found if what == "Request") == len(requests)
    assert sum(1 for what, _ in found if what == "Response") == len(requests)


@pytest.mark.parametrize("verbosity,limit", [(8, 1024), (9, 10240), (10, None)], ids=["v8", "v9", "v10"])
def test_bodies_are_cut_where_kubectls_are(world, tmp_path, verbosity, limit):
    # A ConfigMap of 30,000 bytes: cut at 1024 at -v=8, at 10240 at -v=9, whole at -v=10.
    world["cms"].create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"big{verbosity}"},
                         "data": {"k": "é" * 15000}})
    argv = ["-n", world["ns"], "get", "cm", f"big{verbosity}", "-o", "name", f"-v={verbosity}"]
    mine = _run_dynclient(world, argv, str(tmp_path / "d"))
    theirs = _run_kubectl(world, argv, str(tmp_path / "k"))

    def big(stderr: bytes) -> List[str]:
        return [_canonical(t, counts=True) for what, t in bodies(stderr) if what == "Response" and "big" in t]

    assert mine[0] == theirs[0] == 0
    assert big(mine[2]) == big(theirs[2]) and len(big(mine[2])) == 1
    text = [t for what, t in bodies(mine[2]) if what == "Response" and "big" in t][0]
    if limit is None:
        assert json.loads(text)["data"]["k"] == "é" * 15000
    else:
        assert re.search(r" \[truncated \d+ chars\]$", text)


def test_a_watch_stream_has_no_response_body(world, tmp_path):
    # The list before the watch has its body logged; the stream after it has none, in both tools.
    argv = ["--request-timeout=2s", "-n", world["ns"], "get", "cm", "-w", "-o", "name", "-v=8"]
    mine = _run_dynclient(world, argv, str(tmp_path / "d"))
    theirs = _run_kubectl(world, argv, str(tmp_path / "k"))
    assert mine[0] == theirs[0] == 0
    assert comparable(mine[2])["replies"] == comparable(theirs[2])["replies"]
    watches = [url for _, url in _our_requests(mine[2]) if b"watch=true" in url]
    found = bodies(mine[2])
    assert len(watches) == 1
    assert sum(1 for what, _ in found if what == "Request") == len(_our_requests(mine[2]))
    assert sum(1 for what, _ in found if what == "Response") == len(_our_requests(mine[2])) - 1


@pytest.mark.parametrize("path", ["/api/v1/namespaces/{ns}/configmaps/a", "/api/v1/namespaces/{ns}/configmaps/nosuch"],
                         ids=["found", "not-found"])
def test_get_raw_logs_what_kubectl_logs(world, tmp_path, path):
    # kubectl's rawhttp streams the reply to stdout (Request.Stream): no "Response Body" for a 2xx,
    # the Status body for an error reply (read whole to make the error).
    argv = ["get", "--raw", path.format(**world), "-v=8"]
    mine = _run_dynclient(world, argv, str(tmp_path / "d"))
    theirs = _run_kubectl(world, argv, str(tmp_path / "k"))
    assert mine[0] == theirs[0] and mine[1] == theirs[1]
    assert comparable(mine[2]) == comparable(theirs[2])


def test_binary_bodies_are_dumped_as_kubectl_dumps_them(world, tmp_path):
    # kubectl's can-i speaks protobuf: client-go logs hex.Dump of it. Our rendering of the same bytes
    # (read back from kubectl's dump) must be kubectl's text; dynclient itself speaks JSON only.
    from dynclient.cli.debuglog import body_text, klog_bytes

    theirs = _run_kubectl(world, ["-n", world["ns"], "auth", "can-i", "get", "configmaps", "-v=8"],
                          str(tmp_path / "k"))
    dumps = [m.group(2).decode() for m in _BODY.finditer(theirs[2]) if m.group(2).startswith(b"<\n\t00000000  ")]
    whole = [d for d in dumps if "[truncated" not in d]
    assert whole, theirs[2][-3000:]
    for dump in whole:
        data = bytes.fromhex("".join(line[11:59] for line in dump.split("\n")[1:-1]))
        assert klog_bytes(body_text(data, 8)) == dump


_KLOG = re.compile(rb"^[IWEF]\d{4} [\d:.]+ +\d+ ([\w.]+):\d+\] (.*)$", re.M)
#: kubectl's files that write request lines and bodies, and ours.
_REQUEST_FILES = {b"round_trippers.go", b"helper.go", b"request.go", b"transport.py", b"requestlog.py",
                  b"debuglog.py"}
#: Values that differ by nature: the client's name, and the server's per-reply ids and clock.
_OWN_VALUES = {"User-Agent", "Audit-Id", "Date", "X-Kubernetes-Pf-Flowschema-Uid", "X-Kubernetes-Pf-Prioritylevel-Uid"}


def request_log_shape(stderr: bytes) -> List[Any]:
    """The request lines in order, timings masked; a header block as a set (Go writes a map: any order)."""
    shape: List[Any] = []
    block: Optional[set] = None
    for m in _KLOG.finditer(stderr):
        if m.group(1) not in _REQUEST_FILES or m.group(2).startswith(b"HTTP Statistics:"):
            continue  # kubectl's connection timings (-v=9) have no counterpart in dynclient
        text = re.sub(r"in \d+ milliseconds", "in N milliseconds", m.group(2).decode())
        if text.startswith("    ") and block is not None:
            name, _, value = text[4:].partition(": ")
            block.add((name, "<own>" if name in _OWN_VALUES else value))
            continue
        if text.startswith("curl -v"):  # its -H flags are a header block too
            flags = re.findall(r' -H "([^"]*)"', text)
            text = re.sub(r'( -H "[^"]*")+', " HEADERS", text)
            shape.append(text)
            shape.append({(n, "<own>" if n in _OWN_VALUES else v) for n, _, v in (f.partition(": ") for f in flags)})
            continue
        block = set() if text in ("Request Headers:", "Response Headers:") else None
        shape.append(text if not text.startswith('"Response Body"') else '"Response Body"')
        if block is not None:
            shape.append(block)
    return shape


@pytest.mark.parametrize("verbosity", [6, 7, 8, 9])
def test_request_lines_and_headers_as_kubectls(world, tmp_path, verbosity):
    # One request, discovery cached: the lines, their order and the headers (names; values but the
    # per-reply and per-client ones) as kubectl writes them at each level. The credential is masked alike.
    argv = ["-n", world["ns"], "get", "cm", "a", "-o", "name"]
    for cache in ("d", "k"):
        (_run_dynclient if cache == "d" else _run_kubectl)(world, argv, str(tmp_path / cache))
    mine = _run_dynclient(world, [*argv, f"-v={verbosity}"], str(tmp_path / "d"))
    theirs = _run_kubectl(world, [*argv, f"-v={verbosity}"], str(tmp_path / "k"))
    assert mine[0] == theirs[0] == 0 and mine[1] == theirs[1]
    shape = request_log_shape(mine[2])
    assert shape == request_log_shape(theirs[2]) and shape
    if verbosity >= 7:
        assert any(isinstance(x, set) and ("Authorization", "Bearer <masked>") in x for x in shape)


def _token(kubeconfig: str) -> str:
    config = yaml.safe_load(Path(kubeconfig).read_text())
    return next(u["user"]["token"] for u in config["users"] if u["user"].get("token"))


@pytest.mark.parametrize("verbosity", [8, 9, 10])
def test_the_bearer_token_never_reaches_the_log(world, tmp_path, verbosity):
    token = _token(world["kubeconfig"])
    # The token inside an object's body too: the one place where we mask what kubectl would print.
    world["cms"].create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"tok{verbosity}"},
                         "data": {"t": token}})
    for argv in (["-n", world["ns"], "get", "cm", f"tok{verbosity}", "-o", "name"],
                 ["--token", token, "-n", world["ns"], "get", "cm", "-o", "name"],
                 ["api-resources", "-o", "name"]):
        code, out, err = _run_dynclient(world, [f"-v={verbosity}", *argv], str(tmp_path / "d"))
        assert code == 0
        assert token.encode() not in err
        assert b'"Response Body"' in err


# -- --request-timeout: ?timeout= on every request, discovery's 32s otherwise --------------------------------

def _timeouts(stderr: bytes, pattern: "re.Pattern[bytes]") -> Dict[Tuple[bytes, bytes], List[Optional[bytes]]]:
    """Each request's method and path, with the ``timeout`` values its query carried (None: none)."""
    found: Dict[Tuple[bytes, bytes], List[Optional[bytes]]] = {}
    for m in pattern.finditer(stderr):
        path, _, query = m.group(2).partition(b"?")
        values = [p.partition(b"=")[2] for p in query.split(b"&") if p.startswith(b"timeout=")]
        assert len(values) <= 1, m.group(0)
        found.setdefault((m.group(1), path), []).append(values[0] if values else None)
    return found


TIMEOUT_CASES = [
    ("get", ["-n", "{ns}", "get", "cm", "-o", "name"], None),
    ("get-raw", ["get", "--raw", "/api/v1/namespaces/{ns}/configmaps?limit=1"], None),
    ("api-resources", ["api-resources", "-o", "name"], None),
    ("version", ["version", "-o", "json"], None),
    ("create", ["create", "-f", "{manifest}"], _reset_new),
    ("apply-server-side", ["apply", "--server-side", "-f", "{manifest}"], _reset_new),
    ("label", ["-n", "{ns}", "label", "cm", "a", "x=y"], _reset_a),
    ("delete", ["-n", "{ns}", "delete", "cm", "a", "--wait=false"], _reset_a),
    ("auth-can-i", ["-n", "{ns}", "auth", "can-i", "get", "configmaps"], None),
]


@pytest.mark.parametrize("timeout,sent", [(None, None), ("5s", b"5s"), ("90", b"1m30s")],
                         ids=["no-timeout", "5s", "bare-seconds"])
@pytest.mark.parametrize("argv,reset", [c[1:] for c in TIMEOUT_CASES], ids=[c[0] for c in TIMEOUT_CASES])
def test_requests_carry_kubectls_timeout(world, tmp_path, argv, reset, timeout, sent):
    # kubectl -v=6 is the oracle: with --request-timeout every request carries ?timeout=<Go duration>,
    # discovery's too; without it only discovery's do, with 32s. Compared on the requests both tools make
    # (kubectl alone reads OpenAPI, and its can-i a legacy /api/v1 list; dynclient's apply sends no force=false):
    # the query's other parameters are other commands' business.
    argv = (["--request-timeout", timeout] if timeout else []) + [a.format(**world) for a in argv] + ["-v=6"]
    theirs, mine = _both(world, argv, tmp_path, reset)
    assert mine[0] == theirs[0] == 0, (mine[2][-1500:], theirs[2][-1500:])
    ours, kubectls = _timeouts(mine[2], _OURS), _timeouts(theirs[2], _THEIRS)
    both = set(ours) & set(kubectls)
    assert both and {key: ours[key] for key in both} == {key: kubectls[key] for key in both}
    for (method, path), values in ours.items():  # and ours alone: the same rule
        discovery = re.fullmatch(rb"https://[^/]+(/api|/apis(/[^/]+/[^/]+)?|/api/v1|/version)", path)
        assert values == [sent or (b"32s" if discovery else None)] * len(values), (method, path)
