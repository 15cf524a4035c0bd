"""load_config: explicit kubeconfig, $KUBECONFIG / ~/.kube/config, in-cluster, or an error saying what was tried."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dynclient.config import ConfigError, Impersonation, load_config
from dynclient.config import incluster

from .helpers import TOKEN, kubeconfig


@pytest.fixture
def in_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Pretend to be in a pod: env vars set, service account files in tmp_path."""
    sa = tmp_path / "sa"
    sa.mkdir()
    (sa / "token").write_text("pod-token")
    (sa / "namespace").write_text("pod-ns")
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "6443")
    monkeypatch.setattr(incluster, "SERVICE_ACCOUNT_DIR", str(sa))
    return sa


def test_dict(isolated_env) -> None:
    assert load_config(kubeconfig(server="https://d:1")).host == "https://d:1"


def test_single_path_and_pathlike(write_yaml) -> None:
    path = write_yaml(kubeconfig(server="https://p:1"))
    assert load_config(path).host == "https://p:1"
    assert load_config(Path(path)).host == "https://p:1"


def test_list_of_paths_merges(write_yaml) -> None:
    a = write_yaml(kubeconfig(server="https://a:1"), "a")
    b = write_yaml(kubeconfig(server="https://b:1", name="other", current="other"), "b")
    cfg = load_config([a, b], "other")
    assert (cfg.context_name, cfg.host) == ("other", "https://b:1")


def test_kubeconfig_env(write_yaml, monkeypatch) -> None:
    monkeypatch.setenv("KUBECONFIG", write_yaml(kubeconfig(server="https://env:1")))
    assert load_config().host == "https://env:1"


def test_home_config(isolated_env) -> None:
    (isolated_env / ".kube").mkdir()
    (isolated_env / ".kube" / "config").write_text(
        "clusters: [{name: c, cluster: {server: 'https://home:1'}}]\n"
        "contexts: [{name: c, context: {cluster: c}}]\ncurrent-context: c\n")
    assert load_config().host == "https://home:1"


def test_kubeconfig_is_preferred_over_in_cluster(write_yaml, monkeypatch, in_cluster) -> None:
    monkeypatch.setenv("KUBECONFIG", write_yaml(kubeconfig(server="https://env:1")))
    assert load_config().host == "https://env:1"


def test_in_cluster_when_no_kubeconfig(in_cluster) -> None:
    cfg = load_config(namespace="explicit")
    assert cfg.host == "https://10.0.0.1:6443"
    assert cfg.auth.headers() == {"Authorization": "Bearer pod-token"}
    assert cfg.namespace == "explicit"


def test_in_cluster_with_missing_kubeconfig_env(in_cluster, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    assert load_config().source == "in-cluster"


def test_in_cluster_impersonation(in_cluster) -> None:
    cfg = load_config(impersonate_user="jane", impersonate_groups=["devs"])
    assert cfg.impersonate == Impersonation(user="jane", groups=("devs",))
    with pytest.raises(ConfigError, match="needs a user"):
        load_config(impersonate_groups=["devs"])


def test_in_cluster_refuses_a_context(in_cluster) -> None:
    with pytest.raises(ConfigError, match='context "dev": no kubeconfig found'):
        load_config(context="dev")


def test_nothing_found_says_what_was_looked_for(isolated_env) -> None:
    with pytest.raises(ConfigError) as info:
        load_config()
    message = str(info.value)
    assert os.path.join(str(isolated_env), ".kube", "config") in message
    assert "KUBERNETES_SERVICE_HOST is not set" in message


def test_nothing_found_mentions_kubeconfig_env(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "a") + os.pathsep + str(tmp_path / "b"))
    with pytest.raises(ConfigError, match=r"\$KUBECONFIG files .*a, .*b"):
        load_config()


def test_impersonation_arguments_override_kubeconfig() -> None:
    data = kubeconfig(user={"token": TOKEN, "as": "from-file", "as-groups": ["file-group"]})
    cfg = load_config(data, impersonate_user="jane", impersonate_uid="7",
                      impersonate_extra={"reason": ["debugging"]})
    assert cfg.impersonate == Impersonation("jane", "7", ("file-group",), {"reason": ("debugging",)})
    assert load_config(data).impersonate.user == "from-file"


def test_context_and_namespace_arguments(write_yaml) -> None:
    data = kubeconfig()
    data["contexts"].append({"name": "second", "context": {"cluster": "dev", "namespace": "second-ns"}})
    cfg = load_config(write_yaml(data), "second")
    assert (cfg.context_name, cfg.namespace) == ("second", "second-ns")
    assert load_config(data, "second", namespace="mine").namespace == "mine"
