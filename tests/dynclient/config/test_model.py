"""Model values: readable reprs that never show a secret, and the TLS helpers of RESTConfig."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from dynclient.config import (
    AuthProviderConfig,
    ClusterInfo,
    ContextInfo,
    ExecConfig,
    Impersonation,
    RESTConfig,
    StaticToken,
    UserInfo,
)

from .helpers import CA_PEM, CERT_PEM, KEY_PEM, PASSWORD, TOKEN, assert_no_secret


def test_user_repr_redacts_secrets() -> None:
    user = UserInfo(token=TOKEN, password=PASSWORD, username="bob", client_key_data=KEY_PEM,
                    client_certificate_data=CERT_PEM)
    text = repr(user)
    assert_no_secret(text)
    assert "token=<redacted>" in text and "password=<redacted>" in text
    assert "client_key_data=<redacted>" in text
    assert f"client_certificate_data=<{len(CERT_PEM)} bytes>" in text
    assert "username='bob'" in text
    assert str(user) == text


def test_unset_secrets_show_as_none() -> None:
    assert "token=None" in repr(UserInfo())


def test_auth_provider_config_shows_public_keys_only() -> None:
    text = repr(AuthProviderConfig("oidc", {"id-token": TOKEN, "refresh-token": TOKEN, "client-secret": PASSWORD,
                                            "idp-issuer-url": "https://issuer", "client-id": "kube"}))
    assert_no_secret(text)
    assert "'idp-issuer-url': 'https://issuer'" in text and "'client-secret': '<redacted>'" in text


def test_rest_config_repr() -> None:
    cfg = RESTConfig(host="https://h:1", ca_data=CA_PEM, client_key_data=KEY_PEM, client_cert_data=CERT_PEM,
                     auth=StaticToken(TOKEN), proxy_url=f"http://user:{PASSWORD}@proxy:3128",
                     impersonate=Impersonation(user="jane"))
    text = repr(cfg)
    assert_no_secret(text)
    assert "proxy_url='http://user:<redacted>@proxy:3128'" in text
    assert "auth=StaticToken(token=<redacted>)" in text
    assert "Impersonation(user='jane'" in text


def test_cluster_and_context_repr() -> None:
    text = repr(ClusterInfo(server="https://h", certificate_authority_data=CA_PEM, proxy_url="socks5://p:1"))
    assert f"certificate_authority_data=<{len(CA_PEM)} bytes>" in text and "socks5://p:1" in text
    assert "namespace='ns'" in repr(ContextInfo(cluster="c", user="u", namespace="ns"))


def test_values_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        RESTConfig(host="https://h").host = "https://other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ExecConfig(command="x").command = "y"  # type: ignore[misc]


@pytest.mark.parametrize(
    "fields, expected",
    [
        pytest.param({}, True, id="system-cas"),
        pytest.param({"ca_file": "/ca.crt"}, "/ca.crt", id="ca-file"),
        pytest.param({"verify": False, "ca_file": "/ca.crt"}, False, id="insecure"),
    ],
)
def test_tls_verify(fields, expected) -> None:
    assert RESTConfig(host="https://h", **fields).tls_verify() == expected


def test_tls_client_cert_prefers_static_material(tmp_path: Path) -> None:
    class CertAuth:
        def client_cert(self):
            return ("/from/auth.crt", "/from/auth.key")

    static = RESTConfig(host="https://h", client_cert_file="/c.crt", client_key_data=KEY_PEM, auth=CertAuth())
    cert, key = static.tls_client_cert()
    assert cert == "/c.crt" and Path(key).read_bytes() == KEY_PEM
    assert RESTConfig(host="https://h", auth=CertAuth()).tls_client_cert() == ("/from/auth.crt", "/from/auth.key")
    assert RESTConfig(host="https://h").tls_client_cert() is None


@pytest.mark.parametrize("host, tls", [("https://h", True), ("HTTPS://h", True), ("http://h", False)])
def test_is_tls(host, tls) -> None:
    assert RESTConfig(host=host).is_tls() is tls
