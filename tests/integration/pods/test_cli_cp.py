"""``dynclient cp`` against ``kubectl cp`` on the harness's full cluster: stdout, stderr and exit code byte for
byte, and the trees both leave.

Each tool gets its own namespace holding the same pods (``p``, ``multi`` with containers ``a`` and ``b``, and
``done``, which has completed)
and its own working directory holding the same local tree, so every path in a message is the same for both;
the namespace names and the pods' scratch directories (absolute paths) are the only words normalized.
kubectl's klog lines (``E1203 ... websocket.go:296] Unknown stream id 1``, a timing artefact) are left out
of its stderr.

Under load, dynclient can lose the end of a stream kubectl still reads: when the container's tar fails while
stdin is still being sent, the server closes with our bytes unread, the kernel resets the connection and
drops the status frame before the exec reader takes it (``the stream broke before the command ended``).
The case that fails early therefore sends one small file.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple, Sequence, Tuple

import pytest

from .test_copy import local_tree, make_tree, remote_tree

KLOG = re.compile(rb"^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ [^ ]+:\d+\] .*\n", re.M)


class Twin(NamedTuple):
    tool: str
    namespace: str
    home: str  # the pod p's scratch directory (multi's is another)


def _kubectl(kubeconfig: str, *args: str, input: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run(["kubectl", "--kubeconfig", kubeconfig, *args], capture_output=True, timeout=180,
                          input=input)


POD_YAML = """
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: {ns}, annotations: {{{annotations}}}}}
spec:
  terminationGracePeriodSeconds: 0
  restartPolicy: {restart}
  containers: [{containers}]
"""


def pod_yaml(name: str, ns: str, containers: str, annotations: str = "", restart: str = "Always") -> str:
    return POD_YAML.format(name=name, ns=ns, containers=containers, annotations=annotations, restart=restart)


@pytest.fixture(scope="module")
def twins(kubeconfig: str) -> Iterator[Dict[str, Twin]]:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    made: Dict[str, Twin] = {}
    names = {tool: f"cp-{tool}-{uuid.uuid4().hex[:8]}" for tool in ("kubectl", "dynclient")}
    try:
        for tool, ns in names.items():
            assert _kubectl(kubeconfig, "create", "namespace", ns).returncode == 0
        for ns in names.values():
            deadline = time.monotonic() + 60
            while _kubectl(kubeconfig, "-n", ns, "get", "serviceaccount", "default").returncode != 0:
                assert time.monotonic() < deadline, "no default service account"
                time.sleep(0.2)
            one = "{name: main, image: harness/fake}"
            pods = pod_yaml("p", ns, one)
            pods += "---" + pod_yaml("multi", ns, "{name: a, image: harness/fake}, {name: b, image: harness/fake}")
            pods += "---" + pod_yaml("done", ns, one, '"harness.dynclient.test/exit-code": "0"', "Never")
            assert _kubectl(kubeconfig, "apply", "-f", "-", input=pods.encode()).returncode == 0
        for tool, ns in names.items():
            for pod, phase in (("p", "Running"), ("multi", "Running"), ("done", "Succeeded")):
                proc = _kubectl(kubeconfig, "-n", ns, "wait", f"--for=jsonpath={{.status.phase}}={phase}",
                                f"pod/{pod}", "--timeout=60s")
                assert proc.returncode == 0, proc.stderr
            home = _kubectl(kubeconfig, "-n", ns, "exec", "p", "--", "pwd").stdout.decode().strip()
            made[tool] = Twin(tool, ns, home)
        yield made
    finally:
        for ns in names.values():
            _kubectl(kubeconfig, "delete", "namespace", ns, "--wait=false")


class Run(NamedTuple):
    code: int
    stdout: bytes
    stderr: bytes


@pytest.fixture
def both(kubeconfig: str, twins: Dict[str, Twin], tmp_path: Path):
    """``both(args)``: run ``cp ARGS`` with each tool in its namespace and directory; normalized results."""
    dirs = {}
    for tool in twins:
        d = tmp_path / tool
        make_tree(d / "src")
        (d / "src" / "link").symlink_to("with space.txt")
        (d / "src" / "abs").symlink_to("/etc/passwd")
        dirs[tool] = d

    def words(twin: Twin, text: str) -> str:
        return text.replace("{ns}", twin.namespace).replace("{home}", twin.home)

    def normal(twin: Twin, data: bytes) -> bytes:
        data = data.replace(twin.home.encode(), b"HOME").replace(twin.namespace.encode(), b"NS")
        return data.replace(str(dirs[twin.tool]).encode(), b"CWD")

    def run(args: Sequence[str]) -> Tuple[Run, Run]:
        out: List[Run] = []
        for tool, twin in twins.items():
            argv = [words(twin, a) for a in args]
            head = ["kubectl"] if tool == "kubectl" else [sys.executable, "-m", "dynclient"]
            proc = subprocess.run([*head, "--kubeconfig", kubeconfig, "-n", twin.namespace, *argv],
                                  capture_output=True, timeout=180, cwd=dirs[tool])
            out.append(Run(proc.returncode, normal(twin, proc.stdout), normal(twin, KLOG.sub(b"", proc.stderr))))
        return out[0], out[1]

    run.dirs = dirs  # type: ignore[attr-defined]
    return run


@pytest.fixture(scope="module")
def seeded(kubeconfig: str, twins: Dict[str, Twin], tmp_path_factory: pytest.TempPathFactory) -> str:
    """``seed``: the same tree (with its two symlinks) in pods p and multi of both namespaces, put there by
    kubectl once for every test that only reads it."""
    src = make_tree(tmp_path_factory.mktemp("seed") / "src")
    (src / "link").symlink_to("with space.txt")
    (src / "abs").symlink_to("/etc/passwd")
    for twin in twins.values():
        for pod in ("p", "multi"):
            proc = _kubectl(kubeconfig, "-n", twin.namespace, "cp", str(src), f"{pod}:seed")
            assert proc.returncode == 0, proc.stderr
    return "seed"


def mkdir(kubeconfig: str, twins: Dict[str, Twin], remote: str, pod: str = "p") -> None:
    for twin in twins.values():
        assert _kubectl(kubeconfig, "-n", twin.namespace, "exec", pod, "--", "mkdir", "-p", remote).returncode == 0


# (id, args, remote dir made first, pod whose tree is compared, remote path compared ("" none))
TO_POD = [
    ("dir-to-new", ["cp", "src", "p:{t}"], False, "{t}"),
    ("dir-into-existing", ["cp", "src", "p:{t}"], True, "{t}"),
    ("dot-into-existing", ["cp", "src/.", "p:{t}"], True, "{t}"),
    ("trailing-slashes", ["cp", "src/", "p:{t}/"], True, "{t}"),
    ("file-to-new", ["cp", "src/with space.txt", "p:{t}"], False, ""),
    ("unicode-file-into-dir", ["cp", "src/ünïcødé ñame ✓.txt", "p:{t}"], True, "{t}"),
    ("no-preserve", ["cp", "--no-preserve", "src", "p:{t}"], False, "{t}"),
    ("namespace-in-spec", ["cp", "src", "{ns}/p:{t}"], False, "{t}"),
    ("absolute-dest", ["cp", "src", "p:{home}/{t}"], False, "{t}"),
    ("multi-default", ["cp", "src", "multi:{t}"], False, ""),
    ("multi-named", ["cp", "src", "multi:{t}", "-c", "b"], False, ""),
    ("container-missing", ["cp", "src", "multi:{t}", "-c", "zz"], False, ""),
    ("pod-missing", ["cp", "src", "nope:{t}"], False, ""),
    ("local-missing", ["cp", "nope/", "p:{t}"], False, ""),
    # one small file: the container's tar has all of its input before it fails (see the module docstring)
    ("remote-parent-missing", ["cp", "src/with space.txt", "p:{t}/x/y"], False, ""),
    ("completed-pod", ["cp", "src", "done:{t}"], False, ""),
]


@pytest.mark.parametrize("args,premade,compare", [c[1:] for c in TO_POD], ids=[c[0] for c in TO_POD])
def test_cp_to_the_pod_is_kubectls(both, kubeconfig: str, twins: Dict[str, Twin], args: List[str], premade: bool,
                                   compare: str) -> None:
    t = f"t-{uuid.uuid4().hex[:8]}"
    if premade:
        mkdir(kubeconfig, twins, t)
    theirs, ours = both([a.replace("{t}", t) for a in args])
    assert ours == theirs, (ours, theirs)
    if compare:
        path = compare.replace("{t}", t)
        listings = [remote_tree(kubeconfig, twin.namespace, "p", path) for twin in twins.values()]
        assert listings[0] == listings[1] and listings[0]


# (id, args, local dir made first, local path compared ("" none))
FROM_POD = [
    ("dir", ["cp", "p:seed", "out"], "", "out"),
    ("dir-trailing-slashes", ["cp", "p:seed/", "out/"], "", "out"),
    ("dir-dot", ["cp", "p:seed/.", "out"], "", "out"),
    ("dot-slash-is-corrupted", ["cp", "p:./seed", "out"], "", "out"),
    ("absolute", ["cp", "p:{home}/seed", "out"], "", "out"),
    ("namespace-in-spec", ["cp", "{ns}/p:seed", "out"], "", "out"),
    ("into-existing-dir", ["cp", "p:seed", "exists"], "exists", "exists"),
    ("subdir", ["cp", "p:seed/nested", "out"], "", "out"),
    ("file", ["cp", "p:seed/with space.txt", "f.txt"], "", "f.txt"),
    ("unicode-file", ["cp", "p:seed/ünïcødé ñame ✓.txt", "u"], "", "u"),
    ("file-onto-a-dir", ["cp", "p:seed/with space.txt", "exists"], "exists", "exists"),
    ("retries", ["cp", "--retries=2", "p:seed", "out"], "", "out"),
    ("multi-default", ["cp", "multi:seed", "out"], "", "out"),
    ("multi-named", ["cp", "-c", "b", "multi:seed", "out"], "", "out"),
    ("pod-missing", ["cp", "nope:seed", "out"], "", ""),
    ("completed-pod", ["cp", "done:seed", "out"], "", ""),
]


@pytest.mark.parametrize("args,premade,compare", [c[1:] for c in FROM_POD], ids=[c[0] for c in FROM_POD])
def test_cp_from_the_pod_is_kubectls(both, seeded: str, args: List[str], premade: str, compare: str) -> None:
    for d in both.dirs.values():
        if premade:
            (d / premade).mkdir()
    theirs, ours = both(args)
    assert ours == theirs, (ours, theirs)
    if compare:
        trees = [local_tree(d / compare) if (d / compare).is_dir() else
                 ((d / compare).read_bytes() if (d / compare).exists() else None) for d in both.dirs.values()]
        assert trees[0] == trees[1]


def test_missing_remote_source(both, kubeconfig: str, twins: Dict[str, Twin]) -> None:
    """kubectl exits 0 once the (empty) archive is read, racing tar's message on stdout: it prints part of it
    or all of it. dynclient prints all of it."""
    theirs, ours = both(["cp", "p:nope", "out"])
    message = b"tar: nope: Cannot stat: No such file or directory\ntar: Exiting with failure status due to previous errors\n"
    assert (ours.code, ours.stdout, ours.stderr) == (0, message, b"")
    assert (theirs.code, theirs.stderr) == (0, b"") and message.startswith(theirs.stdout)


USAGE = [
    ("one-argument", ["cp", "src"]),
    ("three-arguments", ["cp", "src", "p:x", "y"]),
    ("both-remote", ["cp", "p:a", "multi:b"]),
    ("both-local", ["cp", "src", "elsewhere"]),
    ("empty-remote-path", ["cp", "src", "p:"]),
    ("empty-local-path", ["cp", "", "p:x"]),
    ("leading-colon", ["cp", ":x", "p:y"]),
    ("three-piece-spec", ["cp", "a/b/c:x", "y"]),
    ("retries-not-a-number", ["cp", "--retries=x", "src", "p:y"]),
]


@pytest.mark.parametrize("args", [c[1] for c in USAGE], ids=[c[0] for c in USAGE])
def test_usage_errors_are_kubectls(both, args: List[str]) -> None:
    theirs, ours = both(args)
    assert ours.code == theirs.code == 1
    assert ours.stdout == theirs.stdout == b""
    assert ours.stderr == theirs.stderr.replace(b"'kubectl cp --help'", b"'dynclient cp --help'")
