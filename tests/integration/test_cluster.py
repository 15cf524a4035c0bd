"""The harness's full cluster (``tests/apiserver/run start --full``), checked with kubectl as the oracle.

kube-controller-manager runs beside the apiserver, and a fake kubelet serves the node ``harness-node``:
namespaces really go away, the garbage collector and the workload controllers act, pods become Running and
Ready, and logs, exec, attach, port-forward and cp reach the kubelet through the apiserver. The pods'
containers are played by the fake kubelet as its ``harness.dynclient.test/*`` annotations say
(tests/apiserver/README.md).

The session's own instance is started here (the rest of the suite uses the apiserver-only mode).
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import socket
import struct
import subprocess
import termios
import fcntl
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional

import pytest

from .harness import harness_cluster

ANN = "harness.dynclient.test/"


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """The kubeconfig of a full harness cluster of this module's own, stopped afterwards."""
    with harness_cluster("--full", need_kubectl=True) as path:
        yield path


class Kubectl:
    """kubectl on the cluster, in one namespace unless told otherwise."""

    def __init__(self, kubeconfig: str, cache_dir: str, namespace: str) -> None:
        self.base = ["kubectl", "--kubeconfig", kubeconfig, "--cache-dir", cache_dir]
        self.namespace = namespace

    def argv(self, *args: str, namespace: Optional[str] = None) -> List[str]:
        return [*self.base, "-n", namespace or self.namespace, *args]

    def __call__(self, *args: str, check: bool = True, input: Optional[str] = None,
                 timeout: float = 120, namespace: Optional[str] = None) -> subprocess.CompletedProcess:
        cmd = self.argv(*args, namespace=namespace)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=input)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr}")
        return proc

    def apply(self, manifest: Dict, namespace: Optional[str] = None) -> None:
        self("apply", "-f", "-", input=json.dumps(manifest), namespace=namespace)

    def json(self, *args: str, namespace: Optional[str] = None) -> Dict:
        return json.loads(self("get", *args, "-o", "json", namespace=namespace).stdout)


@pytest.fixture
def k(cluster: str, tmp_path: Path) -> Iterator[Kubectl]:
    """kubectl in a fresh namespace, deleted afterwards without waiting."""
    ns = f"c-{uuid.uuid4().hex[:10]}"
    kc = Kubectl(cluster, str(tmp_path / "kubectl-cache"), ns)
    kc("create", "namespace", ns)
    # The service account controller makes "default" in every new namespace; pods need it (admission).
    _until(lambda: kc("get", "serviceaccount", "default", check=False).returncode == 0, "serviceaccount default")
    yield kc
    kc("delete", "namespace", ns, "--wait=false", "--ignore-not-found", check=False)


def _until(cond: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.2)


def pod(name: str, annotations: Optional[Dict[str, str]] = None, restart: str = "Always", **container) -> Dict:
    c = {"name": "main", "image": "harness/fake:1", **container}
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "annotations": annotations or {}},
            "spec": {"restartPolicy": restart, "containers": [c]}}


def deployment(name: str, replicas: int = 2) -> Dict:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "web", "image": "harness/web:1"}]}}}}


def running(k: Kubectl, name: str) -> None:
    k("wait", "--for=condition=Ready", f"pod/{name}", "--timeout=60s")


# ---- the node and the admission chain -------------------------------------------------------------------

def test_node_is_registered_ready_with_its_kubelet_endpoint(k: Kubectl) -> None:
    node = k.json("node", "harness-node")
    ready = {c["type"]: c["status"] for c in node["status"]["conditions"]}
    assert ready["Ready"] == "True"
    assert {"type": "InternalIP", "address": "127.0.0.1"} in node["status"]["addresses"]
    assert node["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"] > 0
    assert [n["metadata"]["name"] for n in k.json("nodes")["items"]] == ["harness-node"]


def test_pod_is_bound_running_ready_and_gets_a_service_account_token(k: Kubectl) -> None:
    k.apply(pod("p"))
    running(k, "p")
    got = k.json("pod", "p")
    assert got["spec"]["nodeName"] == "harness-node"
    assert got["status"]["phase"] == "Running"
    assert got["status"]["containerStatuses"][0]["state"]["running"]["startedAt"]
    # The ServiceAccount admission plugin is on: default account, projected token volume.
    assert got["spec"]["serviceAccountName"] == "default"
    assert any(v["name"].startswith("kube-api-access-") for v in got["spec"]["volumes"])
    # The controller-manager publishes the root CA into every namespace.
    _until(lambda: k("get", "configmap", "kube-root-ca.crt", check=False).returncode == 0, "kube-root-ca.crt")


# ---- controllers -----------------------------------------------------------------------------------------

def test_deleted_namespace_really_goes(k: Kubectl) -> None:
    ns = f"gone-{uuid.uuid4().hex[:8]}"
    k("create", "namespace", ns)
    k("create", "configmap", "c", "--from-literal=a=b", namespace=ns)
    k.apply(deployment("d", 1), namespace=ns)
    k("rollout", "status", "deploy/d", "--timeout=60s", namespace=ns)  # a pod on the node, for the kubelet to end
    k("delete", "namespace", ns, "--timeout=90s")  # kubectl waits until it is gone
    gone = k("get", "namespace", ns, check=False)
    assert gone.returncode != 0 and "NotFound" in gone.stderr


def test_deployment_rolls_out_and_becomes_available(k: Kubectl) -> None:
    k.apply(deployment("web", 2))
    out = k("rollout", "status", "deploy/web", "--timeout=90s").stdout
    assert 'deployment "web" successfully rolled out' in out
    k("wait", "--for=condition=Available", "deploy/web", "--timeout=60s")
    rs = k.json("replicasets")["items"]
    assert [r["metadata"]["ownerReferences"][0]["name"] for r in rs] == ["web"]
    pods = k.json("pods", "-l", "app=web")["items"]
    assert len(pods) == 2 and {p["spec"]["nodeName"] for p in pods} == {"harness-node"}
    # A new template rolls out a second ReplicaSet and retires the old pods (the kubelet deletes them).
    k("set", "image", "deploy/web", "web=harness/web:2")
    k("rollout", "status", "deploy/web", "--timeout=90s")
    _until(lambda: {p["spec"]["containers"][0]["image"] for p in k.json("pods", "-l", "app=web")["items"]}
           == {"harness/web:2"}, "only new pods")


def test_service_gets_endpoints_of_ready_pods(k: Kubectl) -> None:
    k.apply(deployment("svc", 1))
    k("expose", "deploy/svc", "--port=80")
    k("rollout", "status", "deploy/svc", "--timeout=90s")

    def addresses() -> List[str]:
        slices = k.json("endpointslices", "-l", "kubernetes.io/service-name=svc")["items"]
        return [a for s in slices for e in (s.get("endpoints") or []) for a in e["addresses"]]

    _until(lambda: len(addresses()) == 1, "an endpoint in the EndpointSlice")
    assert addresses() == [k.json("pods", "-l", "app=svc")["items"][0]["status"]["podIP"]]


def _owned_configmap(name: str, owner: Dict, finalizers: List[str]) -> Dict:
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": owner["metadata"]["name"],
           "uid": owner["metadata"]["uid"], "blockOwnerDeletion": True}
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "ownerReferences": [ref], "finalizers": finalizers}}


def test_foreground_deletion_removes_dependents_first(k: Kubectl) -> None:
    k("create", "configmap", "parent")
    parent = k.json("configmap", "parent")
    k.apply(_owned_configmap("child", parent, ["harness.dynclient.test/hold"]))
    k("delete", "configmap", "parent", "--cascade=foreground", "--wait=false")
    # The garbage collector deletes the child first; its finalizer holds it, and so the parent waits.
    _until(lambda: "deletionTimestamp" in k.json("configmap", "child")["metadata"], "the child being deleted")
    held = k.json("configmap", "parent")["metadata"]
    assert "deletionTimestamp" in held and "foregroundDeletion" in held["finalizers"]
    k("patch", "configmap", "child", "--type=merge", "-p", '{"metadata":{"finalizers":null}}')
    k("wait", "--for=delete", "configmap/parent", "--timeout=60s")
    assert k("get", "configmap", "child", check=False).returncode != 0


def test_background_deletion_collects_dependents(k: Kubectl) -> None:
    k("create", "configmap", "owner")
    k.apply(_owned_configmap("dependent", k.json("configmap", "owner"), []))
    k("delete", "configmap", "owner")
    k("wait", "--for=delete", "configmap/dependent", "--timeout=60s")


def _job(name: str, exit_code: int) -> Dict:
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": {"backoffLimit": 0, "template": {
                "metadata": {"annotations": {ANN + "log-lines": "3", ANN + "exit-code": str(exit_code)}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "work", "image": "harness/job:1"}]}}}}


def test_job_completes_and_a_failing_one_fails(k: Kubectl) -> None:
    k.apply(_job("ok", 0))
    k.apply(_job("bad", 2))
    k("wait", "--for=condition=Complete", "job/ok", "--timeout=90s")
    k("wait", "--for=condition=Failed", "job/bad", "--timeout=90s")
    assert k("logs", "job/ok").stdout.splitlines() == ["work line 1", "work line 2", "work line 3"]
    failed = k.json("pods", "-l", "job-name=bad")["items"][0]
    assert failed["status"]["phase"] == "Failed"
    assert failed["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 2


# ---- logs ------------------------------------------------------------------------------------------------

def test_logs_tail_timestamps_limit_and_since(k: Kubectl) -> None:
    k.apply(pod("logs", {ANN + "log-lines": "5", ANN + "log-text": "{pod} says {n}"}))
    running(k, "logs")
    _until(lambda: len(k("logs", "logs").stdout.splitlines()) == 5, "5 lines")
    assert k("logs", "logs").stdout == "".join(f"logs says {n}\n" for n in range(1, 6))
    assert k("logs", "logs", "--tail=2").stdout == "logs says 4\nlogs says 5\n"
    stamped = k("logs", "logs", "--timestamps", "--tail=1").stdout
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z logs says 5\n", stamped), stamped
    assert k("logs", "logs", "--limit-bytes=8").stdout == "logs say"
    time.sleep(2.2)
    assert k("logs", "logs", "--since=1s").stdout == ""  # every line is older than that
    assert k("logs", "logs", "--since=1h").stdout.count("\n") == 5


def test_logs_follow_streams_until_the_container_ends(k: Kubectl) -> None:
    k.apply(pod("follow", {ANN + "log-lines": "6", ANN + "log-interval": "300ms", ANN + "exit-code": "0"},
                restart="Never"))
    running(k, "follow")
    started = time.monotonic()
    out = k("logs", "-f", "follow", timeout=60).stdout
    assert out.splitlines() == [f"main line {n}" for n in range(1, 7)]
    assert time.monotonic() - started > 0.5  # it streamed: the lines were not all there at the start


def test_logs_follow_of_an_endless_container(k: Kubectl) -> None:
    k.apply(pod("endless", {ANN + "log-lines": "-1", ANN + "log-interval": "100ms"}))
    running(k, "endless")
    with subprocess.Popen(k.argv("logs", "-f", "--tail=1", "endless"), stdout=subprocess.PIPE, text=True) as proc:
        try:
            lines = [proc.stdout.readline() for _ in range(4)]
        finally:
            proc.kill()
    numbers = [int(line.split()[-1]) for line in lines]
    assert numbers == list(range(numbers[0], numbers[0] + 4))


def test_logs_previous_after_a_restart(k: Kubectl) -> None:
    k.apply(pod("crash", {ANN + "log-lines": "2", ANN + "exit-code": "1"}))
    _until(lambda: k.json("pod", "crash")["status"]["containerStatuses"][0]["restartCount"] >= 1, "a restart")
    assert k("logs", "crash", "--previous").stdout == "main line 1\nmain line 2\n"
    status = k.json("pod", "crash")["status"]["containerStatuses"][0]
    assert status["lastState"]["terminated"]["exitCode"] == 1  # running again, or waiting to (CrashLoopBackOff)


# ---- exec, attach, cp, port-forward ----------------------------------------------------------------------

@pytest.fixture
def shell_pod(k: Kubectl) -> str:
    k.apply(pod("sh", env=[{"name": "GREETING", "value": "hi"}], stdin=True, tty=False))
    running(k, "sh")
    return "sh"


def test_exec_streams_and_exit_code(k: Kubectl, shell_pod: str) -> None:
    proc = k("exec", shell_pod, "--", "sh", "-c", "echo out; echo err >&2; exit 3", check=False)
    assert (proc.returncode, proc.stdout, proc.stderr.splitlines()[0]) == (3, "out\n", "err")
    assert k("exec", "-i", shell_pod, "--", "tr", "a-z", "A-Z", input="hello\n").stdout == "HELLO\n"
    env = dict(line.split("=", 1) for line in k("exec", shell_pod, "--", "env").stdout.splitlines())
    assert env["HOSTNAME"] == shell_pod and env["GREETING"] == "hi"
    assert "KUBECONFIG" not in env and "PYTEST_CURRENT_TEST" not in env  # a clean environment
    # Each pod has a scratch directory of its own, its working directory.
    k("exec", shell_pod, "--", "sh", "-c", "echo kept > note.txt")
    assert k("exec", shell_pod, "--", "cat", "note.txt").stdout == "kept\n"
    assert k("exec", shell_pod, "--", "pwd").stdout.strip() == env["HOME"]


def _pty_run(argv: List[str], send: bytes, rows: int = 33, cols: int = 111, timeout: float = 30) -> bytes:
    """Run argv on a new pseudo-terminal of the given size, type send, return everything it printed."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal is its stdin/stdout/stderr
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    out = b""
    sent = False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not sent and time.monotonic() > deadline - timeout + 2:
                os.write(fd, send)
                sent = True
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
    finally:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)
    return out


def test_exec_with_a_tty_sees_the_terminal_size(k: Kubectl, shell_pod: str) -> None:
    out = _pty_run(k.argv("exec", "-i", "-t", shell_pod, "--", "sh"),
                   b"stty size; test -t 0 && echo IS-A-TTY; exit 7\n")
    text = out.decode(errors="replace")
    assert "33 111" in text and "IS-A-TTY" in text, text


def test_attach_to_a_container_with_stdin(k: Kubectl, shell_pod: str) -> None:
    out = k("attach", "-i", shell_pod, "-c", "main", input="typed into attach\n", timeout=60).stdout
    assert "typed into attach" in out
    # The fake container behaves like cat: what attach sent is in its log as well.
    assert "typed into attach" in k("logs", shell_pod).stdout


def test_cp_both_ways(k: Kubectl, shell_pod: str, tmp_path: Path) -> None:
    src = tmp_path / "up.txt"
    src.write_text("copied by kubectl cp\n")
    k("cp", str(src), f"{k.namespace}/{shell_pod}:up.txt")
    assert k("exec", shell_pod, "--", "cat", "up.txt").stdout == "copied by kubectl cp\n"
    back = tmp_path / "down.txt"
    k("cp", f"{k.namespace}/{shell_pod}:up.txt", str(back))
    assert back.read_text() == "copied by kubectl cp\n"


class _PortForward:
    """kubectl port-forward in the background; .port is the local end."""

    def __init__(self, argv: List[str]) -> None:
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"Forwarding from 127\.0\.0\.1:(\d+)", line)
        if not m:
            self.proc.kill()
            errors = self.proc.stderr.read()
            self.close()
            raise AssertionError(f"kubectl port-forward said {line!r}: {errors}")
        self.port = int(m.group(1))

    def roundtrip(self, data: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", self.port), timeout=20) as s:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            got = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    return got
                got += chunk

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


def test_port_forward_to_the_echo_server_and_to_a_mapped_port(k: Kubectl) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def answer() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(b"mapped:" + conn.recv(100))

    threading.Thread(target=answer, daemon=True).start()
    k.apply(pod("pf", {ANN + "port-8080": str(listener.getsockname()[1])}))
    running(k, "pf")
    fwd = _PortForward(k.argv("port-forward", "pod/pf", ":80"))
    try:
        assert fwd.roundtrip(b"ping through the echo server") == b"ping through the echo server"
        assert fwd.roundtrip(b"again") == b"again"
    finally:
        fwd.close()
    fwd = _PortForward(k.argv("port-forward", "pod/pf", ":8080"))
    try:
        assert fwd.roundtrip(b"x") == b"mapped:x"
    finally:
        fwd.close()
        listener.close()
