"""``dynclient get -w`` when an event is over client-go's 16 MiB limit: the Status printed as kubectl prints it.

A loopback server (discovery, an empty list, then a watch with one small and
one 17 MiB event); the expected outputs are kubectl 1.36's on that server,
and when kubectl is installed it is run too, as the oracle.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from dynclient.cli.main import main
from tests.replyserver import ReplyServer

INNER = "unable to decode an event from the watch stream: object to decode was longer than maximum allowed size"
MESSAGE = f'an error on the server ("{INNER}") has prevented the request from succeeding'
SMALL = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "small", "namespace": "default",
                                                                 "resourceVersion": "2"}}
CAUSES = (f'"details":{{"causes":[{{"reason":"UnexpectedServerResponse","message":"{json.dumps(INNER)[1:-1]}"}},'
          f'{{"reason":"ClientWatchDecoding","message":"{json.dumps(INNER)[1:-1]}"}}]}}')
STATUS_JSON = ('"metadata":{},"status":"Failure","message":' + json.dumps(MESSAGE) + ',"reason":"InternalError",'
               + CAUSES + ',"code":500')

CASES = [
    pytest.param([], "NAME    AGE\nsmall   <unknown>\n\nSTATUS    REASON          MESSAGE\n"
                     f"Failure   InternalError   {MESSAGE}\n", id="table"),
    pytest.param(["--output-watch-events"], "EVENT      NAME    AGE\nADDED      small   <unknown>\n\n"
                 f"EVENT      STATUS    REASON          MESSAGE\nERROR      Failure   InternalError   {MESSAGE}\n",
                 id="table-with-events"),
    pytest.param(["-o", "name"], "configmap/small\nstatus/<unknown>\n", id="name"),
    pytest.param(["-o", "name", "--output-watch-events"], "configmap/small\n", id="name-with-events"),
    pytest.param(["-o", "json", "--output-watch-events"],
                 '{"type":"ADDED","object":' + json.dumps(SMALL, sort_keys=True, separators=(",", ":")) + "}\n"
                 '{"type":"ERROR","object":{' + STATUS_JSON + "}}\n", id="json-events"),
]


@pytest.fixture
def server(tmp_path):
    resources = {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "v1", "resources": [
        {"name": "configmaps", "singularName": "configmap", "namespaced": True, "kind": "ConfigMap",
         "verbs": ["get", "list", "watch"], "shortNames": ["cm"]}]}
    big = {"type": "ADDED", "object": {**SMALL, "metadata": {**SMALL["metadata"], "name": "big"},
                                       "data": {"k": "x" * (17 * 1024 * 1024)}}}
    with ReplyServer() as srv:
        for _ in range(2):  # dynclient, then kubectl
            srv.add("GET", "/api", json={"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []})
            srv.add("GET", "/apis", json={"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
            srv.add("GET", "/api/v1", json=resources)
            srv.add("GET", "/api/v1/namespaces/default/configmaps", query={"limit": "500"},
                    json={"kind": "ConfigMapList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"},
                          "items": []})
            srv.add("GET", "/api/v1/namespaces/default/configmaps",
                    query={"watch": "true", "resourceVersion": "1"}, content_type="application/json",
                    chunks=[json.dumps({"type": "ADDED", "object": SMALL}).encode() + b"\n",
                            json.dumps(big).encode() + b"\n"])
        kubeconfig = tmp_path / "kubeconfig"
        kubeconfig.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": "c",
            "clusters": [{"name": "c", "cluster": {"server": srv.url}}],
            "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u", "namespace": "default"}}],
            "users": [{"name": "u", "user": {}}]}))
        yield srv, str(kubeconfig)


@pytest.mark.parametrize("flags, expected", CASES)
def test_an_oversize_event_is_printed_as_kubectl_prints_it(server, tmp_path, capsys, flags, expected):
    srv, kubeconfig = server
    code = main(["--kubeconfig", kubeconfig, "--cache-dir", str(tmp_path / "cache"), "get", "cm", "-w", *flags])
    out, err = capsys.readouterr()
    assert (code, out, err) == (0, expected, "")
    if shutil.which("kubectl") is None:
        return
    proc = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "--cache-dir", str(tmp_path / "kcache"),
                           "get", "cm", "-w", *flags], capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, expected, "")
