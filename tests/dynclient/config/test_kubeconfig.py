"""Loading, merging and building RESTConfigs from kubeconfig files (clientcmd loader.go, client_config.go)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Callable, Dict

import pytest

from dynclient.config import (
    BasicAuth,
    ConfigError,
    ExecPlugin,
    Impersonation,
    Kubeconfig,
    OIDCToken,
    StaticToken,
    TokenFile,
    load_kubeconfig,
)
from dynclient.config.kubeconfig import default_kubeconfig_paths

from .helpers import CA_PEM, CERT_PEM, KEY_PEM, PASSWORD, TOKEN, b64, kubeconfig, make_jwt


def _file(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


# -- the path list -----------------------------------------------------------


@pytest.mark.parametrize(
    "env, expected",
    [
        pytest.param(None, ["{home}/.kube/config"], id="unset-uses-home"),
        pytest.param("", ["{home}/.kube/config"], id="empty-uses-home"),
        pytest.param("/a{sep}/b", ["/a", "/b"], id="list"),
        pytest.param("/a{sep}{sep}/b{sep}", ["/a", "/b"], id="empty-entries-ignored"),
        pytest.param("/a{sep}/b{sep}/a", ["/a", "/b"], id="duplicates-removed-first-kept"),
        pytest.param("{sep}", [], id="only-separators-means-nothing"),
    ],
)
def test_default_paths(env, expected, isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if env is not None:
        monkeypatch.setenv("KUBECONFIG", env.format(sep=os.pathsep))
    assert default_kubeconfig_paths() == [e.format(home=isolated_env) for e in expected]


# -- merging -------------------------------------------------------------------


def _two_files(write_yaml: Callable[..., str]) -> Dict[str, str]:
    first = {
        "clusters": [{"name": "shared", "cluster": {"server": "https://first:6443"}},
                     {"name": "only-first", "cluster": {"server": "https://one:6443"}}],
        "users": [{"name": "shared", "user": {"token": "first-token"}}],
        "contexts": [{"name": "shared", "context": {"cluster": "shared", "user": "shared", "namespace": "first"}}],
        "extensions": [{"name": "ext", "extension": {"from": "first"}}],
        "preferences": {"colors": True},
    }
    second = {
        "current-context": "shared",
        "clusters": [{"name": "shared", "cluster": {"server": "https://second:6443",
                                                   "insecure-skip-tls-verify": True}},
                     {"name": "only-second", "cluster": {"server": "https://two:6443"}}],
        "users": [{"name": "shared", "user": {"token": "second-token", "as": "someone"}}],
        "contexts": [{"name": "shared", "context": {"cluster": "shared", "user": "shared"}},
                     {"name": "other", "context": {"cluster": "only-second", "user": "shared"}}],
        "extensions": [{"name": "ext", "extension": {"from": "second"}}],
    }
    third = {"current-context": "other"}
    return {"first": write_yaml(first, "first"), "second": write_yaml(second, "second"),
            "third": write_yaml(third, "third")}


def test_merge_first_file_wins_for_maps(write_yaml, monkeypatch) -> None:
    files = _two_files(write_yaml)
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([files["first"], files["second"], files["third"]]))
    kc = load_kubeconfig()
    assert kc.sources == (files["first"], files["second"], files["third"])
    assert kc.clusters["shared"].server == "https://first:6443"
    # the whole entry comes from the first file: nothing is merged field by field
    assert kc.clusters["shared"].insecure_skip_tls_verify is False
    assert kc.users["shared"].impersonate.is_empty()
    assert kc.clusters["shared"].origin == files["first"]
    assert set(kc.clusters) == {"shared", "only-first", "only-second"}
    assert set(kc.contexts) == {"shared", "other"}
    assert kc.extensions["ext"] == {"from": "first"}
    assert kc.preferences == {"colors": True}


def test_merge_current_context_first_non_empty_wins(write_yaml, monkeypatch) -> None:
    files = _two_files(write_yaml)
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([files["first"], files["second"], files["third"]]))
    kc = load_kubeconfig()
    assert kc.current_context == "shared"  # first has none, second says "shared", third's "other" loses
    cfg = kc.rest_config()
    assert cfg.host == "https://first:6443"
    assert cfg.auth.headers() == {"Authorization": "Bearer first-token"}
    assert cfg.namespace == "first"


def test_merge_order_reversed(write_yaml, monkeypatch) -> None:
    files = _two_files(write_yaml)
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([files["third"], files["second"], files["first"]]))
    kc = load_kubeconfig()
    assert kc.current_context == "other"
    assert kc.clusters["shared"].server == "https://second:6443"
    assert kc.rest_config().host == "https://two:6443"


def test_missing_files_in_kubeconfig_env_are_skipped(write_yaml, tmp_path, monkeypatch) -> None:
    real = write_yaml(kubeconfig())
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(tmp_path / "nope"), real, str(tmp_path / "gone")]))
    kc = load_kubeconfig()
    assert kc.sources == (real,)
    assert kc.rest_config().host == "https://k8s.example:6443"


def test_all_missing_gives_empty_config_that_explains(tmp_path, monkeypatch, caplog) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "nope"))
    with caplog.at_level(logging.WARNING, logger="dynclient.config"):
        kc = load_kubeconfig()
    assert "none of the KUBECONFIG files exist" in caplog.text
    with pytest.raises(ConfigError, match="no kubeconfig file found .*nope"):
        kc.rest_config()


def test_home_config_used_without_env(isolated_env: Path) -> None:
    (isolated_env / ".kube").mkdir()
    (isolated_env / ".kube" / "config").write_text("clusters: []\n")
    kc = load_kubeconfig()
    assert kc.sources == (str(isolated_env / ".kube" / "config"),)


@pytest.mark.parametrize("as_list", [True, False], ids=["list", "single-path"])
def test_explicit_missing_file_is_an_error(tmp_path, as_list) -> None:
    missing = str(tmp_path / "missing")
    with pytest.raises(ConfigError) as info:
        load_kubeconfig([missing] if as_list else missing)
    assert info.value.file == missing
    assert str(info.value) == f"kubeconfig {missing}: file not found"


def test_explicit_paths_merge_in_order(write_yaml) -> None:
    a = write_yaml(kubeconfig(server="https://a:1"), "a")
    b = write_yaml(kubeconfig(server="https://b:1"), "b")
    assert load_kubeconfig([b, a]).rest_config().host == "https://b:1"


def test_empty_file_is_an_empty_config(write_yaml) -> None:
    kc = load_kubeconfig(write_yaml(""))
    assert not kc.contexts and kc.current_context is None


# -- relative paths --------------------------------------------------------------


def test_relative_paths_resolve_against_their_own_file(tmp_path, write_yaml, monkeypatch) -> None:
    _file(tmp_path, "a/ca.crt", CA_PEM)
    _file(tmp_path, "b/certs/client.crt", CERT_PEM)
    _file(tmp_path, "b/certs/client.key", KEY_PEM)
    _file(tmp_path, "b/token", TOKEN.encode())
    a = write_yaml({
        "clusters": [{"name": "c", "cluster": {"server": "https://x:1", "certificate-authority": "ca.crt"}}],
        "contexts": [{"name": "dev", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "dev",
    }, "a/config")
    b = write_yaml({
        "users": [{"name": "u", "user": {
            "client-certificate": "certs/client.crt", "client-key": "./certs/client.key",
            "tokenFile": "token",
            "exec": {"command": "./bin/plugin", "apiVersion": "client.authentication.k8s.io/v1beta1"},
        }},
            {"name": "path-lookup", "user": {
                "exec": {"command": "kubelogin", "apiVersion": "client.authentication.k8s.io/v1beta1"}}}],
    }, "b/config")
    monkeypatch.chdir(tmp_path / "a")  # the working directory must not matter
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([a, b]))
    kc = load_kubeconfig()
    assert kc.clusters["c"].certificate_authority == str(tmp_path / "a" / "ca.crt")
    user = kc.users["u"]
    assert user.client_certificate == str(tmp_path / "b" / "certs" / "client.crt")
    assert user.client_key == str(tmp_path / "b" / "certs" / "client.key")
    assert user.token_file == str(tmp_path / "b" / "token")
    assert user.exec.command == str(tmp_path / "b" / "bin" / "plugin")
    # a bare command name is looked up on PATH, never resolved (GetAuthInfoFileReferences)
    assert kc.users["path-lookup"].exec.command == "kubelogin"
    cfg = kc.rest_config()
    assert cfg.ca_file == str(tmp_path / "a" / "ca.crt")
    assert cfg.client_cert_file == user.client_certificate


def test_relative_kubeconfig_env_entry_resolves_from_cwd(tmp_path, monkeypatch) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "ca.crt").write_bytes(CA_PEM)
    (tmp_path / "conf" / "config").write_text(
        "clusters: [{name: c, cluster: {server: 'https://x:1', certificate-authority: ca.crt}}]\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KUBECONFIG", os.path.join("conf", "config"))
    assert load_kubeconfig().clusters["c"].certificate_authority == str(tmp_path / "conf" / "ca.crt")


def test_from_dict_keeps_relative_paths_unless_given_a_source(tmp_path) -> None:
    data = kubeconfig(cluster={"server": "https://x:1", "certificate-authority": "ca.crt"})
    assert Kubeconfig.from_dict(data).clusters["dev"].certificate_authority == "ca.crt"
    anchored = Kubeconfig.from_dict(data, source=str(tmp_path / "kc"))
    assert anchored.clusters["dev"].certificate_authority == str(tmp_path / "ca.crt")
    assert anchored.sources == (str(tmp_path / "kc"),)


# -- one context into a RESTConfig --------------------------------------------------


@pytest.mark.parametrize(
    "cluster, expected",
    [
        pytest.param({"server": "https://h:6443/"}, {"host": "https://h:6443", "verify": True}, id="trailing-slash"),
        pytest.param({"server": "https://h/k8s/clusters/c-1/?x=1#f"}, {"host": "https://h/k8s/clusters/c-1"},
                     id="path-kept-query-dropped"),
        pytest.param({"server": "HTTPS://h:1"}, {"host": "https://h:1"}, id="scheme-lowercased"),
        pytest.param({"server": "https://[::1]:6443"}, {"host": "https://[::1]:6443"}, id="ipv6"),
        pytest.param({"server": "https://h:1", "insecure-skip-tls-verify": True}, {"verify": False},
                     id="insecure-skip-tls-verify"),
        pytest.param({"server": "https://h:1", "tls-server-name": "kubernetes.default"},
                     {"tls_server_name": "kubernetes.default"}, id="tls-server-name"),
        pytest.param({"server": "https://h:1", "proxy-url": "socks5://proxy:1080"},
                     {"proxy_url": "socks5://proxy:1080"}, id="proxy-url"),
        pytest.param({"server": "https://h:1", "certificate-authority-data": b64(CA_PEM)},
                     {"ca_data": CA_PEM, "ca_file": None}, id="ca-data"),
        pytest.param({"server": "https://h:1", "disable-compression": True},
                     {"disable_compression": True}, id="disable-compression"),
    ],
)
def test_cluster_fields(cluster, expected: Dict[str, Any]) -> None:
    cfg = Kubeconfig.from_dict(kubeconfig(cluster=cluster)).rest_config()
    for name, value in expected.items():
        assert getattr(cfg, name) == value, name


def test_ca_file(tmp_path) -> None:
    ca = _file(tmp_path, "ca.crt", CA_PEM)
    cfg = Kubeconfig.from_dict(kubeconfig(cluster={"server": "https://h:1", "certificate-authority": ca})).rest_config()
    assert cfg.ca_file == ca and cfg.ca_data is None
    assert cfg.tls_verify() == ca


def test_ca_data_becomes_a_private_file() -> None:
    cfg = Kubeconfig.from_dict(kubeconfig(cluster={"server": "https://h:1",
                                                   "certificate-authority-data": b64(CA_PEM)})).rest_config()
    path = cfg.tls_verify()
    assert isinstance(path, str) and Path(path).read_bytes() == CA_PEM
    assert cfg.tls_verify() == path  # written once


def test_insecure_means_no_verification() -> None:
    # (With a CA as well it is refused, as kubectl does: tests/security/test_insecure.py.)
    cfg = Kubeconfig.from_dict(kubeconfig(cluster={"server": "https://h:1", "insecure-skip-tls-verify": True})).rest_config()
    assert cfg.tls_verify() is False


@pytest.mark.parametrize("form", ["files", "data"])
def test_client_certificate(tmp_path, form) -> None:
    if form == "files":
        user = {"client-certificate": _file(tmp_path, "c.crt", CERT_PEM), "client-key": _file(tmp_path, "c.key", KEY_PEM)}
    else:
        user = {"client-certificate-data": b64(CERT_PEM), "client-key-data": b64(KEY_PEM)}
    cfg = Kubeconfig.from_dict(kubeconfig(user=user)).rest_config()
    assert cfg.auth is None
    cert, key = cfg.tls_client_cert()
    assert Path(cert).read_bytes() == CERT_PEM
    assert Path(key).read_bytes() == KEY_PEM
    if form == "data":
        assert cfg.client_cert_data == CERT_PEM and cfg.client_key_data == KEY_PEM
        assert os.stat(key).st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    "user, kind",
    [
        pytest.param({"token": TOKEN}, StaticToken, id="token"),
        pytest.param({"username": "bob", "password": PASSWORD}, BasicAuth, id="basic"),
        pytest.param({"auth-provider": {"name": "oidc", "config": {"id-token": make_jwt({"sub": "x"})}}},
                     OIDCToken, id="oidc"),
        pytest.param({"exec": {"command": "x", "apiVersion": "client.authentication.k8s.io/v1beta1"}},
                     ExecPlugin, id="exec"),
        pytest.param({}, type(None), id="anonymous"),
    ],
)
def test_auth_provider_choice(user, kind) -> None:
    assert isinstance(Kubeconfig.from_dict(kubeconfig(user=user)).rest_config().auth, kind)


def test_token_wins_over_token_file(tmp_path) -> None:
    tf = _file(tmp_path, "token", b"from-file")
    cfg = Kubeconfig.from_dict(kubeconfig(user={"token": TOKEN, "tokenFile": tf})).rest_config()
    assert cfg.auth.headers() == {"Authorization": f"Bearer {TOKEN}"}


def test_token_file(tmp_path) -> None:
    tf = _file(tmp_path, "token", b"  file-token\n")
    cfg = Kubeconfig.from_dict(kubeconfig(user={"tokenFile": tf})).rest_config()
    assert isinstance(cfg.auth, TokenFile)
    assert cfg.auth.headers() == {"Authorization": "Bearer file-token"}


def test_static_client_cert_disables_exec() -> None:
    # exec's UpdateTransportConfig stands aside when cert auth is configured
    user = {"client-certificate-data": b64(CERT_PEM), "client-key-data": b64(KEY_PEM),
            "exec": {"command": "x", "apiVersion": "client.authentication.k8s.io/v1beta1"}}
    assert Kubeconfig.from_dict(kubeconfig(user=user)).rest_config().auth is None


def test_context_without_user_is_anonymous() -> None:
    cfg = Kubeconfig.from_dict(kubeconfig(context={"cluster": "dev"})).rest_config()
    assert cfg.auth is None and cfg.user_name is None


@pytest.mark.parametrize(
    "explicit, in_context, expected",
    [
        pytest.param(None, None, "default", id="default"),
        pytest.param(None, "team", "team", id="from-context"),
        pytest.param("mine", "team", "mine", id="explicit-wins"),
    ],
)
def test_namespace(explicit, in_context, expected) -> None:
    context = {"cluster": "dev", "user": "dev"}
    if in_context:
        context["namespace"] = in_context
    cfg = Kubeconfig.from_dict(kubeconfig(context=context)).rest_config(namespace=explicit)
    assert cfg.namespace == expected


def test_explicit_context_cluster_and_user() -> None:
    data = kubeconfig()
    data["clusters"].append({"name": "other", "cluster": {"server": "https://other:1"}})
    data["users"].append({"name": "admin", "user": {"username": "admin", "password": PASSWORD}})
    data["contexts"].append({"name": "second", "context": {"cluster": "other", "user": "dev"}})
    kc = Kubeconfig.from_dict(data)
    second = kc.rest_config("second")
    assert (second.context_name, second.host) == ("second", "https://other:1")
    overridden = kc.rest_config(cluster="other", user="admin")
    assert (overridden.context_name, overridden.cluster_name, overridden.user_name) == ("dev", "other", "admin")
    assert isinstance(overridden.auth, BasicAuth)


def test_result_records_where_it_came_from(write_yaml) -> None:
    path = write_yaml(kubeconfig(context={"cluster": "dev", "user": "dev", "namespace": "ns"}))
    cfg = load_kubeconfig(path).rest_config()
    assert (cfg.source, cfg.context_name, cfg.cluster_name, cfg.user_name) == (path, "dev", "dev", "dev")
    assert cfg.raw_cluster == {"server": "https://k8s.example:6443"}
    assert cfg.raw_context == {"cluster": "dev", "user": "dev", "namespace": "ns"}


def test_with_namespace_returns_a_copy() -> None:
    cfg = Kubeconfig.from_dict(kubeconfig()).rest_config()
    other = cfg.with_namespace("elsewhere")
    assert (cfg.namespace, other.namespace, other.host) == ("default", "elsewhere", cfg.host)


# -- impersonation ------------------------------------------------------------------


def test_impersonation_from_kubeconfig_and_override() -> None:
    user = {"token": TOKEN, "as": "jane", "as-uid": "42", "as-groups": ["devs", "ops"],
            "as-user-extra": {"scopes": ["view"]}}
    kc = Kubeconfig.from_dict(kubeconfig(user=user))
    assert kc.rest_config().impersonate == Impersonation("jane", "42", ("devs", "ops"), {"scopes": ("view",)})
    overridden = kc.rest_config(impersonate=Impersonation(user="joe", groups=("admins",)))
    assert overridden.impersonate == Impersonation("joe", "42", ("admins",), {"scopes": ("view",)})


# -- credentials only over TLS ---------------------------------------------------------


@pytest.mark.parametrize(
    "user",
    [
        pytest.param({"token": TOKEN}, id="token"),
        pytest.param({"username": "bob", "password": PASSWORD}, id="basic"),
        pytest.param({"client-certificate-data": b64(CERT_PEM), "client-key-data": b64(KEY_PEM)}, id="cert"),
        pytest.param({"exec": {"command": "x", "apiVersion": "client.authentication.k8s.io/v1beta1"}}, id="exec"),
    ],
)
def test_plain_http_server_gets_no_credentials(user, caplog) -> None:
    user = {**user, "as": "jane"}
    kc = Kubeconfig.from_dict(kubeconfig(server="http://insecure:8080", user=user))
    with caplog.at_level(logging.WARNING, logger="dynclient.config"):
        cfg = kc.rest_config()
        kc.rest_config()
    assert cfg.auth is None
    assert cfg.tls_client_cert() is None
    assert cfg.client_key_data is None and cfg.client_cert_data is None
    assert cfg.impersonate.user == "jane"  # impersonation is not a credential; client-go keeps it
    warnings = [r for r in caplog.records if "not https" in r.getMessage()]
    assert len(warnings) == 1, "warned once"
    assert TOKEN not in caplog.text and PASSWORD not in caplog.text


def test_plain_http_without_credentials_does_not_warn(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="dynclient.config"):
        cfg = Kubeconfig.from_dict(kubeconfig(server="http://localhost:8080", user={})).rest_config()
    assert cfg.host == "http://localhost:8080" and not caplog.records


# -- repr --------------------------------------------------------------------------------


def test_kubeconfig_repr_lists_names() -> None:
    text = repr(Kubeconfig.from_dict(kubeconfig()))
    assert "contexts=['dev']" in text and TOKEN not in text
