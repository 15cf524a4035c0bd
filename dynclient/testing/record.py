"""Record the discovery documents FakeCluster serves, from a real API server.

    python -m dynclient.testing.record KUBECONFIG [OUTDIR]

Rerun it when the harness version (tests/apiserver) moves. It writes
``discovery.json.gz`` (default into this package's ``data/``) holding
``/version``, the aggregated (apidiscovery v2) ``/api`` and ``/apis``, and the
legacy ``/api``, ``/apis`` and every group-version document. Groups that come
from CustomResourceDefinitions (other tests' leftovers) are dropped, so only
the release's built-in kinds ship.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Set

from discovery.interface import ACCEPT_JSON, ACCEPT_V2

DATA_FILE = "discovery.json.gz"


def record(dyn: Any) -> Dict[str, Any]:
    """The documents to store, fetched through ``dyn``'s transport (no cache involved)."""
    transport = dyn.transport

    def get(path: str, accept: str = ACCEPT_JSON) -> Any:
        return transport.request("GET", path, accept=accept).json()

    crd_groups: Set[str] = {item["spec"]["group"] for item in get(
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")["items"]}
    aggregated_apis = get("/apis", ACCEPT_V2)
    aggregated_apis["items"] = [g for g in aggregated_apis["items"] if g["metadata"]["name"] not in crd_groups]
    legacy_apis = get("/apis")
    legacy_apis["groups"] = [g for g in legacy_apis["groups"] if g["name"] not in crd_groups]
    group_versions: Dict[str, Any] = {}
    legacy_api = get("/api")
    for version in legacy_api["versions"]:
        group_versions[f"/api/{version}"] = get(f"/api/{version}")
    for group in legacy_apis["groups"]:
        for version in group["versions"]:
            group_versions[f"/apis/{version['groupVersion']}"] = get(f"/apis/{version['groupVersion']}")
    # Per-server facts that would only confuse a fake.
    legacy_api.pop("serverAddressByClientCIDRs", None)
    for group in legacy_apis["groups"]:
        group.pop("serverAddressByClientCIDRs", None)
    return {
        "version": get("/version"),
        "aggregated": {"/api": get("/api", ACCEPT_V2), "/apis": aggregated_apis},
        "legacy": {"/api": legacy_api, "/apis": legacy_apis, **group_versions},
    }


def write(documents: Dict[str, Any], outdir: Path) -> Path:
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / DATA_FILE
    text = json.dumps(documents, separators=(",", ":"), sort_keys=True).encode()
    path.write_bytes(gzip.compress(text, compresslevel=9, mtime=0))  # mtime=0: reproducible bytes
    return path


def main(argv: List[str]) -> int:
    if len(argv) not in (1, 2):
        print("usage: python -m dynclient.testing.record KUBECONFIG [OUTDIR]", file=sys.stderr)
        return 2
    import tempfile

    import dynclient

    outdir = Path(argv[1]) if len(argv) == 2 else Path(__file__).resolve().parent / "data"
    with tempfile.TemporaryDirectory() as cache, dynclient.connect(argv[0], cache_dir=cache) as dyn:
        path = write(record(dyn), outdir)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
