"""Time name resolution on the real discovery fixture (not a test; no timing asserts anywhere).

Run: ``python -m tests.restmapper.bench_resolve``. Prints the mapper build time
and microseconds per lookup on a warm mapper, best of five rounds.
"""

from __future__ import annotations

import json
import random
import time
from typing import Any, Callable, Iterable, List

from discovery.types import GroupKind, GroupVersionResource
from restmapper import DeferredDiscoveryRESTMapper, DiscoverySnapshot, mapping_for, new_discovery_rest_mapper, resolve

from ..conftest import SHARED_FIXTURES
from .fakes import FakeDiscovery, fixture_server

NAMES = (
    "po pod pods Pod svc deploy deployment deployments Deployment deploy.apps deployments.apps "
    "deployments.v1.apps Deployment.apps Deployment.v1.apps hpa horizontalpodautoscalers.v1.autoscaling cm ns no "
    "pv pvc sa ep events events.events.k8s.io crd crds customresourcedefinitions.apiextensions.k8s.io netpol pdb "
    "pc sc csr rs sts ds cj jobs roles clusterroles.rbac.authorization.k8s.io leases storageclass.storage"
).split()


def _load(url_path: str) -> Any:
    return json.loads((SHARED_FIXTURES / (url_path.strip("/").replace("/", "__") + ".json")).read_text())


def _per_call_us(fn: Callable[[Any], Any], items: List[Any]) -> float:
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, (time.perf_counter() - start) / len(items))
    return best * 1e6


def _report(rows: Iterable[tuple]) -> None:
    for label, value, unit in rows:
        print(f"{label:48} {value:8.2f} {unit}")


def main() -> None:
    server = fixture_server(_load)
    snapshot = DiscoverySnapshot.fetch(FakeDiscovery(server))
    start = time.perf_counter()
    for _ in range(20):
        new_discovery_rest_mapper(snapshot.group_resources)
    build_ms = (time.perf_counter() - start) / 20 * 1e3

    mapper = DeferredDiscoveryRESTMapper(FakeDiscovery(server), warning_handler=lambda _: None)
    rng = random.Random(1)
    names = [rng.choice(NAMES) for _ in range(1000)]
    for name in names:
        resolve(mapper, name)  # warm up
    delegate = mapper.attempt(lambda d: d)
    resources = [GroupVersionResource("", "", n.split(".")[0].lower()) for n in names]
    kinds = [GroupKind("apps", "Deployment"), GroupKind("", "Pod"), GroupKind("", "Event"),
             GroupKind("autoscaling", "HorizontalPodAutoscaler")] * 250
    _report([
        ("new_discovery_rest_mapper (full fixture)", build_ms, "ms"),
        ("resolve(deferred, name)  [memoized]", _per_call_us(lambda n: resolve(mapper, n), names), "us"),
        ("mapping_for(delegate, name)  [no memo]", _per_call_us(lambda n: mapping_for(delegate, n), names), "us"),
        ("deferred.kind_for(resource)", _per_call_us(mapper.kind_for, resources), "us"),
        ("deferred.rest_mapping(group_kind)", _per_call_us(mapper.rest_mapping, kinds), "us"),
        ("deferred.rest_mapping(group_kind, 'v1')", _per_call_us(lambda gk: mapper.rest_mapping(gk, "v1"), kinds), "us"),
    ])


if __name__ == "__main__":
    main()
