"""Proxies against the real server: ``proxy-url`` and the environment, http, https and socks5, beside kubectl.

Tiny real proxies (``proxies.py``) run on 127.0.0.1 and record what they
saw, so each test checks both ends: the client got the server's data, and the
proxy carried it (tunnel target, credentials, TLS bytes). kubectl is the
oracle for which requests go through a proxy: the environment cases run
kubectl and dynclient with the same environment through the same proxy and
compare what the proxy saw.

The host ``vm`` resolves to 127.0.0.1 on this machine (/etc/hosts) without
being ``localhost`` or a loopback literal, so Go's "loopback is never
proxied" rule does not apply to it; ``tls-server-name: localhost`` makes the
harness certificate fit. 192.0.2.2 is this machine's non-loopback address,
on which the API server does not listen: a proxy told to reach it dials
127.0.0.1 instead (``aliases``), while a direct connection is refused.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import socket
import subprocess
from typing import Callable, Dict, Optional, Tuple
from urllib.parse import quote, urlsplit

import pytest
import yaml

import dynclient

from .faultproxy import for_kubeconfig, proxy_kubeconfig
from .proxies import HttpProxy, HttpsProxy, Socks5Proxy

NAMESPACES = dynclient.GroupVersionResource("", "v1", "namespaces")
# Reserved and non-ASCII characters: they travel percent-encoded in the URL and must arrive decoded (UTF-8).
CREDENTIALS = ("proxy-user", "p@ss:w/rd é")
BASIC = "Basic " + base64.b64encode(":".join(CREDENTIALS).encode()).decode()
TLS_HANDSHAKE = 0x16  # first byte of a TLS record carrying a ClientHello
KINDS = {"http": HttpProxy, "https": HttpsProxy, "socks5": Socks5Proxy}


@pytest.fixture
def harness(kubeconfig) -> Tuple[Dict, str, int]:
    """The harness kubeconfig as a dict, and the API server's host and port (what a tunnel must reach)."""
    with open(kubeconfig) as fh:
        config = yaml.safe_load(fh)
    server = urlsplit(config["clusters"][0]["cluster"]["server"])
    return config, server.hostname, server.port


@pytest.fixture
def start_proxy() -> Callable[..., object]:
    """Start proxies of a kind ("http" or "socks5"), optionally requiring credentials; all closed afterwards."""
    started = []

    def start(kind: str, credentials: Optional[Tuple[str, str]] = None, aliases: Optional[Dict[str, str]] = None):
        proxy = KINDS[kind](credentials, aliases)
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        proxy.close()


def proxy_url(proxy, credentials: Optional[Tuple[str, str]] = None) -> str:
    """The proxy's URL, with ``user:password@`` percent-encoded when credentials are given."""
    parts = urlsplit(proxy.url)
    userinfo = f"{quote(credentials[0], safe='')}:{quote(credentials[1], safe='')}@" if credentials else ""
    return f"{parts.scheme}://{userinfo}{parts.netloc}"


def with_proxy(config: Dict, url: str, **cluster) -> Dict:
    """A copy of ``config`` whose cluster goes through ``url`` (and has the other ``cluster`` fields)."""
    config = yaml.safe_load(yaml.safe_dump(config))
    config["clusters"][0]["cluster"]["proxy-url"] = url
    config["clusters"][0]["cluster"].update(cluster)
    return config


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]


def sent_credentials(proxy) -> set:
    """Every distinct credential the proxy was offered: Proxy-Authorization values or socks5 (user, password)."""
    if isinstance(proxy, HttpProxy):
        return {s.authorization for s in proxy.seen}
    return {(s.username, s.password) for s in proxy.seen}


@pytest.mark.parametrize("kind, credentials", [
    pytest.param("http", None, id="http"),
    pytest.param("http", CREDENTIALS, id="http-basic-auth"),
    pytest.param("socks5", None, id="socks5"),
    pytest.param("socks5", CREDENTIALS, id="socks5-user-password"),
])
def test_requests_go_through_the_proxy(harness, kubeconfig, start_proxy, kind, credentials):
    """List and get through each proxy kind: the server's data comes back, and only through a verified TLS tunnel."""
    config, host, port = harness
    proxy = start_proxy(kind, credentials)
    with dynclient.connect(with_proxy(config, proxy_url(proxy, credentials)), disk_cache=False) as dyn:
        names = {n["metadata"]["name"] for n in dyn.resource(NAMESPACES).list()["items"]}
        default = dyn.resource(NAMESPACES).get("default")
    with dynclient.connect(kubeconfig, disk_cache=False) as direct:
        assert names == {n["metadata"]["name"] for n in direct.resource(NAMESPACES).list()["items"]}
        assert default["metadata"]["uid"] == direct.resource(NAMESPACES).get("default")["metadata"]["uid"]

    assert proxy.tunnels >= 1
    for seen in proxy.seen:
        assert (seen.host, seen.port, seen.opened) == (host, port, True)
        # TLS from the first byte: the proxy relayed a handshake it could not read, and the
        # request succeeded only because the server's certificate verified against the kubeconfig CA.
        assert seen.first_byte == TLS_HANDSHAKE
        if kind == "http":
            assert seen.method == "CONNECT"
        else:
            assert seen.address_type == "ipv4"  # an IP literal goes as an address, a name as a name (Go's dialer)
    if kind == "http":
        assert sent_credentials(proxy) == {BASIC if credentials else None}
    else:
        assert sent_credentials(proxy) == {credentials or (None, None)}


@pytest.mark.parametrize("kind", ["http", "socks5"])
def test_server_certificate_is_verified_through_the_tunnel(harness, start_proxy, kind):
    """Without the kubeconfig CA the same tunnel opens but the handshake fails: verification is not skipped."""
    config, _, _ = harness
    proxy = start_proxy(kind)
    untrusted = with_proxy(config, proxy.url)
    for field in ("certificate-authority-data", "certificate-authority"):
        untrusted["clusters"][0]["cluster"].pop(field, None)
    with dynclient.connect(untrusted, disk_cache=False) as dyn:
        with pytest.raises(dynclient.TransportError, match="CERTIFICATE_VERIFY_FAILED"):
            dyn.resource(NAMESPACES).get("default")
    assert proxy.tunnels >= 1


@pytest.mark.parametrize("kind, offered, message", [
    pytest.param("socks5", (CREDENTIALS[0], "wrong"), "SOCKS5 authentication failed",
                 id="socks5-wrong-password"),
    pytest.param("socks5", None, "All offered SOCKS5 authentication methods were rejected",
                 id="socks5-no-credentials"),
    pytest.param("http", (CREDENTIALS[0], "wrong"), "Tunnel connection failed: 407 Proxy Authentication Required",
                 id="http-wrong-password-407"),
    pytest.param("http", None, "Tunnel connection failed: 407 Proxy Authentication Required",
                 id="http-no-credentials-407"),
])
def test_proxy_refuses_the_credentials(harness, start_proxy, kind, offered, message):
    """A proxy that wants other credentials: a TransportError saying so, and no tunnel was opened."""
    config, _, _ = harness
    proxy = start_proxy(kind, CREDENTIALS)
    with dynclient.connect(with_proxy(config, proxy_url(proxy, offered)), disk_cache=False) as dyn:
        with pytest.raises(dynclient.TransportError, match=re.escape(message)):
            dyn.resource(NAMESPACES).get("default")
    assert proxy.seen and proxy.tunnels == 0
    if kind == "http":
        expected = "Basic " + base64.b64encode(":".join(offered).encode()).decode() if offered else None
        assert sent_credentials(proxy) == {expected}
    else:
        assert sent_credentials(proxy) == {offered or (None, None)}


REFUSED = r"ConnectionRefusedError: \[Errno \d+\] .*Connection refused"


@pytest.mark.parametrize("kind, unreachable, pattern", [
    pytest.param("http", "proxy", REFUSED, id="http-proxy-closed-port"),
    pytest.param("socks5", "proxy", REFUSED, id="socks5-proxy-closed-port"),
    pytest.param("http", "server", r"OSError: Tunnel connection failed: 502 Bad Gateway",
                 id="http-server-unreachable-502"),
    pytest.param("socks5", "server", r"proxy 127\.0\.0\.1:\d+ \(proxy-url\): SOCKS5Error: 0x05: Connection refused",
                 id="socks5-server-unreachable"),
])
def test_unreachable_proxy_or_server(harness, start_proxy, kind, unreachable, pattern):
    """Nothing listening at the proxy, or behind it: a TransportError naming the failure.

    ``pattern`` is a regex; ``{port}`` in it stands for the closed port.
    """
    config, host, _ = harness
    port = closed_port()
    if unreachable == "proxy":
        proxy = None
        config = with_proxy(config, f"{kind}://127.0.0.1:{port}")
    else:
        proxy = start_proxy(kind)
        config = with_proxy(config, proxy.url, server=f"https://{host}:{port}")
    with dynclient.connect(config, disk_cache=False) as dyn:
        with pytest.raises(dynclient.TransportError, match=pattern.format(port=port)):
            dyn.resource(NAMESPACES).get("default")
    if proxy is not None:
        assert proxy.seen and proxy.tunnels == 0
        assert {(s.host, s.port) for s in proxy.seen} == {(host, port)}


@pytest.mark.parametrize("kind", ["http", "socks5"])
def test_refused_proxy_is_named_in_the_error(harness, kind):
    """When the proxy itself is down, the error must point at the proxy, not at a healthy API server."""
    config, _, _ = harness
    port = closed_port()
    with dynclient.connect(with_proxy(config, f"{kind}://127.0.0.1:{port}"), disk_cache=False) as dyn:
        with pytest.raises(dynclient.TransportError) as info:
            dyn.resource(NAMESPACES).get("default")
    assert "proxy" in str(info.value).lower() and f"127.0.0.1:{port}" in str(info.value)


def test_plain_http_server_through_http_proxy(kubeconfig, start_proxy):
    """An http:// server behind an http proxy gets absolute-form requests, each with Proxy-Authorization.

    The harness only serves https, so the fault proxy (with no faults) is the
    plain-http face of the real server here.
    """
    proxy = start_proxy("http", CREDENTIALS)
    with for_kubeconfig(kubeconfig) as front:
        config = with_proxy(proxy_kubeconfig(front), proxy_url(proxy, CREDENTIALS))
        with dynclient.connect(config, disk_cache=False) as dyn:
            default = dyn.resource(NAMESPACES).get("default")
            names = {n["metadata"]["name"] for n in dyn.resource(NAMESPACES).list()["items"]}
    assert default["metadata"]["name"] == "default" and "default" in names and "kube-system" in names
    assert len(proxy.seen) >= 2  # the fault proxy closes after every reply: one connection per request
    seen = {(s.method, s.host, s.port, s.authorization) for s in proxy.seen}
    assert seen == {("GET", "127.0.0.1", front.port, BASIC)}


@pytest.mark.parametrize("kind", ["http", "socks5"], ids=["http-basic-auth", "socks5-user-password"])
def test_kubectl_goes_through_the_same_proxy(harness, start_proxy, tmp_path, kind):
    """kubectl (the oracle) and dynclient, on one kubeconfig file with proxy-url: both succeed through the proxy
    and offer it the same target and the same credentials."""
    if shutil.which("kubectl") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("kubectl is not installed")
        pytest.skip("kubectl is not installed")
    config, host, port = harness
    proxy = start_proxy(kind, CREDENTIALS)
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(with_proxy(config, proxy_url(proxy, CREDENTIALS))))

    proc = subprocess.run(["kubectl", "--kubeconfig", str(path), "--cache-dir", str(tmp_path / "kubectl-cache"),
                           "get", "ns", "default", "-o", "name"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "namespace/default"
    by_kubectl, kubectl_seen = proxy.tunnels, list(proxy.seen)
    assert by_kubectl >= 1

    with dynclient.connect(str(path), disk_cache=False) as dyn:
        assert dyn.resource(NAMESPACES).get("default")["metadata"]["name"] == "default"
    assert proxy.tunnels > by_kubectl
    dynclient_seen = proxy.seen[len(kubectl_seen):]
    assert {(s.host, s.port) for s in kubectl_seen} == {(s.host, s.port) for s in dynclient_seen} == {(host, port)}
    if kind == "http":
        assert {s.authorization for s in kubectl_seen} == {s.authorization for s in dynclient_seen} == {BASIC}
    else:
        assert ({(s.username, s.password) for s in kubectl_seen} == {(s.username, s.password) for s in dynclient_seen}
                == {CREDENTIALS})
        assert {s.address_type for s in kubectl_seen} == {s.address_type for s in dynclient_seen}


# -- the environment, with kubectl as the oracle ---------------------------------------------------

PROXY_VARIABLES = {"HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "ALL_PROXY", "REQUEST_METHOD"}


def need_kubectl() -> None:
    if shutil.which("kubectl") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("kubectl is not installed")
        pytest.skip("kubectl is not installed")


def trusting_the_proxy(config: Dict, host: str, port: int, **cluster) -> Dict:
    """A copy of ``config`` for ``https://host:port`` whose CAs also trust the test proxies' certificate.

    Go checks an https proxy's certificate against the cluster's own CAs, so
    both clients need the proxy's certificate in ``certificate-authority-data``.
    """
    from tests.replyserver import CERT_PEM

    config = yaml.safe_load(yaml.safe_dump(config))
    entry = config["clusters"][0]["cluster"]
    ca = base64.b64decode(entry["certificate-authority-data"]) + b"\n" + CERT_PEM
    entry.update({"server": f"https://{host}:{port}", "certificate-authority-data": base64.b64encode(ca).decode(),
                  "tls-server-name": "localhost", **cluster})
    return config


def run_kubectl(path, cache, env: Dict[str, str]) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k.upper() not in PROXY_VARIABLES}
    full.update(env)
    return subprocess.run(["kubectl", "--kubeconfig", str(path), "--cache-dir", str(cache), "--request-timeout", "10s",
                           "get", "ns", "default", "-o", "name"], capture_output=True, text=True, timeout=60, env=full)


def run_dynclient(config, env: Dict[str, str], monkeypatch) -> Optional[BaseException]:
    """Get namespace ``default`` with ``env`` set (read when the client is made); the error, or None."""
    with monkeypatch.context() as m:
        for name in PROXY_VARIABLES:
            m.delenv(name, raising=False)
            m.delenv(name.lower(), raising=False)
        for name, value in env.items():
            m.setenv(name, value)
        if not isinstance(config, (str, dict)):
            dyn = dynclient.DynamicClient.from_config(config, disk_cache=False, timeout=(5, 10))
        else:
            dyn = dynclient.connect(config, disk_cache=False, timeout=(5, 10))
    with dyn:
        try:
            assert dyn.resource(NAMESPACES).get("default")["metadata"]["name"] == "default"
        except dynclient.TransportError as err:
            return err
    return None


ALIASES = {"192.0.2.2": "127.0.0.1", "vm": "127.0.0.1"}


@pytest.mark.parametrize("host, env, kind, proxied, works", [
    pytest.param("vm", {"HTTPS_PROXY": "{proxy}"}, "http", True, True, id="https-proxy"),
    pytest.param("vm", {"https_proxy": "{proxy}"}, "http", True, True, id="https-proxy-lower-case"),
    pytest.param("vm", {"HTTPS_PROXY": "127.0.0.1:{proxy_port}"}, "http", True, True, id="no-scheme-is-http"),
    pytest.param("vm", {"HTTP_PROXY": "{proxy}"}, "http", False, True, id="http-proxy-is-not-for-https"),
    pytest.param("vm", {"HTTPS_PROXY": "{proxy}", "NO_PROXY": "vm"}, "http", False, True, id="no-proxy-name"),
    pytest.param("vm", {"HTTPS_PROXY": "{proxy}", "no_proxy": "other,vm"}, "http", False, True,
                 id="no-proxy-lower-case-list"),
    pytest.param("vm", {"HTTPS_PROXY": "{proxy}", "NO_PROXY": ".vm"}, "http", True, True,
                 id="no-proxy-dot-domain-not-the-bare-name"),
    pytest.param("vm", {"HTTPS_PROXY": "{proxy}", "NO_PROXY": "vm:{port}"}, "http", False, True,
                 id="no-proxy-name-and-port"),
    pytest.param("vm", {"HTTPS_PROXY": "{proxy}", "NO_PROXY": "vm:1"}, "http", True, True,
                 id="no-proxy-other-port"),
    pytest.param("vm", {"HTTPS_PROXY": "{proxy}", "NO_PROXY": "*"}, "http", False, True, id="no-proxy-star"),
    pytest.param("192.0.2.2", {"HTTPS_PROXY": "{proxy}", "NO_PROXY": "192.0.2.0/24"}, "http", False, False,
                 id="no-proxy-cidr"),
    pytest.param("192.0.2.2", {"HTTPS_PROXY": "{proxy}", "NO_PROXY": "10.0.0.0/8"}, "http", True, True,
                 id="no-proxy-other-cidr"),
    pytest.param("127.0.0.1", {"HTTPS_PROXY": "{proxy}"}, "http", False, True, id="loopback-never-proxied"),
    pytest.param("vm", {"HTTPS_PROXY": "{proxy}"}, "https", True, True, id="https-scheme-proxy"),
    pytest.param("vm", {"HTTPS_PROXY": "{proxy}"}, "socks5", True, True, id="socks5-proxy"),
])
def test_environment_proxies_as_kubectl(harness, start_proxy, tmp_path, monkeypatch, host, env, kind, proxied,
                                        works):
    """kubectl and dynclient, same kubeconfig and environment: the proxy sees both or neither, and both work or not."""
    need_kubectl()
    config, _, port = harness
    proxy = start_proxy(kind, aliases=ALIASES)
    env = {k: v.format(proxy=proxy.url, proxy_port=proxy.port, port=port) for k, v in env.items()}
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(trusting_the_proxy(config, host, port)))

    proc = run_kubectl(path, tmp_path / "kubectl-cache", env)
    by_kubectl = list(proxy.seen)
    assert (proc.returncode == 0) is works, proc.stderr
    error = run_dynclient(str(path), env, monkeypatch)
    by_dynclient = proxy.seen[len(by_kubectl):]
    assert (error is None) is works, error

    assert bool(by_kubectl) is proxied, (proc.stderr, by_kubectl)
    assert bool(by_dynclient) is proxied, by_dynclient
    assert {(s.host, s.port) for s in by_kubectl} == {(s.host, s.port) for s in by_dynclient}
    if proxied:
        assert {(s.host, s.port) for s in by_dynclient} == {(host, port)}
        assert all(s.opened and s.first_byte == TLS_HANDSHAKE for s in by_dynclient)


def test_kubeconfig_proxy_url_wins_over_the_environment(harness, start_proxy, tmp_path, monkeypatch):
    need_kubectl()
    config, _, port = harness
    chosen, ignored = start_proxy("http", aliases=ALIASES), start_proxy("http", aliases=ALIASES)
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(trusting_the_proxy(config, "vm", port, **{"proxy-url": chosen.url})))
    env = {"HTTPS_PROXY": ignored.url}
    assert run_kubectl(path, tmp_path / "kubectl-cache", env).returncode == 0
    by_kubectl = len(chosen.seen)
    assert run_dynclient(str(path), env, monkeypatch) is None
    assert by_kubectl >= 1 and len(chosen.seen) > by_kubectl
    assert ignored.seen == []


def test_https_proxy_url(harness, start_proxy, tmp_path, monkeypatch):
    """An ``https://`` proxy-url: TLS to the proxy (its certificate checked against the cluster's CAs),
    then TLS to the server inside it. kubectl and dynclient read the same kubeconfig file."""
    need_kubectl()
    config, _, port = harness
    proxy = start_proxy("https", CREDENTIALS)
    url = proxy_url(proxy, CREDENTIALS)
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(trusting_the_proxy(config, "127.0.0.1", port, **{"proxy-url": url})))
    proc = run_kubectl(path, tmp_path / "kubectl-cache", {})
    assert proc.returncode == 0, proc.stderr
    by_kubectl = list(proxy.seen)
    assert run_dynclient(str(path), {}, monkeypatch) is None
    by_dynclient = proxy.seen[len(by_kubectl):]
    assert by_kubectl and by_dynclient
    for seen in (*by_kubectl, *by_dynclient):
        assert (seen.method, seen.host, seen.port, seen.authorization, seen.first_byte) == (
            "CONNECT", "127.0.0.1", port, BASIC, TLS_HANDSHAKE)


def test_https_proxy_with_an_untrusted_certificate_is_refused(harness, start_proxy, monkeypatch):
    """Without the proxy's certificate among the cluster's CAs, the TLS handshake with the proxy fails."""
    import dataclasses

    from dynclient.config import load_config

    config, _, port = harness
    proxy = start_proxy("https")
    rest = dataclasses.replace(load_config(config), proxy_url=proxy.url)
    error = run_dynclient(rest, {}, monkeypatch)
    assert isinstance(error, dynclient.TransportError)
    assert f"proxy 127.0.0.1:{proxy.port}" in str(error) and "CERTIFICATE_VERIFY_FAILED" in str(error)
    assert proxy.tunnels == 0


@pytest.mark.parametrize("kind", ["http", "https", "socks5"])
def test_tunnelled_connections_have_tcp_nodelay(harness, start_proxy, kind):
    """Headers and body can leave in two writes; through a tunnel too, Nagle must not hold the body back."""
    import dataclasses
    import socket as socket_module

    from dynclient.config import load_config
    from dynclient.transport import Transport

    config, _, port = harness
    proxy = start_proxy(kind)
    rest = dataclasses.replace(load_config(trusting_the_proxy(config, "127.0.0.1", port)), proxy_url=proxy.url)
    transport = Transport(rest, qps=0)
    try:
        resp = transport.request("GET", "/api", stream=True)
        try:
            assert resp.status_code == 200 and resp._sock is not None
            assert resp._sock.getsockopt(socket_module.IPPROTO_TCP, socket_module.TCP_NODELAY) != 0
        finally:
            resp.close()
    finally:
        transport.close()
    assert proxy.tunnels == 1
