"""A kind that appears right after its CRD is Established (issue 12 item 5), on the real API server.

The API server sets ``Established`` a moment before discovery lists the
kind, and the client has usually run discovery a moment before (at connect,
or for the CRD create itself). The reset limiter must let the first lookup
after discovery lists the kind find it, and a caller retrying once a second
must find it within a second of discovery listing it.
"""

from __future__ import annotations

import time

import pytest

import dynclient
from tests.integration import crds as crdlib


@pytest.fixture
def group(dyn):
    g = crdlib.unique_group("fresh")
    yield g
    crdlib.uninstall(dyn, [f"sprockets.{g}"])


def _listed_by_kubectl(kubectl, group: str) -> bool:
    out = kubectl("api-resources", f"--api-group={group}", "-o", "name", check=False)
    return out.returncode == 0 and f"sprockets.{group}" in out.stdout.split()


def short_name(group: str) -> str:
    """A short name of this test's own: a CRD deleted by an earlier test may still be served for a while."""
    return "spk" + group.split(".")[0][-6:]


def test_kind_found_on_first_try_once_kubectl_lists_it(make_client, request_log, kubectl, namespace, group):
    # The client's default reset limit (a token bucket: burst 3, then 1 per second).
    dyn = make_client()
    dyn.resource("cm").namespace(namespace).list()  # discovery ran just now, and is fresh
    crdlib.install(dyn, [crdlib.crd(group, "Sprocket", plural="sprockets", short_names=[short_name(group)])])
    deadline = time.monotonic() + 30
    while not _listed_by_kubectl(kubectl, group):
        assert time.monotonic() < deadline, "kubectl api-resources never listed the kind"
        time.sleep(0.2)
    request_log.clear()
    sprockets = dyn.resource(short_name(group)).namespace(namespace)  # the first try, a second or less after discovery ran
    assert sprockets.gvr == dynclient.GroupVersionResource(group, "v1", "sprockets")
    assert sorted(request_log.discovery_paths()) == ["/api", "/apis"]  # one reset, then found
    assert sprockets.list()["items"] == []


def test_caller_retrying_once_a_second_right_after_established(make_client, request_log, kubectl, namespace, group):
    dyn = make_client()
    dyn.resource("cm").namespace(namespace).list()
    crdlib.install(dyn, [crdlib.crd(group, "Sprocket", plural="sprockets", short_names=[short_name(group)])])
    attempts = []
    deadline = time.monotonic() + 30
    while True:
        request_log.clear()
        try:
            found = dyn.resource(short_name(group))
        except dynclient.NoMatch:
            # a miss is never hidden by the limit: each retry asked discovery again
            assert sorted(request_log.discovery_paths()) == ["/api", "/apis"], attempts
            attempts.append(time.monotonic())
            assert time.monotonic() < deadline, "the kind never appeared"
            time.sleep(1.0)
            continue
        break
    assert found.gvr == dynclient.GroupVersionResource(group, "v1", "sprockets")
    # kubectl, asked now, lists it too: dynclient saw it no later than one retry after it was listed
    assert _listed_by_kubectl(kubectl, group)


def test_typo_loop_is_held_to_the_limit(make_client, request_log, namespace):
    dyn = make_client()
    dyn.resource("cm").namespace(namespace).list()
    request_log.clear()
    start = time.monotonic()
    for _ in range(50):
        with pytest.raises(dynclient.NoMatch):
            dyn.resource("nosuchthingatall")
    elapsed = time.monotonic() - start
    rounds = request_log.discovery_paths().count("/apis")
    # a burst of 3, then at most one per second
    assert rounds <= 3 + int(elapsed) + 1, (rounds, elapsed)
