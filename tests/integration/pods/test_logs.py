"""``ResourceClient.logs`` on the harness's full cluster, with kubectl's bytes as the oracle.

The fake kubelet writes what the pod's annotations say (tests/apiserver/README.md). A followed log
is cut in the middle by the repo's fault proxy (``faultproxy.FaultProxy``), extended here with a cut
of a followed log: the proxy streams that reply line by line and stops halfway through a line, with
no last chunk, as a dropped connection does. The lines read must then be exactly the log kubectl
reads once the container has ended: none lost, none repeated.
"""

from __future__ import annotations

import http.client
import subprocess
import threading
import time
from typing import Any, Dict, List, Optional, Sequence
from urllib.parse import parse_qs, urlsplit

import pytest

import dynclient
from dynclient.cli.checkerr import report
from dynclient.pods import ContainerNotFound, ContainerRequired

from ..faultproxy import FaultProxy, _HOP, _chunk, _send_head, for_kubeconfig, proxy_kubeconfig
from .conftest import GVR_PODS


def kubectl_bytes(kubeconfig: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["kubectl", "--kubeconfig", kubeconfig, *args], capture_output=True, timeout=120)


def lines_text(count: int, container: str = "main") -> str:
    return "".join(f"{container} line {n}\n" for n in range(1, count + 1))


class LogCutProxy(FaultProxy):
    """The fault proxy with one more fault for followed logs: ``cuts[i]`` lines of the i-th, then half a line.

    Other requests (discovery, the pod GETs) pass untouched; so do followed logs once ``cuts`` is used up.
    """

    def __init__(self, *args: Any, cuts: Sequence[int] = (), **kw: Any) -> None:
        self.cuts: List[int] = list(cuts)
        self.log_requests: List[Dict[str, List[str]]] = []
        super().__init__(*args, **kw)

    def _handle_fault(self, conn: Any, method: str, target: str, headers: Dict[str, str], body: bytes,
                      is_watch: bool, fault: Optional[str]) -> None:
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        if not parts.path.endswith("/log") or query.get("follow") != ["true"]:
            super()._handle_fault(conn, method, target, headers, body, is_watch, fault)
            return
        with self._lock:
            self.log_requests.append(query)
            cut = self.cuts.pop(0) if self.cuts else None
        upstream = http.client.HTTPSConnection(self.upstream_host, self.upstream_port, context=self.ssl_context,
                                               timeout=60)
        try:
            out = {k: v for k, v in headers.items() if k.lower() not in _HOP and k.lower() != "host"}
            out.update(self.upstream_headers)
            upstream.request(method, target, headers=out)
            resp = upstream.getresponse()
            _send_head(conn, resp.status, resp.reason, [(k, v) for k, v in resp.getheaders() if k.lower() not in _HOP])
            sent = 0
            while not self._stop.is_set():
                line = resp.readline()
                if not line:
                    conn.sendall(b"0\r\n\r\n")
                    return
                if cut is not None and sent == cut:
                    self._fired("cut_log")
                    conn.sendall(_chunk(line[: len(line) // 2]))
                    return  # no rest of the line, no last chunk: the client sees a broken stream
                conn.sendall(_chunk(line))
                sent += 1
        finally:
            upstream.close()


def log_cut_proxy(kubeconfig: str, cuts: Sequence[int]) -> LogCutProxy:
    """``faultproxy.for_kubeconfig`` for a ``LogCutProxy``: upstream as the kubeconfig's current user."""
    with for_kubeconfig(kubeconfig) as plain:  # reads the kubeconfig's TLS and credentials; serves nothing
        host = f"https://{plain.upstream_host}:{plain.upstream_port}"
        headers, context = plain.upstream_headers, plain.ssl_context
    return LogCutProxy(host, upstream_headers=headers, ssl_context=context, cuts=cuts)


@pytest.fixture
def pods(dyn: dynclient.DynamicClient, pod_namespace: str) -> Any:
    return dyn.resource(GVR_PODS).namespace(pod_namespace)


def wait_for(predicate: Any, what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} after {timeout} s")
        time.sleep(0.1)


def test_100k_lines_are_kubectls_bytes(make_pod, pods, kubeconfig):
    make_pod("big", {"log-lines": "100000", "exit-code": "0"}, restart_policy="Never", phase="Succeeded")
    theirs = kubectl_bytes(kubeconfig, "-n", make_pod.namespace, "logs", "big")
    assert theirs.returncode == 0, theirs.stderr
    ours = pods.logs("big")
    assert ours.encode() == theirs.stdout == lines_text(100_000).encode()


def test_100k_lines_followed_to_the_end(make_pod, pods):
    make_pod("bigf", {"log-lines": "100000", "exit-code": "0"}, restart_policy="Never", phase="Succeeded")
    follow = pods.logs("bigf", follow=True)
    assert "".join(line + "\n" for line in follow) == lines_text(100_000)
    assert follow.reconnects == 0


@pytest.mark.parametrize("cuts, lines, interval", [
    ([700], 3000, "1ms"),
    ([0, 400, 1500], 3000, "1ms"),
    ([250], 600, "0s"),
], ids=["one-drop-mid-stream", "three-drops-one-before-any-line", "drop-in-a-burst-sharing-timestamps"])
def test_follow_survives_drops_without_loss_or_repeat(make_pod, pods, kubeconfig, tmp_path, cuts, lines, interval):
    """A live stream is cut mid-line; the resumed streams give the rest, and each line once."""
    make_pod("drop", {"log-lines": str(lines), "log-interval": interval, "exit-code": "0", "run-for": "4s"},
             restart_policy="Never")
    with log_cut_proxy(kubeconfig, cuts) as proxy:
        with dynclient.connect(proxy_kubeconfig(proxy), cache_dir=str(tmp_path / "p"), qps=0) as pdyn:
            follow = pdyn.resource(GVR_PODS).namespace(make_pod.namespace).logs("drop", follow=True)
            got = [line + "\n" for line in follow]
        assert proxy.counts["cut_log"] == len(cuts)
        # One more resume when the stream ended before the pod's status said the container had: no new line.
        assert len(cuts) <= follow.reconnects <= len(cuts) + 2
        assert len(proxy.log_requests) == follow.reconnects + 1
        resumed = proxy.log_requests[1:]
    assert all(q["timestamps"] == ["true"] for q in proxy.log_requests)
    assert all("sinceTime" in q for q in resumed[1 if cuts[0] == 0 else 0:])
    whole = kubectl_bytes(kubeconfig, "-n", make_pod.namespace, "logs", "drop")
    assert whole.stdout == lines_text(lines).encode()
    assert "".join(got) == whole.stdout.decode()
    assert len(got) == len(set(got)) == lines


def test_follow_with_timestamps_after_a_drop_is_kubectls_timestamped_log(make_pod, kubeconfig, tmp_path):
    make_pod("stamps", {"log-lines": "800", "log-interval": "1ms", "exit-code": "0"}, restart_policy="Never")
    with log_cut_proxy(kubeconfig, [300]) as proxy:
        with dynclient.connect(proxy_kubeconfig(proxy), cache_dir=str(tmp_path / "p"), qps=0) as pdyn:
            follow = pdyn.resource(GVR_PODS).namespace(make_pod.namespace).logs("stamps", follow=True,
                                                                               timestamps=True)
            got = b"".join(follow.raw_lines())
    theirs = kubectl_bytes(kubeconfig, "-n", make_pod.namespace, "logs", "stamps", "--timestamps")
    assert got == theirs.stdout and follow.reconnects >= 1


def test_stop_from_another_thread_ends_an_endless_follow(make_pod, pods):
    make_pod("endless", {"log-lines": "-1", "log-interval": "10ms"})
    follow = pods.logs("endless", follow=True)
    seen: List[str] = []
    done = threading.Event()

    def read() -> None:
        for line in follow:
            seen.append(line)
        done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    wait_for(lambda: len(seen) >= 20, "20 lines read")
    follow.stop()
    assert done.wait(10), "the iteration did not end after stop()"
    assert seen[:20] == [f"main line {n}" for n in range(1, 21)]


def test_follow_ends_with_the_container_instance_like_kubectl(make_pod, pods, kubeconfig):
    """restartPolicy Always: the container restarts, and the follow ends with the instance it followed."""
    make_pod("again", {"log-lines": "3", "log-interval": "200ms", "exit-code": "0"})
    follow = pods.logs("again", follow=True)
    started = time.monotonic()
    assert list(follow) == ["main line 1", "main line 2", "main line 3"]
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("kwargs, flags", [
    ({"tail_lines": 2}, ["--tail=2"]),
    ({"tail_lines": 0}, ["--tail=0"]),
    ({"limit_bytes": 15}, ["--limit-bytes=15"]),
    ({"timestamps": True}, ["--timestamps"]),
    ({"since_seconds": 3600}, ["--since=1h"]),
    ({"since_time": "2000-01-01T00:00:00Z"}, ["--since-time=2000-01-01T00:00:00Z"]),
    ({"since_time": "2999-01-01T00:00:00Z"}, ["--since-time=2999-01-01T00:00:00Z"]),
    ({"timestamps": True, "tail_lines": 1, "limit_bytes": 40}, ["--timestamps", "--tail=1", "--limit-bytes=40"]),
], ids=["tail", "tail-0", "limit-bytes", "timestamps", "since", "since-time-past", "since-time-future", "mixed"])
def test_options_give_kubectls_bytes(make_pod, pods, kubeconfig, kwargs, flags):
    make_pod("opts", {"log-lines": "5", "exit-code": "0"}, restart_policy="Never", phase="Succeeded")
    theirs = kubectl_bytes(kubeconfig, "-n", make_pod.namespace, "logs", "opts", *flags)
    assert theirs.returncode == 0, theirs.stderr
    assert pods.logs("opts", **kwargs).encode() == theirs.stdout
    if kwargs.get("tail_lines") != 0 and not kwargs.get("since_time", "").startswith("2999"):
        assert theirs.stdout  # the case shows something


@pytest.mark.parametrize("kwargs, flags", [
    ({"tail_lines": 2}, ["--tail=2"]),
    ({"limit_bytes": 15}, ["--limit-bytes=15"]),
    ({"timestamps": True, "limit_bytes": 50}, ["--timestamps", "--limit-bytes=50"]),
], ids=["tail", "limit-bytes", "timestamps-limit-bytes"])
def test_follow_options_give_kubectls_bytes(make_pod, pods, kubeconfig, kwargs, flags):
    make_pod("fopts", {"log-lines": "5", "exit-code": "0"}, restart_policy="Never", phase="Succeeded")
    theirs = kubectl_bytes(kubeconfig, "-n", make_pod.namespace, "logs", "-f", "fopts", *flags)
    assert theirs.returncode == 0, theirs.stderr
    assert b"".join(pods.logs("fopts", follow=True, **kwargs).raw_lines()) == theirs.stdout


def test_previous_is_the_instance_before_the_restart(make_pod, pods, kubeconfig):
    make_pod("prev", {"log-lines": "2", "log-text": "{container} says {n}", "exit-code": "0", "run-for": "2s"})
    wait_for(lambda: (pods.get("prev")["status"].get("containerStatuses") or [{}])[0].get("restartCount", 0) >= 1,
             "a restart")
    theirs = kubectl_bytes(kubeconfig, "-n", make_pod.namespace, "logs", "prev", "--previous")
    assert theirs.returncode == 0, theirs.stderr
    assert pods.logs("prev", previous=True).encode() == theirs.stdout == b"main says 1\nmain says 2\n"


def test_errors_name_the_pod_and_containers(make_pod, pods, kubeconfig):
    make_pod("duo", {"log-lines": "1"}, containers=["a", "b"])
    with pytest.raises(ContainerRequired) as required:
        pods.logs("duo")
    assert (str(required.value), required.value.containers) == (
        "a container name must be specified for pod duo, choose one of: [a b]", ("a", "b"))
    with pytest.raises(ContainerNotFound, match="^container zz is not valid for pod duo$"):
        pods.logs("duo", "zz")
    with pytest.raises(dynclient.NotFound, match='pods "nope" not found'):
        pods.logs("nope")
    assert pods.logs("duo", "b") == "b line 1\n"
    theirs = kubectl_bytes(kubeconfig, "-n", make_pod.namespace, "logs", "duo", "-c", "a", "--previous")
    with pytest.raises(dynclient.BadRequest) as bad:
        pods.logs("duo", "a", previous=True)
    assert theirs.returncode == 1
    assert theirs.stderr.decode() == report(bad.value)  # the server's message, kept as it came (with its newline)
    assert bad.value.message.rstrip("\n") == 'previous terminated container "a" in pod "duo" not found'
