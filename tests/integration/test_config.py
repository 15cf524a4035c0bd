"""kubeconfig TLS and credential variants against the real server (client-go clientcmd semantics)."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import time
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


# -- hostile and broken configuration, with kubectl as the oracle (issue 13) -------------------------

V1BETA1 = "client.authentication.k8s.io/v1beta1"


@pytest.fixture
def real_config(kubeconfig):
    """The server's kubeconfig as a dict, and its directory (the harness keeps admin.crt there).

    Unlike ``real_config`` it also runs on a shared harness given by DYNCLIENT_TEST_KUBECONFIG: these
    tests only swap the admin user's credentials, they never need the unprivileged user.
    """
    with open(kubeconfig) as fh:
        config = yaml.safe_load(fh)
    if not any(u["name"] == "admin" for u in config["users"]):
        pytest.skip("needs a kubeconfig with an admin user (the local harness)")
    return config, Path(kubeconfig).parent


def _write(tmp_path, config, name="kubeconfig"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(config))
    return str(path)


def _kubectl_stderr(path, *args):
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    proc = subprocess.run(["kubectl", "--kubeconfig", path, "get", "namespaces", *args], capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode != 0
    return proc.stderr


def _plugin(tmp_path, body, mode=0o755):
    path = tmp_path / "plugin.sh"
    path.write_text(f"#!/bin/sh\necho run >> '{tmp_path}/runs'\n{body}\n")
    os.chmod(path, mode)
    return path


def _runs(tmp_path):
    runs = tmp_path / "runs"
    return len(runs.read_text().splitlines()) if runs.exists() else 0


@pytest.fixture
def fresh_exec_cache():
    from dynclient.config import exec_plugin

    exec_plugin.forget_cached_credentials()
    yield
    exec_plugin.forget_cached_credentials()


@pytest.mark.parametrize(
    "body, mode, words",
    [
        pytest.param("echo 'expired' >&2; exit 3", 0o755, "exec: executable {cmd} failed with exit code 3",
                     id="non-zero-exit"),
        pytest.param("echo garbage", 0o755, "decoding stdout: couldn't get version/kind; json parse error",
                     id="garbage-output"),
        pytest.param("echo hi", 0o644, "exec: fork/exec {cmd}: permission denied", id="not-executable"),
    ],
)
def test_a_broken_exec_plugin_fails_as_kubectl_says_and_runs_once(real_config, tmp_path, fresh_exec_cache,
                                                                   body, mode, words):
    config, _ = real_config
    cmd = _plugin(tmp_path, body, mode)
    path = _write(tmp_path, with_user(config, {"exec": {"apiVersion": V1BETA1, "command": str(cmd)}}))
    expected = words.format(cmd=cmd)
    assert f"getting credentials: {expected}" in _kubectl_stderr(path)
    kubectl_runs = _runs(tmp_path)
    with dynclient.connect(path, cache_dir=str(tmp_path / "cache")) as dyn:
        with pytest.raises(dynclient.ExecPluginError) as info:
            dyn.resource(NAMESPACES).list()
        with pytest.raises(dynclient.ExecPluginError):
            dyn.resource(NAMESPACES).list()  # remembered: not run again
    assert "getting credentials: " in str(info.value) and expected in str(info.value)
    assert "\n" not in str(info.value)
    if mode & 0o111:
        assert kubectl_runs >= 1
        assert _runs(tmp_path) - kubectl_runs == 1


def test_a_hanging_exec_plugin_costs_one_timeout_for_a_whole_command(real_config, tmp_path, fresh_exec_cache,
                                                                     monkeypatch):
    from dynclient.config import exec_plugin

    monkeypatch.setattr(exec_plugin, "DEFAULT_TIMEOUT", 1.0)
    config, _ = real_config
    cmd = _plugin(tmp_path, "sleep 60")
    path = _write(tmp_path, with_user(config, {"exec": {"apiVersion": V1BETA1, "command": str(cmd)}}))
    start = time.monotonic()
    with dynclient.connect(path, cache_dir=str(tmp_path / "cache")) as dyn:
        with pytest.raises(dynclient.ExecPluginError, match="did not finish within 1s"):
            dyn.resource(dynclient.GroupVersionResource("apps", "v1", "deployments")).list()
    assert time.monotonic() - start < 3
    assert _runs(tmp_path) == 1


def _cluster_ca(config):
    return base64.b64decode(config["clusters"][0]["cluster"]["certificate-authority-data"])


@pytest.mark.parametrize(
    "change, field, words",
    [
        pytest.param(lambda c, s: ({"certificate-authority-data": base64.b64encode(b"not PEM at all").decode()}, None),
                     "certificate-authority-data", "unable to load root certificates: unable to parse bytes as PEM block",
                     id="ca-data-not-pem"),
        pytest.param(lambda c, s: ({"insecure-skip-tls-verify": True}, None), "insecure-skip-tls-verify",
                     "specifying a root certificates file with the insecure flag is not allowed", id="insecure-with-ca"),
        pytest.param(lambda c, s: ({}, {"client-certificate": str(s / "admin.crt"),
                                        "client-key-data": base64.b64encode(b"garbage").decode()}),
                     "client-key-data", "tls: failed to find any PEM data in key input", id="client-key-not-pem"),
        pytest.param(lambda c, s: ({}, {"client-certificate": str(s / "admin.crt"),
                                        "client-key": str(s / "other.key")}),
                     "client-key", "tls: private key does not match public key", id="key-of-another-certificate"),
    ],
)
def test_broken_tls_material_is_refused_at_load_in_kubectls_words(real_config, tmp_path, change, field, words):
    config, state = real_config
    if not (state / "admin.crt").is_file():
        pytest.skip("the harness wrote no admin client certificate")
    other_key = tmp_path / "other.key"
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-out", str(other_key)], check=True, capture_output=True)
    (tmp_path / "admin.crt").write_bytes((state / "admin.crt").read_bytes())
    cluster, user = change(config, tmp_path)
    token = next(u["user"]["token"] for u in config["users"] if u["name"] == "admin")
    path = _write(tmp_path, with_user(config, user or {"token": token}, **cluster))
    # kubectl says "error: <words>", or for key files (reloaded by its cert rotation) "Unable to connect ...: <words>".
    assert f": {words}" in _kubectl_stderr(path)
    start = time.monotonic()
    with pytest.raises(dynclient.ConfigError) as info:
        dynclient.connect(path, cache_dir=str(tmp_path / "cache"))
    assert time.monotonic() - start < 1  # no connection attempted, nothing retried
    assert info.value.field == field and str(info.value).endswith(f"{field}: {words}")


@pytest.mark.parametrize(
    "user, kubectl_words",
    [
        pytest.param({"token": "abc\ndef"}, 'net/http: invalid header field value for "Authorization"', id="token"),
        pytest.param({"token": "abc", "as": "bob\r\nImpersonate-Group: system:masters"},
                     'net/http: invalid header field value for "Impersonate-User"', id="impersonate-user"),
    ],
)
def test_header_values_with_newlines_are_refused_before_sending(real_config, tmp_path, user, kubectl_words):
    config, _ = real_config
    path = _write(tmp_path, with_user(config, user))
    assert kubectl_words in _kubectl_stderr(path)
    with pytest.raises(dynclient.ConfigError, match="contains an invalid character, a (line feed|carriage return)") as info:
        dynclient.connect(path, cache_dir=str(tmp_path / "cache"))
    assert "def" not in str(info.value) and "system:masters" not in str(info.value)
