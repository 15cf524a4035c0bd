"""AuthProvider implementations: static token, token file rotation, basic auth, OIDC id-token."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from dynclient.config import (
    AuthProvider,
    BasicAuth,
    ConfigError,
    CredentialsExpired,
    ExecPlugin,
    Kubeconfig,
    OIDCToken,
    StaticToken,
    TokenFile,
)
from dynclient.config.model import ExecConfig

from .helpers import PASSWORD, TOKEN, assert_no_secret, kubeconfig, make_jwt


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    "provider",
    [
        pytest.param(StaticToken(TOKEN), id="StaticToken"),
        pytest.param(TokenFile("/x"), id="TokenFile"),
        pytest.param(BasicAuth("bob", PASSWORD), id="BasicAuth"),
        pytest.param(OIDCToken(make_jwt({"sub": "x"})), id="OIDCToken"),
        pytest.param(ExecPlugin(ExecConfig(command="x", api_version="client.authentication.k8s.io/v1")),
                     id="ExecPlugin"),
    ],
)
def test_implementations_satisfy_the_protocol(provider) -> None:
    assert isinstance(provider, AuthProvider)
    assert_no_secret(repr(provider))


def test_static_token() -> None:
    auth = StaticToken(TOKEN)
    assert auth.headers() == {"Authorization": f"Bearer {TOKEN}"}
    assert auth.client_cert() is None
    assert auth.refresh() is False


def test_static_token_must_not_be_empty() -> None:
    with pytest.raises(ValueError):
        StaticToken("")


def test_basic_auth() -> None:
    auth = BasicAuth("bob", PASSWORD)
    expected = base64.b64encode(f"bob:{PASSWORD}".encode()).decode()
    assert auth.headers() == {"Authorization": f"Basic {expected}"}
    assert auth.refresh() is False
    assert "bob" in repr(auth)


# -- token files --------------------------------------------------------------------


def _write(path: Path, text: str, mtime: float) -> None:
    path.write_text(text)
    os.utime(path, (mtime, mtime))


def test_token_file_rotation_is_picked_up_by_mtime(tmp_path) -> None:
    path = tmp_path / "token"
    _write(path, "one\n", 1000)
    auth = TokenFile(str(path), clock=FakeClock())
    assert auth.headers() == {"Authorization": "Bearer one"}
    _write(path, "two", 2000)
    assert auth.headers() == {"Authorization": "Bearer two"}


def test_token_file_is_cached_while_unchanged_then_reread_after_max_age(tmp_path, monkeypatch) -> None:
    path = tmp_path / "token"
    _write(path, "one", 1000)
    clock = FakeClock()
    auth = TokenFile(str(path), clock=clock, max_age=60)
    assert auth.token() == "one"
    reads = []
    real_open = open

    def counting_open(file, *args, **kwargs):
        if str(file) == str(path):
            reads.append(1)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", counting_open)
    clock.now += 59
    assert auth.token() == "one" and not reads
    clock.now += 1
    assert auth.token() == "one" and len(reads) == 1


def test_token_file_rotation_through_a_symlink_swap(tmp_path) -> None:
    # kubelet swaps ..data symlinks; same size and mtime can still be a new file (new inode)
    (tmp_path / "a").write_text("aaaa")
    (tmp_path / "b").write_text("bbbb")
    os.utime(tmp_path / "a", (1000, 1000))
    os.utime(tmp_path / "b", (1000, 1000))
    link = tmp_path / "token"
    link.symlink_to(tmp_path / "a")
    auth = TokenFile(str(link), clock=FakeClock())
    assert auth.token() == "aaaa"
    tmp_link = tmp_path / "token.new"
    tmp_link.symlink_to(tmp_path / "b")
    os.replace(tmp_link, link)
    assert auth.token() == "bbbb"


def test_token_file_refresh_reports_change(tmp_path) -> None:
    path = tmp_path / "token"
    _write(path, "one", 1000)
    auth = TokenFile(str(path), clock=FakeClock())
    auth.token()
    assert auth.refresh() is False
    _write(path, "two", 1000)
    assert auth.refresh() is True
    assert auth.token() == "two"


@pytest.mark.parametrize(
    "content, reason",
    [pytest.param(None, "file not found", id="missing"), pytest.param("  \n", "token file is empty", id="empty")],
)
def test_token_file_errors(tmp_path, content, reason) -> None:
    path = tmp_path / "token"
    if content is not None:
        path.write_text(content)
    auth = TokenFile(str(path), file="/kc", context="dev", entry='user "u"')
    with pytest.raises(ConfigError) as info:
        auth.headers()
    assert str(info.value).startswith('kubeconfig /kc: context "dev": user "u": tokenFile: ' + reason)


def test_token_file_from_kubeconfig_rotates(tmp_path) -> None:
    path = tmp_path / "token"
    _write(path, "before", 1000)
    cfg = Kubeconfig.from_dict(kubeconfig(user={"tokenFile": str(path)})).rest_config()
    assert cfg.auth.headers()["Authorization"] == "Bearer before"
    _write(path, "after", 2000)
    assert cfg.auth.headers()["Authorization"] == "Bearer after"


# -- OIDC -----------------------------------------------------------------------------


def _oidc_user(id_token):
    config = {"idp-issuer-url": "https://issuer.example", "client-id": "kube", "refresh-token": TOKEN}
    if id_token is not None:
        config["id-token"] = id_token
    return {"auth-provider": {"name": "oidc", "config": config}}


def test_oidc_valid_token_is_sent() -> None:
    jwt = make_jwt({"sub": "jane", "exp": 2_000_000})
    auth = OIDCToken(jwt, issuer="https://issuer.example", clock=FakeClock(1_999_999))
    assert auth.headers() == {"Authorization": f"Bearer {jwt}"}
    assert auth.is_expired() is False
    assert auth.refresh() is False
    assert jwt not in repr(auth)


def test_oidc_token_without_exp_never_expires() -> None:
    assert OIDCToken(make_jwt({"sub": "jane"})).is_expired() is False


def test_oidc_expired_token_says_how_to_refresh() -> None:
    jwt = make_jwt({"sub": "jane", "exp": 1_000})
    kc = Kubeconfig.from_dict(kubeconfig(user=_oidc_user(jwt)), source="/kc")
    cfg = kc.rest_config()
    with pytest.raises(CredentialsExpired) as info:
        cfg.auth.headers()
    message = str(info.value)
    assert message.startswith('kubeconfig /kc: context "dev": user "dev": auth-provider.config.id-token: ')
    assert "expired at 1970-01-01T00:16:40Z" in message
    assert 'run "kubectl oidc-login" or your provider\'s login to refresh it' in message
    assert jwt not in message and TOKEN not in message
    assert isinstance(info.value, ConfigError)


def test_oidc_token_expires_during_the_process() -> None:
    clock = FakeClock(100)
    auth = OIDCToken(make_jwt({"exp": 200}), clock=clock)
    auth.headers()
    clock.now = 200
    with pytest.raises(CredentialsExpired):
        auth.headers()


def test_oidc_without_id_token() -> None:
    with pytest.raises(CredentialsExpired, match="no id-token"):
        Kubeconfig.from_dict(kubeconfig(user=_oidc_user(None))).rest_config()


@pytest.mark.parametrize(
    "token, reason",
    [
        pytest.param(TOKEN, "not a JWT", id="not-three-parts"),
        pytest.param("a.!!!.c", "not base64url-encoded JSON", id="bad-base64"),
        pytest.param("a." + base64.urlsafe_b64encode(b"[1]").decode().rstrip("=") + ".c", "not a JSON object",
                     id="not-an-object"),
        pytest.param(make_jwt({"exp": "tomorrow"}), "exp claim is not a number", id="exp-not-a-number"),
    ],
)
def test_oidc_malformed_token(token, reason) -> None:
    with pytest.raises(ConfigError, match=reason) as info:
        Kubeconfig.from_dict(kubeconfig(user=_oidc_user(token))).rest_config()
    assert token not in str(info.value)
    assert info.value.field == "auth-provider.config.id-token"
