"""kubectl's name resolution, checked against what ``kubectl get <name>`` does on a 1.36 server."""

from __future__ import annotations

from typing import List

import pytest

from discovery.types import GroupKind, GroupVersionKind, GroupVersionResource
from restmapper import (
    AmbiguousKind,
    DeferredDiscoveryRESTMapper,
    DiscoveryCategoryExpander,
    NoResourceMatch,
    PriorityRESTMapper,
    SimpleCategoryExpander,
    mapping_for,
    replace_aliases,
    resolve,
    resolve_all,
    split_resource_argument,
)

from .conftest import crd_server
from .fakes import FakeDiscovery, res

GVR = GroupVersionResource
GVK = GroupVersionKind

CORE = ("", "v1")
APPS = ("apps", "v1")

# name -> (group, version, resource, kind, namespaced)
KUBECTL_GET = {
    "po": (*CORE, "pods", "Pod", True),
    "pod": (*CORE, "pods", "Pod", True),
    "pods": (*CORE, "pods", "Pod", True),
    "Pod": (*CORE, "pods", "Pod", True),
    "PODS": (*CORE, "pods", "Pod", True),
    "pods.v1.": (*CORE, "pods", "Pod", True),
    "Pod.v1.": (*CORE, "pods", "Pod", True),
    "svc": (*CORE, "services", "Service", True),
    "deploy": (*APPS, "deployments", "Deployment", True),
    "deployment": (*APPS, "deployments", "Deployment", True),
    "deployments": (*APPS, "deployments", "Deployment", True),
    "Deployment": (*APPS, "deployments", "Deployment", True),
    "deploy.apps": (*APPS, "deployments", "Deployment", True),
    "deployments.apps": (*APPS, "deployments", "Deployment", True),
    "deployments.v1.apps": (*APPS, "deployments", "Deployment", True),
    "Deployment.apps": (*APPS, "deployments", "Deployment", True),
    "Deployment.v1.apps": (*APPS, "deployments", "Deployment", True),
    "hpa": ("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True),
    "horizontalpodautoscalers": ("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True),
    "horizontalpodautoscalers.v1.autoscaling": ("autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True),
    "hpa.autoscal": ("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True),
    "cm": (*CORE, "configmaps", "ConfigMap", True),
    "ns": (*CORE, "namespaces", "Namespace", False),
    "no": (*CORE, "nodes", "Node", False),
    "pv": (*CORE, "persistentvolumes", "PersistentVolume", False),
    "pvc": (*CORE, "persistentvolumeclaims", "PersistentVolumeClaim", True),
    "sa": (*CORE, "serviceaccounts", "ServiceAccount", True),
    "ep": (*CORE, "endpoints", "Endpoints", True),
    "endpoints": (*CORE, "endpoints", "Endpoints", True),
    "ev": (*CORE, "events", "Event", True),
    "events": (*CORE, "events", "Event", True),
    "event": (*CORE, "events", "Event", True),
    "events.events.k8s.io": ("events.k8s.io", "v1", "events", "Event", True),
    "events.v1.events.k8s.io": ("events.k8s.io", "v1", "events", "Event", True),
    "ev.events.k8s.io": ("events.k8s.io", "v1", "events", "Event", True),
    "crd": ("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False),
    "crds": ("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False),
    "customresourcedefinitions.apiextensions.k8s.io":
        ("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False),
    "netpol": ("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True),
    "ing": ("networking.k8s.io", "v1", "ingresses", "Ingress", True),
    "pdb": ("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True),
    "pc": ("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", False),
    "sc": ("storage.k8s.io", "v1", "storageclasses", "StorageClass", False),
    "storageclass.storage": ("storage.k8s.io", "v1", "storageclasses", "StorageClass", False),
    "csr": ("certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest", False),
    "rs": (*APPS, "replicasets", "ReplicaSet", True),
    "sts": (*APPS, "statefulsets", "StatefulSet", True),
    "ds": (*APPS, "daemonsets", "DaemonSet", True),
    "cj": ("batch", "v1", "cronjobs", "CronJob", True),
    "jobs": ("batch", "v1", "jobs", "Job", True),
    "roles": ("rbac.authorization.k8s.io", "v1", "roles", "Role", True),
    "clusterroles.rbac.authorization.k8s.io": ("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False),
    "leases": ("coordination.k8s.io", "v1", "leases", "Lease", True),
    "leasecandidates": ("coordination.k8s.io", "v1beta1", "leasecandidates", "LeaseCandidate", True),
    "apiservices": ("apiregistration.k8s.io", "v1", "apiservices", "APIService", False),
    "mutatingadmissionpolicies": ("admissionregistration.k8s.io", "v1", "mutatingadmissionpolicies",
                                  "MutatingAdmissionPolicy", False),
    "mutatingadmissionpolicies.v1beta1.admissionregistration.k8s.io":
        ("admissionregistration.k8s.io", "v1beta1", "mutatingadmissionpolicies", "MutatingAdmissionPolicy", False),
    "resourceclaims": ("resource.k8s.io", "v1", "resourceclaims", "ResourceClaim", True),
}


@pytest.mark.parametrize("name", list(KUBECTL_GET))
def test_kubectl_get_names(name: str, kube_mapper: DeferredDiscoveryRESTMapper) -> None:
    group, version, resource, kind, namespaced = KUBECTL_GET[name]
    mapping = resolve(kube_mapper, name)
    assert mapping.resource == GVR(group, version, resource)
    assert mapping.group_version_kind == GVK(group, version, kind)
    assert mapping.namespaced is namespaced
    assert mapping_for(kube_mapper, name) == mapping  # the same answer without attempt()


@pytest.mark.parametrize(
    "name, resource",
    [
        pytest.param("nosuchthing", "nosuchthing", id="unknown"),
        pytest.param("PO", "PO", id="short-names-are-case-sensitive"),
        pytest.param("deployments.v2.apps", "deployments", id="unserved-version"),
        pytest.param("Deployments.Apps", "Deployments", id="groups-are-case-sensitive"),
        pytest.param("deploymentlists", "deploymentlists", id="no-List-guesses"),
        pytest.param("pods/log", "pods/log", id="subresource"),
        pytest.param("", "", id="empty"),
        pytest.param(".apps", "", id="empty-resource"),
    ],
)
def test_kubectl_get_errors(name: str, resource: str, kube_mapper: DeferredDiscoveryRESTMapper) -> None:
    with pytest.raises(NoResourceMatch) as err:
        resolve(kube_mapper, name)
    assert str(err.value) == f'the server doesn\'t have a resource type "{resource}"'


@pytest.mark.parametrize(
    "name, warnings",
    [
        ("ev", ['short name "ev" could also match lower priority resource events.events.k8s.io']),
        ("events", []),
        ("hpa", []),
        ("po", []),
    ],
)
def test_kubectl_get_warnings(name: str, warnings: List[str], kube_mapper, warnings_seen: List[str]) -> None:
    resolve(kube_mapper, name)
    assert warnings_seen == warnings


@pytest.mark.parametrize(
    "name, gvk",
    [
        pytest.param("ct", GVK("a.example.com", "v1", "CatToy"), id="shared-short-name-first-wins"),
        pytest.param("cron", GVK("b.example.com", "v1", "CronTab"), id="short-name"),
        pytest.param("widgets", GVK("stable.example.com", "v1", "Widget"), id="shared-name-first-group"),
        pytest.param("widgets.stable.example.com", GVK("stable.example.com", "v1", "Widget"), id="resource.group-3-dots"),
        pytest.param("widgets.v1.stable.example.com", GVK("stable.example.com", "v1", "Widget"), id="resource.version.group"),
        pytest.param("Widget.other.example.org", GVK("other.example.org", "v1", "Widget"), id="Kind.group"),
        pytest.param("gadgets", GVK("multi.example.com", "v2", "Gadget"), id="preferred-version"),
        pytest.param("gadgets.v1beta1.multi.example.com", GVK("multi.example.com", "v1beta1", "Gadget"), id="other-version"),
        pytest.param("legacythings", GVK("multi.example.com", "v1beta1", "LegacyThing"), id="only-in-non-preferred"),
        pytest.param("things", GVK("dup.example.com", "v1", "Thingy"), id="ambiguous-resource-resolved-by-kind"),
        pytest.param("policy", GVK("policy.example.com", "v1", "Policy"), id="guessed-singular"),
    ],
)
def test_crd_names(name: str, gvk: GVK, crd_mapper: DeferredDiscoveryRESTMapper) -> None:
    assert resolve(crd_mapper, name).group_version_kind == gvk


def test_later_reading_hit_does_not_reset() -> None:
    # widgets.stable.example.com is first read as resource "widgets", version "stable",
    # group "example.com": a miss. kubectl resets discovery there; resolve() does not.
    discovery = FakeDiscovery(crd_server(), fresh=False)
    mapper = DeferredDiscoveryRESTMapper(discovery)
    for name in ("widgets.stable.example.com", "Widget.v1.stable.example.com", "cattoys.a.example.com"):
        assert resolve(mapper, name)
    assert discovery.calls["invalidate"] == 0
    # What kubectl does: each reading is a separate deferred lookup, and the first one resets.
    assert mapping_for(mapper, "widgets.other.example.org")
    assert discovery.calls["invalidate"] == 1


def test_resolve_resets_once_for_a_new_crd() -> None:
    server = crd_server()
    discovery = FakeDiscovery(server, fresh=False)
    mapper = DeferredDiscoveryRESTMapper(discovery)
    assert resolve(mapper, "po")
    server.add_group("new.example.com", {"v1": [res("gizmos", "Gizmo", short=["gz"])]})
    assert resolve(mapper, "gizmos.new.example.com").group_version_kind == GVK("new.example.com", "v1", "Gizmo")
    assert discovery.calls["invalidate"] == 1


def test_resolve_memo_is_dropped_on_reset() -> None:
    server = crd_server()
    discovery = FakeDiscovery(server)
    mapper = DeferredDiscoveryRESTMapper(discovery)
    assert resolve(mapper, "wd").group_version_kind.group == "stable.example.com"
    server.groups = [g for g in server.groups if g.name != "stable.example.com"]
    assert resolve(mapper, "wd").group_version_kind.group == "stable.example.com"  # memoized
    mapper.reset()
    assert resolve(mapper, "wd").group_version_kind.group == "other.example.org"


def test_non_no_match_errors_pass_through() -> None:
    class AlwaysAmbiguous:
        def kind_for(self, resource):
            raise NoResourceMatch(resource)

        def rest_mapping(self, gk, *versions):
            raise AmbiguousKind(gk.with_version(""))

    with pytest.raises(AmbiguousKind):
        mapping_for(AlwaysAmbiguous(), "thing")  # type: ignore[arg-type]


def test_works_on_any_mapper(crd_mapper: DeferredDiscoveryRESTMapper) -> None:
    delegate = crd_mapper.attempt(lambda d: d)
    assert resolve(delegate, "deploy").resource == GVR("apps", "v1", "deployments")
    inner = delegate.delegate
    assert isinstance(inner, PriorityRESTMapper)
    with pytest.raises(NoResourceMatch):
        resolve(inner, "deploy")  # no shortcut expansion below the expander


@pytest.mark.parametrize(
    "arg, expected",
    [
        pytest.param("all", ["pods", "replicationcontrollers", "services", "daemonsets", "deployments", "replicasets",
                             "statefulsets", "horizontalpodautoscalers", "cronjobs", "jobs"], id="all"),
        pytest.param("po,pods,pod,svc", ["pods", "services"], id="dedup-by-kind"),
        pytest.param("deploy,all", ["deployments", "pods", "replicationcontrollers", "services", "daemonsets",
                                    "replicasets", "statefulsets", "horizontalpodautoscalers", "cronjobs", "jobs"],
                     id="first-seen-order"),
        pytest.param("ev,events.events.k8s.io", ["events", "events"], id="same-resource-other-group"),
    ],
)
def test_resolve_all(arg: str, expected: List[str], kube_mapper, kube_discovery) -> None:
    mappings = resolve_all(kube_mapper, DiscoveryCategoryExpander(kube_discovery), arg)
    assert [m.resource.resource for m in mappings] == expected


def test_resolve_all_custom_category_and_versions(crd_mapper, crd_discovery) -> None:
    categories = DiscoveryCategoryExpander(crd_discovery)
    assert replace_aliases(categories, "example,po") == "cattoys.a.example.com,widgets.stable.example.com,po"
    assert replace_aliases(categories, "all") == (
        "pods,services,deployments.apps,widgets.stable.example.com,gadgets.multi.example.com,gadgets.multi.example.com")
    gvks = [m.group_version_kind for m in resolve_all(crd_mapper, categories, "all,example")]
    assert gvks == [GVK("", "v1", "Pod"), GVK("", "v1", "Service"), GVK("apps", "v1", "Deployment"),
                    GVK("stable.example.com", "v1", "Widget"), GVK("multi.example.com", "v2", "Gadget"),
                    GVK("a.example.com", "v1", "CatToy")]
    with pytest.raises(NoResourceMatch):
        resolve_all(crd_mapper, SimpleCategoryExpander({}), "po,nosuch")


@pytest.mark.parametrize(
    "arg, parts",
    [("a,b,a", ["a", "b"]), ("a", ["a"]), ("a,,b", ["a", "", "b"]), ("", [""])],
    ids=["dedup", "single", "empty-part", "empty"],
)
def test_split_resource_argument(arg: str, parts: List[str]) -> None:
    assert split_resource_argument(arg) == parts


def test_rest_mapping_by_lower_case_kind(kube_mapper: DeferredDiscoveryRESTMapper) -> None:
    # Kinds are registered as served and lower-cased, and the mapping echoes the kind asked for.
    mapping = kube_mapper.rest_mapping(GroupKind("apps", "deployment"))
    assert mapping.resource == GVR("apps", "v1", "deployments")
    assert mapping.group_version_kind == GVK("apps", "v1", "deployment")
