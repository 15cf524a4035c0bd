"""Go's ``http.ProxyFromEnvironment`` rules (golang.org/x/net/http/httpproxy), case by case.

The cases follow httpproxy's own ``proxy_test.go`` tables where they apply to
one API server URL; the integration suite (tests/integration/test_proxy.py)
checks the main ones against kubectl itself.
"""

from __future__ import annotations

import pytest

from dynclient.http import ConnectionPool
from dynclient.proxy import NoProxy, ProxyURL, from_environment, proxy_for, redact

PROXY = "http://proxy.corp:3128"


@pytest.mark.parametrize(
    "server, env, expected",
    [
        ("https://k8s.corp:6443", {"HTTPS_PROXY": PROXY}, PROXY),
        ("https://k8s.corp:6443", {"https_proxy": PROXY}, PROXY),
        ("https://k8s.corp:6443", {"HTTPS_PROXY": PROXY, "https_proxy": "http://lower:1"}, PROXY),
        ("https://k8s.corp:6443", {"HTTP_PROXY": PROXY}, None),
        ("http://k8s.corp:8080", {"HTTP_PROXY": PROXY}, PROXY),
        ("http://k8s.corp:8080", {"HTTPS_PROXY": PROXY}, None),
        ("http://k8s.corp:8080", {"HTTP_PROXY": PROXY, "REQUEST_METHOD": "GET"}, None),
        ("https://k8s.corp", {"HTTPS_PROXY": "proxy.corp:3128"}, "http://proxy.corp:3128"),
        ("https://k8s.corp", {"HTTPS_PROXY": "socks5://s.corp:1080"}, "socks5://s.corp:1080"),
        ("https://k8s.corp", {"HTTPS_PROXY": "https://p.corp"}, "https://p.corp"),
        ("https://k8s.corp", {"HTTPS_PROXY": ""}, None),
        ("https://localhost:6443", {"HTTPS_PROXY": PROXY}, None),
        ("https://127.0.0.1:6443", {"HTTPS_PROXY": PROXY}, None),
        ("https://127.1.2.3:6443", {"HTTPS_PROXY": PROXY}, None),
        ("https://[::1]:6443", {"HTTPS_PROXY": PROXY}, None),
        ("https://[::ffff:127.0.0.1]:6443", {"HTTPS_PROXY": PROXY}, None),
        ("https://10.0.0.1:6443", {"HTTPS_PROXY": PROXY}, PROXY),
    ],
    ids=["https-upper", "https-lower", "upper-wins", "http-proxy-not-for-https", "http-upper",
         "https-proxy-not-for-http", "cgi-ignores-http-proxy", "no-scheme-is-http", "socks5", "https-proxy",
         "empty", "localhost", "loopback-v4", "loopback-v4-range", "loopback-v6", "loopback-mapped", "not-loopback"],
)
def test_which_proxy_the_environment_gives(server, env, expected):
    got = from_environment(server, env)
    assert (got.url if got else None) == expected


@pytest.mark.parametrize(
    "no_proxy, host, port, direct",
    [
        ("*", "anything.example", "443", True),
        ("k8s.corp", "k8s.corp", "6443", True),
        ("k8s.corp", "api.k8s.corp", "6443", True),
        ("k8s.corp", "notk8s.corp", "6443", False),
        (".k8s.corp", "k8s.corp", "6443", False),
        (".k8s.corp", "api.k8s.corp", "6443", True),
        ("*.k8s.corp", "api.k8s.corp", "6443", True),
        ("*.k8s.corp", "k8s.corp", "6443", False),
        ("K8S.Corp", "k8s.corp", "443", True),
        (" other , k8s.corp ", "k8s.corp", "443", True),
        ("k8s.corp:6443", "k8s.corp", "6443", True),
        ("k8s.corp:6443", "k8s.corp", "443", False),
        ("10.0.0.0/8", "10.1.2.3", "6443", True),
        ("10.0.0.0/8", "11.1.2.3", "6443", False),
        ("10.0.0.0/8", "ten.corp", "6443", False),
        ("fd00::/8", "fd00::1", "6443", True),
        ("10.1.2.3", "10.1.2.3", "6443", True),
        ("10.1.2.3:6443", "10.1.2.3", "6443", True),
        ("10.1.2.3:6443", "10.1.2.3", "443", False),
        ("[fd00::1]:6443", "fd00::1", "6443", True),
        ("", "k8s.corp", "443", False),
        (",,", "k8s.corp", "443", False),
        ("other.corp", "k8s.corp", "443", False),
    ],
    ids=["star", "host", "subdomain-of-host", "not-a-suffix-match", "dot-domain-not-bare", "dot-domain-sub",
         "star-dot-sub", "star-dot-not-bare", "case-insensitive", "spaces-and-list", "host-port",
         "host-other-port", "cidr-in", "cidr-out", "cidr-not-a-name", "cidr-v6", "ip", "ip-port", "ip-other-port",
         "ipv6-port", "empty", "only-commas", "other-host"],
)
def test_no_proxy(no_proxy, host, port, direct):
    assert NoProxy(no_proxy).matches(host, port) is direct


@pytest.mark.parametrize("name", ["NO_PROXY", "no_proxy"])
def test_no_proxy_is_read_in_both_cases(name):
    env = {"HTTPS_PROXY": PROXY, name: ".corp"}
    assert from_environment("https://k8s.corp:6443", env) is None


def test_default_port_is_matched_by_no_proxy_port():
    env = {"HTTPS_PROXY": PROXY, "NO_PROXY": "k8s.corp:443"}
    assert from_environment("https://k8s.corp", env) is None
    assert from_environment("https://k8s.corp:6443", env) is not None


def test_kubeconfig_proxy_url_comes_first_and_applies_to_loopback():
    env = {"HTTPS_PROXY": PROXY, "NO_PROXY": "*"}
    got = proxy_for("https://127.0.0.1:6443", "socks5://127.0.0.1:1080", env)
    assert got == ProxyURL("socks5://127.0.0.1:1080", "proxy-url")


SECRET_URL = "http://user:p%40ss%3Aw@proxy.corp:3128"


def test_credentials_never_show():
    proxy = ProxyURL(SECRET_URL, "HTTPS_PROXY")
    assert proxy.credentials == ("user", "p@ss:w")
    for text in (repr(proxy), str(proxy), redact(SECRET_URL),
                 proxy.scrub(f"failed at {SECRET_URL} with p@ss:w and p%40ss%3Aw")):
        assert "p@ss:w" not in text and "p%40ss%3Aw" not in text
    assert redact(SECRET_URL) == "http://user:<redacted>@proxy.corp:3128"


def test_an_unreachable_proxy_is_named_without_its_password():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pool = ConnectionPool("https://k8s.corp:6443", environ={"HTTPS_PROXY": f"http://user:s3cr3t@127.0.0.1:{port}"})
    try:
        with pytest.raises(ConnectionError) as info:
            pool.request("GET", "/version", timeout=(2, 2))
    finally:
        pool.close()
    text = str(info.value)
    assert f"proxy 127.0.0.1:{port} (HTTPS_PROXY)" in text and "Connection refused" in text
    assert "s3cr3t" not in text


def test_an_unsupported_env_proxy_scheme_is_a_clear_error():
    pool = ConnectionPool("https://k8s.corp:6443", environ={"HTTPS_PROXY": "ftp://p.corp:21"})
    try:
        with pytest.raises(ConnectionError, match='HTTPS_PROXY: unsupported proxy scheme "ftp"'):
            pool.request("GET", "/version", timeout=(2, 2))
    finally:
        pool.close()
