"""Broken kubeconfigs are refused when loaded, before any request (issue 13, items 7 and 1).

Each error names the file, the entry and the field, in kubectl's words where
kubectl has words, and is never a network error that gets retried. A YAML
alias bomb fails at once. Checking a client key leaves no key material on disk.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Optional

import pytest
import yaml

import dynclient
from dynclient.config import ConfigError, load_kubeconfig
from dynclient.config import _tlscheck

from ..dynclient.config.helpers import CA_PEM, CERT_PEM, KEY_PEM, OTHER_KEY_PEM, PASSWORD, TOKEN, assert_no_secret, b64

NOT_PEM = b64(b"hello, this is base64 but not PEM")


def _write(tmp_path: Path, cluster: Dict[str, Any], user: Optional[Dict[str, Any]] = None) -> str:
    doc = {
        "apiVersion": "v1", "kind": "Config", "current-context": "ctx",
        "clusters": [{"name": "prod", "cluster": {"server": "https://127.0.0.1:1", **cluster}}],
        "contexts": [{"name": "ctx", "context": {"cluster": "prod", "user": "u"}}],
        "users": [{"name": "u", "user": user if user is not None else {"token": TOKEN}}],
    }
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


# (id, cluster fields, user fields, entry, field, text after the field)
BROKEN = [
    pytest.param({"server": "https://h:99999"}, None, 'cluster "prod"', "server",
                 'server "https://h:99999": invalid port (out of range 0-65535)', id="server-port-out-of-range"),
    pytest.param({"server": "https://h:6443x"}, None, 'cluster "prod"', "server",
                 'server "https://h:6443x": invalid port (not a number)', id="server-port-not-a-number"),
    pytest.param({"server": "https://[fe80::1:6443"}, None, 'cluster "prod"', "server",
                 'server "https://[fe80::1:6443": invalid IPv6 address (no closing bracket)', id="server-bad-ipv6"),
    pytest.param({"proxy-url": "http://proxy:70000"}, None, 'cluster "prod"', "proxy-url",
                 'proxy-url "http://proxy:70000": invalid port (out of range 0-65535)', id="proxy-port-out-of-range"),
    pytest.param({"proxy-url": f"http://user:{PASSWORD}@proxy:abc"}, None, 'cluster "prod"', "proxy-url",
                 'proxy-url "http://<redacted>@proxy:abc": invalid port (not a number)', id="proxy-port-not-a-number"),
    pytest.param({"proxy-url": "socks5://[::1/"}, None, 'cluster "prod"', "proxy-url",
                 'proxy-url "socks5://[::1/": invalid IPv6 address (no closing bracket)', id="proxy-ipv6-unclosed"),
    pytest.param({"proxy-url": "http://[zz::1]:3128"}, None, 'cluster "prod"', "proxy-url",
                 'proxy-url "http://[zz::1]:3128": invalid IPv6 address', id="proxy-ipv6-not-an-address"),
    pytest.param({"certificate-authority-data": NOT_PEM}, None, 'cluster "prod"', "certificate-authority-data",
                 "certificate-authority-data: unable to load root certificates: unable to parse bytes as PEM block",
                 id="ca-data-base64-not-pem"),
    pytest.param({"certificate-authority-data": b64(KEY_PEM)}, None, 'cluster "prod"', "certificate-authority-data",
                 "certificate-authority-data: unable to load root certificates: unable to parse bytes as PEM block",
                 id="ca-data-is-a-key"),
    pytest.param({}, {"client-certificate-data": b64(CERT_PEM), "client-key-data": NOT_PEM}, 'user "u"',
                 "client-key-data", "client-key-data: tls: failed to find any PEM data in key input",
                 id="client-key-not-pem"),
    pytest.param({}, {"client-certificate-data": NOT_PEM, "client-key-data": b64(KEY_PEM)}, 'user "u"',
                 "client-certificate-data", "client-certificate-data: tls: failed to find any PEM data in certificate input",
                 id="client-certificate-not-pem"),
    pytest.param({}, {"client-certificate-data": b64(CERT_PEM), "client-key-data": b64(OTHER_KEY_PEM)}, 'user "u"',
                 "client-key-data", "client-key-data: tls: private key does not match public key",
                 id="key-does-not-match-certificate"),
    pytest.param({}, {"client-certificate-data": b64(CERT_PEM), "client-key-data": b64(CERT_PEM)}, 'user "u"',
                 "client-key-data",
                 "client-key-data: tls: found a certificate rather than a key in the PEM for the private key",
                 id="key-is-a-certificate"),
]


@pytest.mark.parametrize("cluster, user, entry, field, tail", BROKEN)
def test_found_at_load_time_naming_file_entry_and_field(tmp_path, cluster, user, entry, field, tail) -> None:
    path = _write(tmp_path, cluster, user)
    kc = load_kubeconfig(path)
    with pytest.raises(ConfigError) as info:
        kc.rest_config()
    err = info.value
    assert (err.file, err.context, err.entry, err.field) == (path, "ctx", entry, field)
    assert str(err) == f'kubeconfig {path}: context "ctx": {entry}: {tail}'
    assert_no_secret(str(err))
    assert PASSWORD not in str(err)


@pytest.mark.parametrize("case", [p.id for p in BROKEN[:3] + BROKEN[7:8] + BROKEN[11:12]])
def test_connect_fails_before_any_request(tmp_path, case) -> None:
    # connect() builds the client; a broken kubeconfig never gets that far, so nothing is sent or retried.
    param = next(p for p in BROKEN if p.id == case)
    path = _write(tmp_path, param.values[0], param.values[1])
    start = time.monotonic()
    with pytest.raises(ConfigError):
        dynclient.connect(path, cache_dir=str(tmp_path / "cache"))
    assert time.monotonic() - start < 1
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize(
    "content, reason",
    [
        pytest.param(b"this is not a certificate\n", "unable to load root certificates: unable to parse bytes as PEM block",
                     id="not-pem"),
        pytest.param(CA_PEM.replace(b"MIIB", b"!!!!"), "unable to load root certificates: unable to parse bytes as PEM block",
                     id="corrupt-pem"),
    ],
)
def test_a_ca_file_that_is_not_pem(tmp_path, content, reason) -> None:
    ca = tmp_path / "ca.crt"
    ca.write_bytes(content)
    path = _write(tmp_path, {"certificate-authority": str(ca)})
    with pytest.raises(ConfigError) as info:
        load_kubeconfig(path).rest_config()
    assert str(info.value) == f'kubeconfig {path}: context "ctx": cluster "prod": certificate-authority: {ca}: {reason}'


def test_a_mismatched_key_pair_in_files(tmp_path) -> None:
    (tmp_path / "c.crt").write_bytes(CERT_PEM)
    (tmp_path / "c.key").write_bytes(OTHER_KEY_PEM)
    path = _write(tmp_path, {}, {"client-certificate": str(tmp_path / "c.crt"), "client-key": str(tmp_path / "c.key")})
    with pytest.raises(ConfigError, match=r'user "u": client-key: tls: private key does not match public key$'):
        load_kubeconfig(path).rest_config()


@pytest.mark.parametrize(
    "cluster, user",
    [
        pytest.param({"server": "https://h:6443", "proxy-url": "socks5://[::1]:1080"}, None, id="ipv6-proxy"),
        pytest.param({"server": "https://[::1]:6443", "certificate-authority-data": b64(CA_PEM)}, None, id="ipv6-server-ca"),
        pytest.param({"server": "https://h"}, {"client-certificate-data": b64(CERT_PEM), "client-key-data": b64(KEY_PEM)},
                     id="client-cert-data"),
        pytest.param({"server": "https://h:0"}, None, id="port-zero"),
    ],
)
def test_good_material_still_loads(tmp_path, cluster, user) -> None:
    assert load_kubeconfig(_write(tmp_path, cluster, user)).rest_config().host == cluster["server"]


def _our_temp_files() -> set:
    return {name for name in os.listdir(tempfile.gettempdir()) if name.startswith("dynclient-check-")}


@pytest.mark.parametrize("memfd", [True, False], ids=["memfd", "temp-file"])
@pytest.mark.parametrize("key", [KEY_PEM, OTHER_KEY_PEM], ids=["matching", "mismatched"])
def test_checking_a_key_leaves_no_key_material_on_disk(monkeypatch, memfd, key) -> None:
    if not memfd:
        monkeypatch.delattr(os, "memfd_create", raising=False)
    before = _our_temp_files()
    written = []
    real_mkstemp = tempfile.mkstemp

    def spy(*args, **kwargs):
        fd, path = real_mkstemp(*args, **kwargs)
        written.append(path)
        return fd, path

    monkeypatch.setattr(_tlscheck.tempfile, "mkstemp", spy)
    problem = _tlscheck.key_pair_problem(CERT_PEM, key)
    assert problem == (None if key is KEY_PEM else "tls: private key does not match public key")
    assert _our_temp_files() == before
    assert all(not os.path.exists(p) for p in written)
    assert bool(written) is not memfd


# -- YAML alias bombs (item 1, kubeconfig half) -----------------------------------------


def _bomb(levels: int = 9, width: int = 9) -> str:
    lines = ["        l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"        l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return (
        "apiVersion: v1\nkind: Config\ncurrent-context: ctx\n"
        "clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n"
        "contexts:\n- name: ctx\n  context: {cluster: c, user: u}\n"
        "users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
        "      command: /bin/true\n      extensions:\n" + "\n".join(lines) + "\n"
    )


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(_bomb(), id="nested-aliases"),
        pytest.param(_bomb(levels=12, width=5), id="deeper-narrower"),
    ],
)
def test_an_alias_bomb_fails_in_under_a_second_naming_the_file(tmp_path, text) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(text)
    start = time.monotonic()
    with pytest.raises(ConfigError) as info:
        load_kubeconfig(str(path))
    assert time.monotonic() - start < 1
    assert info.value.file == str(path)
    assert str(info.value).startswith(f"kubeconfig {path}: line ")
    assert str(info.value).endswith("document contains excessive aliasing")


def test_a_merge_key_bomb_fails_fast(tmp_path) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(
        "a: &a {x0: 1, x1: 1, x2: 1, x3: 1, x4: 1, x5: 1, x6: 1, x7: 1}\n"
        + "".join(f"{n}: &{n} {{<<: [{', '.join(['*' + p] * 8)}]}}\n" for p, n in zip("abcdefgh", "bcdefghi"))
    )
    start = time.monotonic()
    with pytest.raises(ConfigError) as info:  # kubectl: "yaml: document contains excessive aliasing"
        load_kubeconfig(str(path))
    assert time.monotonic() - start < 1
    assert str(info.value) == f"kubeconfig {path}: line 1: document contains excessive aliasing"


def test_deep_nesting_is_an_error_naming_the_file(tmp_path) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text("preferences: " + "[" * 100_000 + "]" * 100_000 + "\n")
    start = time.monotonic()
    with pytest.raises(ConfigError) as info:
        load_kubeconfig(str(path))
    assert time.monotonic() - start < 2
    assert info.value.file == str(path)


def test_ordinary_anchors_and_merge_keys_keep_working(tmp_path) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: a\n"
        "clusters:\n- name: c\n  cluster: &cluster {server: 'https://127.0.0.1:6443'}\n"
        "- name: d\n  cluster: {<<: *cluster, tls-server-name: kubernetes}\n"
        "contexts:\n- name: a\n  context: &ctx {cluster: c, user: u, namespace: team}\n"
        "- name: b\n  context: {<<: *ctx, cluster: d}\n"
        "users:\n- name: u\n  user: {token: abc}\n"
    )
    kc = load_kubeconfig(str(path))
    b = kc.rest_config("b")
    assert (b.host, b.tls_server_name, b.namespace) == ("https://127.0.0.1:6443", "kubernetes", "team")


@pytest.mark.skipif(not hasattr(os, "memfd_create") or not os.path.isdir("/proc/self/fd"), reason="needs memfd_create")
def test_client_key_data_for_the_handshake_stays_in_memory(tmp_path) -> None:
    path = _write(tmp_path, {}, {"client-certificate-data": b64(CERT_PEM), "client-key-data": b64(KEY_PEM)})
    before = {n for n in os.listdir(tempfile.gettempdir()) if n.startswith("dynclient-")}
    cert, key = load_kubeconfig(path).rest_config().tls_client_cert()
    assert key.startswith("/proc/self/fd/") and Path(key).read_bytes() == KEY_PEM
    assert os.stat(key).st_mode & 0o777 == 0o600
    import ssl

    ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_cert_chain(cert, key)  # the TLS stack can load it
    created = {n for n in os.listdir(tempfile.gettempdir()) if n.startswith("dynclient-")} - before
    assert all(not n.endswith(".key") for n in created), created
    for name in created:
        assert KEY_PEM not in (Path(tempfile.gettempdir()) / name).read_bytes()


def test_a_bundle_with_one_corrupt_certificate_names_it(tmp_path) -> None:
    corrupt = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    path = _write(tmp_path, {"certificate-authority-data": b64(CA_PEM + corrupt)})
    with pytest.raises(ConfigError, match=r"certificate-authority-data: certificate 2 of the 2 in the bundle "
                                          r"cannot be parsed"):
        load_kubeconfig(path).rest_config()


def test_a_bundle_with_comments_between_certificates_loads(tmp_path) -> None:
    path = _write(tmp_path, {"certificate-authority-data": b64(b"# corp CA\n" + CA_PEM + b"\nnotes\n" + CA_PEM)})
    assert load_kubeconfig(path).rest_config().ca_data.count(b"BEGIN CERTIFICATE") == 2


# -- any server or proxy URL: a ConfigError or a config, never a Python error -------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

_URL_PARTS = st.sampled_from(["https://", "http://", "socks5://", "", "h", "[", "]", ":", "@", "/", "?", "#", "::1",
                              "fe80::1%eth0", "99999", "65535", "0", "-1", "abc", "user:", ".", " ", "%"])
_URLS = st.lists(_URL_PARTS, min_size=1, max_size=10).map("".join)


@settings(max_examples=300, deadline=None)
@given(server=_URLS, proxy_scheme=st.sampled_from(["http://", "socks5://", "https://", "ftp://"]),
       proxy_rest=st.one_of(st.none(), _URLS))
def test_any_server_or_proxy_url_is_a_config_or_a_config_error(server, proxy_scheme, proxy_rest) -> None:
    from urllib.parse import urlsplit

    from dynclient.config import Kubeconfig

    cluster: Dict[str, Any] = {"server": server}
    if proxy_rest is not None:
        cluster["proxy-url"] = f"{proxy_scheme}user:{PASSWORD}@{proxy_rest}"
    doc = {"current-context": "ctx", "clusters": [{"name": "prod", "cluster": cluster}],
           "contexts": [{"name": "ctx", "context": {"cluster": "prod", "user": "u"}}],
           "users": [{"name": "u", "user": {"token": TOKEN}}]}
    try:
        config = Kubeconfig.from_dict(doc).rest_config()
    except ConfigError as err:
        assert_no_secret(str(err))
        return
    port = urlsplit(config.host).port  # the transport can use what was accepted: these do not raise
    assert port is None or 0 <= port <= 65535
    if config.proxy_url:
        urlsplit(config.proxy_url).port


def test_a_query_in_a_broken_server_url_is_not_shown(tmp_path) -> None:
    path = _write(tmp_path, {"server": f"https://h:99999/k8s?access_token={TOKEN}"})
    with pytest.raises(ConfigError) as info:
        load_kubeconfig(path).rest_config()
    assert str(info.value).endswith('server "https://h:99999/k8s...": invalid port (out of range 0-65535)')
