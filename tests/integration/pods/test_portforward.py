"""``port_forward`` on the full cluster: the fake kubelet's echo server behind a pod's port, kubectl beside it.

The proof the issue asks for: 50 concurrent connections each echoing 1 MiB,
the bytes equal, over ONE WebSocket (the SPDY tunnel: the dialer is counted,
not replaced) and, for the plain protocol, one WebSocket each; the same with
``kubectl port-forward``; the kubelet's error channel (a pod port whose
annotation sends it to a closed loopback port) in kubectl's words; the end
of the context stops listening.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import threading
import time
from typing import List, Optional, Sequence

import pytest

import dynclient
from dynclient.pods import PodNotRunning
from dynclient.pods import portforward as pfmod
from dynclient.pods.portforward import ForwardingFailed, PortForward

from .conftest import GVR_PODS

MIB = 1 << 20


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def echo_many(port: int, payloads: Sequence[bytes], timeout: float = 120) -> List[Optional[bytes]]:
    """Each payload through its own connection, all at once; what came back on each."""
    results: List[Optional[bytes]] = [None] * len(payloads)

    def one(i: int) -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
            sender = threading.Thread(target=c.sendall, args=(payloads[i],))
            sender.start()
            got = bytearray()
            while len(got) < len(payloads[i]):
                chunk = c.recv(1 << 18)
                if not chunk:
                    break
                got += chunk
            sender.join()
            results[i] = bytes(got)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(payloads))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results


@pytest.fixture(scope="module")
def payloads() -> List[bytes]:
    return [os.urandom(MIB) for _ in range(50)]


@pytest.fixture
def count_dials(monkeypatch) -> List[str]:
    """The targets dialed (a spy around the real dialers: nothing changes but the count)."""
    seen: List[str] = []
    real_tunnel, real_dial = pfmod.dial_tunnel, pfmod.dial

    def tunnel(transport, target, subprotocol, **kw):
        seen.append(target)
        return real_tunnel(transport, target, subprotocol, **kw)

    def plain(transport, target, subprotocols, **kw):
        seen.append(target)
        return real_dial(transport, target, subprotocols, **kw)

    monkeypatch.setattr(pfmod, "dial_tunnel", tunnel)
    monkeypatch.setattr(pfmod, "dial", plain)
    return seen


@pytest.mark.parametrize("protocol, websockets", [
    pytest.param("auto", 1, id="spdy-tunnel-one-websocket"),
    pytest.param("websocket", 50, id="plain-websocket-each"),
])
def test_fifty_connections_echo_a_mebibyte_each(dyn, make_pod, payloads, count_dials, protocol, websockets):
    make_pod("web")
    pods = dyn.resource(GVR_PODS).namespace(make_pod.namespace)
    with PortForward(pods, "web", [8080], protocol=protocol) as pf:
        results = echo_many(pf.local_ports[0], payloads)
        wrong = [(i, None if r is None else len(r)) for i, (r, p) in enumerate(zip(results, payloads)) if r != p]
        assert wrong == [] and pf.errors == [], (wrong, pf.errors)
    assert len(count_dials) == websockets
    path = f"/api/v1/namespaces/{make_pod.namespace}/pods/web/portforward"
    assert set(count_dials) == ({path} if websockets == 1 else {path + "?ports=8080"})


def kubectl_forward(kubeconfig: str, namespace: str, *args: str) -> "subprocess.Popen[str]":
    return subprocess.Popen(["kubectl", "--kubeconfig", kubeconfig, "-n", namespace, "port-forward", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def first_port(proc: "subprocess.Popen[str]") -> int:
    line = proc.stdout.readline()
    match = re.match(r"Forwarding from 127\.0\.0\.1:(\d+) -> \d+", line)
    assert match, f"kubectl said {line!r}"
    return int(match.group(1))


def test_kubectl_echoes_the_same_bytes(kubeconfig, make_pod, payloads):
    make_pod("web")
    proc = kubectl_forward(kubeconfig, make_pod.namespace, "web", ":8080", "--address", "127.0.0.1")
    try:
        results = echo_many(first_port(proc), payloads)
        assert [r == p for r, p in zip(results, payloads)] == [True] * 50
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_the_error_channel_in_kubectls_words(dyn, kubeconfig, make_pod):
    dead = closed_port()
    make_pod("web", {"port-81": str(dead)})
    pods = dyn.resource(GVR_PODS).namespace(make_pod.namespace)
    reported: List[Exception] = []
    with PortForward(pods, "web", [81, 80], on_error=reported.append) as pf:
        bad, good = pf.local_ports
        assert echo_many(bad, [b"hello"]) == [b""], "the failing local connection is closed"
        assert echo_many(good, [b"still here"]) == [b"still here"], "the others go on"
        for _ in range(100):
            if pf.errors:
                break
            time.sleep(0.05)
        [err] = pf.errors
    assert reported == [err] and isinstance(err, ForwardingFailed)
    assert (err.local, err.remote) == (bad, 81)
    proc = kubectl_forward(kubeconfig, make_pod.namespace, "web", ":81", "--address", "127.0.0.1")
    try:
        theirs = first_port(proc)
        assert echo_many(theirs, [b"hello"]) == [b""]
        _, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    match = re.search(r'err="an error occurred forwarding (\d+) -> 81: (.*)"\n', stderr)
    assert match, stderr
    assert str(err) == f"an error occurred forwarding {bad} -> 81: {match.group(2)}"
    assert f"127.0.0.1:{dead}" in err.reason and "connection refused" in err.reason


def test_closing_the_context_stops_listening(dyn, make_pod):
    make_pod("web")
    pods = dyn.resource(GVR_PODS).namespace(make_pod.namespace)
    with PortForward(pods, "web", [80]) as pf:
        port = pf.local_ports[0]
        assert echo_many(port, [b"x" * 1000]) == [b"x" * 1000]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_through_the_pods_client(dyn, make_pod):
    """``dyn.resource("po").namespace(ns).port_forward(...)``, the way users reach it."""
    make_pod("web")
    with dyn.resource("po").namespace(make_pod.namespace).port_forward("web", ["0:9000"]) as pf:
        assert echo_many(pf.local_ports[0], [b"via the verb"]) == [b"via the verb"]


def test_a_pending_pod_is_refused_as_kubectl_refuses_it(dyn, kubectl, make_pod):
    make_pod("held", phase="Pending", schedulingGates=[{"name": "hold"}])
    pods = dyn.resource(GVR_PODS).namespace(make_pod.namespace)
    with pytest.raises(PodNotRunning) as info:
        PortForward(pods, "held", [80]).start()
    theirs = kubectl("-n", make_pod.namespace, "port-forward", "held", ":80", check=False)
    assert theirs.returncode == 1
    assert theirs.stderr == f"error: {info.value}\n"
    assert info.value.phase == "Pending"


def test_a_missing_pod_is_not_found(dyn, make_pod):
    pods = dyn.resource(GVR_PODS).namespace(make_pod.namespace)
    with pytest.raises(dynclient.NotFound):
        PortForward(pods, "nope", [80]).start()


@pytest.mark.parametrize("protocol", ["spdy", "websocket"])
def test_sixty_four_mib_through_one_connection(dyn, make_pod, protocol):
    """Sending and reading at once, as fast as both go: with a send blocked inside websockets' lock this stalled
    (the reader could not drain, so the echo stopped reading us); see portforward_wsgate."""
    make_pod("web")
    pods = dyn.resource(GVR_PODS).namespace(make_pod.namespace)
    payload = os.urandom(64 * MIB)
    with PortForward(pods, "web", [80], protocol=protocol) as pf:
        [result] = echo_many(pf.local_ports[0], [payload], timeout=300)
    assert result is not None and len(result) == len(payload) and result == payload
