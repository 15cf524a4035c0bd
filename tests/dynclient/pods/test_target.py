"""Which container a pod I/O call means, and when the pod refuses the verb: ``target.resolve``."""

from __future__ import annotations

import pytest

from dynclient.pods import ContainerNotFound, ContainerRequired, PodNotRunning
from dynclient.pods.target import Target, container_names, resolve


def pod(containers=("main",), init=(), ephemeral=(), phase="Running", annotations=None):
    return {"metadata": {"name": "web", "namespace": "ns", "annotations": dict(annotations or {})},
            "spec": {"containers": [{"name": c} for c in containers],
                     "initContainers": [{"name": c} for c in init],
                     "ephemeralContainers": [{"name": c} for c in ephemeral]},
            "status": {"phase": phase}}


DEFAULT = "kubectl.kubernetes.io/default-container"


@pytest.mark.parametrize("obj, container, expected", [
    (pod(), None, "main"),
    (pod(), "main", "main"),
    (pod(("a", "b")), "b", "b"),
    (pod(("a",), init=("setup",)), None, "a"),
    (pod(("a",), init=("setup",)), "setup", "setup"),
    (pod(("a",), ephemeral=("debug",)), "debug", "debug"),
    (pod(("a", "b"), annotations={DEFAULT: "b"}), None, "b"),
    (pod(("a", "b"), init=("i",), annotations={DEFAULT: "i"}), None, "i"),
], ids=["only-one", "named", "named-of-two", "one-beside-init", "init-named", "ephemeral-named",
        "annotation", "annotation-names-init"])
def test_the_container_meant(obj, container, expected):
    target = resolve(obj, container, verb="logs")
    assert target == Target("ns", "web", expected, obj)
    assert target.phase == "Running"


@pytest.mark.parametrize("obj, message, names", [
    (pod(("a", "b")), "a container name must be specified for pod web, choose one of: [a b]", ("a", "b")),
    (pod(("a", "b"), init=("i",)),
     "a container name must be specified for pod web, choose one of: [a b] or one of the init containers: [i]",
     ("a", "b", "i")),
    (pod(("a", "b"), ephemeral=("d",)),
     "a container name must be specified for pod web, choose one of: [a b] or one of the ephemeral containers: [d]",
     ("a", "b", "d")),
    (pod(("a", "b"), annotations={DEFAULT: "gone"}),
     "a container name must be specified for pod web, choose one of: [a b]", ("a", "b")),
], ids=["two", "with-init", "with-ephemeral", "annotation-names-no-container"])
def test_several_containers_and_none_named(obj, message, names):
    with pytest.raises(ContainerRequired) as caught:
        resolve(obj, None)
    err = caught.value
    assert (str(err), err.containers, err.namespace, err.pod) == (message, names, "ns", "web")


def test_a_container_that_is_not_there():
    with pytest.raises(ContainerNotFound) as caught:
        resolve(pod(("a", "b"), init=("i",)), "zz")
    err = caught.value
    assert (str(err), err.container, err.containers) == ("container zz is not valid for pod web", "zz", ("a", "b", "i"))


@pytest.mark.parametrize("verb, phase, message", [
    ("exec", "Succeeded", "cannot exec into a container in a completed pod; current phase is Succeeded"),
    ("exec", "Failed", "cannot exec into a container in a completed pod; current phase is Failed"),
    ("attach", "Succeeded", "cannot attach a container in a completed pod; current phase is Succeeded"),
    ("port-forward", "Pending", "unable to forward port because pod is not running. Current status=Pending"),
    ("port-forward", "Succeeded", "unable to forward port because pod is not running. Current status=Succeeded"),
], ids=["exec-succeeded", "exec-failed", "attach", "port-forward-pending", "port-forward-ended"])
def test_a_pod_that_cannot_take_the_verb(verb, phase, message):
    with pytest.raises(PodNotRunning) as caught:
        resolve(pod(phase=phase), None, running=True, verb=verb)
    assert (str(caught.value), caught.value.phase) == (message, phase)


@pytest.mark.parametrize("verb, phase", [("exec", "Pending"), ("exec", "Running"), ("attach", "Unknown"),
                                         ("port-forward", "Running"), ("logs", "Succeeded")],
                         ids=["exec-pending", "exec-running", "attach-unknown", "port-forward-running",
                              "logs-need-no-running-pod"])
def test_a_pod_that_can(verb, phase):
    running = verb != "logs"
    assert resolve(pod(phase=phase), None, running=running, verb=verb).container == "main"


def test_container_names_by_kind():
    assert container_names(pod(("a", "b"), init=("i",), ephemeral=("d",))) == {
        "containers": ["a", "b"], "initContainers": ["i"], "ephemeralContainers": ["d"]}
