"""Secrets (tokens, passwords, key data) never reach an exception message, a repr or a log line."""

from __future__ import annotations

import logging

import pytest

from dynclient.config import ConfigError, Kubeconfig, load_config, load_kubeconfig

from .helpers import CERT_PEM, KEY_PEM, PASSWORD, TOKEN, assert_no_secret, b64, make_jwt


def _secretive() -> dict:
    jwt = make_jwt({"sub": TOKEN, "exp": 1})
    return {
        "current-context": "token",
        "clusters": [{"name": "tls", "cluster": {"server": "https://h:1", "proxy-url": f"http://u:{PASSWORD}@p:1"}},
                     {"name": "plain", "cluster": {"server": "http://h:8080"}}],
        "users": [
            {"name": "token", "user": {"token": TOKEN}},
            {"name": "basic", "user": {"username": "bob", "password": PASSWORD}},
            {"name": "cert", "user": {"client-certificate-data": b64(CERT_PEM), "client-key-data": b64(KEY_PEM)}},
            {"name": "exec", "user": {"exec": {"command": "/nonexistent/plugin", "args": [f"--token={TOKEN}"],
                                                "env": [{"name": "SECRET", "value": PASSWORD}],
                                                "apiVersion": "client.authentication.k8s.io/v1beta1"}}},
            {"name": "oidc", "user": {"auth-provider": {"name": "oidc", "config": {
                "id-token": jwt, "refresh-token": TOKEN, "client-secret": PASSWORD}}}},
            {"name": "conflict", "user": {"token": TOKEN, "username": "bob", "password": PASSWORD}},
        ],
        "contexts": [{"name": name, "context": {"cluster": "tls", "user": name}}
                     for name in ("token", "basic", "cert", "exec", "oidc", "conflict")]
                    + [{"name": "plain-" + name, "context": {"cluster": "plain", "user": name}}
                       for name in ("token", "basic", "cert")],
    }


def test_reprs_of_everything(caplog) -> None:
    with caplog.at_level(logging.DEBUG):
        kc = Kubeconfig.from_dict(_secretive())
        assert_no_secret(repr(kc))
        for user in kc.users.values():
            assert_no_secret(repr(user))
        for name in ("token", "basic", "cert", "exec", "oidc", "plain-token", "plain-basic", "plain-cert"):
            cfg = kc.rest_config(name)
            assert_no_secret(repr(cfg))
            assert PASSWORD not in repr(cfg)
            assert_no_secret(repr(cfg.auth))
    assert_no_secret(caplog.text)
    assert PASSWORD not in caplog.text


@pytest.mark.parametrize("context", ["exec", "oidc", "conflict"])
def test_errors(context, caplog) -> None:
    kc = Kubeconfig.from_dict(_secretive(), source="/kc")
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(ConfigError) as info:
            cfg = kc.rest_config(context)
            cfg.auth.headers()
    for text in (str(info.value), repr(info.value), caplog.text):
        assert_no_secret(text)
        assert PASSWORD not in text


def test_yaml_errors_do_not_quote_the_file(write_yaml) -> None:
    path = write_yaml(f"users:\n- name: u\n  user:\n    token: {TOKEN}\n   password: {PASSWORD}\n")
    with pytest.raises(ConfigError) as info:
        load_kubeconfig(path)
    assert_no_secret(str(info.value))
    assert PASSWORD not in str(info.value)


def test_load_config_result(write_yaml) -> None:
    cfg = load_config(write_yaml(_secretive()), "basic")
    assert_no_secret(repr(cfg))
    assert PASSWORD not in repr(cfg) and PASSWORD not in str(cfg)
