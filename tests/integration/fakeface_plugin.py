"""Run the integration suite against FakeCluster: ``pytest -p tests.integration.fakeface_plugin tests/integration/...``.

A measuring tool until conftest parametrizes its fixtures over both faces
(see ``faces.py``): it starts one session-wide FakeCluster (as the suite
shares one apiserver) with ``faces.fake_kubeconfig`` and points
``DYNCLIENT_TEST_KUBECONFIG`` at it, so conftest's ``kubeconfig``,
``make_client`` and ``dyn`` fixtures, the tests that call
``dynclient.connect(kubeconfig)`` themselves, and the ``kubectl`` oracle
(through the fake's loopback socket) all reach the fake.
"""

from __future__ import annotations

import os
import tempfile

from tests.integration.faces import fake_kubeconfig

_state = {}


def pytest_configure(config):
    face = fake_kubeconfig(tempfile.mkdtemp(prefix="fakeface-"))
    path = face.__enter__()
    _state.update(face=face, old=os.environ.get("DYNCLIENT_TEST_KUBECONFIG"))
    os.environ["DYNCLIENT_TEST_KUBECONFIG"] = path


def pytest_unconfigure(config):
    if not _state:
        return
    _state["face"].__exit__(None, None, None)
    if _state["old"] is None:
        os.environ.pop("DYNCLIENT_TEST_KUBECONFIG", None)
    else:
        os.environ["DYNCLIENT_TEST_KUBECONFIG"] = _state["old"]
