"""Run the integration suite against FakeCluster: ``pytest -p tests.integration.fakeface_plugin tests/integration/...``.

A measuring tool until conftest parametrizes its fixtures over both faces
(see ``faces.py``): it starts one session-wide FakeCluster (as the suite
shares one apiserver), installs it for every dynclient connection to its
host, and points ``DYNCLIENT_TEST_KUBECONFIG`` at a kubeconfig for it, so
conftest's ``kubeconfig``/``make_client``/``dyn`` fixtures and the tests
that call ``dynclient.connect(kubeconfig)`` themselves all reach the fake.
The cluster also serves on a loopback HTTPS socket (``FakeCluster.serve``),
and the kubeconfig names that socket, so the ``kubectl`` oracle reaches the
same fake (kubectl's protobuf writes and OpenAPI-validated applies do not
work there: see ``dynclient.testing.NOT_MODELLED``).
"""

from __future__ import annotations

import os
import tempfile

from tests.integration.faces import suite_cluster

_state = {}


def pytest_configure(config):
    cluster = suite_cluster()
    server = cluster.serve()  # kubectl (the oracle) reaches it on a loopback socket; dynclient stays in process
    tmp = tempfile.mkdtemp(prefix="fakeface-")
    path = cluster.write_kubeconfig(os.path.join(tmp, "kubeconfig"))
    install = cluster.install()
    install.__enter__()
    _state.update(cluster=cluster, install=install, server=server, old=os.environ.get("DYNCLIENT_TEST_KUBECONFIG"))
    os.environ["DYNCLIENT_TEST_KUBECONFIG"] = path


def pytest_unconfigure(config):
    if not _state:
        return
    _state["install"].__exit__(None, None, None)
    _state["server"].close()
    if _state["old"] is None:
        os.environ.pop("DYNCLIENT_TEST_KUBECONFIG", None)
    else:
        os.environ["DYNCLIENT_TEST_KUBECONFIG"] = _state["old"]
