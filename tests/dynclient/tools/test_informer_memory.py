"""What keeps an informer's memory down: managedFields out of a metadata-only store, shared values, LISTs
decoded item by item (the pages, and the full LIST after an expired continue token), on ``responses``."""

from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest
from responses import matchers

from dynclient.resource import ResourceClient
from dynclient.tools.informer import Informer, compact, keep_managed_fields, strip_managed_fields
from dynclient.tools.metadata import LIST_ACCEPT, MetadataClient
from dynclient.transport import Transport
from tests.dynclient.conftest import make_config

from .test_informer import CM

HOST = "http://k8s.test:6443"
PATH = f"{HOST}/api/v1/namespaces/ns/configmaps"
MANAGED = [{"manager": "kubectl", "operation": "Update", "time": "2026-12-03T16:48:52Z", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {".": {}, "f:x": {}}}}]


def cm(name: str, rv: str = "1", **meta: Any) -> Dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "ns", "uid": f"uid-{name}", "resourceVersion": rv,
                         "creationTimestamp": "2026-12-03T16:48:52Z", "labels": {"app": "bench", "shard": "1"},
                         "managedFields": MANAGED, **meta},
            "data": {"x": "v" * 40}}


@pytest.fixture
def transport(mocked_responses):
    t = Transport(make_config(HOST), qps=0, burst=1, sleep=lambda s: None)
    yield t
    t.close()


@pytest.mark.parametrize(
    "options, transform",
    [({}, None), ({"metadata_only": True}, strip_managed_fields),
     ({"metadata_only": True, "transform": keep_managed_fields}, keep_managed_fields),
     ({"transform": strip_managed_fields}, strip_managed_fields)],
    ids=["full-keeps-everything", "metadata-only-drops-managed-fields", "metadata-only-keeping-them",
         "full-stripped"],
)
def test_the_default_transform(options, transform):
    inf = Informer(None, ResourceClient(None, CM), **options)
    assert inf.transform is transform


def test_keep_managed_fields_changes_nothing():
    o = cm("a")
    assert keep_managed_fields(o) is o


def decoded(o: Dict[str, Any]) -> Dict[str, Any]:
    return json.loads(json.dumps(o))  # each object decoded on its own, as a LIST is


def test_compact_shares_the_values_that_repeat_and_only_those():
    a = compact(decoded(cm("a", annotations={"note": "same"})))
    b = compact(decoded(cm("b", annotations={"note": "same"})))
    assert a == decoded(cm("a", annotations={"note": "same"}))
    ma, mb = a["metadata"], b["metadata"]
    assert ma["labels"]["app"] is mb["labels"]["app"] and ma["labels"]["shard"] is mb["labels"]["shard"]
    assert ma["creationTimestamp"] is mb["creationTimestamp"]
    assert ma["managedFields"][0]["time"] is mb["managedFields"][0]["time"]
    assert ma["labels"] is not mb["labels"]  # each object keeps its own maps: changing one changes one
    assert ma["annotations"]["note"] is not mb["annotations"]["note"]  # annotations are mostly unique
    assert a["data"]["x"] is not b["data"]["x"]


def page(items: List[Dict[str, Any]], rv: str, token: str = "") -> Dict[str, Any]:
    meta = {"resourceVersion": rv, **({"continue": token} if token else {})}
    return {"kind": "ConfigMapList", "apiVersion": "v1", "metadata": meta, "items": items}


EXPIRED = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 410, "reason": "Expired",
           "message": "The provided continue parameter is too old"}


def test_a_paged_list_is_stored_transformed_page_by_page(mocked_responses, transport):
    mocked_responses.get(PATH, json=page([cm("a"), cm("b")], "7", "t1"),
                         match=[matchers.query_param_matcher({"limit": "2"})])
    mocked_responses.get(PATH, json=page([cm("c")], "7"),
                         match=[matchers.query_param_matcher({"limit": "2", "continue": "t1"})])
    inf = Informer(None, ResourceClient(transport, CM).namespace("ns"), page_size=2,
                   transform=strip_managed_fields)
    items, rv = inf._list_pages()
    assert rv == "7" and [o["metadata"]["name"] for o in items] == ["a", "b", "c"]
    assert all("managedFields" not in o["metadata"] for o in items)
    assert items[0]["metadata"]["labels"]["app"] is items[2]["metadata"]["labels"]["app"]  # compacted
    assert inf.stats["full_lists"] == 0


def test_an_expired_continue_token_finishes_as_one_full_list(mocked_responses, transport):
    mocked_responses.get(PATH, json=page([cm("a"), cm("b")], "7", "t1"),
                         match=[matchers.query_param_matcher({"limit": "2"})])
    mocked_responses.get(PATH, json=EXPIRED, status=410,
                         match=[matchers.query_param_matcher({"limit": "2", "continue": "t1"})])
    mocked_responses.get(PATH, json=page([cm("a", "9"), cm("b", "9"), cm("c", "9")], "9"),
                         match=[matchers.query_param_matcher({})])
    inf = Informer(None, ResourceClient(transport, CM).namespace("ns"), page_size=2)
    items, rv = inf._list_pages()
    assert rv == "9" and [(o["metadata"]["name"], o["metadata"]["resourceVersion"]) for o in items] == [
        ("a", "9"), ("b", "9"), ("c", "9")]  # the first page's older copies are not kept
    assert inf.stats["full_lists"] == 1


def test_an_expired_first_page_is_the_error(mocked_responses, transport):
    from discovery.errors import Expired

    mocked_responses.get(PATH, json=EXPIRED, status=410)
    inf = Informer(None, ResourceClient(transport, CM).namespace("ns"), page_size=2)
    with pytest.raises(Expired):
        inf._list_pages()


def test_a_metadata_only_list_asks_for_partial_object_metadata(mocked_responses, transport):
    partial = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": cm("a")["metadata"]}
    mocked_responses.get(PATH, json={"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                                     "metadata": {"resourceVersion": "3"}, "items": [partial]},
                         match=[matchers.header_matcher({"Accept": LIST_ACCEPT}),
                                matchers.query_param_matcher({"limit": "500", "labelSelector": "app=bench"})])
    inf = Informer(None, ResourceClient(transport, CM), namespace="ns", label_selector="app=bench",
                   metadata_only=True)
    assert isinstance(inf.client, MetadataClient)
    items, rv = inf._list_pages()
    assert rv == "3" and items == [{**partial, "metadata": {k: v for k, v in partial["metadata"].items()
                                                            if k != "managedFields"}}]


def test_a_list_reply_that_is_not_a_list_is_an_invalid_response(mocked_responses, transport):
    from discovery.errors import DynclientError

    mocked_responses.get(PATH, json={"kind": "ConfigMapList", "metadata": {}, "items": [1]})
    inf = Informer(None, ResourceClient(transport, CM).namespace("ns"))
    with pytest.raises(DynclientError, match=r"items\[0\]"):
        inf._list_pages()
