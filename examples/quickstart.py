"""dynclient in one minute: apply a manifest with a CRD, wait for a Deployment, list, patch status, watch, clean up.

    python examples/quickstart.py [--kubeconfig PATH] [--context NAME]

Runs against any cluster with a node (bash examples/demo.sh starts the test
harness's small cluster: kube-apiserver, kube-controller-manager and a fake
kubelet). Everything it creates lives in the ``dynclient-demo`` namespace
and the ``widgets.demo.dynclient.dev`` CRD, and is deleted at the end: the
script waits until the namespace is really gone.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

try:
    import dynclient
except ImportError:  # run from a checkout without `pip install -e .`: use the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import dynclient
from dynclient import manifests
from dynclient.tools.wait import wait_for

MANIFEST = Path(__file__).resolve().with_name("quickstart.yaml")
NAMESPACE = "dynclient-demo"
WIDGETS = dynclient.GroupVersionResource("demo.dynclient.dev", "v1", "widgets")
DEPLOYMENT = "widget-shop"
WAIT = 120.0  # seconds, for the Deployment to become Available and for the namespace to go


def say(text: str = "") -> None:
    print(text, flush=True)


def client_op(dyn: dynclient.DynamicClient, name: str) -> Callable[..., List[manifests.ManifestResult]]:
    """``dyn.apply_manifests`` and friends when the client has them, else the module functions."""
    method = getattr(dyn, name, None)
    return method if callable(method) else functools.partial(getattr(manifests, name), dyn)


def check_namespace_is_free(dyn: dynclient.DynamicClient, wait: float = 30.0) -> None:
    """Wait for a ``dynclient-demo`` left Terminating by an earlier run to go; nothing can be created in it."""
    namespaces = dyn.resource("namespaces")
    deadline = time.monotonic() + wait
    while True:
        try:
            phase = (namespaces.get(NAMESPACE).get("status") or {}).get("phase")
        except dynclient.NotFound:
            return
        if phase != "Terminating":
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"namespace {NAMESPACE} is still Terminating from an earlier run after {wait:.0f}s; "
                               "use a fresh cluster")
        time.sleep(1.0)


def apply(dyn: dynclient.DynamicClient) -> None:
    check_namespace_is_free(dyn)
    started = time.monotonic()
    results = client_op(dyn, "apply_manifests")(str(MANIFEST))
    say(f"Applied {MANIFEST.name}: {len(results)} objects in {time.monotonic() - started:.1f}s "
        "(Namespace and CRD first, the Widgets once their CRD was Established)")
    for result in results:
        say(f"  {result}")


def wait_available(dyn: dynclient.DynamicClient) -> None:
    """Wait as ``kubectl wait --for=condition=Available`` does: a watch, no polling."""
    started = time.monotonic()
    deploy = wait_for(dyn.resource("deployments.apps").namespace(NAMESPACE), DEPLOYMENT,
                      condition="condition=Available", timeout=WAIT)
    status = deploy.get("status") or {}
    pods = dyn.resource("pods").namespace(NAMESPACE).list(label_selector=f"app={DEPLOYMENT}")["items"]
    where = ", ".join(f"{p['metadata']['name']} on {p['spec'].get('nodeName')} ({p['status'].get('phase')})"
                      for p in pods)
    say(f"Deployment {DEPLOYMENT} is Available after {time.monotonic() - started:.1f}s: "
        f"{status.get('readyReplicas', 0)}/{status.get('replicas', 0)} replicas ready; pods: {where}")


def list_objects(dyn: dynclient.DynamicClient) -> str:
    widgets = dyn.resource(WIDGETS).namespace(NAMESPACE).list()
    sizes = ", ".join(f"{w['metadata']['name']} (size {w['spec']['size']})" for w in widgets["items"])
    say(f"Listed widgets.v1.demo.dynclient.dev in {NAMESPACE}: {sizes}")
    for name in ("configmaps", "deploy.apps", "wdg"):  # any name kubectl takes: plural, short name...
        items = dyn.resource(name).namespace(NAMESPACE).list()["items"]
        say(f"  dyn.resource({name!r}) -> {', '.join(i['metadata']['name'] for i in items)}")
    return widgets["metadata"]["resourceVersion"]


def change_and_watch(dyn: dynclient.DynamicClient, since: str) -> None:
    widgets = dyn.resource(WIDGETS).namespace(NAMESPACE)
    widgets.subresource("status").patch("small", {"status": {"ready": True}}, "merge")
    widgets.patch("large", {"spec": {"size": 12}}, "merge")
    say("Patched small's status (ready=true) through the status subresource, and large's spec (size=12)")
    # Watching from the list's resourceVersion replays exactly what changed since the list.
    seen = 0
    with widgets.watch(resource_version=since, timeout_seconds=10) as watch:
        for kind, obj in watch:
            status = obj.get("status") or {}
            say(f"  watch: {kind} {obj['metadata']['name']} size={obj['spec']['size']} "
                f"ready={status.get('ready', False)}")
            seen += 1
            if seen == 2:
                break
    if seen < 2:
        raise RuntimeError(f"expected 2 watch events within 10s, got {seen}")


def delete(dyn: dynclient.DynamicClient) -> None:
    results = client_op(dyn, "delete_manifests")(str(MANIFEST), ignore_not_found=True)
    say(f"Deleted {sum(r.action == 'deleted' for r in results)} objects, custom resources first:")
    for result in results:
        say(f"  {result}")
    started = time.monotonic()
    wait_for(dyn.resource("namespaces"), NAMESPACE, condition="delete", timeout=WAIT)
    say(f"Namespace {NAMESPACE} is gone after {time.monotonic() - started:.1f}s "
        "(the namespace controller deleted what was left in it, then the namespace)")


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    parser.add_argument("--context", help="kubeconfig context to use")
    args = parser.parse_args(argv)
    try:
        with dynclient.connect(args.kubeconfig, args.context) as dyn:
            version: Dict[str, Any] = dyn.transport.request("GET", "/version").json()
            say(f"Connected to {dyn.transport.host} (Kubernetes {version.get('gitVersion', '?')})")
            apply(dyn)
            try:
                wait_available(dyn)
                since = list_objects(dyn)
                change_and_watch(dyn, since)
            finally:
                delete(dyn)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one line, no traceback: this is a demo's last word
        text = " ".join(str(exc).split()) or type(exc).__name__
        print(f"quickstart: error: {text}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
