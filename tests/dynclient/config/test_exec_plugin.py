"""client-go exec credential plugins, run for real as small Python scripts."""

from __future__ import annotations

import base64
import os
import shutil
import threading
from pathlib import Path

import pytest

from dynclient.config import ExecPlugin, ExecPluginError, Kubeconfig
from dynclient.config.exec_plugin import _parse_rfc3339
from dynclient.config.model import ExecConfig

from .helpers import CA_PEM, CERT_PEM, KEY_PEM, OTHER_KEY_PEM, TOKEN, assert_no_secret, b64, kubeconfig

V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"

pytestmark = pytest.mark.skipif(shutil.which("python3") is None, reason="plugins are python3 scripts")


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _config(plugin, api_version: str = V1, *, cluster=None, **exec_fields) -> Kubeconfig:
    user = {"exec": plugin.exec_stanza(api_version, **exec_fields)}
    return Kubeconfig.from_dict(kubeconfig(user=user, cluster=cluster), source="/kc")


@pytest.mark.parametrize("api_version", [V1, V1BETA1])
def test_token_plugin(plugin, api_version) -> None:
    plugin.respond_token(api_version)
    kc = _config(plugin, api_version, args=["get-token", "--cluster", "dev"],
                 env=[{"name": "PLUGIN_STATE", "value": str(plugin.dir)}, {"name": "PLUGIN_FOO", "value": "bar"}])
    auth = kc.rest_config().auth
    assert isinstance(auth, ExecPlugin)
    assert auth.headers() == {"Authorization": "Bearer tok-1"}
    assert auth.client_cert() is None
    call = plugin.call(1)
    assert call["argv"] == ["get-token", "--cluster", "dev"]
    assert call["env"] == {"PLUGIN_STATE": str(plugin.dir), "PLUGIN_FOO": "bar"}
    assert call["has_home"], "the process environment is passed through"
    assert call["exec_info"] == {"apiVersion": api_version, "kind": "ExecCredential",
                                 "spec": {"interactive": False}}


def test_stdin_is_not_connected_when_never_interactive(plugin) -> None:
    if not os.path.exists("/proc/self/fd/0"):
        pytest.skip("needs /proc")
    plugin.respond_token(V1)
    _config(plugin, V1, interactiveMode="Never").rest_config().auth.headers()
    assert plugin.call(1)["stdin"] == os.devnull


@pytest.mark.parametrize(
    "mode, tty, interactive",
    [
        pytest.param("Never", True, False, id="never"),
        pytest.param("IfAvailable", False, False, id="if-available-no-tty"),
        pytest.param("IfAvailable", True, True, id="if-available-tty"),
        pytest.param("Always", True, True, id="always-tty"),
        pytest.param(None, True, True, id="beta-default-is-if-available"),
    ],
)
def test_interactive_flag(plugin, mode, tty, interactive) -> None:
    api_version = V1 if mode else V1BETA1
    plugin.respond_token(api_version)
    stanza = plugin.exec_stanza(api_version)
    stanza.pop("interactiveMode", None)
    config = ExecConfig(command=stanza["command"], env=(("PLUGIN_STATE", str(plugin.dir)),),
                        api_version=api_version, interactive_mode=mode)
    ExecPlugin(config, stdin_is_tty=lambda: tty).headers()
    assert plugin.call(1)["exec_info"]["spec"]["interactive"] is interactive


def test_always_interactive_without_a_terminal_fails(plugin) -> None:
    config = ExecConfig(command=str(plugin.path), api_version=V1, interactive_mode="Always")
    with pytest.raises(ExecPluginError, match="standard input is not a terminal"):
        ExecPlugin(config, user="bob", stdin_is_tty=lambda: False).headers()
    assert plugin.calls == 0


def test_provide_cluster_info(plugin) -> None:
    plugin.respond_token(V1)
    cluster = {"server": "https://k8s.example:6443/", "certificate-authority-data": b64(CA_PEM),
               "tls-server-name": "kubernetes", "proxy-url": "http://proxy:3128",
               "extensions": [{"name": "client.authentication.k8s.io/exec", "extension": {"audience": "x"}},
                              {"name": "other", "extension": {"ignored": True}}]}
    _config(plugin, V1, cluster=cluster, provideClusterInfo=True).rest_config().auth.headers()
    assert plugin.call(1)["exec_info"]["spec"] == {
        "interactive": False,
        "cluster": {
            "server": "https://k8s.example:6443",
            "certificate-authority-data": b64(CA_PEM),
            "tls-server-name": "kubernetes",
            "proxy-url": "http://proxy:3128",
            "config": {"audience": "x"},
        },
    }


def test_provide_cluster_info_reads_the_ca_file(plugin, tmp_path) -> None:
    plugin.respond_token(V1)
    (tmp_path / "ca.crt").write_bytes(CA_PEM)
    cluster = {"server": "https://h:1", "certificate-authority": str(tmp_path / "ca.crt")}
    _config(plugin, V1, cluster=cluster, provideClusterInfo=True).rest_config().auth.headers()
    sent = plugin.call(1)["exec_info"]["spec"]["cluster"]
    assert base64.b64decode(sent["certificate-authority-data"]) == CA_PEM
    assert "insecure-skip-tls-verify" not in sent


def test_provide_cluster_info_says_insecure(plugin) -> None:
    plugin.respond_token(V1)
    cluster = {"server": "https://h:1", "insecure-skip-tls-verify": True}
    _config(plugin, V1, cluster=cluster, provideClusterInfo=True).rest_config().auth.headers()
    assert plugin.call(1)["exec_info"]["spec"]["cluster"] == {"server": "https://h:1", "insecure-skip-tls-verify": True}


def test_credentials_are_cached_until_expiration(plugin) -> None:
    plugin.respond_token(V1, expiration="2030-01-01T00:00:00Z")
    clock = FakeClock(_parse_rfc3339("2029-12-31T23:00:00Z"))
    auth = ExecPlugin(ExecConfig(command=str(plugin.path), env=(("PLUGIN_STATE", str(plugin.dir)),),
                                 api_version=V1, interactive_mode="Never"), clock=clock)
    assert auth.headers()["Authorization"] == "Bearer tok-1"
    assert auth.headers()["Authorization"] == "Bearer tok-1"
    clock.now = _parse_rfc3339("2029-12-31T23:59:59Z")
    assert auth.headers()["Authorization"] == "Bearer tok-1"
    assert plugin.calls == 1
    clock.now = _parse_rfc3339("2030-01-01T00:00:00Z")
    assert auth.headers()["Authorization"] == "Bearer tok-2"
    assert plugin.calls == 2


def test_credentials_without_expiration_are_cached_for_good(plugin) -> None:
    plugin.respond_token(V1)
    auth = _config(plugin).rest_config().auth
    for _ in range(3):
        auth.headers()
    assert plugin.calls == 1


def test_refresh_runs_the_plugin_again(plugin) -> None:
    plugin.respond_token(V1)
    auth = _config(plugin).rest_config().auth
    assert auth.headers()["Authorization"] == "Bearer tok-1"
    assert auth.refresh() is True
    assert auth.headers()["Authorization"] == "Bearer tok-2"
    assert plugin.calls == 2


def test_refresh_reports_unchanged_credentials(plugin) -> None:
    plugin.respond_token(V1, token="same")
    auth = _config(plugin).rest_config().auth
    auth.headers()
    assert auth.refresh() is False


def test_concurrent_callers_run_the_plugin_once(plugin) -> None:
    plugin.respond_token(V1)
    auth = _config(plugin).rest_config().auth
    results = []
    threads = [threading.Thread(target=lambda: results.append(auth.headers())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert plugin.calls == 1
    assert all(r == {"Authorization": "Bearer tok-1"} for r in results)


def test_client_certificate_from_plugin(plugin) -> None:
    plugin.respond({"apiVersion": V1, "kind": "ExecCredential",
                    "status": {"clientCertificateData": CERT_PEM.decode(), "clientKeyData": KEY_PEM.decode()}})
    cfg = _config(plugin).rest_config()
    assert cfg.auth.headers() == {}
    cert, key = cfg.tls_client_cert()
    assert Path(cert).read_bytes() == CERT_PEM
    assert Path(key).read_bytes() == KEY_PEM
    assert os.stat(key).st_mode & 0o777 == 0o600
    assert plugin.calls == 1


def test_relative_command_resolves_against_the_kubeconfig(plugin, tmp_path, write_yaml, monkeypatch) -> None:
    plugin.respond_token(V1)
    stanza = plugin.exec_stanza(V1)
    stanza["command"] = "./bin/test-plugin"
    path = write_yaml(kubeconfig(user={"exec": stanza}), "config")
    monkeypatch.chdir("/")
    from dynclient.config import load_kubeconfig

    assert load_kubeconfig(path).rest_config().auth.headers() == {"Authorization": "Bearer tok-1"}


def test_command_found_on_path(plugin, monkeypatch) -> None:
    plugin.respond_token(V1)
    monkeypatch.setenv("PATH", str(plugin.path.parent) + os.pathsep + os.environ.get("PATH", ""))
    assert _config(plugin, command="test-plugin").rest_config().auth.headers()["Authorization"] == "Bearer tok-1"


# -- failures ---------------------------------------------------------------------------


def _error(plugin, **fields) -> ExecPluginError:
    with pytest.raises(ExecPluginError) as info:
        _config(plugin, **fields).rest_config().auth.headers()
    return info.value


def test_missing_command_shows_install_hint(plugin) -> None:
    err = _error(plugin, command="/nonexistent/kubectl-oidc_login",
                 installHint="Install kubelogin:\n  brew install int128/kubelogin/kubelogin\x1b[1m")
    message = str(err)
    # kubectl's words for a missing absolute path, plus the hint kubectl gives only for a bare name.
    assert message.startswith('kubeconfig /kc: context "dev": user "dev": getting credentials: '
                              'exec: fork/exec /nonexistent/kubectl-oidc_login: no such file or directory')
    assert "brew install int128/kubelogin/kubelogin" in message
    assert "\x1b" not in message  # terminal escapes are neutralised, as client-go does
    assert (err.file, err.context, err.entry, err.field) == ("/kc", "dev", 'user "dev"', None)


def test_non_zero_exit_includes_stderr(plugin) -> None:
    plugin.fail(3, "error: refresh token expired, run login\n")
    message = str(_error(plugin))
    assert message.endswith(f"getting credentials: exec: executable {plugin.path} failed with exit code 3 "
                            "(stderr: error: refresh token expired, run login)")


def test_not_executable(plugin) -> None:
    plugin.path.chmod(0o644)
    assert str(_error(plugin)).endswith(f"getting credentials: exec: fork/exec {plugin.path}: permission denied")


@pytest.mark.parametrize(
    "output, reason",
    [
        pytest.param(f"token: {TOKEN}", "decoding stdout: couldn't get version/kind; json parse error", id="bad-json"),
        pytest.param("[]", "json parse error: expected an object, got a JSON list", id="not-an-object"),
        pytest.param({"apiVersion": V1BETA1, "kind": "ExecCredential", "status": {"token": TOKEN}},
                     f"is configured to use API version {V1}, plugin returned version {V1BETA1}", id="wrong-api-version"),
        pytest.param({"kind": "ExecCredential", "status": {"token": TOKEN}}, "plugin returned version None",
                     id="no-api-version"),
        pytest.param({"apiVersion": V1, "kind": "Secret", "status": {"token": TOKEN}}, 'returned kind "Secret"',
                     id="wrong-kind"),
        pytest.param({"apiVersion": V1, "kind": "ExecCredential"}, "didn't return a status field", id="no-status"),
        pytest.param({"apiVersion": V1, "status": {}}, "didn't return a token or cert/key pair", id="empty-status"),
        pytest.param({"apiVersion": V1, "status": {"clientKeyData": KEY_PEM.decode()}},
                     "returned only certificate or key, not both", id="key-without-cert"),
        pytest.param({"apiVersion": V1, "status": {"clientCertificateData": CERT_PEM.decode(),
                                                   "clientKeyData": OTHER_KEY_PEM.decode()}},
                     "failed parsing client key/certificate: tls: private key does not match public key",
                     id="key-of-another-certificate"),
        pytest.param({"apiVersion": V1, "status": {"token": 12345}}, "must be strings", id="token-not-a-string"),
        pytest.param({"apiVersion": V1, "status": {"token": TOKEN, "expirationTimestamp": "soon"}},
                     "expirationTimestamp is not RFC 3339", id="bad-expiration"),
    ],
)
def test_unusable_output(plugin, output, reason) -> None:
    plugin.respond(output)
    message = str(_error(plugin))
    assert reason in message
    assert_no_secret(message)
    assert KEY_PEM.decode() not in message


def test_timeout(plugin) -> None:
    script = plugin.path.parent / "slow-plugin"
    script.write_text("#!/usr/bin/env python3\nimport time\ntime.sleep(10)\n")
    script.chmod(0o755)
    auth = ExecPlugin(ExecConfig(command=str(script), api_version=V1, interactive_mode="Never"),
                      user="bob", timeout=0.5)
    with pytest.raises(ExecPluginError, match=r"exec: executable .*slow-plugin did not finish within 0.5s"):
        auth.headers()


def test_refresh_failure_raises(plugin) -> None:
    plugin.respond_token(V1)
    auth = _config(plugin).rest_config().auth
    auth.headers()
    plugin.fail(1, "boom")
    with pytest.raises(ExecPluginError, match="boom"):
        auth.refresh()


# -- timestamps ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, epoch",
    [
        pytest.param("1970-01-01T00:00:00Z", 0.0, id="utc-z"),
        pytest.param("1970-01-01T01:00:00+01:00", 0.0, id="offset"),
        pytest.param("1970-01-01T00:00:01.5Z", 1.5, id="fraction"),
        pytest.param("1970-01-01T00:00:01.123456789Z", 1.123456789, id="nanoseconds"),
        pytest.param("1970-01-01t00:00:00z", 0.0, id="lowercase"),
    ],
)
def test_parse_rfc3339(text, epoch) -> None:
    assert _parse_rfc3339(text) == pytest.approx(epoch)


def test_repr_hides_env_and_args() -> None:
    config = ExecConfig(command="aws", args=("--token", TOKEN), env=(("SECRET", TOKEN),), api_version=V1)
    assert TOKEN not in repr(config)
    assert TOKEN not in repr(ExecPlugin(config))
    assert "SECRET=<redacted>" in repr(config)

