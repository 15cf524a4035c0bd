"""A kubeconfig cluster's ``proxy-url`` against the real server: http CONNECT and socks5 tunnels.

Two tiny real proxies (``proxies.py``) run on 127.0.0.1 and record what they
saw, so each test checks both ends: the client got the server's data, and the
proxy carried it (tunnel target, credentials, TLS bytes). kubectl, which
honours ``proxy-url`` for http and socks5, is the oracle for what a proxy
should see.
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
from .proxies import HttpProxy, Socks5Proxy

NAMESPACES = dynclient.GroupVersionResource("", "v1", "namespaces")
# Reserved and non-ASCII characters: they travel percent-encoded in the URL and must arrive decoded (UTF-8).
CREDENTIALS = ("proxy-user", "p@ss:w/rd é")
BASIC = "Basic " + base64.b64encode(":".join(CREDENTIALS).encode()).decode()
TLS_HANDSHAKE = 0x16  # first byte of a TLS record carrying a ClientHello
KINDS = {"http": HttpProxy, "socks5": Socks5Proxy}


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

    def start(kind: str, credentials: Optional[Tuple[str, str]] = None):
        proxy = KINDS[kind](credentials)
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
            assert seen.address_type == "domain"  # the proxy resolves the name, as Go's dialer has it
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
    pytest.param("socks5", (CREDENTIALS[0], "wrong"), "socks5 proxy refused the username and password",
                 id="socks5-wrong-password"),
    pytest.param("socks5", None, "socks5 proxy accepts none of our authentication methods",
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
    pytest.param("socks5", "server", r"socks5 proxy could not connect to 127\.0\.0\.1:{port} \(reply 5\)",
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


def test_https_proxy_url_is_refused_at_connect(harness):
    """An https:// proxy (TLS to the proxy) is not supported: connect() says so, without echoing the password."""
    config, _, _ = harness
    url = f"https://{CREDENTIALS[0]}:{quote(CREDENTIALS[1], safe='')}@127.0.0.1:{closed_port()}"
    message = "https proxies are not supported; use an http:// (CONNECT) or socks5:// proxy"
    with pytest.raises(dynclient.ConfigError, match=re.escape(message)) as info:
        dynclient.connect(with_proxy(config, url), disk_cache=False)
    assert info.value.field == "proxy-url" and "cluster" in str(info.value)
    assert quote(CREDENTIALS[1], safe="") not in str(info.value) and CREDENTIALS[1] not in str(info.value)


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
