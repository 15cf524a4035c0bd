"""The work each client does in a fresh process; run by ``bench/run.py``, one task per process.

``python bench/children.py TASK CLIENT JSON-ARGS`` prints one JSON line of figures.
Imports happen inside each task, so a process only loads the client it measures.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time


def maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def reset_peak() -> int:
    """Reset the peak RSS (VmHWM) to the current RSS and return it, in KiB (Linux ``clear_refs``)."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    return _status("VmRSS")


def peak() -> int:
    """Peak RSS since the last ``reset_peak``, in KiB; ``ru_maxrss`` would include the import-time peak."""
    return _status("VmHWM")


def _status(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(field)


# -- resolve Deployment (apps/v1) and one CRD kind, list both in a namespace ---------------


def workload(client: str, a: dict) -> dict:
    kc, cache, ns = a["kubeconfig"], a["cache"], a["namespace"]
    group, kind, plural = a["crd_group"], a["crd_kind"], a["crd_plural"]
    if client in ("dynclient", "dynclient-1res", "dynclient-gvk"):
        import dynclient

        dyn = dynclient.connect(kc, cache_dir=cache)
        if client == "dynclient-gvk":
            # By apiVersion and kind, the input kubernetes.dynamic and pykube-ng are given: with a cold
            # cache on a legacy server only those two group-versions are fetched.
            for api_version, k in (("apps/v1", "Deployment"), (f"{group}/v1", kind)):
                dyn.resource_for_kind(api_version, k).namespace(ns).list()
        else:
            # By name, as kubectl and kr8s resolve them: full discovery, kubectl's rules.
            for name in ["deployments.apps"] + ([] if client == "dynclient-1res" else [f"{plural}.{group}"]):
                dyn.resource(name).namespace(ns).list()
        dyn.close()  # the cache files are written before the CPU time is read
        return {"cpu_s": time.process_time()}
    elif client in ("kubernetes", "kubernetes-kind"):
        from kubernetes import config, dynamic

        dyn = dynamic.DynamicClient(config.new_client_from_config(kc), cache_file=os.path.join(cache, "k8s.json"))
        if client == "kubernetes":
            for api_version, k in (("apps/v1", "Deployment"), (f"{group}/v1", kind)):
                dyn.resources.get(api_version=api_version, kind=k).get(namespace=ns)
        else:
            # Deployment by kind alone, as ansible's k8s module allows: the discoverer then reads every
            # group-version. The CRD's kind is served in two versions, which a kind-only lookup
            # refuses (ResourceNotUniqueError), so it keeps its apiVersion.
            dyn.resources.get(kind="Deployment").get(namespace=ns)
            dyn.resources.get(api_version=f"{group}/v1", kind=kind).get(namespace=ns)
    elif client == "kr8s":
        import kr8s

        api = kr8s.api(kubeconfig=kc)
        for name in ("deployments.apps", f"{plural}.{group}"):
            list(api.get(name, namespace=ns))
    elif client == "pykube-ng":
        import pykube

        api = pykube.HTTPClient(pykube.KubeConfig.from_file(kc))
        list(pykube.Deployment.objects(api, namespace=ns))
        crd = pykube.object_factory(api, f"{group}/v1", kind)
        list(crd.objects(api, namespace=ns))
    elif client == "lightkube":  # built-ins only: lightkube has no discovery-based name resolution
        from lightkube import Client, KubeConfig
        from lightkube.resources.apps_v1 import Deployment

        c = Client(config=KubeConfig.from_file(kc))
        list(c.list(Deployment, namespace=ns))
    else:
        raise SystemExit(f"unknown client {client}")
    return {}


# -- list 10,000 ConfigMaps ---------------------------------------------------------------


def listing(client: str, a: dict) -> dict:
    kc, ns, cache = a["kubeconfig"], a["namespace"], a["cache"]
    if client.startswith("dynclient"):
        import dynclient

        dyn = dynclient.connect(kc, cache_dir=cache, qps=0)
        cms = dyn.resource("configmaps").namespace(ns)
        cms.list(limit=1)  # connection, TLS and imports outside the measurement
        base = reset_peak()
        start = time.perf_counter()
        if client == "dynclient-list":
            n = len(cms.list()["items"])
        else:
            n = sum(1 for _ in cms.iter(limit=500))
    elif client == "kubernetes-list":
        from kubernetes import config, dynamic

        dyn = dynamic.DynamicClient(config.new_client_from_config(kc), cache_file=os.path.join(cache, "k8s.json"))
        cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
        cms.get(namespace=ns, limit=1)
        base = reset_peak()
        start = time.perf_counter()
        n = len(cms.get(namespace=ns).items)
    else:
        raise SystemExit(f"unknown client {client}")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "items": n, "rss_base_kib": base, "rss_peak_kib": peak()}


# -- mapper lookups per second -------------------------------------------------------------


def lookup(client: str, a: dict) -> dict:
    kc, cache = a["kubeconfig"], a["cache"]
    names = a["names"]
    passes = a.get("passes", 5)
    if client == "dynclient":
        import dynclient
        from restmapper.resolve import resolve

        dyn = dynclient.connect(kc, cache_dir=cache)
        mapper = dyn.mapper
        args = [n["dyn"] for n in names]
        for n in args:
            resolve(mapper, n)  # warm-up: discovery loaded, memo filled

        def one_pass():
            for n in args:
                resolve(mapper, n)
    elif client == "kubernetes":
        from kubernetes import config, dynamic

        dyn = dynamic.DynamicClient(config.new_client_from_config(kc), cache_file=os.path.join(cache, "k8s.json"))
        args = [n["k8s"] for n in names]
        get = dyn.resources.get
        for kw in args:
            get(**kw)

        def one_pass():
            for kw in args:
                get(**kw)
    elif client == "kr8s":
        import kr8s

        api = kr8s.api(kubeconfig=kc)
        args = [n["kr8s"] for n in names]
        for n in args:
            api.lookup_kind(n)
        passes = 1

        def one_pass():
            for n in args:
                api.lookup_kind(n)
    else:
        raise SystemExit(f"unknown client {client}")
    samples = []
    for _ in range(passes):
        start = time.perf_counter()
        one_pass()
        samples.append((time.perf_counter() - start) / len(args))
    samples.sort()
    return {"us_per_lookup": samples[len(samples) // 2] * 1e6, "lookups": len(args)}


# -- watch event throughput ----------------------------------------------------------------


def watch(client: str, a: dict) -> dict:
    url, n, ns = a["url"], a["events"], a["namespace"]
    seen = 0
    if client == "dynclient":
        import dynclient
        from dynclient import GroupVersionKind, GroupVersionResource, RESTMapping, Scope

        dyn = dynclient.connect({"apiVersion": "v1", "kind": "Config", "current-context": "r",
                                 "clusters": [{"name": "r", "cluster": {"server": url}}],
                                 "users": [{"name": "r", "user": {}}],
                                 "contexts": [{"name": "r", "context": {"cluster": "r", "user": "r"}}]},
                                disk_cache=False, qps=0)
        mapping = RESTMapping(GroupVersionResource("", "v1", "configmaps"), GroupVersionKind("", "v1", "ConfigMap"),
                              Scope.NAMESPACE)
        w = dyn.resource(mapping).namespace(ns).watch(resume=False)
        start = time.perf_counter()
        for _kind, obj in w:
            seen += 1
            if seen >= n:
                w.stop()
                break
    elif client == "kubernetes":
        from kubernetes import client as kc, watch as kw

        cfg = kc.Configuration(host=url)
        v1 = kc.CoreV1Api(kc.ApiClient(cfg))
        w = kw.Watch()
        start = time.perf_counter()
        for ev in w.stream(v1.list_namespaced_config_map, namespace=ns):
            seen += 1
            if seen >= n:
                w.stop()
                break
    else:
        raise SystemExit(f"unknown client {client}")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "events": seen, "events_per_s": seen / seconds}


# -- import time ---------------------------------------------------------------------------


def importing(module: str, a: dict) -> dict:
    start = time.perf_counter()
    __import__(module)
    return {"seconds": time.perf_counter() - start}


# -- apply a manifest ----------------------------------------------------------------------


def apply(client: str, a: dict) -> dict:
    import dynclient

    dyn = dynclient.connect(a["kubeconfig"], cache_dir=a["cache"])
    results = dyn.apply_manifests(a["file"], namespace=a["namespace"])
    failed = [r for r in results if getattr(r, "action", "") == "failed"]
    return {"objects": len(results), "failed": len(failed)}


TASKS = {"workload": workload, "list": listing, "lookup": lookup, "watch": watch, "import": importing,
         "apply": apply}

if __name__ == "__main__":
    task, client, args = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    if "args_file" in args:
        with open(args.pop("args_file")) as fh:
            args.update(json.load(fh))
    print(json.dumps(TASKS[task](client, args)))
