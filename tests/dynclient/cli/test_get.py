"""``dynclient get``'s requests go through ``ResourceClient`` (healing, reply checks) and still ask as kubectl asks."""

from __future__ import annotations

import argparse
import logging

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
    pytest.param("b=c", "metadata.name=x", _Fetch("application/json", (("timeout", "5s"),)),
                 "fieldSelector=metadata.name%3Dx&labelSelector=b%3Dc&limit=500&timeout=5s", id="in-key-order"),
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


def test_a_named_get_sends_the_extra_parameters_and_logs_the_body_at_v8(mocked_responses, cms, caplog):
    mocked_responses.get(f"{PATH}/c?timeout=5s", json={"kind": "ConfigMap", "metadata": {"name": "c"}})
    with caplog.at_level(logging.DEBUG):
        got = list(_fetch(cms, Request(cms, "c"), args(), _Fetch("application/json", (("timeout", "5s"),),
                                                                  verbosity=8)))
    assert got == [{"kind": "ConfigMap", "metadata": {"name": "c"}}]
    bodies = [r.getMessage() for r in caplog.records if r.name == "dynclient.cli"]
    assert len(bodies) == 1 and bodies[0].startswith('"Response Body" body='), bodies
    assert '\\"name\\": \\"c\\"' in bodies[0]


@pytest.mark.parametrize("name", [None, "c"], ids=["list", "get"])
def test_an_html_200_is_an_error_from_the_tree(mocked_responses, cms, name):
    url = PATH + ("/c" if name else "?limit=500")
    mocked_responses.get(url, body="<html>login here</html>", content_type="text/html")
    with pytest.raises(dynclient.InvalidResponse, match="status code 200 but the body is text/html, not JSON"):
        list(_fetch(cms, Request(cms, name), args(), _Fetch("application/json")))
