"""``dynclient exec`` and ``dynclient attach`` beside kubectl on the full cluster: the same bytes, the same exit code.

Both run as subprocesses with the same stdin, so what is compared is what
a user sees: stdout, stderr and the exit code. The only difference allowed
is the program's own name in kubectl's "See 'kubectl exec -h'" hint.

With ``-t`` both run under a real pseudo-terminal (``pty``) that is their
controlling terminal, of a known size: raw mode, the first size and a
SIGWINCH on a resize of that terminal are then exercised as a user's
terminal would, and the terminal's bytes compared.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Sequence, Tuple

import pytest

import dynclient

from .conftest import GVR_PODS, new_pod_namespace, pod_manifest

ROOT = Path(__file__).resolve().parents[3]
WAIT_FOR_SIZE = ('echo ready; for i in $(seq 100); do [ "$(stty size)" = "{rows} {cols}" ] && break; sleep 0.1; '
                 'done; stty size')


@pytest.fixture(scope="module")
def cluster(full_kubeconfig: str, tmp_path_factory) -> Iterator[Dict[str, Any]]:
    """One namespace with ``one``, ``two`` (a with stdin, b), ``ttyc`` (tty and stdin), ``done`` (Succeeded)."""
    dyn = dynclient.connect(full_kubeconfig, disk_cache=False)
    name = new_pod_namespace(dyn, "c")
    namespaces = dyn.resource(dynclient.GroupVersionResource("", "v1", "namespaces"))
    pods = dyn.resource(GVR_PODS).namespace(name)
    two = pod_manifest("two", containers=["a", "b"])
    two["spec"]["containers"][0]["stdin"] = True
    ttyc = pod_manifest("ttyc")
    ttyc["spec"]["containers"][0].update(stdin=True, tty=True)
    for manifest in (pod_manifest("one"), two, ttyc,
                     pod_manifest("done", {"exit-code": "0"}, restart_policy="Never")):
        pods.create(manifest)
    want = {"one": "Running", "two": "Running", "ttyc": "Running", "done": "Succeeded"}
    deadline = time.monotonic() + 60
    while any((pods.get(p).get("status") or {}).get("phase") != phase for p, phase in want.items()):
        assert time.monotonic() < deadline, "pods not ready"
        time.sleep(0.2)
    cache = tmp_path_factory.mktemp("cli-exec-cache")
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
            cluster["namespace"], *args]


def run(cluster, program: str, args: Sequence[str], stdin: bytes) -> Tuple[int, bytes, bytes]:
    proc = subprocess.run(argv(cluster, program, args), input=stdin, capture_output=True, timeout=120, cwd=ROOT)
    return proc.returncode, proc.stdout, proc.stderr


#: A klog line of client-go's (``E1203 17:05:51.502266   20684 websocket.go:296] Unknown stream id 1,
#: discarding message``): kubectl logs a few races of its own now and then; they are not its output.
KLOG = re.compile(rb"[IWEF]\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ [\w.-]+:\d+\] [^\n]*\n")


def without_klog(data: bytes) -> bytes:
    return KLOG.sub(b"", data)


def same_as_kubectl(cluster, args: Sequence[str], stdin: bytes = b"") -> Tuple[int, bytes, bytes]:
    theirs = run(cluster, "kubectl", args, stdin)
    ours = run(cluster, "dynclient", args, stdin)
    expected = (theirs[0], theirs[1], without_klog(theirs[2]).replace(b"See 'kubectl ", b"See 'dynclient "))
    assert ours == expected, f"dynclient {' '.join(args)}"
    return ours


@pytest.mark.parametrize("args, stdin, code", [
    pytest.param(["exec", "one", "--", "sh", "-c", "echo hi; echo err >&2; exit 3"], b"", 3, id="exit-3"),
    pytest.param(["exec", "one", "--", "ls", "/no/such/dir"], b"", 2, id="ls-exit-2"),
    pytest.param(["exec", "one", "--", "/no/such/command"], b"", 127, id="not-found-127"),
    pytest.param(["exec", "two", "--", "echo", "x"], b"", 0, id="defaulted-container"),
    pytest.param(["exec", "-q", "two", "--", "echo", "x"], b"", 0, id="quiet"),
    pytest.param(["exec", "-c", "b", "two", "--", "echo", "x"], b"", 0, id="named-container"),
    pytest.param(["exec", "-c", "nope", "two", "--", "echo", "x"], b"", 1, id="no-such-container"),
    pytest.param(["exec", "done", "--", "echo", "x"], b"", 1, id="completed-pod"),
    pytest.param(["exec", "missing", "--", "echo", "x"], b"", 1, id="missing-pod"),
    pytest.param(["exec", "one"], b"", 1, id="no-command"),
    pytest.param(["exec"], b"", 1, id="no-pod"),
    pytest.param(["exec", "--", "one", "echo"], b"", 1, id="dash-first"),
    pytest.param(["exec", "one", "echo", "x"], b"", 1, id="no-dash"),
    pytest.param(["exec", "pod/one", "--", "echo", "x"], b"", 0, id="pod-slash-name"),
    pytest.param(["exec", "one", "-i", "--", "cat"], b"line1\nline2\n", 0, id="stdin-flag-after-pod"),
    pytest.param(["exec", "-i", "one", "--", "sh", "-c", "cat; echo done >&2"], b"a\x00b\xff", 0, id="binary-stdin"),
    pytest.param(["exec", "one", "--", "cat"], b"not sent", 0, id="no-stdin-without-i"),
    pytest.param(["exec", "-t", "one", "--", "sh", "-c", "tty; true"], b"", 0, id="t-without-i"),
    pytest.param(["exec", "-it", "one", "--", "sh", "-c", "tty; true"], b"", 0, id="it-without-terminal"),
    pytest.param(["exec", "-itq", "one", "--", "echo", "q"], b"", 0, id="it-quiet"),
    pytest.param(["exec", "one", "--", "sh", "-c", "echo -n $HOSTNAME"], b"", 0, id="args-verbatim"),
])
def test_exec_like_kubectl(cluster, args, stdin, code):
    assert same_as_kubectl(cluster, args, stdin)[0] == code


@pytest.mark.parametrize("args, stdin, code", [
    pytest.param(["attach", "-i", "two"], b"line1\nline2\n", 0, id="stdin-to-the-log"),
    pytest.param(["attach", "-q", "-i", "two"], b"q1\n", 0, id="quiet"),
    pytest.param(["attach", "-it", "two"], b"t\n", 0, id="tty-refused-by-container"),
    pytest.param(["attach", "pod", "two", "-i", "-c", "a"], b"tn\n", 0, id="type-name"),
    pytest.param(["attach", "done"], b"", 1, id="completed-pod"),
    pytest.param(["attach", "missing"], b"", 1, id="missing-pod"),
    pytest.param(["attach", "-c", "nope", "two"], b"", 1, id="no-such-container"),
    pytest.param(["attach"], b"", 1, id="no-pod"),
    pytest.param(["attach", "a", "b", "c"], b"", 1, id="three-args"),
])
def test_attach_like_kubectl(cluster, args, stdin, code):
    assert same_as_kubectl(cluster, args, stdin)[0] == code


@pytest.fixture
def ghost_pod(cluster) -> Iterator[str]:
    """A pod bound to a Node whose kubelet port nothing listens on: the API server cannot reach it."""
    import socket

    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]
    with dynclient.connect(cluster["kubeconfig"], disk_cache=False) as dyn:
        nodes = dyn.resource(dynclient.GroupVersionResource("", "v1", "nodes"))
        pods = dyn.resource(GVR_PODS).namespace(cluster["namespace"])
        node = f"ghost-{uuid.uuid4().hex[:8]}"
        nodes.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": node},
                      "spec": {"taints": [{"key": "dynclient.test/ghost", "effect": "NoSchedule"}]},
                      "status": {"addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
                                 "daemonEndpoints": {"kubeletEndpoint": {"Port": port}}}})
        try:
            pods.create(pod_manifest("ghosted", nodeName=node))
            yield "ghosted"
        finally:
            try:
                pods.delete("ghosted", grace_period_seconds=0)
            except dynclient.NotFound:
                pass
            nodes.delete(node)


@pytest.mark.parametrize("verb", ["exec", "attach"])
def test_kubelet_unreachable_like_kubectl(cluster, ghost_pod, verb):
    args = ["exec", ghost_pod, "--", "true"] if verb == "exec" else ["attach", ghost_pod]
    code, _, err = same_as_kubectl(cluster, args)
    assert code == 1 and b"connect: connection refused" in err


def test_ten_mib_through_the_cli(cluster, tmp_path):
    data = os.urandom(10 * 1024 * 1024)
    code, out, err = same_as_kubectl(cluster, ["exec", "-i", "one", "--", "cat"], data)
    assert (code, err) == (0, b"")
    assert hashlib.sha256(out).hexdigest() == hashlib.sha256(data).hexdigest()


# -- under a terminal ------------------------------------------------------------------


def set_size(fd: int, rows: int, cols: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def under_pty(command: List[str], steps: Sequence[Tuple[str, Any]], timeout: float = 60) -> Tuple[bytes, int, bytes]:
    """Run ``command`` on a new pty of 33x111 as its controlling terminal; play ``steps``; (bytes, code, stty -g).

    Steps: ``("wait", b"text")`` until the terminal showed it, ``("resize", (rows, cols))``
    (the kernel sends SIGWINCH), ``("write", b"keys")``. The last item is the terminal's
    settings after the command ended, to check it restored them.
    """
    master, slave = pty.openpty()
    set_size(slave, 33, 111)
    before = subprocess.run(["stty", "-g"], stdin=slave, capture_output=True).stdout

    def controlling() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, preexec_fn=controlling, cwd=ROOT)
    out = b""
    deadline = time.monotonic() + timeout

    def pump(until: bytes = b"") -> None:
        nonlocal out
        while time.monotonic() < deadline and (not until or until not in out):
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                if proc.poll() is not None and not until:
                    return
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every writer of the terminal is gone
                return
            if not data:
                return
            out += data

    def pump_for(seconds: float) -> None:
        nonlocal deadline
        saved, deadline = deadline, time.monotonic() + seconds
        pump(b"\x00never")
        deadline = saved

    try:
        for kind, arg in steps:
            if kind == "wait":
                pump(arg)
                assert arg in out, f"{arg!r} never showed: {out!r}"
            elif kind == "resize":
                set_size(master, *arg)
            elif kind == "write":
                os.write(master, arg)
            elif kind == "sleep":
                pump_for(arg)
            elif kind == "signal":
                time.sleep(0.5)  # what was sent has had time to come back
                pump_for(0.5)
                proc.send_signal(arg)
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        pump()
        after = subprocess.run(["stty", "-g"], stdin=slave, capture_output=True).stdout
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
        os.close(slave)
    assert after == before, "the terminal's settings were not restored"
    return out, code, after


@pytest.mark.parametrize("script, steps, seen", [
    pytest.param(WAIT_FOR_SIZE.format(rows=33, cols=111), [("wait", b"33 111\r\n")], b"33 111\r\n",
                 id="first-size"),
    pytest.param(WAIT_FOR_SIZE.format(rows=40, cols=120),
                 [("wait", b"ready"), ("resize", (40, 120)), ("wait", b"40 120\r\n")], b"40 120\r\n",
                 id="sigwinch-resize"),
    pytest.param("read line; echo \"got[$line]\"",
                 [("write", b"typed\r"), ("wait", b"got[typed]")], b"typed\r\ngot[typed]\r\n", id="raw-keys"),
])
def test_exec_tty_like_kubectl(cluster, script, steps, seen):
    args = ["exec", "-it", "one", "--", "sh", "-c", script]
    outputs = {}
    for program in ("kubectl", "dynclient"):
        out, code, _ = under_pty(argv(cluster, program, args), steps)
        assert code == 0, (program, out)
        assert out.endswith(seen), (program, out)
        outputs[program] = without_klog(out) if program == "kubectl" else out
    assert outputs["dynclient"] == outputs["kubectl"]


def test_exec_tty_exit_code(cluster):
    args = ["exec", "-it", "one", "--", "sh", "-c", "exit 7"]
    theirs = under_pty(argv(cluster, "kubectl", args), [])
    ours = under_pty(argv(cluster, "dynclient", args), [])
    assert (without_klog(theirs[0]), theirs[1]) == ours[:2] == (b"command terminated with exit code 7\r\n", 7)


def test_attach_tty_like_kubectl(cluster):
    """A container with a TTY: raw mode, the prompt line, a line typed comes back; SIGTERM restores and exits 1."""
    import signal

    # kubectl goes raw a moment after its prompt (dynclient before it): the keys wait for both.
    steps = [("wait", b"try pressing enter.\r\n"), ("sleep", 0.5), ("write", b"typed here\n"),
             ("wait", b"typed here\r\n"),
             ("signal", signal.SIGTERM)]
    theirs = under_pty(argv(cluster, "kubectl", ["attach", "-it", "ttyc"]), steps)
    ours = under_pty(argv(cluster, "dynclient", ["attach", "-it", "ttyc"]), steps)
    assert (without_klog(theirs[0]), theirs[1]) == ours[:2]
    assert ours == (b"If you don't see a command prompt, try pressing enter.\r\ntyped here\r\n", 1, ours[2])
