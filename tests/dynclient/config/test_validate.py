"""Unusable contexts (clientcmd validation.go): the error names file, context, entry and field, never a secret."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest

from dynclient.config import ConfigError, Impersonation, Kubeconfig, load_kubeconfig

from .helpers import CERT_PEM, KEY_PEM, PASSWORD, TOKEN, assert_no_secret, b64, kubeconfig

V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"
MISSING = "/nonexistent/dynclient-test"


def _exec(**fields: Any) -> Dict[str, Any]:
    return {"exec": {"command": "plugin", "apiVersion": V1BETA1, **fields}}


# (id, kubeconfig overrides, entry, field, words in the reason)
BAD_CONTEXTS = [
    ("no-server", {"cluster": {}}, 'cluster "dev"', "server", "is required"),
    ("server-without-scheme", {"cluster": {"server": "k8s.example:6443"}}, 'cluster "dev"', "server",
     "https://"),
    ("server-ftp", {"cluster": {"server": "ftp://k8s.example"}}, 'cluster "dev"', "server", "https://"),
    ("server-no-host", {"cluster": {"server": "https://"}}, 'cluster "dev"', "server", "no host"),
    ("ca-file-missing", {"cluster": {"server": "https://a:1", "certificate-authority": f"{MISSING}/ca.crt"}},
     'cluster "dev"', "certificate-authority", f"file not found: {MISSING}/ca.crt"),
    ("ca-file-and-data", {"cluster": {"server": "https://a:1", "certificate-authority": "{tmp}/ca.crt",
                                      "certificate-authority-data": b64(CERT_PEM)}},
     'cluster "dev"', "certificate-authority", "both set"),
    ("proxy-url-bad-scheme", {"cluster": {"server": "https://a:1", "proxy-url": f"ftp://user:{PASSWORD}@proxy"}},
     'cluster "dev"', "proxy-url", "socks5"),
    ("proxy-url-https-no-host", {"cluster": {"server": "https://a:1", "proxy-url": "https://"}},
     'cluster "dev"', "proxy-url", "http, https or socks5 URL with a host"),
    ("cert-without-key", {"user": {"client-certificate-data": b64(CERT_PEM), "token": TOKEN}},
     'user "dev"', "client-key", "no client-key"),
    ("key-without-cert", {"user": {"client-key-data": b64(KEY_PEM)}},
     'user "dev"', "client-certificate", "no client-certificate"),
    ("cert-file-and-data", {"user": {"client-certificate": "{tmp}/c.crt", "client-certificate-data": b64(CERT_PEM),
                                     "client-key-data": b64(KEY_PEM)}},
     'user "dev"', "client-certificate", "both set"),
    ("key-file-and-data", {"user": {"client-certificate-data": b64(CERT_PEM), "client-key": "{tmp}/c.key",
                                    "client-key-data": b64(KEY_PEM)}},
     'user "dev"', "client-key", "both set"),
    ("client-key-missing", {"user": {"client-certificate": "{tmp}/c.crt", "client-key": f"{MISSING}/key.pem"}},
     'user "dev"', "client-key", f"file not found: {MISSING}/key.pem"),
    ("client-cert-missing", {"user": {"client-certificate": f"{MISSING}/c.crt", "client-key": "{tmp}/c.key"}},
     'user "dev"', "client-certificate", "file not found"),
    ("token-file-missing", {"user": {"tokenFile": f"{MISSING}/token"}}, 'user "dev"', "tokenFile", "file not found"),
    ("token-file-is-a-dir", {"user": {"tokenFile": "{tmp}"}}, 'user "dev"', "tokenFile", "not a regular file"),
    ("token-and-basic", {"user": {"token": TOKEN, "username": "bob", "password": PASSWORD}},
     'user "dev"', "token", "more than one authentication method"),
    ("token-file-and-basic", {"user": {"tokenFile": "{tmp}/c.crt", "username": "bob", "password": PASSWORD}},
     'user "dev"', "token", "more than one authentication method"),
    ("exec-no-command", {"user": {"exec": {"apiVersion": V1BETA1}}}, 'user "dev"', "exec.command", "required"),
    ("exec-no-api-version", {"user": {"exec": {"command": "x"}}}, 'user "dev"', "exec.apiVersion", "required"),
    ("exec-v1alpha1", {"user": _exec(apiVersion="client.authentication.k8s.io/v1alpha1")},
     'user "dev"', "exec.apiVersion", "not supported"),
    ("exec-v1-without-interactive-mode", {"user": _exec(apiVersion=V1)},
     'user "dev"', "exec.interactiveMode", "must be set for client.authentication.k8s.io/v1"),
    ("exec-bad-interactive-mode", {"user": _exec(interactiveMode="Sometimes")},
     'user "dev"', "exec.interactiveMode", '"Sometimes" is not one of'),
    ("exec-env-without-name", {"user": _exec(env=[{"value": TOKEN}])}, 'user "dev"', "exec.env", "needs a name"),
    ("exec-and-auth-provider", {"user": {**_exec(), "auth-provider": {"name": "oidc"}}},
     'user "dev"', "exec", "cannot both be set"),
    ("auth-provider-gcp", {"user": {"auth-provider": {"name": "gcp", "config": {"access-token": TOKEN}}}},
     'user "dev"', "auth-provider", "gke-gcloud-auth-plugin"),
    ("auth-provider-unknown", {"user": {"auth-provider": {"name": "custom"}}},
     'user "dev"', "auth-provider", "not supported"),
    ("groups-without-user", {"user": {"token": TOKEN, "as-groups": ["admins"]}}, 'user "dev"', "as",
     "need a user to impersonate"),
    ("uid-without-user", {"user": {"token": TOKEN, "as-uid": "42"}}, 'user "dev"', "as", "need a user"),
    ("context-without-cluster", {"context": {"user": "dev"}}, None, "cluster", "names no cluster"),
    ("cluster-not-found", {"context": {"cluster": "prod", "user": "dev"}}, None, "cluster",
     'cluster "prod" not found (available clusters: dev)'),
    ("user-not-found", {"context": {"cluster": "dev", "user": "bob"}}, None, "user",
     'user "bob" not found (available users: dev)'),
]


def _fill(value: Any, tmp: str) -> Any:
    if isinstance(value, str):
        return value.replace("{tmp}", tmp)
    if isinstance(value, dict):
        return {k: _fill(v, tmp) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, tmp) for v in value]
    return value


@pytest.mark.parametrize("overrides, entry, field, reason", [c[1:] for c in BAD_CONTEXTS],
                         ids=[c[0] for c in BAD_CONTEXTS])
def test_bad_context(tmp_path: Path, write_yaml, overrides, entry, field, reason) -> None:
    (tmp_path / "c.crt").write_bytes(CERT_PEM)
    (tmp_path / "c.key").write_bytes(KEY_PEM)
    (tmp_path / "ca.crt").write_bytes(CERT_PEM)
    path = write_yaml(kubeconfig(**_fill(overrides, str(tmp_path))))
    kc = load_kubeconfig(path)  # loading succeeds: only the context in use is validated
    with pytest.raises(ConfigError) as info:
        kc.rest_config("dev")
    err = info.value
    assert (err.file, err.context, err.entry, err.field) == (path, "dev", entry, field)
    message = str(err)
    assert message.startswith(f'kubeconfig {path}: context "dev": ')
    for part in (entry, field, reason):
        if part:
            assert part in message
    assert_no_secret(message)
    assert PASSWORD not in message


def test_message_format_matches_the_documented_example(tmp_path, write_yaml) -> None:
    path = write_yaml(kubeconfig(user={"client-certificate-data": b64(CERT_PEM), "client-key": "key.pem"},
                                 name="dev"))
    with pytest.raises(ConfigError) as info:
        load_kubeconfig(path).rest_config()
    assert str(info.value) == (
        f'kubeconfig {path}: context "dev": user "dev": client-key: file not found: {tmp_path}/key.pem')


@pytest.mark.parametrize("proxy_url", [
    pytest.param("http://proxy:3128", id="http"),
    pytest.param(f"https://user:{PASSWORD}@proxy:8443", id="https"),
    pytest.param("HTTPS://proxy", id="https-upper-case-scheme"),
    pytest.param("socks5://proxy:1080", id="socks5"),
])
def test_proxy_url_schemes_client_go_accepts(proxy_url) -> None:
    """client-go's parseProxyURL takes http, https and socks5; the transport speaks all three."""
    config = Kubeconfig.from_dict(kubeconfig(cluster={"server": "https://a:1", "proxy-url": proxy_url})).rest_config()
    assert config.proxy_url == proxy_url


def test_other_broken_contexts_do_not_matter() -> None:
    data = kubeconfig()
    data["clusters"].append({"name": "broken", "cluster": {}})
    data["contexts"].append({"name": "broken", "context": {"cluster": "broken", "user": "ghost"}})
    assert Kubeconfig.from_dict(data).rest_config("dev").host == "https://k8s.example:6443"


@pytest.mark.parametrize(
    "data, context, reason",
    [
        pytest.param(kubeconfig(current=None), None,
                     "no context is set: pass a context name or set current-context (available contexts: dev)",
                     id="no-current-context"),
        pytest.param({}, None, "no context is set: pass a context name or set current-context "
                               "(available contexts: none)", id="empty-config"),
        pytest.param(kubeconfig(), "prod", 'context "prod": not found (available contexts: dev)',
                     id="unknown-context"),
        pytest.param(kubeconfig(current="gone"), None, 'context "gone": not found (available contexts: dev)',
                     id="dangling-current-context"),
    ],
)
def test_context_selection_errors(write_yaml, data, context, reason) -> None:
    path = write_yaml(data)
    with pytest.raises(ConfigError) as info:
        load_kubeconfig(path).rest_config(context)
    assert str(info.value) == f"kubeconfig {path}: {reason}"


def test_impersonation_override_can_supply_the_user() -> None:
    kc = Kubeconfig.from_dict(kubeconfig(user={"token": TOKEN, "as-groups": ["admins"]}))
    with pytest.raises(ConfigError):
        kc.rest_config()
    assert kc.rest_config(impersonate=Impersonation(user="jane")).impersonate.groups == ("admins",)


def test_beta_exec_defaults_interactive_mode() -> None:
    cfg = Kubeconfig.from_dict(kubeconfig(user=_exec())).rest_config()
    assert cfg.auth.config.interactive_mode is None  # treated as IfAvailable when run
