"""Informer options that keep it small, on scripted sources: transform, WatchList start and its fallback to LIST."""

from __future__ import annotations

import json

import pytest

from discovery.errors import status_error_from_response
from dynclient.tools.informer import strip_managed_fields
from dynclient.tools.metadata import MetadataClient
from dynclient.resource import ResourceClient
from dynclient.watch import Watch

from .test_informer import CM, FakeInformer, Recorder, Stream, obj, wait_until

END = {"kind": "ConfigMap", "metadata": {"resourceVersion": "9", "annotations": {"k8s.io/initial-events-end": "true"}}}


@pytest.mark.parametrize(
    "before, after",
    [({"metadata": {"name": "a", "managedFields": [{"manager": "m"}]}, "data": {"x": "1"}},
      {"metadata": {"name": "a"}, "data": {"x": "1"}}),
     ({"metadata": {"name": "a"}}, {"metadata": {"name": "a"}}),
     ({"kind": "X"}, {"kind": "X"})],
    ids=["strips", "nothing-to-strip", "no-metadata"],
)
def test_strip_managed_fields(before, after):
    assert strip_managed_fields(before) == after
    if "managedFields" in before.get("metadata", {}):
        assert "managedFields" in before["metadata"]  # the original is not changed


def with_fields(o):
    o["metadata"]["managedFields"] = [{"manager": "kubectl"}]
    return o


def test_transform_applies_to_listed_and_watched_objects():
    inf = FakeInformer([([with_fields(obj("a", 1))], "1")],
                       [Stream([("MODIFIED", with_fields(obj("a", 2))), ("ADDED", with_fields(obj("b", 3)))],
                               end="block")],
                       transform=strip_managed_fields)
    seen = []
    inf.add_event_handler(on_add=seen.append, on_update=lambda old, new: seen.append(new))
    with inf:
        assert wait_until(lambda: len(inf.store) == 2 and inf.store.get("default/a")["metadata"]["resourceVersion"] == "2")
        assert all("managedFields" not in o["metadata"] for o in inf.store.list() + seen)


class ScriptedClient:
    """Stands in for the resource client: ``watch`` answers a WatchList (or refuses it)."""

    def __init__(self, streams=None, refuse=None):
        self.streams, self.refuse, self.watches = list(streams or []), refuse, []
        self.gvr = CM.resource

    def watch(self, **kw):
        self.watches.append(kw)
        if self.refuse is not None:
            raise self.refuse
        return Watch(lambda w: self.streams.pop(0) if self.streams else Stream([], end="block"),
                     yield_bookmarks=kw.get("yield_bookmarks", False))


def watch_list_informer(client, lists=(([obj("listed", 1)], "5"),), **kw):
    inf = FakeInformer(list(lists), [Stream([], end="block")], watch_list=True, **kw)
    inf.client = client
    return inf


def test_watch_list_syncs_at_the_initial_events_end_bookmark_then_watches_on():
    client = ScriptedClient([Stream([("ADDED", obj("a", 1)), ("ADDED", obj("b", 2)), ("BOOKMARK", END),
                                     ("MODIFIED", obj("a", 10)), ("DELETED", obj("b", 11))], end="block")])
    inf = watch_list_informer(client)
    rec = Recorder()
    inf.add_event_handler(rec.add, rec.update, rec.delete)
    with inf:
        assert inf.wait_for_sync(5)
        assert wait_until(lambda: len(rec.calls) == 4)
    assert rec.calls == [("add", "a", "1"), ("add", "b", "2"), ("update", "a", "1", "10"), ("delete", "b", "11")]
    assert inf.stats["watch_lists"] == 1 and inf.stats["lists"] == 0 and not inf.watch_list_refused
    assert client.watches[0]["send_initial_events"] is True and client.watches[0]["yield_bookmarks"] is True


def test_watch_list_is_not_synced_before_the_bookmark():
    client = ScriptedClient([Stream([("ADDED", obj("a", 1))], end="block")])
    inf = watch_list_informer(client)
    with inf:
        assert not inf.wait_for_sync(0.3)
        assert len(inf.store) == 0  # nothing half-synced is shown


@pytest.mark.parametrize("code, reason", [(422, "Invalid"), (400, "BadRequest"), (403, "Forbidden")],
                         ids=["invalid", "bad-request", "forbidden"])
def test_a_refused_watch_list_falls_back_to_list(code, reason):
    refusal = status_error_from_response(code, json.dumps({"kind": "Status", "code": code, "reason": reason,
                                                           "message": "sendInitialEvents is forbidden"}).encode())
    inf = watch_list_informer(ScriptedClient(refuse=refusal))
    with inf:
        assert inf.wait_for_sync(5)
    assert inf.watch_list_refused and inf.stats["lists"] == 1 and inf.stats["watch_lists"] == 0
    assert [o["metadata"]["name"] for o in inf.store.list()] == ["listed"]


def test_metadata_only_wraps_the_resource_client():
    from .test_informer import Informer

    inf = Informer(None, ResourceClient(None, CM), metadata_only=True)
    assert isinstance(inf.client, MetadataClient) and inf.client.gvr == CM.resource


def test_compact_shares_keys_and_repeated_values_between_objects():
    from dynclient.tools.informer import compact

    def decoded(name):  # each object decoded on its own, as liststream does
        return json.loads(json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                                      "metadata": {"name": name, "namespace": "default",
                                                   "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:a": {}}}]},
                                      "data": {"k": "v" * 50}}))

    a, b = compact(decoded("a")), compact(decoded("b"))
    assert a == decoded("a")  # the same value
    key_a = next(k for k in a["metadata"] if k == "namespace")
    key_b = next(k for k in b["metadata"] if k == "namespace")
    assert key_a is key_b and a["metadata"]["namespace"] is b["metadata"]["namespace"]
    assert a["metadata"]["managedFields"][0]["manager"] is b["metadata"]["managedFields"][0]["manager"]
    assert a["data"]["k"] is not b["data"]["k"]  # data values are left alone
