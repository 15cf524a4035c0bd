"""What ``Session.client`` sets on the transport from the global flags: -v=7+ log hooks and the server-side timeout."""

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


@pytest.mark.parametrize("verbosity, send_hooks, hooks, own_line", [
    (0, 0, 0, True),
    (6, 0, 0, True),  # -v=6: the transport's own request line only
    (7, 1, 1, False),  # request lines and headers (cli.requestlog) in kubectl's -v=7 shape
    (8, 2, 2, False),  # and the bodies (cli.debuglog)
    (10, 2, 2, True),  # -v=9 and up keep the -v=6 line beside the curl command
], ids=["quiet", "v6", "v7", "v8", "v10"])
def test_the_request_log_hooks_by_verbosity(kubeconfig, tmp_path, verbosity, send_hooks, hooks, own_line):
    session, transport = _transport(kubeconfig, tmp_path, f"-v={verbosity}")
    try:
        assert (len(transport.send_hooks), len(transport.hooks)) == (send_hooks, hooks)
        assert transport.log_requests is own_line
    finally:
        session.close()
