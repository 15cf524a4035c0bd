"""insecure-skip-tls-verify (issue 13, item 11).

With a CA as well it is refused in kubectl's words ("specifying a root
certificates file with the insecure flag is not allowed"); alone it works and
warns once per server on stderr, through the ``dynclient.config`` logger.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
import yaml

from dynclient.config import ConfigError, Kubeconfig, load_kubeconfig
from dynclient.config import _build

from ..dynclient.config.helpers import CA_PEM, TOKEN, b64

REPO = Path(__file__).resolve().parents[2]
KUBECTL_WORDS = "specifying a root certificates file with the insecure flag is not allowed"


@pytest.fixture(autouse=True)
def fresh_warnings() -> Iterator[None]:
    _build._warned.clear()
    yield
    _build._warned.clear()


def _doc(server: str = "https://127.0.0.1:6443", **cluster: Any) -> Dict[str, Any]:
    return {
        "current-context": "ctx",
        "clusters": [{"name": "prod", "cluster": {"server": server, **cluster}}],
        "contexts": [{"name": "ctx", "context": {"cluster": "prod", "user": "u"}}],
        "users": [{"name": "u", "user": {"token": TOKEN}}],
    }


@pytest.mark.parametrize(
    "cluster",
    [
        pytest.param({"certificate-authority-data": b64(CA_PEM)}, id="ca-data"),
        pytest.param({"certificate-authority": "{tmp}/ca.crt"}, id="ca-file"),
    ],
)
def test_insecure_with_a_ca_is_refused_in_kubectls_words(tmp_path, cluster) -> None:
    (tmp_path / "ca.crt").write_bytes(CA_PEM)
    cluster = {k: v.format(tmp=tmp_path) for k, v in cluster.items()}
    with pytest.raises(ConfigError) as info:
        Kubeconfig.from_dict(_doc(**cluster, **{"insecure-skip-tls-verify": True}), source="/kc").rest_config()
    err = info.value
    assert (err.file, err.entry, err.field) == ("/kc", 'cluster "prod"', "insecure-skip-tls-verify")
    assert str(err) == f'kubeconfig /kc: context "ctx": cluster "prod": insecure-skip-tls-verify: {KUBECTL_WORDS}'


@pytest.mark.parametrize(
    "cluster, verify",
    [
        pytest.param({"certificate-authority-data": b64(CA_PEM)}, True, id="ca-only"),
        pytest.param({"insecure-skip-tls-verify": False, "certificate-authority-data": b64(CA_PEM)}, True,
                     id="insecure-false-with-ca"),
        pytest.param({"insecure-skip-tls-verify": True}, False, id="insecure-only"),
    ],
)
def test_either_alone_is_fine(cluster, verify) -> None:
    assert Kubeconfig.from_dict(_doc(**cluster)).rest_config().verify is verify


def _unverified_warnings(caplog) -> list:
    return [r for r in caplog.records
            if r.name == "dynclient.config" and r.levelno == logging.WARNING and "TLS verification is off" in r.message]


def test_unverified_tls_warns_once_per_server(caplog) -> None:
    caplog.set_level(logging.WARNING, logger="dynclient.config")
    kc = Kubeconfig.from_dict(_doc(**{"insecure-skip-tls-verify": True}), source="/kc")
    for _ in range(3):
        kc.rest_config()
    warnings = _unverified_warnings(caplog)
    assert len(warnings) == 1
    assert warnings[0].getMessage() == (
        'TLS verification is off for server https://127.0.0.1:6443 (cluster "prod" has insecure-skip-tls-verify: '
        "true): its identity is not checked, and anyone in the path can read and change the traffic, "
        "credentials included")
    Kubeconfig.from_dict(_doc("https://other:6443", **{"insecure-skip-tls-verify": True})).rest_config()
    assert len(_unverified_warnings(caplog)) == 2


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param(_doc(**{"certificate-authority-data": b64(CA_PEM)}), id="verified"),
        pytest.param(_doc("http://127.0.0.1:8080", **{"insecure-skip-tls-verify": True}), id="plain-http"),
    ],
)
def test_no_warning_when_nothing_is_unverified_tls(caplog, doc) -> None:
    caplog.set_level(logging.WARNING, logger="dynclient.config")
    Kubeconfig.from_dict(doc).rest_config()
    assert _unverified_warnings(caplog) == []


def test_the_cli_warns_once_on_stderr(tmp_path) -> None:
    path = tmp_path / "kubeconfig"
    # A server nobody listens on: the warning comes before the connection error.
    path.write_text(yaml.safe_dump(_doc("https://127.0.0.1:1", **{"insecure-skip-tls-verify": True})))
    env = {**os.environ, "HOME": str(tmp_path)}
    env.pop("KUBECONFIG", None)
    out = subprocess.run([sys.executable, "-m", "dynclient", "get", "configmaps", "--kubeconfig", str(path),
                          "--request-timeout", "2s"],
                         capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert out.returncode != 0
    assert out.stderr.count("TLS verification is off for server https://127.0.0.1:1") == 1, out.stderr


def test_a_missing_ca_file_is_reported_first_as_kubectl_does(tmp_path) -> None:
    doc = _doc(**{"insecure-skip-tls-verify": True, "certificate-authority": str(tmp_path / "missing.crt")})
    with pytest.raises(ConfigError, match=r"certificate-authority: file not found: .*missing\.crt$"):
        Kubeconfig.from_dict(doc).rest_config()


def test_refused_before_the_ca_file_is_parsed(tmp_path) -> None:
    ca = tmp_path / "ca.crt"
    ca.write_bytes(b"not even a certificate")
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(_doc(**{"insecure-skip-tls-verify": True, "certificate-authority": str(ca)})))
    with pytest.raises(ConfigError, match=KUBECTL_WORDS):
        load_kubeconfig(str(path)).rest_config()
