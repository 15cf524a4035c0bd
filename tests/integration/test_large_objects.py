"""An object too large for the API server: the server's 413 in the error tree, as kubectl reports it."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

import dynclient

MIB = 1024 * 1024
LIMIT_TEXT = "Request entity too large: limit is 3145728"


def huge_configmap(namespace: str, size: int) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "huge", "namespace": namespace},
            "data": {"a": "x" * size}}


@pytest.mark.parametrize("verb", ["create", "apply"])
def test_a_20_mib_object_is_refused_with_the_servers_413(dyn, kubeconfig, namespace, kubectl, tmp_path, verb):
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(huge_configmap(namespace, 20 * MIB)))
    theirs = kubectl(verb, *(["--server-side"] if verb == "apply" else []), "-f", str(path), check=False)
    assert theirs.returncode == 1 and LIMIT_TEXT in theirs.stderr

    cms = dyn.resource("cm").namespace(namespace)
    send = cms.create if verb == "create" else cms.apply
    started = time.monotonic()
    with pytest.raises(dynclient.RequestEntityTooLarge) as info:
        send(huge_configmap(namespace, 20 * MIB))
    assert time.monotonic() - started < 30
    assert info.value.code == 413 and LIMIT_TEXT in str(info.value)
    assert len(str(info.value)) < 1000  # the refused body is never echoed in the message

    proc = subprocess.run([sys.executable, "-m", "dynclient", "--kubeconfig", kubeconfig, verb, "-f", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert LIMIT_TEXT in proc.stderr and len(proc.stderr) < 1000 and "Traceback" not in proc.stderr
