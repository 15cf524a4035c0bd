"""``dynclient exec`` / ``attach`` pieces without a server: the ``--`` rule, the pod name, kubectl's container choice.

The byte parity with kubectl on a real cluster is in
tests/integration/pods/test_cli_exec.py; these pin the rules themselves.
"""

from __future__ import annotations

import io

import pytest

from dynclient.cli.exec_cmd import all_container_names, default_container, pod_name
from dynclient.cli.main import parse_args
from dynclient.cli.manifest_files import KubectlError


@pytest.mark.parametrize("argv, positionals, dash_at, flags", [
    pytest.param(["exec", "web", "--", "ls", "-la"], ["web", "ls", "-la"], 1, {}, id="dash"),
    pytest.param(["exec", "web", "-i", "--", "cat"], ["web", "cat"], 1, {"stdin": True}, id="flag-after-pod"),
    pytest.param(["exec", "-it", "-c", "a", "web", "--", "sh"], ["web", "sh"], 1,
                 {"stdin": True, "tty": True, "container": "a"}, id="flags-first"),
    pytest.param(["exec", "web", "--", "sh", "-c", "x", "--", "-n", "y"], ["web", "sh", "-c", "x", "--", "-n", "y"],
                 1, {"namespace": None}, id="only-the-first-dash-counts"),
    pytest.param(["exec", "web", "echo"], ["web", "echo"], -1, {}, id="no-dash"),
    pytest.param(["exec", "--", "web", "echo"], ["web", "echo"], 0, {}, id="dash-first"),
    pytest.param(["-n", "ns", "exec", "web", "-q", "--", "true"], ["web", "true"], 1,
                 {"namespace": "ns", "quiet": True}, id="global-flag-before"),
])
def test_exec_arguments(argv, positionals, dash_at, flags):
    args = parse_args(argv)
    assert (args.args, args.dash_at) == (positionals, dash_at)
    for key, value in flags.items():
        assert getattr(args, key) == value


@pytest.mark.parametrize("resource, name", [
    pytest.param("web", "web", id="bare"), pytest.param("pod/web", "web", id="pod"),
    pytest.param("po/web", "web", id="po"), pytest.param("pods/web", "web", id="pods"),
])
def test_pod_names(resource, name):
    assert pod_name("exec", resource) == name


def test_other_kinds_are_refused_with_a_way_out():
    with pytest.raises(KubectlError, match="name the pod instead"):
        pod_name("exec", "deploy/web")


def pod(containers=("a",), init=(), ephemeral=(), annotation=None):
    meta = {"name": "web", "namespace": "ns"}
    if annotation:
        meta["annotations"] = {"kubectl.kubernetes.io/default-container": annotation}
    return {"metadata": meta, "spec": {"containers": [{"name": c} for c in containers],
                                       "initContainers": [{"name": c} for c in init],
                                       "ephemeralContainers": [{"name": c} for c in ephemeral]}}


@pytest.mark.parametrize("the_pod, name, quiet, chosen, notice", [
    pytest.param(pod(), "", False, "a", "", id="one-container-says-nothing"),
    pytest.param(pod(("a", "b")), "", False, "a", 'Defaulted container "a" out of: a, b\n', id="first-of-two"),
    pytest.param(pod(("a", "b")), "", True, "a", "", id="quiet"),
    pytest.param(pod(("main",), init=("setup",)), "", False, "main",
                 'Defaulted container "main" out of: main, setup (init)\n', id="init-counts"),
    pytest.param(pod(("a",), init=("i",), ephemeral=("dbg",)), "", False, "a",
                 'Defaulted container "a" out of: a, dbg (ephem), i (init)\n', id="ephemeral-before-init"),
    pytest.param(pod(("a", "b"), annotation="b"), "", False, "b", "", id="annotation-silently"),
    pytest.param(pod(("a", "b"), annotation="gone"), "", False, "a", 'Defaulted container "a" out of: a, b\n',
                 id="annotation-naming-nothing"),
    pytest.param(pod(("a",), init=("i",)), "i", False, "i", "", id="named-init"),
])
def test_default_container_as_kubectl(the_pod, name, quiet, chosen, notice):
    err = io.StringIO()
    assert default_container(the_pod, name, quiet, err)["name"] == chosen
    assert err.getvalue() == notice


def test_a_named_container_that_is_not_there():
    with pytest.raises(KubectlError, match="^container x not found in pod web$"):
        default_container(pod(("a",)), "x", False, io.StringIO())


def test_all_container_names_order():
    assert all_container_names(pod(("a", "b"), init=("i",), ephemeral=("e",))) == "a, b, e (ephem), i (init)"
