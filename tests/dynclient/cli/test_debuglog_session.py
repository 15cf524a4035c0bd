"""What ``Session.client`` sets on the transport from the global flags: -v=8 body hooks and the server-side timeout."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from dynclient.cli.main import parse_args
from dynclient.cli.session import DISCOVERY_TIMEOUT, Session


@pytest.fixture
def kubeconfig(tmp_path: Path) -> str:
    path = tmp_path / "config"
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "c",
        "clusters": [{"name": "k", "cluster": {"server": "https://k8s.test:6443", "insecure-skip-tls-verify": True}}],
        "users": [{"name": "u", "user": {"token": "t0ken-value"}}],
        "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}],
    }))
    return str(path)


def _transport(kubeconfig: str, tmp_path: Path, *flags: str):
    args = parse_args(["--kubeconfig", kubeconfig, "--cache-dir", str(tmp_path / "cache"), *flags, "api-versions"])
    session = Session(args, io.StringIO(), io.StringIO())
    return session, session.client().transport


@pytest.mark.parametrize("flags, param, discovery", [
    ((), "", DISCOVERY_TIMEOUT),
    (("--request-timeout=0",), "", DISCOVERY_TIMEOUT),  # 0: no timeout, as none given
    (("--request-timeout=90",), "1m30s", "1m30s"),  # bare seconds, sent as Go's Duration.String()
    (("--request-timeout=500ms",), "500ms", "500ms"),
], ids=["none", "zero", "bare-seconds", "milliseconds"])
def test_the_timeout_the_server_is_asked_for(kubeconfig, tmp_path, flags, param, discovery):
    session, transport = _transport(kubeconfig, tmp_path, *flags)
    try:
        assert (transport.timeout_param, transport.discovery_timeout_param) == (param, discovery)
    finally:
        session.close()


@pytest.mark.parametrize("verbosity, hooked", [(0, False), (7, False), (8, True), (10, True)],
                         ids=["quiet", "v7", "v8", "v10"])
def test_body_hooks_from_v8(kubeconfig, tmp_path, verbosity, hooked):
    session, transport = _transport(kubeconfig, tmp_path, f"-v={verbosity}")
    try:
        assert bool(transport.send_hooks) is hooked
        assert len(transport.hooks) == (1 if hooked else 0)
    finally:
        session.close()
