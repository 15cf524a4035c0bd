"""``dynclient port-forward`` beside ``kubectl port-forward`` on the full cluster: the same lines, the same exits.

Both run as subprocesses. What may differ is only what cannot be the same:
the local ports each was given (each gets its own free ones, replaced by
``L0``, ``L1``... before comparing), the program's name in the help hint,
and the klog header of kubectl's error line (time and pid): the message after
``] `` must be equal.
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Sequence, Tuple

import pytest

import dynclient

from .conftest import GVR_PODS, new_pod_namespace, pod_manifest

ROOT = Path(__file__).resolve().parents[3]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(n: int) -> List[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@pytest.fixture(scope="module")
def cluster(full_kubeconfig: str, tmp_path_factory) -> Iterator[Dict[str, Any]]:
    """One namespace with ``web`` (81 sent to a closed port, a named port ``http``) and ``held`` (Pending)."""
    dyn = dynclient.connect(full_kubeconfig, disk_cache=False)
    name = new_pod_namespace(dyn, "pf")
    namespaces = dyn.resource(dynclient.GroupVersionResource("", "v1", "namespaces"))
    pods = dyn.resource(GVR_PODS).namespace(name)
    web = pod_manifest("web", {"port-81": str(closed_port())})
    web["spec"]["containers"][0]["ports"] = [{"name": "http", "containerPort": 80}]
    pods.create(web)
    pods.create(pod_manifest("held", schedulingGates=[{"name": "hold"}]))
    deadline = time.monotonic() + 60
    while (pods.get("web").get("status") or {}).get("phase") != "Running":
        assert time.monotonic() < deadline, "web not running"
        time.sleep(0.2)
    cache = tmp_path_factory.mktemp("cli-pf-cache")
    try:
        yield {"namespace": name, "kubeconfig": full_kubeconfig, "cache": str(cache)}
    finally:
        try:
            namespaces.delete(name)
        except dynclient.NotFound:
            pass
        dyn.close()


def argv(cluster, program: str, args: Sequence[str]) -> List[str]:
    head = ["kubectl"] if program == "kubectl" else [sys.executable, "-m", "dynclient"]
    return [*head, "--kubeconfig", cluster["kubeconfig"], "--cache-dir", cluster["cache"], "-n",
            cluster["namespace"], "port-forward", *args]


def normalize(text: str, ports: Sequence[int]) -> str:
    text = text.replace("See 'kubectl ", "See 'dynclient ")
    text = re.sub(r"^E\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ portforward\.go:\d+\] ", "E<klog>] ", text, flags=re.M)
    for i, port in enumerate(ports):
        text = re.sub(rf"(?<![\d]){port}(?![\d])", f"L{i}", text)
    return text


@pytest.mark.parametrize("args", [
    pytest.param([], id="nothing"),
    pytest.param(["web"], id="no-port"),
    pytest.param(["nope", "8080:80"], id="missing-pod"),
    pytest.param(["held", "8080:80"], id="pending-pod"),
    pytest.param(["held", "x:80"], id="pending-before-port-syntax"),
    pytest.param(["web", "8080:nope"], id="unknown-named-port"),
    pytest.param(["web", "x:80"], id="local-syntax"),
    pytest.param(["web", "70000"], id="out-of-range"),
    pytest.param(["web", "8080:0"], id="remote-zero"),
])
def test_refusals_like_kubectl(cluster, args):
    theirs = subprocess.run(argv(cluster, "kubectl", args), capture_output=True, text=True, timeout=60)
    ours = subprocess.run(argv(cluster, "dynclient", args), capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert (ours.returncode, ours.stdout, ours.stderr) == \
        (theirs.returncode, theirs.stdout, normalize(theirs.stderr, []))
    assert ours.returncode == 1


class Running:
    """One forwarder process; its stdout lines are read as they come."""

    def __init__(self, cluster, program: str, args: Sequence[str]) -> None:
        self.proc = subprocess.Popen(argv(cluster, program, args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, cwd=ROOT)
        self.lines: List[str] = []
        self._new = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            with self._new:
                self.lines.append(line)
                self._new.notify_all()

    def wait_lines(self, n: int, timeout: float = 60) -> List[str]:
        with self._new:
            assert self._new.wait_for(lambda: len(self.lines) >= n, timeout), self.lines
            return list(self.lines)

    def finish(self, sig: int = 0, timeout: float = 60) -> Tuple[int, str, str]:
        if sig:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        finally:
            self.proc.kill()
        stderr = self.proc.stderr.read()
        self._reader.join(10)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code, "".join(self.lines), stderr


def echo(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as c:
        c.sendall(data)
        got = bytearray()
        while len(got) < len(data):
            chunk = c.recv(65536)
            if not chunk:
                break
            got += chunk
        return bytes(got)


def both(cluster, make_args, steps, sig: int = 0) -> None:
    """Run kubectl and dynclient with ``make_args(ports)``, drive each with ``steps(ports, proc)``, compare."""
    outcomes = []
    for program in ("kubectl", "dynclient"):
        ports = free_ports(2)
        run = Running(cluster, program, make_args(ports))
        steps(ports, run)
        code, out, err = run.finish(sig)
        outcomes.append((code, normalize(out, ports), normalize(err, ports)))
    assert outcomes[1] == outcomes[0]
    return outcomes[0]


def test_forwarding_lines_then_sigint_exits_zero(cluster):
    def steps(ports, run):
        run.wait_lines(4)
        assert echo(ports[0], b"ping") == b"ping"
        assert echo(ports[1], b"pong") == b"pong"
        run.wait_lines(6)

    code, out, err = both(cluster, lambda p: ["web", f"{p[0]}:80", f"{p[1]}:http"], steps, signal.SIGINT)
    assert code == 0 and err == ""
    assert out == ("Forwarding from 127.0.0.1:L0 -> 80\nForwarding from [::1]:L0 -> 80\n"
                   "Forwarding from 127.0.0.1:L1 -> 80\nForwarding from [::1]:L1 -> 80\n"
                   "Handling connection for L0\nHandling connection for L1\n")


def test_sigterm_ends_it_as_it_ends_kubectl(cluster):
    code, out, err = both(cluster, lambda p: ["pod/web", f"{p[0]}:80", "--address", "127.0.0.1"],
                          lambda ports, run: run.wait_lines(1), signal.SIGTERM)
    assert code == -signal.SIGTERM and out == "Forwarding from 127.0.0.1:L0 -> 80\n"


def test_an_error_channel_message_ends_it_as_kubectl(cluster):
    def steps(ports, run):
        run.wait_lines(1)
        assert echo(ports[0], b"hello") == b""

    code, out, err = both(cluster, lambda p: ["web", f"{p[0]}:81", "--address=127.0.0.1"], steps)
    assert code == 1
    assert out == "Forwarding from 127.0.0.1:L0 -> 81\nHandling connection for L0\n"
    assert re.fullmatch(r'E<klog>\] "Unhandled Error" err="an error occurred forwarding L0 -> 81: error forwarding '
                        r'port 81 to pod web, uid [-0-9a-f]+: pod port 81 \(127\.0\.0\.1:\d+\): dial tcp '
                        r'127\.0\.0\.1:\d+: connect: connection refused"\nerror: lost connection to pod\n', err), err


def test_a_busy_local_port_is_reported_and_skipped(cluster):
    def steps(ports, run):
        run.wait_lines(1)

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        taken = busy.getsockname()[1]
        code, out, err = both(cluster, lambda p: ["web", f"{taken}:80", f"{p[0]}:80", "--address", "127.0.0.1"],
                              steps, signal.SIGINT)
    assert code == 0 and out == "Forwarding from 127.0.0.1:L0 -> 80\n"
    assert err == (f"Unable to listen on port {taken}: Listeners failed to create with the following errors: "
                   f"[unable to create listener: Error listen tcp4 127.0.0.1:{taken}: bind: address already in use]\n")
