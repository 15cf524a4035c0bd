"""exec and attach through the library on the harness's full cluster, kubectl beside it for the same bytes.

The fake kubelet runs an exec'd command on the host under ``sh -c`` with a
real pseudo-terminal for ``tty`` (tests/apiserver/README.md), so ``cat``,
``stty size`` and exit codes are real ones; attach sees a fake container's
new log lines and, for a container with ``stdin: true``, writes what it
is sent to its log. The streams go through the API server's v5 translator;
offering only v4 reaches the kubelet's own WebSocket server instead (the
fallback path). Proxies are the suite's real ones (``proxies.py``).
"""

from __future__ import annotations

import hashlib
import io
import os
import socket
import subprocess
import time
import uuid
from typing import Any, Dict, Iterator

import pytest
import yaml

import dynclient
from dynclient.pods import ContainerRequired, KubeletUnreachable, PodNotRunning, channels

from ..proxies import HttpProxy, Socks5Proxy
from .conftest import GVR_PODS, new_pod_namespace, pod_manifest

MIB = 1024 * 1024
# Polls until the terminal has the size asked for (at most 10 s), then prints it: what it sees does
# not hang on when the resize lands (the kubelet applies it after the process started, as a real one).
WAIT_FOR_SIZE = ('for i in $(seq 100); do [ "$(stty size)" = "{rows} {cols}" ] && break; sleep 0.1; done; '
                 'stty size')


@pytest.fixture(scope="module")
def cluster(full_kubeconfig: str) -> Iterator[Dict[str, Any]]:
    """One namespace for the module with its pods: ``one`` (a container), ``two`` (a, with stdin; b), ``done``."""
    dyn = dynclient.connect(full_kubeconfig, disk_cache=False)
    name = new_pod_namespace(dyn, "x")
    namespaces = dyn.resource(dynclient.GroupVersionResource("", "v1", "namespaces"))
    pods = dyn.resource(GVR_PODS).namespace(name)
    two = pod_manifest("two", containers=["a", "b"])
    two["spec"]["containers"][0]["stdin"] = True
    ticking = pod_manifest("ticking", {"log-lines": "-1", "log-interval": "100ms"})
    done = pod_manifest("done", {"exit-code": "0"}, restart_policy="Never")
    for manifest in (pod_manifest("one"), two, ticking, done):
        pods.create(manifest)
    want = {"one": "Running", "two": "Running", "ticking": "Running", "done": "Succeeded"}
    deadline = time.monotonic() + 60
    while any((pods.get(p).get("status") or {}).get("phase") != phase for p, phase in want.items()):
        assert time.monotonic() < deadline, "pods not ready in 60 s"
        time.sleep(0.2)
    try:
        yield {"dyn": dyn, "pods": pods, "namespace": name, "kubeconfig": full_kubeconfig}
    finally:
        try:
            namespaces.delete(name)
        except dynclient.NotFound:
            pass
        dyn.close()


def kubectl(cluster, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run(["kubectl", "--kubeconfig", cluster["kubeconfig"], "-n", cluster["namespace"], *args],
                          input=stdin, capture_output=True, timeout=120)


@pytest.mark.parametrize("script, stdout, stderr, code", [
    pytest.param("echo out; echo err >&2", b"out\n", b"err\n", 0, id="both-streams"),
    pytest.param("exit 1", b"", b"", 1, id="exit-1"),
    pytest.param("echo partial; exit 3", b"partial\n", b"", 3, id="exit-3"),
    pytest.param("exit 255", b"", b"", 255, id="exit-255"),
    pytest.param("exec /no/such/command", b"", b"sh: 1: exec: /no/such/command: not found\n", 127,
                 id="not-found-127"),
])
def test_exit_codes_are_results(cluster, script, stdout, stderr, code):
    result = cluster["pods"].exec("one", ["sh", "-c", script])
    assert (result.stdout, result.stderr, result.exit_code) == (stdout, stderr, code)
    theirs = kubectl(cluster, "exec", "one", "--", "sh", "-c", script)
    assert theirs.stdout == result.stdout and theirs.returncode == code


@pytest.mark.parametrize("how", ["bytes", "file"])
def test_ten_mib_through_cat(cluster, tmp_path, how):
    data = os.urandom(10 * MIB)
    path = tmp_path / "in.bin"
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    if how == "bytes":
        result = cluster["pods"].exec("one", ["cat"], stdin=data)
    else:
        with open(path, "rb") as fh:
            result = cluster["pods"].exec("one", ["cat"], stdin=fh)
    assert result.exit_code == 0 and result.stderr == b""
    assert hashlib.sha256(result.stdout).hexdigest() == digest
    with open(path, "rb") as fh:
        theirs = subprocess.run(["kubectl", "--kubeconfig", cluster["kubeconfig"], "-n", cluster["namespace"],
                                 "exec", "-i", "one", "--", "cat"], stdin=fh, capture_output=True, timeout=120)
    assert theirs.returncode == 0
    assert hashlib.sha256(theirs.stdout).hexdigest() == digest


def test_sha256_of_stdin_computed_remotely(cluster):
    data = os.urandom(3 * MIB + 7)
    result = cluster["pods"].exec("one", ["sha256sum"], stdin=io.BytesIO(data))
    assert result.stdout.split()[0].decode() == hashlib.sha256(data).hexdigest()


def test_v5_is_what_the_server_picks(cluster):
    with cluster["pods"].exec_session("one", ["true"], stdin=False) as session:
        assert session.protocol == channels.V5
        assert session.wait(30) == 0


@pytest.fixture
def only_v4(monkeypatch):
    """Offer v4 alone: the API server then proxies the upgrade to the kubelet's own WebSocket server."""
    monkeypatch.setattr(channels, "PROTOCOLS", (channels.V4,))


def test_v4_fallback(cluster, only_v4):
    result = cluster["pods"].exec("one", ["sh", "-c", "echo via v4; echo e >&2; exit 4"])
    assert (result.stdout, result.stderr, result.exit_code) == (b"via v4\n", b"e\n", 4)
    with cluster["pods"].exec_session("one", ["sh", "-c", "read line; echo got $line"]) as session:
        assert session.protocol == channels.V4
        session.write_stdin(b"hello\n")
        assert session.close_stdin() is False  # v4 cannot half-close; the command ended on its own input
        assert session.wait(30) == 0
        assert session.stdout.read() == b"got hello\n"


def test_tty_merges_stderr_and_is_a_terminal(cluster):
    result = cluster["pods"].exec("one", ["sh", "-c", "tty; echo to-stderr >&2"], tty=True)
    assert result.stdout.startswith(b"/dev/pts/") and result.stdout.endswith(b"\r\nto-stderr\r\n")
    assert result.stderr == b"" and result.exit_code == 0


@pytest.mark.parametrize("sizes, seen", [
    pytest.param([(111, 33)], b"33 111\r\n", id="one-size"),
    pytest.param([(80, 24), (120, 40)], b"40 120\r\n", id="resized-while-running"),
])
def test_stty_size_sees_the_resize(cluster, sizes, seen):
    rows, cols = seen.split()[0].decode(), seen.split()[1].decode()
    with cluster["pods"].exec_session("one", ["sh", "-c", WAIT_FOR_SIZE.format(rows=rows, cols=cols)],
                                      tty=True) as session:
        for width, height in sizes:
            session.resize(width, height)
            time.sleep(0.2)
        assert session.wait(30) == 0
        assert session.stdout.read().endswith(seen)


def test_interactive_session(cluster):
    with cluster["pods"].exec_session("one", ["sh", "-c", "while read l; do echo \"<$l>\"; done; echo bye"]) as s:
        for word in (b"alpha", b"beta"):
            s.write_stdin(word + b"\n")
            got = b""
            while not got.endswith(b">\n"):
                got += s.stdout.read(100, timeout=30)
            assert got == b"<" + word + b">\n"
        assert s.close_stdin() is True
        assert s.wait(30) == 0
        assert s.stdout.read() == b"bye\n"


def test_attach_writes_stdin_to_the_containers_log(cluster):
    with cluster["pods"].attach("two", "a") as session:
        session.write_stdin(b"first line\nsecond line\n")
        assert session.close_stdin() is True
        assert session.wait(30) == 0
        assert session.stdout.read() == b"first line\nsecond line\n"
    log = kubectl(cluster, "logs", "two", "-c", "a")
    assert log.stdout.endswith(b"first line\nsecond line\n")


def test_attach_sees_new_log_lines(cluster):
    with cluster["pods"].attach("ticking", stdin=False) as session:
        got = b""
        deadline = time.monotonic() + 30
        while got.count(b"\n") < 3 and time.monotonic() < deadline:
            got += session.stdout.read(4096, timeout=30)
    lines = got.decode().splitlines()[:3]
    assert all(line.startswith("main line ") for line in lines)
    numbers = [int(line.split()[-1]) for line in lines]
    assert numbers == list(range(numbers[0], numbers[0] + 3))  # new lines, in order, none skipped


@pytest.mark.parametrize("call, error, message", [
    pytest.param(lambda p: p.exec("nope", ["true"]), dynclient.NotFound, 'pods "nope" not found', id="no-pod"),
    pytest.param(lambda p: p.exec("two", ["true"]), ContainerRequired,
                 "a container name must be specified for pod two, choose one of: [a b]", id="which-container"),
    pytest.param(lambda p: p.exec("done", ["true"]), PodNotRunning,
                 "cannot exec into a container in a completed pod; current phase is Succeeded", id="completed"),
    pytest.param(lambda p: p.attach("done"), PodNotRunning,
                 "cannot attach a container in a completed pod; current phase is Succeeded", id="attach-completed"),
])
def test_errors_in_the_tree(cluster, call, error, message):
    with pytest.raises(error) as info:
        call(cluster["pods"])
    assert message in str(info.value)


def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]


@pytest.fixture
def ghost_pod(cluster) -> Iterator[str]:
    """A pod bound to a Node whose kubelet port nothing listens on: the API server cannot reach it."""
    dyn = cluster["dyn"]
    nodes = dyn.resource(dynclient.GroupVersionResource("", "v1", "nodes"))
    node = f"ghost-{uuid.uuid4().hex[:8]}"
    nodes.create({"apiVersion": "v1", "kind": "Node",
                  "metadata": {"name": node},
                  "spec": {"taints": [{"key": "dynclient.test/ghost", "effect": "NoSchedule"}]},
                  "status": {"addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
                             "daemonEndpoints": {"kubeletEndpoint": {"Port": closed_port()}}}})
    try:
        manifest = pod_manifest("ghosted", nodeName=node)
        cluster["pods"].create(manifest)
        yield "ghosted"
    finally:
        try:
            cluster["pods"].delete("ghosted", grace_period_seconds=0)
        except dynclient.NotFound:
            pass
        nodes.delete(node)


def test_kubelet_unreachable(cluster, ghost_pod):
    with pytest.raises(KubeletUnreachable) as info:
        cluster["pods"].exec(ghost_pod, ["true"])
    err = info.value
    assert "connect: connection refused" in str(err)
    assert err.status["code"] == 500 and err.status["status"] == "Failure"
    theirs = kubectl(cluster, "exec", ghost_pod, "--", "true")
    assert theirs.returncode == 1
    assert theirs.stderr.decode() == f"error: {err}\n"  # kubectl prints the server's message as it came


def kubeconfig_through(cluster, tmp_path, url: str) -> str:
    with open(cluster["kubeconfig"]) as fh:
        config = yaml.safe_load(fh)
    config["clusters"][0]["cluster"]["proxy-url"] = url
    path = tmp_path / "proxied.yaml"
    path.write_text(yaml.safe_dump(config))
    return str(path)


@pytest.mark.parametrize("kind", [HttpProxy, Socks5Proxy], ids=["http-connect", "socks5"])
def test_exec_through_a_proxy(cluster, tmp_path, kind):
    proxy = kind()
    try:
        path = kubeconfig_through(cluster, tmp_path, proxy.url)
        with dynclient.connect(path, disk_cache=False) as dyn:
            pods = dyn.resource(GVR_PODS).namespace(cluster["namespace"])
            data = os.urandom(MIB)
            result = pods.exec("one", ["cat"], stdin=data)
        assert result.stdout == data and result.exit_code == 0
        with open(cluster["kubeconfig"]) as fh:
            server = yaml.safe_load(fh)["clusters"][0]["cluster"]["server"]
        port = int(server.rsplit(":", 1)[1])
        tunnels = [s for s in proxy.seen if s.opened]
        assert len(tunnels) >= 2  # the pod GET, then the WebSocket, each through the proxy
        assert all((s.host, s.port) == ("127.0.0.1", port) and s.first_byte == 0x16 for s in tunnels)
    finally:
        proxy.close()
