"""``dynclient get``'s requests go through ``ResourceClient`` (healing, reply checks) and still ask as kubectl asks."""

from __future__ import annotations

import argparse

import pytest

import dynclient
from discovery.types import GroupVersionKind, GroupVersionResource
from dynclient.cli.get import TABLE_ACCEPT, Request, _Fetch, _fetch
from dynclient.resource import ResourceClient
from dynclient.transport import Transport
from restmapper.mapping import RESTMapping, Scope
from tests.dynclient.conftest import make_config

HOST = "http://k8s.test:6443"
CM = RESTMapping(GroupVersionResource("", "v1", "configmaps"), GroupVersionKind("", "v1", "ConfigMap"), Scope.NAMESPACE)
PATH = f"{HOST}/api/v1/namespaces/team-a/configmaps"
LIST = {"kind": "ConfigMapList", "apiVersion": "v1", "metadata": {"resourceVersion": "5"}, "items": []}


@pytest.fixture
def cms(mocked_responses):
    transport = Transport(make_config(HOST), qps=0, sleep=lambda s: None)
    yield ResourceClient(transport, CM).namespace("team-a")
    transport.close()


def args(selector="", field_selector=""):
    return argparse.Namespace(selector=selector, field_selector=field_selector)


@pytest.mark.parametrize("selector, field_selector, how, query", [
    pytest.param("", "", _Fetch("application/json"), "limit=500", id="plain"),
    pytest.param("b=c", "metadata.name=x", _Fetch("application/json", (("resourceVersion", "0"),)),
                 "fieldSelector=metadata.name%3Dx&labelSelector=b%3Dc&limit=500&resourceVersion=0", id="in-key-order"),
    pytest.param("", "", _Fetch(TABLE_ACCEPT, (("includeObject", "Object"),), chunk_size=0), "includeObject=Object",
                 id="sort-by-no-chunks"),
])
def test_a_list_asks_as_kubectl_does(mocked_responses, cms, selector, field_selector, how, query):
    mocked_responses.get(PATH, json={**LIST, "metadata": {"continue": "t1"}})
    mocked_responses.get(PATH, json=LIST)
    pages = list(_fetch(cms, Request(cms), args(selector, field_selector), how))
    assert [p["kind"] for p in pages] == ["ConfigMapList", "ConfigMapList"]
    urls = [c.request.url for c in mocked_responses.calls]
    assert urls[0] == f"{PATH}?{query}"
    # The continue token sorts first, as url.Values.Encode() orders it.
    assert urls[1] == f"{PATH}?continue=t1" + ("&" + query if query else "")
    assert {c.request.headers["Accept"] for c in mocked_responses.calls} == {how.accept}


def test_a_named_get_sends_the_extra_parameters(mocked_responses, cms):
    # (-v=8 bodies are the transport's hooks now, for every command: tests/dynclient/cli/test_debuglog.py.)
    mocked_responses.get(f"{PATH}/c?includeObject=Object", json={"kind": "ConfigMap", "metadata": {"name": "c"}})
    got = list(_fetch(cms, Request(cms, "c"), args(), _Fetch("application/json", (("includeObject", "Object"),))))
    assert got == [{"kind": "ConfigMap", "metadata": {"name": "c"}}]


NOT_FOUND = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404,
             "message": 'namespaces "team-a" not found'}


@pytest.mark.parametrize("namespace, reply, code, missing", [
    ("team-a", NOT_FOUND, 404, True),
    ("team-a", {"kind": "Namespace", "metadata": {"name": "team-a"}}, 200, False),
    ("team-a", {**NOT_FOUND, "reason": "Forbidden", "code": 403}, 403, False),
    ("default", None, 0, False),  # cli-runtime never asks about default
], ids=["namespace-missing", "namespace-there", "forbidden-keeps-the-first-error", "default-not-asked"])
def test_a_missing_namespace_is_the_error_kubectl_reports(mocked_responses, cms, namespace, reply, code, missing):
    from dynclient.cli.get import _missing_namespace

    rc = cms.namespace(namespace)
    if reply is not None:
        mocked_responses.get(f"{HOST}/api/v1/namespaces/{namespace}?includeObject=Object", json=reply, status=code)
    err = _missing_namespace(rc, _Fetch(TABLE_ACCEPT, (("includeObject", "Object"),)))
    assert (err is not None) == missing
    if missing:
        assert isinstance(err, dynclient.NotFound) and str(err.status["message"]) == 'namespaces "team-a" not found'
        assert mocked_responses.calls[0].request.headers["Accept"] == TABLE_ACCEPT


@pytest.mark.parametrize("name", [None, "c"], ids=["list", "get"])
def test_an_html_200_is_an_error_from_the_tree(mocked_responses, cms, name):
    url = PATH + ("/c" if name else "?limit=500")
    mocked_responses.get(url, body="<html>login here</html>", content_type="text/html")
    with pytest.raises(dynclient.InvalidResponse, match="status code 200 but the body is text/html, not JSON"):
        list(_fetch(cms, Request(cms, name), args(), _Fetch("application/json")))
