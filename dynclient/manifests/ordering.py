"""The order objects are installed and removed in: Helm's ``InstallOrder``, group-aware.

Helm sorts a release's objects by kind before installing
(``pkg/releaseutil/kind_sorter.go``), so that a Namespace exists before what
lives in it, a CustomResourceDefinition before its custom resources, and
ServiceAccounts, Secrets and ConfigMaps before the workloads that mount
them. Kinds it does not know (custom resources, mostly) come last. The sort
is stable, so objects of one kind keep their order in the source.

Two differences from Helm, both on purpose:

* a kind ranks as built-in only in its own API group, so a custom resource
  that happens to be called ``Service`` (Knative's ``serving.knative.dev``)
  is treated as a custom resource and waits for its CRD;
* unknown kinds keep their source order instead of being sorted by kind
  name, which is what a reader of the file expects.

Deletion is the exact reverse: custom resources first, then the workloads,
then CRDs, and Namespaces last.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, List, Sequence, Tuple, TypeVar

__all__ = ["INSTALL_ORDER", "install_rank", "sort_for_install", "sort_for_delete"]

_CORE = frozenset({""})
_APPS = frozenset({"apps", "extensions"})
_RBAC = frozenset({"rbac.authorization.k8s.io"})
_NETWORKING = frozenset({"networking.k8s.io", "extensions"})
_POLICY = frozenset({"policy", "extensions"})
_WEBHOOKS = frozenset({"admissionregistration.k8s.io"})

#: Helm 3's ``InstallOrder``: (kind, the API groups that serve it).
INSTALL_ORDER: Tuple[Tuple[str, FrozenSet[str]], ...] = (
    ("PriorityClass", frozenset({"scheduling.k8s.io"})),
    ("Namespace", _CORE),
    ("NetworkPolicy", _NETWORKING),
    ("ResourceQuota", _CORE),
    ("LimitRange", _CORE),
    ("PodSecurityPolicy", _POLICY),
    ("PodDisruptionBudget", frozenset({"policy"})),
    ("ServiceAccount", _CORE),
    ("Secret", _CORE),
    ("SecretList", _CORE),
    ("ConfigMap", _CORE),
    ("StorageClass", frozenset({"storage.k8s.io"})),
    ("PersistentVolume", _CORE),
    ("PersistentVolumeClaim", _CORE),
    ("CustomResourceDefinition", frozenset({"apiextensions.k8s.io"})),
    ("ClusterRole", _RBAC),
    ("ClusterRoleList", _RBAC),
    ("ClusterRoleBinding", _RBAC),
    ("ClusterRoleBindingList", _RBAC),
    ("Role", _RBAC),
    ("RoleList", _RBAC),
    ("RoleBinding", _RBAC),
    ("RoleBindingList", _RBAC),
    ("Service", _CORE),
    ("DaemonSet", _APPS),
    ("Pod", _CORE),
    ("ReplicationController", _CORE),
    ("ReplicaSet", _APPS),
    ("Deployment", _APPS),
    ("HorizontalPodAutoscaler", frozenset({"autoscaling"})),
    ("StatefulSet", _APPS),
    ("Job", frozenset({"batch"})),
    ("CronJob", frozenset({"batch"})),
    ("IngressClass", frozenset({"networking.k8s.io"})),
    ("Ingress", _NETWORKING),
    ("APIService", frozenset({"apiregistration.k8s.io"})),
    ("MutatingWebhookConfiguration", _WEBHOOKS),
    ("ValidatingWebhookConfiguration", _WEBHOOKS),
)

_RANKS: Dict[str, Tuple[int, FrozenSet[str]]] = {kind: (rank, groups) for rank, (kind, groups) in enumerate(INSTALL_ORDER)}

#: The rank of every kind that is not in ``INSTALL_ORDER``: after all of them.
UNKNOWN_RANK = len(INSTALL_ORDER)

#: The rank of CustomResourceDefinition, after which CRDs are waited for.
CRD_RANK = _RANKS["CustomResourceDefinition"][0]

T = TypeVar("T")


def install_rank(group: str, kind: str) -> int:
    """Where ``kind`` of API ``group`` installs: its place in ``INSTALL_ORDER``, else ``UNKNOWN_RANK``."""
    entry = _RANKS.get(kind)
    if entry is None or group not in entry[1]:
        return UNKNOWN_RANK
    return entry[0]


def _rank_of(doc: object) -> int:
    return install_rank(getattr(doc, "group"), getattr(doc, "kind"))


def sort_for_install(documents: Sequence[T]) -> List[T]:
    """``documents`` (anything with ``.group`` and ``.kind``) in install order; stable within a rank."""
    return sorted(documents, key=_rank_of)


def sort_for_delete(documents: Sequence[T]) -> List[T]:
    """The exact reverse of ``sort_for_install``: custom resources first, Namespaces last."""
    return sort_for_install(documents)[::-1]
