"""kubeconfig TLS and credential variants against the real server (client-go clientcmd semantics)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
import yaml

import dynclient


@pytest.fixture
def admin_config(kubeconfig, has_unprivileged_context):
    if not has_unprivileged_context:
        pytest.skip("needs the local harness (its admin client certificate)")
    with open(kubeconfig) as fh:
        config = yaml.safe_load(fh)
    state = Path(kubeconfig).parent
    if not (state / "admin.crt").is_file():
        pytest.skip("the harness wrote no admin client certificate")
    return config, state


def with_user(config, user, **cluster):
    config = yaml.safe_load(yaml.safe_dump(config))
    for entry in config["users"]:
        if entry["name"] == "admin":
            entry["user"] = user
    for entry in config["clusters"]:
        entry["cluster"].update(cluster)
    return config


def server_of(config):
    return config["clusters"][0]["cluster"]["server"]


NAMESPACES = dynclient.GroupVersionResource("", "v1", "namespaces")


@pytest.mark.parametrize("as_data", [False, True], ids=["cert-files", "cert-data"])
def test_client_certificate_auth(admin_config, tmp_path, as_data):
    config, state = admin_config
    if as_data:
        user = {"client-certificate-data": base64.b64encode((state / "admin.crt").read_bytes()).decode(),
                "client-key-data": base64.b64encode((state / "admin.key").read_bytes()).decode()}
    else:
        user = {"client-certificate": str(state / "admin.crt"), "client-key": str(state / "admin.key")}
    with dynclient.connect(with_user(config, user), cache_dir=str(tmp_path)) as dyn:
        assert any(n["metadata"]["name"] == "default" for n in dyn.resource(NAMESPACES).list()["items"])


def test_tls_server_name_is_used_for_verification(admin_config, tmp_path):
    config, _ = admin_config
    token = next(u["user"]["token"] for u in config["users"] if u["name"] == "admin")
    good = with_user(config, {"token": token}, **{"tls-server-name": "localhost"})
    with dynclient.connect(good, cache_dir=str(tmp_path / "a")) as dyn:
        dyn.resource(NAMESPACES).list()
    bad = with_user(config, {"token": token}, **{"tls-server-name": "not-this-server.example"})
    with dynclient.connect(bad, cache_dir=str(tmp_path / "b")) as dyn:
        with pytest.raises(dynclient.TransportError, match="not-this-server.example|hostname|certificate"):
            dyn.resource(NAMESPACES).list()


def test_insecure_skip_tls_verify(admin_config, tmp_path):
    config, _ = admin_config
    token = next(u["user"]["token"] for u in config["users"] if u["name"] == "admin")
    insecure = with_user(config, {"token": token})
    cluster = insecure["clusters"][0]["cluster"]
    cluster.pop("certificate-authority-data", None)
    cluster["insecure-skip-tls-verify"] = True
    with dynclient.connect(insecure, cache_dir=str(tmp_path)) as dyn:
        dyn.resource(NAMESPACES).list()
    untrusted = yaml.safe_load(yaml.safe_dump(insecure))
    untrusted["clusters"][0]["cluster"].pop("insecure-skip-tls-verify")
    with dynclient.connect(untrusted, cache_dir=str(tmp_path / "x")) as dyn:
        with pytest.raises(dynclient.TransportError, match="certificate"):
            dyn.resource(NAMESPACES).list()


def test_exec_plugin_credentials(admin_config, tmp_path):
    config, _ = admin_config
    token = next(u["user"]["token"] for u in config["users"] if u["name"] == "admin")
    plugin = tmp_path / "plugin.py"
    plugin.write_text(
        "#!/usr/bin/env python3\nimport json\n"
        "print(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1', 'kind': 'ExecCredential',"
        f" 'status': {{'token': {token!r}}}}}))\n")
    os.chmod(plugin, 0o755)
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": str(plugin),
                     "interactiveMode": "Never"}}
    with dynclient.connect(with_user(config, user), cache_dir=str(tmp_path / "c")) as dyn:
        assert dyn.resource(NAMESPACES).list()["items"]


def test_impersonation_as_connect_arguments(kubeconfig, tmp_path, has_unprivileged_context):
    if not has_unprivileged_context:
        pytest.skip("needs the local harness users")
    with dynclient.connect(kubeconfig, cache_dir=str(tmp_path), impersonate="someone",
                           impersonate_groups=["team-a", "team-b"]) as dyn:
        with pytest.raises(dynclient.Forbidden) as info:
            dyn.resource(dynclient.GroupVersionResource("", "v1", "secrets")).namespace("default").list()
    assert 'User "someone"' in info.value.message


def test_impersonated_groups_arrive_as_separate_groups(kubeconfig, tmp_path, has_unprivileged_context):
    if not has_unprivileged_context:
        pytest.skip("needs the local harness users")
    with dynclient.connect(kubeconfig, cache_dir=str(tmp_path), impersonate="someone",
                           impersonate_groups=["team-a", "team-b"]) as dyn:
        review = dyn.resource("selfsubjectreviews.authentication.k8s.io").create(
            {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
    info = review["status"]["userInfo"]
    assert info["username"] == "someone"
    assert {"team-a", "team-b"} <= set(info["groups"])  # two groups, not one named "team-a,team-b"
