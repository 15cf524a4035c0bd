"""In-cluster configuration from a service account (client-go rest.InClusterConfig), with temp files."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Dict

import pytest

from dynclient.config import ConfigError, TokenFile, in_cluster_config

from .helpers import CA_PEM, TOKEN, assert_no_secret


@pytest.fixture
def service_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Dict[str, str]:
    sa = tmp_path / "serviceaccount"
    sa.mkdir()
    (sa / "token").write_text(TOKEN)
    (sa / "ca.crt").write_bytes(CA_PEM)
    (sa / "namespace").write_text("team-a\n")
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    monkeypatch.delenv("POD_NAMESPACE", raising=False)
    return {"token_path": str(sa / "token"), "ca_path": str(sa / "ca.crt"), "namespace_path": str(sa / "namespace")}


def test_in_cluster(service_account) -> None:
    cfg = in_cluster_config(**service_account)
    assert cfg.host == "https://10.96.0.1:443"
    assert cfg.ca_file == service_account["ca_path"]
    assert cfg.verify is True
    assert isinstance(cfg.auth, TokenFile)
    assert cfg.auth.headers() == {"Authorization": f"Bearer {TOKEN}"}
    assert cfg.namespace == "team-a"
    assert cfg.source == "in-cluster" and cfg.context_name is None
    assert_no_secret(repr(cfg))


def test_ipv6_host_is_bracketed(service_account, monkeypatch) -> None:
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "fd00::1")
    assert in_cluster_config(**service_account).host == "https://[fd00::1]:443"


def test_rotated_token_is_picked_up(service_account) -> None:
    cfg = in_cluster_config(**service_account)
    cfg.auth.headers()
    path = Path(service_account["token_path"])
    path.write_text("rotated-token")
    os.utime(path, (path.stat().st_mtime + 10,) * 2)
    assert cfg.auth.headers() == {"Authorization": "Bearer rotated-token"}


@pytest.mark.parametrize(
    "pod_namespace, explicit, expected",
    [
        pytest.param(None, None, "team-a", id="namespace-file"),
        pytest.param("from-env", None, "from-env", id="POD_NAMESPACE-first"),
        pytest.param("from-env", "explicit", "explicit", id="explicit-wins"),
    ],
)
def test_namespace(service_account, monkeypatch, pod_namespace, explicit, expected) -> None:
    if pod_namespace:
        monkeypatch.setenv("POD_NAMESPACE", pod_namespace)
    assert in_cluster_config(namespace=explicit, **service_account).namespace == expected


def test_namespace_defaults(service_account) -> None:
    os.unlink(service_account["namespace_path"])
    assert in_cluster_config(**service_account).namespace == "default"


@pytest.mark.parametrize("missing", ["KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"])
def test_not_in_a_cluster(service_account, monkeypatch, missing) -> None:
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match="not running in a cluster") as info:
        in_cluster_config(**service_account)
    assert str(info.value).startswith("in-cluster: ")


def test_missing_token_is_an_error(service_account) -> None:
    os.unlink(service_account["token_path"])
    with pytest.raises(ConfigError, match="tokenFile: file not found"):
        in_cluster_config(**service_account)


def test_missing_ca_falls_back_to_system_cas(service_account, caplog) -> None:
    os.unlink(service_account["ca_path"])
    with caplog.at_level(logging.WARNING, logger="dynclient.config"):
        cfg = in_cluster_config(**service_account)
    assert cfg.ca_file is None and cfg.tls_verify() is True
    assert "CA bundle" in caplog.text
