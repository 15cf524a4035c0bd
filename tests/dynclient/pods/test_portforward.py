"""PortForward without a cluster: the pod GET on the reply server, the tunnel a scripted kubelet, real local sockets.

The local side is loopback sockets because listening and accepting is the
point; the tunnel is ``FakeKubelet`` (SPDY) or ``FakeV4`` (the plain
WebSocket protocol), put in place of the dialers.
"""

from __future__ import annotations

import queue
import re
import socket
import threading
from typing import Any, List, Optional

import pytest
from websockets.exceptions import ConnectionClosedOK
from websockets.frames import Close

from discovery.errors import BadRequest, Forbidden, NotFound, StatusError, TransportError
from discovery.types import GroupVersionKind, GroupVersionResource
from dynclient.cli.port_forward import translate_ports
from dynclient.pods import PodIOError, PodNotRunning
from dynclient.pods import portforward as pfmod
from dynclient.pods.portforward import ForwardingFailed, ListenFailed, PortForward, TunnelLost
from dynclient.pods.portforward_ports import PortMapping, parse_port, parse_ports
from dynclient.pods.portforward_spdy import SpdyCarrier
from dynclient.pods.portforward_ws import WebSocketCarrier
from dynclient.resource import ResourceClient
from restmapper.mapping import RESTMapping, Scope

from .test_portforward_spdy import FakeKubelet

PODS = RESTMapping(GroupVersionResource("", "v1", "pods"), GroupVersionKind("", "v1", "Pod"), Scope.NAMESPACE)
POD_PATH = "/api/v1/namespaces/ns/pods/web"


def pod(phase: str = "Running", ports=()):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "ns"},
            "spec": {"containers": [{"name": "main", "ports": [{"name": n, "containerPort": p} for n, p in ports]}]},
            "status": {"phase": phase}}


@pytest.fixture
def pods(transport):
    return ResourceClient(transport, PODS).namespace("ns")


class FakeV4:
    """The kubelet's plain WebSocket port-forward for one port: the port first on both channels, then echo."""

    subprotocol = "v4.channel.k8s.io"

    def __init__(self, port: int, refuse: str = "") -> None:
        self._in: "queue.Queue[Any]" = queue.Queue()
        self.closed = threading.Event()
        self.refuse = refuse
        self._pair = socket.socketpair()  # ``.socket``: what the write gate polls (always writable here)
        self.socket = self._pair[0]
        self._in.put(bytes([0]) + port.to_bytes(2, "little"))
        self._in.put(bytes([1]) + port.to_bytes(2, "little"))
        if refuse:
            self._in.put(bytes([1]) + refuse.encode())
            self.close()

    def send(self, message: bytes) -> None:
        if self.closed.is_set():
            raise ConnectionClosedOK(Close(1000, ""), Close(1000, ""), True)
        assert message[0] == 0
        self._in.put(message)

    def recv(self, timeout: Optional[float] = None) -> Any:
        try:
            item = self._in.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError() from None
        if isinstance(item, BaseException):
            self._in.put(item)
            raise item
        return item

    def close(self) -> None:
        if not self.closed.is_set():
            self.closed.set()
            self._in.put(ConnectionClosedOK(Close(1000, ""), Close(1000, ""), True))
        for s in self._pair:
            s.close()


@pytest.fixture
def tunnel(monkeypatch):
    """Replace the dialers: ``tunnel.kubelet`` answers SPDY, ``tunnel.v4`` records plain dials."""
    state = type("Tunnel", (), {})()
    state.kubelet = FakeKubelet()
    state.spdy_dials: List[str] = []
    state.v4_dials: List[str] = []
    state.refuse_spdy: Optional[Exception] = None
    state.v4_refuse = ""
    state.v4_broken_upgrades = 0

    def fake_tunnel(transport, target, subprotocol, timeout=None):
        assert subprotocol == "SPDY/3.1+portforward.k8s.io"
        state.spdy_dials.append(target)
        if state.refuse_spdy is not None:
            raise state.refuse_spdy
        return state.kubelet

    def fake_dial(transport, target, subprotocols, timeout=None):
        assert list(subprotocols) == ["v4.channel.k8s.io"]
        state.v4_dials.append(target)
        if state.v4_broken_upgrades:
            state.v4_broken_upgrades -= 1
            raise TransportError(f"GET {target}: WebSocket handshake failed: did not receive a valid HTTP response")
        conn = FakeV4(int(target.rpartition("=")[2]), state.v4_refuse)
        made.append(conn)
        return conn

    made: List[Any] = [state.kubelet]
    monkeypatch.setattr(pfmod, "dial_tunnel", fake_tunnel)
    monkeypatch.setattr(pfmod, "dial", fake_dial)
    yield state
    for conn in made:
        conn.close()


def echo_through(port: int, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
        def send() -> None:
            try:
                c.sendall(payload)
                c.shutdown(socket.SHUT_WR)
            except OSError:  # the forwarder closed the connection first (the error channel spoke)
                pass

        sender = threading.Thread(target=send)
        sender.start()
        got = bytearray()
        while True:
            chunk = c.recv(1 << 16)
            if not chunk:
                break
            got += chunk
        sender.join()
        return bytes(got)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- ports -----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("spec, mapping", [
    pytest.param(80, PortMapping(0, 80), id="int"),
    pytest.param("80", PortMapping(0, 80), id="remote-only"),
    pytest.param(":80", PortMapping(0, 80), id="colon-remote"),
    pytest.param("8080:80", PortMapping(8080, 80), id="local-remote"),
    pytest.param("0:80", PortMapping(0, 80), id="zero-local"),
])
def test_port_specs(spec, mapping):
    assert parse_port(spec) == mapping


@pytest.mark.parametrize("spec, message", [
    pytest.param("1:2:3", "invalid port format '1:2:3'", id="three-parts"),
    pytest.param("x:80", "error parsing local port 'x': strconv.ParseUint: parsing \"x\": invalid syntax",
                 id="local-syntax"),
    pytest.param("80:y", "error parsing remote port 'y': strconv.ParseUint: parsing \"y\": invalid syntax",
                 id="remote-syntax"),
    pytest.param("70000:80", "error parsing local port '70000': strconv.ParseUint: parsing \"70000\": value out of "
                 "range", id="local-range"),
    pytest.param("80:0", "remote port must be > 0", id="remote-zero"),
    pytest.param(0, "remote port must be > 0 and < 65536, not 0", id="int-zero"),
])
def test_bad_port_specs_in_client_gos_words(spec, message):
    with pytest.raises(ValueError) as info:
        parse_port(spec)
    assert str(info.value) == message


def test_no_ports_is_an_error():
    with pytest.raises(ValueError, match="at least 1 PORT"):
        parse_ports([])


@pytest.mark.parametrize("ports, the_pod, expected", [
    pytest.param(["80"], pod(), ["80:80"], id="bare-is-local-too"),
    pytest.param([":80", "8080:80"], pod(), [":80", "8080:80"], id="kept"),
    pytest.param(["8080:http"], pod(ports=[("http", 8000)]), ["8080:8000"], id="named-remote"),
    pytest.param(["http"], pod(ports=[("http", 8000)]), ["8000:8000"], id="named-bare"),
])
def test_cli_reads_ports_as_kubectl(ports, the_pod, expected):
    assert translate_ports(the_pod, ports) == expected


def test_cli_unknown_named_port():
    with pytest.raises(ValueError, match="Pod 'web' does not have a named port 'x'"):
        translate_ports(pod(), ["8080:x"])


# -- the pod first ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("phase", ["Pending", "Succeeded", "Failed"])
def test_a_pod_not_running_is_refused_before_any_dial(mock_server, pods, tunnel, phase):
    mock_server.add("GET", POD_PATH, json=pod(phase))
    with pytest.raises(PodNotRunning) as info:
        PortForward(pods, "web", [80]).start()
    assert str(info.value) == f"unable to forward port because pod is not running. Current status={phase}"
    assert info.value.phase == phase and isinstance(info.value, PodIOError)
    assert tunnel.spdy_dials == []


def test_a_missing_pod_is_the_servers_not_found(mock_server, pods, tunnel):
    mock_server.add("GET", POD_PATH, status=404, json={"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                                      "reason": "NotFound", "code": 404,
                                                      "message": 'pods "web" not found'})
    with pytest.raises(NotFound):
        PortForward(pods, "web", [80]).start()
    assert tunnel.spdy_dials == []


def test_only_pods_in_a_namespace(transport):
    with pytest.raises(ValueError, match="needs a namespace"):
        PortForward(ResourceClient(transport, PODS), "web", [80])


# -- forwarding --------------------------------------------------------------------------------------------------------

def test_many_connections_share_one_tunnel(mock_server, pods, tunnel):
    mock_server.add("GET", POD_PATH, json=pod())
    seen: List[int] = []
    with PortForward(pods, "web", [80, ":81"], on_connection=seen.append) as pf:
        assert isinstance(pf._carrier, SpdyCarrier)
        assert len(pf.local_ports) == 2 and all(pf.local_ports)
        payloads = [bytes([i]) * (50_000 + i) for i in range(10)]
        results: List[Optional[bytes]] = [None] * 10
        threads = [threading.Thread(target=lambda i=i: results.__setitem__(
            i, echo_through(pf.local_ports[i % 2], payloads[i]))) for i in range(10)]
        [t.start() for t in threads]
        [t.join(30) for t in threads]
        assert results == payloads
        assert sorted(seen) == sorted(pf.local_ports[i % 2] for i in range(10))
    assert tunnel.spdy_dials == ["/api/v1/namespaces/ns/pods/web/portforward"]
    ports = sorted(int(h["port"][0]) for h in tunnel.kubelet.headers.values() if h["streamtype"] == ("data",))
    assert ports == [80] * 5 + [81] * 5
    ids = {h["requestid"][0] for h in tunnel.kubelet.headers.values()}
    assert len(ids) == 10 and len(tunnel.kubelet.headers) == 20
    assert pf.errors == []


def test_the_error_channel_closes_the_connection_and_is_recorded(mock_server, pods, tunnel):
    mock_server.add("GET", POD_PATH, json=pod())
    tunnel.kubelet.behaviour = lambda port: "echo" if port == 80 else f"pod port {port}: connection refused"
    reported: List[Exception] = []
    with PortForward(pods, "web", ["0:80", "0:81"], on_error=reported.append) as pf:
        good, bad = pf.local_ports
        assert echo_through(bad, b"hello") == b""
        assert echo_through(good, b"hello") == b"hello", "the other connections go on"
        [err] = pf.errors
        assert isinstance(err, ForwardingFailed) and isinstance(err, PodIOError)
        assert str(err) == f"an error occurred forwarding {bad} -> 81: pod port 81: connection refused"
        assert (err.local, err.remote, err.reason) == (bad, 81, "pod port 81: connection refused")
        assert reported == [err]
        with pytest.raises(ForwardingFailed):
            pf.check()


def test_closing_stops_listening(mock_server, pods, tunnel):
    mock_server.add("GET", POD_PATH, json=pod())
    with PortForward(pods, "web", [80]) as pf:
        port = pf.local_ports[0]
        assert echo_through(port, b"x") == b"x"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    assert tunnel.kubelet.closed.is_set()
    assert pf.wait(0) is True


def test_a_dropped_tunnel_is_lost(mock_server, pods, tunnel):
    mock_server.add("GET", POD_PATH, json=pod())
    with PortForward(pods, "web", [80]) as pf:
        tunnel.kubelet.close()
        with pytest.raises(TunnelLost, match="lost connection to pod"):
            pf.wait(10)


@pytest.mark.parametrize("refusal", [
    pytest.param(BadRequest({"code": 400, "reason": "BadRequest",
                                           "message": "unable to upgrade: no tunneling spdy protocols provided"}), id="400"),
])
def test_a_server_without_the_tunnel_gets_one_websocket_per_connection(mock_server, pods, tunnel, refusal,
                                                                       monkeypatch):
    monkeypatch.setattr("dynclient.pods.portforward_ws.LINGER", 1.0)  # no half-close in v4: the answer lingers
    mock_server.add("GET", POD_PATH, json=pod())
    tunnel.refuse_spdy = refusal
    with PortForward(pods, "web", ["0:80"]) as pf:
        assert isinstance(pf._carrier, WebSocketCarrier)
        for _ in range(3):
            assert echo_through(pf.local_ports[0], b"abc" * 1000) == b"abc" * 1000
    assert tunnel.v4_dials == ["/api/v1/namespaces/ns/pods/web/portforward?ports=80"] * 3


def test_forbidden_is_not_a_reason_to_fall_back(mock_server, pods, tunnel):
    mock_server.add("GET", POD_PATH, json=pod())
    tunnel.refuse_spdy = Forbidden({"code": 403, "reason": "Forbidden", "message": 'pods "web" is forbidden'})
    with pytest.raises(StatusError):
        PortForward(pods, "web", [80]).start()
    assert tunnel.v4_dials == []


def test_websocket_protocol_reports_the_error_channel(mock_server, pods, tunnel):
    mock_server.add("GET", POD_PATH, json=pod())
    tunnel.v4_refuse = "error forwarding port 81: refused"
    with PortForward(pods, "web", ["0:81"], protocol="websocket") as pf:
        assert echo_through(pf.local_ports[0], b"x") == b""
        for _ in range(100):
            if pf.errors:
                break
            threading.Event().wait(0.05)
        assert [str(e) for e in pf.errors] == [
            f"an error occurred forwarding {pf.local_ports[0]} -> 81: error forwarding port 81: refused"]


# -- listening ---------------------------------------------------------------------------------------------------------

def test_a_busy_port_is_reported_and_the_others_listen(mock_server, pods, tunnel):
    mock_server.add("GET", POD_PATH, json=pod())
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        taken = busy.getsockname()[1]
        with PortForward(pods, "web", [f"{taken}:80", "0:81"]) as pf:
            assert len(pf.local_ports) == 1 and pf.local_ports[0] != taken
            [failure] = pf.listen_failures
            assert str(failure) == (f"Unable to listen on port {taken}: Listeners failed to create with the following "
                                    f"errors: [unable to create listener: Error listen tcp4 127.0.0.1:{taken}: bind: "
                                    "address already in use]")


def test_no_port_at_all_is_listen_failed(mock_server, pods, tunnel):
    mock_server.add("GET", POD_PATH, json=pod())
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        taken = busy.getsockname()[1]
        with pytest.raises(ListenFailed) as info:
            PortForward(pods, "web", [f"{taken}:80"]).start()
    assert str(info.value) == f"unable to listen on any of the requested ports: [{{{taken} 80}}]"
    assert tunnel.kubelet.closed.is_set(), "the tunnel dialed for nothing is closed"


@pytest.mark.parametrize("address, expected", [
    pytest.param("127.0.0.1", [("127.0.0.1", "any")], id="ipv4"),
    pytest.param("localhost", [("127.0.0.1", "all"), ("::1", "all")], id="localhost"),
    pytest.param("localhost,127.0.0.1", [("127.0.0.1", "all"), ("::1", "all")], id="dedup"),
    pytest.param(["127.0.0.1", "::1"], [("127.0.0.1", "any"), ("::1", "any")], id="sequence"),
])
def test_addresses(address, expected):
    assert pfmod._addresses(address) == expected


def test_a_fixed_local_port_is_used(mock_server, pods, tunnel):
    mock_server.add("GET", POD_PATH, json=pod())
    port = free_port()
    with PortForward(pods, "web", [f"{port}:80"]) as pf:
        assert pf.local_ports == [port]
        assert echo_through(port, b"fixed") == b"fixed"


def test_cli_error_line_is_klogs():
    from dynclient.cli.port_forward import _klog_error

    line = _klog_error('an error occurred forwarding 1 -> 81: dial "x"')
    assert re.fullmatch(r'E\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ portforward\.go:424\] "Unhandled Error" '
                        r'err="an error occurred forwarding 1 -> 81: dial \\"x\\""\n', line), line


def test_listeners_are_announced_in_order(mock_server, pods, tunnel):
    mock_server.add("GET", POD_PATH, json=pod())
    seen: List[tuple] = []
    with PortForward(pods, "web", ["0:80", "0:81"], on_listen=lambda *a: seen.append(a)) as pf:
        assert seen == [("127.0.0.1", pf.local_ports[0], 80), ("127.0.0.1", pf.local_ports[1], 81)]
        assert pf.listeners == seen


def test_a_broken_upgrade_is_dialed_again(mock_server, pods, tunnel, monkeypatch):
    monkeypatch.setattr("dynclient.pods.portforward_ws.LINGER", 1.0)
    mock_server.add("GET", POD_PATH, json=pod())
    tunnel.v4_broken_upgrades = 2
    with PortForward(pods, "web", ["0:80"], protocol="websocket") as pf:
        assert echo_through(pf.local_ports[0], b"again") == b"again"
        assert pf.errors == []
    assert len(tunnel.v4_dials) == 3
