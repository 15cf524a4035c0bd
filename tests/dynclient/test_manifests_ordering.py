"""dynclient.manifests.ordering: Helm's install order, group-aware, stable; deletion reversed."""

from __future__ import annotations

import pytest

from dynclient.manifests import Document, INSTALL_ORDER, install_rank, sort_for_delete, sort_for_install
from dynclient.manifests.ordering import CRD_RANK, UNKNOWN_RANK


def doc(api_version: str, kind: str, name: str, index: int = 0) -> Document:
    return Document("<test>", index, 1, {"apiVersion": api_version, "kind": kind, "metadata": {"name": name}})


MIXED = [
    doc("example.com/v1", "Widget", "w1"),
    doc("apps/v1", "Deployment", "web"),
    doc("v1", "ConfigMap", "cfg"),
    doc("example.com/v1", "Gadget", "g1"),
    doc("rbac.authorization.k8s.io/v1", "ClusterRole", "reader"),
    doc("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com"),
    doc("v1", "Namespace", "demo"),
    doc("example.com/v1", "Widget", "w2"),
    doc("v1", "Service", "web"),
    doc("v1", "ServiceAccount", "sa"),
    doc("apps/v1", "Deployment", "api"),
    doc("v1", "Namespace", "other"),
]


def labels(docs):
    return [f"{d.kind}/{d.name}" for d in docs]


def test_install_order():
    assert labels(sort_for_install(MIXED)) == [
        "Namespace/demo", "Namespace/other",              # namespaces first, in file order
        "ServiceAccount/sa", "ConfigMap/cfg",
        "CustomResourceDefinition/widgets.example.com",   # CRDs before cluster roles and workloads
        "ClusterRole/reader",
        "Service/web",
        "Deployment/web", "Deployment/api",               # stable within a kind
        "Widget/w1", "Gadget/g1", "Widget/w2",            # unknown kinds last, in file order
    ]


def test_delete_order_is_the_exact_reverse():
    assert labels(sort_for_delete(MIXED)) == labels(sort_for_install(MIXED))[::-1]
    order = labels(sort_for_delete(MIXED))
    assert order.index("Widget/w1") < order.index("CustomResourceDefinition/widgets.example.com") < order.index("Namespace/demo")


def test_sort_does_not_change_its_input():
    before = list(MIXED)
    sort_for_install(MIXED)
    assert MIXED == before


@pytest.mark.parametrize(
    "group, kind, expected",
    [
        ("", "Namespace", 1),
        ("apiextensions.k8s.io", "CustomResourceDefinition", CRD_RANK),
        ("scheduling.k8s.io", "PriorityClass", 0),
        ("apps", "Deployment", [k for k, _ in INSTALL_ORDER].index("Deployment")),
        ("extensions", "Deployment", [k for k, _ in INSTALL_ORDER].index("Deployment")),
        ("networking.k8s.io", "Ingress", [k for k, _ in INSTALL_ORDER].index("Ingress")),
        ("serving.knative.dev", "Service", UNKNOWN_RANK),   # a CR named like a built-in is a CR
        ("example.com", "Namespace", UNKNOWN_RANK),
        ("", "Deployment", UNKNOWN_RANK),
        ("example.com", "Widget", UNKNOWN_RANK),
        ("coordination.k8s.io", "Lease", UNKNOWN_RANK),     # built-in, but not in Helm's list
    ],
    ids=["namespace", "crd", "priorityclass", "deployment", "extensions-deployment", "ingress",
         "knative-service", "cr-named-namespace", "core-deployment", "widget", "lease"],
)
def test_install_rank(group, kind, expected):
    assert install_rank(group, kind) == expected


def test_helm_relative_order():
    kinds = [k for k, _ in INSTALL_ORDER]
    chain = ["Namespace", "ResourceQuota", "LimitRange", "ServiceAccount", "Secret", "ConfigMap", "PersistentVolume",
             "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "Role",
             "RoleBinding", "Service", "DaemonSet", "Pod", "ReplicaSet", "Deployment", "StatefulSet", "Job",
             "CronJob", "Ingress", "APIService"]
    assert [kinds.index(k) for k in chain] == sorted(kinds.index(k) for k in chain)
