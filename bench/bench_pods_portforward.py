"""Port-forward throughput: dynclient beside ``kubectl port-forward`` and kubernetes-client, in the same run.

Not a test. Against a running full cluster (the harness's fake kubelet puts an
echo server behind every pod port)::

    python bench/bench_pods_portforward.py --kubeconfig "$(cat /tmp/coord/kubeconfig-full)" --runs 3

Each forwarder runs in its own process, listening on a free loopback port,
and this process drives the same load through each, checking every byte:

- ``single``: ``--single-mib`` (64) MiB echoed through one connection;
- ``parallel``: ``--parallel`` (50) connections at once, ``--each-mib`` (1) MiB each.

Peers: ``dynclient`` (its CLI, the SPDY tunnel: one WebSocket for all
connections), ``dynclient-ws`` (the library with ``protocol="websocket"``:
one WebSocket per connection), ``kubectl`` (its ``port-forward``) and, when
the bench venv (``~/.cache/dynclient/bench/venv-peers``, see bench/run.py)
has it, ``kubernetes`` (``kubernetes.stream.portforward``, one WebSocket per
connection, pumped by a small local listener as its users write it). The
figure is MiB/s echoed (one direction), median of ``--runs``; ratios are
peer / dynclient seconds (above 1: dynclient is faster); ``cpu s`` is the
forwarder process's CPU time for the load (less noisy than wall time on a
busy machine: the API server and kubelet share it). A namespace with one
pod is made for the run and deleted after.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEER_PY = Path.home() / ".cache" / "dynclient" / "bench" / "venv-peers" / "bin" / "python"
MIB = 1 << 20
REMOTE = 80
STALL = 150.0  # a load not done by then is reported as stalled (kubernetes-client's forwarder can stall)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- the forwarders that are not a CLI: run as ``--serve NAME`` in a child process ----------------------------------

def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while True:
            data = src.recv(256 * 1024)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve_kubernetes(kubeconfig: str, namespace: str, pod: str) -> None:
    """kubernetes-client's port-forward as its docs show it: a ``portforward()`` (one WebSocket) per connection."""
    from kubernetes import client, config
    from kubernetes.stream import portforward

    config.load_kube_config(kubeconfig)
    api = client.CoreV1Api()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    print(f"Forwarding from 127.0.0.1:{listener.getsockname()[1]} -> {REMOTE}", flush=True)

    def handle(conn: socket.socket) -> None:
        pf = portforward(api.connect_get_namespaced_pod_portforward, pod, namespace, ports=str(REMOTE))
        remote = pf.socket(REMOTE)
        remote.setblocking(True)
        threading.Thread(target=_pump, args=(remote, conn), daemon=True).start()
        _pump(conn, remote)

    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def serve_dynclient_ws(kubeconfig: str, namespace: str, pod: str) -> None:
    """dynclient's library on the plain WebSocket protocol (one WebSocket per connection)."""
    sys.path.insert(0, str(ROOT))
    import dynclient
    from dynclient.pods.portforward import PortForward

    dyn = dynclient.connect(kubeconfig, disk_cache=False)
    with PortForward(dyn.resource("pods").namespace(namespace), pod, [REMOTE], protocol="websocket") as pf:
        print(f"Forwarding from 127.0.0.1:{pf.local_ports[0]} -> {REMOTE}", flush=True)
        pf.wait()


# -- the load ---------------------------------------------------------------------------------------------------------

def echo_all(port: int, payloads: Sequence[bytes]) -> float:
    """Every payload through its own connection at once, each checked byte for byte; the seconds it took."""
    errors: List[str] = []

    def one(payload: bytes) -> None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=120) as c:
                c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sender = threading.Thread(target=c.sendall, args=(payload,), daemon=True)
                sender.start()
                got = bytearray()
                while len(got) < len(payload):
                    chunk = c.recv(1 << 20)
                    if not chunk:
                        break
                    got += chunk
                sender.join()
                if got != payload:
                    errors.append(f"{len(got)} of {len(payload)} bytes came back, equal: {bytes(got) == payload}")
        except OSError as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=one, args=(p,), daemon=True) for p in payloads]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, start + STALL - time.perf_counter()))
    seconds = time.perf_counter() - start
    if any(t.is_alive() for t in threads):
        raise RuntimeError(f"stalled: {sum(t.is_alive() for t in threads)} connections unfinished after {STALL} s")
    if errors:
        raise RuntimeError(f"{len(errors)} connections failed: {errors[:3]}")
    return seconds


class Forwarder:
    """One peer's forwarding process, started and ready (its "Forwarding from" line read)."""

    def __init__(self, command: List[str], env: Optional[Dict[str, str]] = None) -> None:
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                                     env=env)
        line = self.proc.stdout.readline()
        match = re.match(r"Forwarding from 127\.0\.0\.1:(\d+) -> ", line)
        if not match:
            self.proc.kill()
            raise RuntimeError(f"{command[:3]} did not start: {line!r} {self.proc.stderr.read()[-2000:]}")
        self.port = int(match.group(1))
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()

    def cpu(self) -> float:
        """CPU seconds the forwarder process used so far (user + system, its threads included)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for f in (self.proc.stdout, self.proc.stderr):
            f.close()


def commands(kubeconfig: str, namespace: str, pod: str) -> Dict[str, List[str]]:
    common = ["--kubeconfig", kubeconfig, "-n", namespace, "port-forward", pod, f":{REMOTE}", "--address",
              "127.0.0.1"]
    out = {"dynclient": [sys.executable, "-m", "dynclient", *common],
           "dynclient-ws": [sys.executable, str(Path(__file__).resolve()), "--serve", "dynclient-ws",
                            "--kubeconfig", kubeconfig, "--namespace", namespace, "--pod", pod]}
    if shutil.which("kubectl"):
        out["kubectl"] = ["kubectl", *common]
    if PEER_PY.exists() and subprocess.run([str(PEER_PY), "-c", "import kubernetes"],
                                           capture_output=True).returncode == 0:
        out["kubernetes"] = [str(PEER_PY), str(Path(__file__).resolve()), "--serve", "kubernetes",
                             "--kubeconfig", kubeconfig, "--namespace", namespace, "--pod", pod]
    return out


def make_pod(kubeconfig: str) -> Any:
    sys.path.insert(0, str(ROOT))
    import dynclient

    dyn = dynclient.connect(kubeconfig, disk_cache=False)
    ns = f"bench-pf-{uuid.uuid4().hex[:8]}"
    dyn.resource("namespaces").create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    deadline = time.monotonic() + 60
    while True:
        try:
            dyn.resource("serviceaccounts").namespace(ns).get("default")
            break
        except dynclient.NotFound:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    pods = dyn.resource("pods").namespace(ns)
    pods.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "echo"},
                 "spec": {"terminationGracePeriodSeconds": 0,
                          "containers": [{"name": "main", "image": "harness/fake"}]}})
    while (pods.get("echo").get("status") or {}).get("phase") != "Running":
        if time.monotonic() > deadline:
            raise RuntimeError("the bench pod is not Running")
        time.sleep(0.1)
    return dyn, ns


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kubeconfig", default=os.environ.get("DYNCLIENT_TEST_FULL_KUBECONFIG"))
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--single-mib", type=int, default=64)
    p.add_argument("--parallel", type=int, default=50)
    p.add_argument("--each-mib", type=int, default=1)
    p.add_argument("--peers", default="", help="comma-separated subset of dynclient,dynclient-ws,kubectl,kubernetes")
    p.add_argument("--serve", choices=["kubernetes", "dynclient-ws"], help=argparse.SUPPRESS)
    p.add_argument("--namespace", help=argparse.SUPPRESS)
    p.add_argument("--pod", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if not args.kubeconfig:
        p.error("--kubeconfig (or DYNCLIENT_TEST_FULL_KUBECONFIG) names a full harness cluster")
    if args.serve == "kubernetes":
        serve_kubernetes(args.kubeconfig, args.namespace, args.pod)
        return 0
    if args.serve == "dynclient-ws":
        serve_dynclient_ws(args.kubeconfig, args.namespace, args.pod)
        return 0

    dyn, ns = make_pod(args.kubeconfig)
    single = [os.urandom(args.single_mib * MIB)]
    parallel = [os.urandom(args.each_mib * MIB) for _ in range(args.parallel)]
    peers = commands(args.kubeconfig, ns, "echo")
    if args.peers:
        peers = {k: v for k, v in peers.items() if k in args.peers.split(",")}
    seconds: Dict[str, Dict[str, List[float]]] = {name: {"single": [], "parallel": []} for name in peers}
    cpu: Dict[str, Dict[str, List[float]]] = {name: {"single": [], "parallel": []} for name in peers}
    stalls: Dict[str, List[str]] = {}
    try:
        for run in range(args.runs):
            for name, command in peers.items():  # interleaved, so load drifts hit every peer alike
                fwd = Forwarder(command)
                try:
                    echo_all(fwd.port, [b"warm-up"])
                    for kind, load in (("single", single), ("parallel", parallel)):
                        before = fwd.cpu()
                        try:
                            seconds[name][kind].append(echo_all(fwd.port, load))
                        except RuntimeError as exc:
                            stalls.setdefault(name, []).append(f"{kind}: {exc}")
                            log(f"run {run + 1}/{args.runs} {name} {kind}: {exc}")
                            seconds[name][kind].append(float("inf"))
                        cpu[name][kind].append(fwd.cpu() - before)
                finally:
                    fwd.stop()
                log(f"run {run + 1}/{args.runs} {name}: single {seconds[name]['single'][-1]:.2f} s, "
                    f"parallel {seconds[name]['parallel'][-1]:.2f} s")
    finally:
        dyn.resource("namespaces").delete(ns)
        dyn.close()

    sizes = {"single": args.single_mib, "parallel": args.parallel * args.each_mib}
    results: Dict[str, Any] = {"runs": args.runs, "single_mib": args.single_mib, "parallel": args.parallel,
                               "each_mib": args.each_mib, "peers": {}, "stalls": stalls}
    for name, rec in seconds.items():
        results["peers"][name] = {k: {"seconds": statistics.median(v), "mib_per_s": sizes[k] / statistics.median(v),
                                      "all_seconds": v, "cpu_seconds": statistics.median(cpu[name][k])}
                                  for k, v in rec.items()}
    base = results["peers"].get("dynclient")
    print(f"{'peer':<14}{'single MiB/s':>14}{'ratio':>8}{'cpu s':>8}{'parallel MiB/s':>16}{'ratio':>8}{'cpu s':>8}")
    for name, rec in results["peers"].items():
        ratios = {k: (rec[k]["seconds"] / base[k]["seconds"]) if base else float("nan") for k in rec}
        rec["ratio_vs_dynclient"] = ratios
        print(f"{name:<14}{rec['single']['mib_per_s']:>14.1f}{ratios['single']:>8.2f}"
              f"{rec['single']['cpu_seconds']:>8.2f}{rec['parallel']['mib_per_s']:>16.1f}{ratios['parallel']:>8.2f}"
              f"{rec['parallel']['cpu_seconds']:>8.2f}")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
