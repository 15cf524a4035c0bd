"""Which pod ``TYPE/NAME`` means: the object's selector and kubectl's ``ByLogging`` order."""

from __future__ import annotations

import pytest

from dynclient.cli.manifest_files import KubectlError
from dynclient.cli.podselect import by_logging, go_type_name, selector_for


@pytest.mark.parametrize("group, version, kind, spec, selector", [
    ("apps", "v1", "Deployment", {"selector": {"matchLabels": {"b": "2", "a": "1"}}}, "a=1,b=2"),
    ("apps", "v1", "StatefulSet", {"selector": {"matchLabels": {"app": "x"}, "matchExpressions": [
        {"key": "tier", "operator": "In", "values": ["web", "api"]},
        {"key": "env", "operator": "NotIn", "values": ["dev"]},
        {"key": "zz", "operator": "Exists"}, {"key": "old", "operator": "DoesNotExist"}]}},
     "app=x,env notin (dev),!old,tier in (api,web),zz"),
    ("batch", "v1", "Job", {"selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u"}}},
     "batch.kubernetes.io/controller-uid=u"),
    ("", "v1", "ReplicationController", {"selector": {"b": "2", "a": "1"}}, "a=1,b=2"),
    ("", "v1", "Service", {"selector": {"app": "web"}}, "app=web"),
    ("apps", "v1", "DaemonSet", {"selector": {}}, ""),
], ids=["deployment", "expressions-sorted-by-key", "job", "replication-controller", "service", "empty-selects-all"])
def test_selectors(group, version, kind, spec, selector):
    assert selector_for({"metadata": {"name": "x"}, "spec": spec}, group, version, kind) == selector


@pytest.mark.parametrize("group, version, kind, spec, message", [
    ("", "v1", "ConfigMap", {}, "cannot get the logs from *v1.ConfigMap: selector for *v1.ConfigMap not implemented"),
    ("batch", "v1", "CronJob", {}, "cannot get the logs from *v1.CronJob: selector for *v1.CronJob not implemented"),
    ("", "v1", "Service", {}, "cannot get the logs from *v1.Service: invalid service 'x': Service is defined without "
                             "a selector"),
    ("example.com", "v1", "Widget", {}, "cannot get the logs from *unstructured.Unstructured: selector for "
                                        "*unstructured.Unstructured not implemented"),
], ids=["configmap", "cronjob", "service-without-selector", "custom-resource"])
def test_objects_without_pods(group, version, kind, spec, message):
    with pytest.raises(KubectlError) as caught:
        selector_for({"metadata": {"name": "x"}, "spec": spec}, group, version, kind)
    assert str(caught.value) == message


def test_attach_words_the_refusal_its_way():
    with pytest.raises(KubectlError, match=r"^cannot attach to \*v1.ConfigMap: "):
        selector_for({}, "", "v1", "ConfigMap", action="cannot attach to")


def test_go_type_name():
    assert [go_type_name(*gvk) for gvk in [("", "v1", "Pod"), ("networking.k8s.io", "v1", "Ingress"),
                                           ("apps", "v1beta2", "Deployment"), ("x.io", "v1", "Widget")]] == [
        "*v1.Pod", "*v1.Ingress", "*v1beta2.Deployment", "*unstructured.Unstructured"]


def pod(name, node="n", phase="Running", ready=None, restarts=0, created="2026-12-03T10:00:00Z"):
    conditions = [] if ready is None else [{"type": "Ready", "status": "True", "lastTransitionTime": ready}]
    return {"metadata": {"name": name, "creationTimestamp": created}, "spec": {"nodeName": node},
            "status": {"phase": phase, "conditions": conditions,
                       "containerStatuses": [{"restartCount": restarts}]}}


@pytest.mark.parametrize("pods, first", [
    ([pod("a", node=""), pod("b")], "b"),
    ([pod("a", phase="Pending"), pod("b", phase="Unknown"), pod("c")], "c"),
    ([pod("a", phase="Pending"), pod("b", phase="Unknown")], "b"),
    ([pod("a"), pod("b", ready="2026-12-03T10:00:01Z")], "b"),
    ([pod("a", ready="2026-12-03T10:00:05Z"), pod("b", ready="2026-12-03T10:00:01Z")], "b"),
    ([pod("a", ready="2026-12-03T10:00:01Z"), pod("b", ready="2026-12-03T10:00:01Z", restarts=2)], "b"),
    ([pod("a", created="2026-12-03T10:00:09Z"), pod("b", created="2026-12-03T10:00:01Z")], "b"),
    ([pod("a", phase="Succeeded"), pod("b", phase="Pending")], "a"),
    ([pod("a"), pod("b")], "a"),
], ids=["scheduled-first", "running-first", "unknown-before-pending", "ready-first", "ready-longest-first",
        "most-restarts-first", "oldest-first", "an-ended-phase-ranks-as-running", "ties-keep-the-list-order"])
def test_by_logging(pods, first):
    assert by_logging(pods)[0]["metadata"]["name"] == first
