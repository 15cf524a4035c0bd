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
