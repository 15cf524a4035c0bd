"""Every name form of every served resource resolves to the GVR kubectl requests for ``kubectl get <name>``.

kubectl is the oracle: its ``-v=6`` request log names the URL it chose. CRDs
with a colliding short name and a multi-version CRD are installed first.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional, Set, Tuple
from urllib.parse import urlsplit

import pytest

import dynclient
from tests.integration import crds as crdlib

GET_LINE = re.compile(r"GET (https?://\S+?)(?:\?\S*)? \d{3}")


def gvr_of_path(path: str) -> Optional[dynclient.GroupVersionResource]:
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["api"] and len(parts) == 3:
        return dynclient.GroupVersionResource("", parts[1], parts[2])
    if parts[:1] == ["apis"] and len(parts) == 4:
        return dynclient.GroupVersionResource(parts[1], parts[2], parts[3])
    return None


@pytest.fixture(scope="module")
def installed(kubeconfig, tmp_path_factory):
    """Two CRDs sharing short name ``fz`` in different groups, and a three-version CRD."""
    dyn = dynclient.connect(kubeconfig, cache_dir=str(tmp_path_factory.mktemp("names-cache")))
    a, b, m = crdlib.unique_group("fa"), crdlib.unique_group("fb"), crdlib.unique_group("mv")
    docs = [
        crdlib.crd(a, "Fizz", short_names=["fz", "fza"], categories=["dyntest"]),
        crdlib.crd(b, "Buzz", short_names=["fz"], categories=["dyntest"], scope="Cluster"),
        crdlib.crd(m, "Multi", versions=["v1beta1", "v1", "v2"], storage="v1", short_names=["mu"]),
    ]
    names = crdlib.install(dyn, docs)
    yield {"groups": (a, b, m)}
    crdlib.uninstall(dyn, names)
    dyn.close()


def is_stable_group(group: str, installed: Tuple[str, ...]) -> bool:
    """Built-in groups and this module's CRDs; other tests' CRDs may vanish while kubectl runs."""
    return group in installed or "." not in group or group.endswith(".k8s.io")


def name_forms(dyn: dynclient.DynamicClient, installed: Tuple[str, ...]) -> List[str]:
    groups, lists = dyn.discovery.server_groups_and_resources()
    preferred = {g.name: g.preferred_version for g in groups}
    forms: Set[str] = set()
    for rl in lists:
        gv = rl.group_version
        if not is_stable_group(gv.group, installed):
            continue
        for r in rl.resources:
            if r.is_subresource or not ({"get", "list"} & set(r.verbs)):
                continue
            forms.update({r.name, r.singular_name, r.kind, *r.short_names})
            if gv.group:
                forms.update({f"{r.name}.{gv.group}", f"{r.kind}.{gv.group}", f"{r.name}.{gv.version}.{gv.group}",
                              f"{r.kind}.{gv.version}.{gv.group}", f"{r.singular_name}.{gv.group}"})
                if gv.version == preferred.get(gv.group):
                    forms.update(f"{s}.{gv.group}" for s in r.short_names)
    forms.update({"nosuchthing", "nosuchthing.apps", "deploy.app", "storageclass.storage", "sts.apps"})
    return sorted(f for f in forms if f)


def kubectl_choice(kubectl, cache_dir: str, name: str) -> Tuple[str, Optional[dynclient.GroupVersionResource]]:
    proc = kubectl("get", name, "-A", "-v=6", "--request-timeout=20s", check=False, cache_dir=cache_dir)
    chosen = None
    for match in GET_LINE.finditer(proc.stderr):
        gvr = gvr_of_path(urlsplit(match.group(1)).path)
        if gvr is not None:
            chosen = gvr
    return name, chosen


def dynclient_choice(dyn: dynclient.DynamicClient, name: str) -> Optional[dynclient.GroupVersionResource]:
    try:
        return dyn.resource(name).gvr
    except dynclient.NoMatch:
        return None


def test_every_name_form_resolves_like_kubectl(installed, make_client, kubectl, tmp_path):
    dyn = make_client()
    names = name_forms(dyn, installed["groups"])
    assert len(names) > 250
    cache = str(tmp_path / "kubectl-names")
    kubectl("api-resources", cache_dir=cache)  # warm kubectl's cache once
    with ThreadPoolExecutor(max_workers=4) as pool:
        expected: Dict[str, Optional[dynclient.GroupVersionResource]] = dict(
            pool.map(lambda n: kubectl_choice(kubectl, cache, n), names))
    got = {name: dynclient_choice(dyn, name) for name in names}
    mismatches = {n: (str(got[n]), str(expected[n])) for n in names if got[n] != expected[n]}
    assert mismatches == {}
    a, b, m = installed["groups"]
    # The cases the table must contain, spelled out.
    assert expected["fz"] == dynclient.GroupVersionResource(a, "v1", "fizzs")  # first in discovery order wins
    assert expected[f"fz.{b}"] == dynclient.GroupVersionResource(b, "v1", "buzzs")
    assert expected["mu"].version == "v2" and expected[f"multis.v1beta1.{m}"].version == "v1beta1"
    assert expected["hpa"] == dynclient.GroupVersionResource("autoscaling", "v2", "horizontalpodautoscalers")
    assert expected["nosuchthing"] is None


def test_category_expands_like_kubectl_get(installed, make_client, kubectl, tmp_path):
    dyn = make_client()
    proc = kubectl("get", "all,dyntest", "-A", "-v=6", check=False, cache_dir=str(tmp_path / "kc"))
    expected = [gvr_of_path(urlsplit(m.group(1)).path) for m in GET_LINE.finditer(proc.stderr)]
    groups = installed["groups"]
    expected = [g for g in expected if g is not None and is_stable_group(g.group, groups)]
    got = [r.gvr for r in dyn.resources("all,dyntest") if is_stable_group(r.gvr.group, groups)]
    assert got == expected
    assert {g.group for g in expected} >= {"", "apps", "batch", groups[0], groups[1]}


# -- hostile names on the wire (issue 13 item 8) -------------------------------------------------------------
#
# A recording proxy between the client and the real API server shows the exact request line each one
# sent. kubectl goes through the same proxy and is the oracle for every name.


class RecordingProxy:
    """Plain http on 127.0.0.1 -> the real server over https, adding the admin's credentials upstream.

    Records every request line exactly as it arrived (``lines``) and answers each request on its own
    connection (``Connection: close``), so nothing is pipelined or replayed behind the test's back.
    """

    def __init__(self, kubeconfig: str) -> None:
        import socket
        import ssl
        import threading

        from dynclient.config import load_config

        config = load_config(kubeconfig)
        verify = config.tls_verify()
        self.context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
        if verify is False:
            self.context.check_hostname = False
            self.context.verify_mode = ssl.CERT_NONE
        cert = config.tls_client_cert()
        if cert:
            self.context.load_cert_chain(*cert)
        self.auth = dict(config.auth.headers()) if getattr(config, "auth", None) is not None else {}
        parts = urlsplit(str(config.host))
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 443)
        self.lines: List[str] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._stop = threading.Event()
        self._threads: List[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    def close(self) -> None:
        self._stop.set()
        self._acceptor.join(5)
        for t in list(self._threads):
            t.join(5)
        self._listener.close()

    def kubeconfig(self, path) -> str:
        import yaml

        path.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "proxy",
            "clusters": [{"name": "proxy", "cluster": {"server": self.url}}],
            "users": [{"name": "nobody", "user": {}}],
            "contexts": [{"name": "proxy", "context": {"cluster": "proxy", "user": "nobody"}}],
        }))
        return str(path)

    def seen(self, needle: str) -> List[str]:
        with self._lock:
            return [line for line in self.lines if needle in line]

    def clear(self) -> None:
        with self._lock:
            self.lines.clear()

    def _accept(self) -> None:
        import socket
        import threading

        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except socket.timeout:
                continue
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(t)
            t.start()

    def _serve(self, conn) -> None:
        import http.client

        with conn:
            conn.settimeout(30)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            with self._lock:
                self.lines.append(lines[0])
            method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                key, _, value = line.partition(":")
                headers[key.strip()] = value.strip()
            length = int(next((v for k, v in headers.items() if k.lower() == "content-length"), "0") or 0)
            while len(body) < length:
                body += conn.recv(65536)
            skip = {"host", "connection", "content-length", "authorization"}
            upstream = http.client.HTTPSConnection(*self.upstream, context=self.context, timeout=30)
            try:
                upstream.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
                upstream.putheader("Host", f"{self.upstream[0]}:{self.upstream[1]}")
                for key, value in [*((k, v) for k, v in headers.items() if k.lower() not in skip),
                                   *self.auth.items()]:
                    upstream.putheader(key, value)
                upstream.putheader("Content-Length", str(len(body)))
                upstream.endheaders(body or None)
                resp = upstream.getresponse()
                payload = resp.read()
                out = [f"HTTP/1.1 {resp.status} {resp.reason}"]
                out += [f"{k}: {v}" for k, v in resp.getheaders()
                        if k.lower() not in ("connection", "transfer-encoding", "content-length")]
                out += [f"Content-Length: {len(payload)}", "Connection: close", "", ""]
                conn.sendall("\r\n".join(out).encode("latin-1") + payload)
            finally:
                upstream.close()


def method_and_path(line: str) -> str:
    """``GET /api/v1/...`` of a request line, without the query and the HTTP version."""
    method, target, _ = line.split(" ", 2)
    return f"{method} {target.split('?')[0]}"


@pytest.fixture
def proxy(kubeconfig):
    p = RecordingProxy(kubeconfig)
    yield p
    p.close()


@pytest.fixture
def via_proxy(proxy, tmp_path):
    """A dynclient and a kubectl runner that both talk through ``proxy``."""
    import subprocess

    config = proxy.kubeconfig(tmp_path / "proxy.yaml")
    dyn = dynclient.connect(config, cache_dir=str(tmp_path / "proxy-cache"))

    def kubectl(*args: str):
        return subprocess.run(["kubectl", "--kubeconfig", config, "--cache-dir", str(tmp_path / "kc"), *args],
                              capture_output=True, text=True, timeout=60)

    def cli(*args: str):
        import sys

        return subprocess.run([sys.executable, "-m", "dynclient", "--kubeconfig", config,
                               "--cache-dir", str(tmp_path / "dc"), *args],
                              capture_output=True, text=True, timeout=60)

    yield dyn, kubectl, cli, config
    dyn.close()


HOSTILE = [
    ("foo?x=1", "foo%3Fx=1"),
    ("a#b", "a%23b"),
    ("a b", "a%20b"),
    ("a\r\nX-Injected: 1", "a%0D%0AX-Injected:%201"),
    ("a!*'()$&+,:;=@~b", "a%21%2A%27%28%29$&+,:;=@~b"),
    ("\u00fc\u6f22", "%C3%BC%E6%BC%A2"),
    ("x HTTP/1.1\r\n", None),  # a '/': refused before any request
]


def test_hostile_names_go_out_escaped_exactly_as_kubectl_sends_them(proxy, via_proxy, namespace):
    dyn, kubectl, _, _ = via_proxy
    cms = dyn.resource("configmaps").namespace(namespace)
    kubectl("api-resources")  # discovery first, so only the object requests are compared
    base = f"/api/v1/namespaces/{namespace}/configmaps/"
    for name, escaped in HOSTILE:
        proxy.clear()
        if escaped is None:
            with pytest.raises(ValueError, match=r"invalid resource name .*\[may not contain '/'\]"):
                cms.get(name)
            assert proxy.seen(base) == []
            continue
        with pytest.raises(dynclient.NotFound) as info:
            cms.get(name)
        assert info.value.details.get("name") == name  # the server looked up exactly this name
        ours = proxy.seen(base)
        assert ours == [f"GET {base}{escaped} HTTP/1.1"], name
        proxy.clear()
        proc = kubectl("get", "configmap", "-n", namespace, name)
        assert proc.returncode == 1 and "NotFound" in proc.stderr
        assert [method_and_path(line) for line in proxy.seen(base)] == [f"GET {base}{escaped}"], name


def test_delete_of_victim_with_a_query_deletes_nothing(proxy, via_proxy, namespace):
    dyn, kubectl, cli, _ = via_proxy
    cms = dyn.resource("configmaps").namespace(namespace)
    cms.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "victim"}, "data": {"k": "v"}})
    base = f"/api/v1/namespaces/{namespace}/configmaps/"
    proxy.clear()
    ours = cli("delete", "cm", "victim?x=1", "-n", namespace)
    theirs = kubectl("delete", "cm", "victim?x=1", "-n", namespace)
    assert ours.returncode == theirs.returncode == 1
    assert ours.stderr == theirs.stderr == 'Error from server (NotFound): configmaps "victim?x=1" not found\n'
    assert [method_and_path(line) for line in proxy.seen("DELETE ")] == [f"DELETE {base}victim%3Fx=1"] * 2
    proxy.clear()
    with pytest.raises(dynclient.NotFound):
        cms.delete("victim?x=1")
    assert proxy.seen("DELETE ") == [f"DELETE {base}victim%3Fx=1 HTTP/1.1"]
    assert cms.get("victim")["data"] == {"k": "v"}  # still there


def test_a_subresource_with_a_query_is_one_escaped_segment(proxy, via_proxy, namespace):
    dyn, _, _, _ = via_proxy
    cms = dyn.resource("configmaps").namespace(namespace)
    cms.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}})
    proxy.clear()
    with pytest.raises(dynclient.NotFound):
        cms.subresource("status?dryRun=All").get("c")
    assert proxy.seen("/configmaps/c") == [f"GET /api/v1/namespaces/{namespace}/configmaps/c/status%3FdryRun=All "
                                          "HTTP/1.1"]
    with pytest.raises(ValueError, match=r"invalid subresource \"\.\./\.\./secrets\""):
        cms.subresource("../../secrets")


def test_watch_by_name_sends_one_escaped_term(proxy, via_proxy, namespace):
    dyn, _, _, _ = via_proxy
    cms = dyn.resource("configmaps").namespace(namespace)
    cms.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}})
    proxy.clear()
    # Read as two terms (name=b and name!=zz) this would watch "b"; as the one escaped term it matches nothing.
    events = list(cms.watch(name="b,metadata.name!=zz", timeout_seconds=2, resume=False))
    assert events == []
    assert [e[1]["metadata"]["name"] for e in cms.watch(name="b", timeout_seconds=1, resume=False)] == ["b"]
    lines = proxy.seen("watch=true")
    assert lines, proxy.lines
    from urllib.parse import parse_qs

    query = parse_qs(urlsplit(lines[0].split(" ")[1]).query)
    assert query["fieldSelector"] == ["metadata.name=b\\,metadata.name!\\=zz"]


def test_names_from_manifests_take_the_same_path(proxy, via_proxy, namespace):
    dyn, _, _, _ = via_proxy
    doc = (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 'victim?x=1'\n  namespace: {namespace}\n"
           "data: {k: v}\n")
    proxy.clear()
    try:
        dyn.apply_manifests(doc)
    except dynclient.DynclientError:
        pass  # the server refuses the name; what matters is where the request went
    sent = [line for line in proxy.seen("/configmaps/") if line.startswith("PATCH ")]
    assert sent and all(method_and_path(line) == f"PATCH /api/v1/namespaces/{namespace}/configmaps/victim%3Fx=1"
                        for line in sent), sent
    with pytest.raises(dynclient.NotFound):
        dyn.resource("configmaps").namespace(namespace).get("victim")


@pytest.mark.parametrize("name, escaped", [("foo?x=1", "foo%3Fx=1"), ("a#b c", "a%23b%20c")], ids=["query", "hash"])
def test_cli_get_sends_and_says_what_kubectl_does(proxy, via_proxy, namespace, name, escaped):
    _, kubectl, cli, _ = via_proxy
    base = f"/api/v1/namespaces/{namespace}/configmaps/"
    kubectl("api-resources")
    cli("api-resources")
    proxy.clear()
    ours = cli("get", "cm", name, "-n", namespace)
    ours_lines = [method_and_path(line) for line in proxy.seen(base)]
    proxy.clear()
    theirs = kubectl("get", "cm", name, "-n", namespace)
    assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)
    assert ours_lines == [method_and_path(line) for line in proxy.seen(base)] == [f"GET {base}{escaped}"]
