"""The package's public surface: every name in __all__ exists, and the documented entry points are there."""

from __future__ import annotations

import importlib

import pytest

import dynclient.config as config

MODULES = ["errors", "model", "impersonation", "auth", "exec_plugin", "kubeconfig", "incluster", "loader"]


def test_all_names_exist() -> None:
    for name in config.__all__:
        assert hasattr(config, name), name


@pytest.mark.parametrize("module", MODULES)
def test_module_all(module) -> None:
    mod = importlib.import_module(f"dynclient.config.{module}")
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name}"


def test_documented_api() -> None:
    expected = {"load_config", "load_kubeconfig", "Kubeconfig", "RESTConfig", "ConfigError", "ExecPluginError",
                "CredentialsExpired", "in_cluster_config", "AuthProvider", "StaticToken", "TokenFile", "BasicAuth",
                "ExecPlugin", "OIDCToken", "Impersonation"}
    assert expected <= set(config.__all__)


@pytest.mark.parametrize("name", sorted(config.__all__))
def test_public_names_have_docstrings(name) -> None:
    assert (getattr(config, name).__doc__ or "").strip(), name
