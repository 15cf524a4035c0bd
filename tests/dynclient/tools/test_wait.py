"""tools.wait: kubectl's --for words, condition checks, and the list-then-watch loop on a scripted resource client."""

from __future__ import annotations

import json
import time
from typing import Any, Dict, List, Optional

import pytest

from discovery.errors import NotFound, status_error_from_response
from discovery.types import GroupKind, GroupVersionKind, GroupVersionResource
from dynclient.tools import wait
from dynclient.tools.wait import (ConditionNotMet, Deleted, JSONPathCondition, NoMatchingResources, StatusCondition,
                                  WaitError, WaitTimeout, parse_condition, wait_for, wait_for_kind, wait_for_object)
from dynclient.watch import RELISTED
from restmapper.errors import NoKindMatch
from restmapper.mapping import RESTMapping, Scope


@pytest.mark.parametrize(
    "text, expected",
    [("delete", Deleted()), ("DELETE", Deleted()),
     ("condition=Ready", StatusCondition("Ready", "true")),
     ("condition=Ready=False", StatusCondition("Ready", "False")),
     ("condition=Ready=", StatusCondition("Ready", "")),
     ("jsonpath={.status.phase}=Running", JSONPathCondition("{.status.phase}", "Running")),
     ("jsonpath=.status.phase=Running", JSONPathCondition("{.status.phase}", "Running")),
     ("jsonpath={.status.phase}='Running'", JSONPathCondition("{.status.phase}", "Running")),
     ("jsonpath={.status.ingress}", JSONPathCondition("{.status.ingress}", None)),
     ("jsonpath={.items[?(@.a==\"b\")].c}=1", JSONPathCondition('{.items[?(@.a=="b")].c}', "1"))],
    ids=["delete", "delete-upper", "condition", "condition-false", "condition-empty", "jsonpath", "jsonpath-relaxed",
         "jsonpath-quoted-value", "jsonpath-any", "jsonpath-double-equals"],
)
def test_parse_condition(text, expected):
    assert parse_condition(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [("", 'unrecognized condition: ""'), ("bogus", 'unrecognized condition: "bogus"'),
     ("jsonpath=", "jsonpath expression cannot be empty"),
     ("jsonpath={.a}=", "jsonpath wait has to have a value after equal sign, like "
                        "--for=jsonpath='{.status.readyReplicas}'=3"),
     ("jsonpath={.a}=b=c", "jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or "
                           "--for=jsonpath='{.status.readyReplicas}'"),
     ("jsonpath={.a", "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or "
                      "'{.name1.name2}'")],
    ids=["empty", "unknown", "jsonpath-empty", "jsonpath-no-value", "jsonpath-two-values", "jsonpath-unclosed"],
)
def test_parse_condition_refuses_with_kubectls_words(text, message):
    with pytest.raises(ValueError) as info:
        parse_condition(text)
    assert str(info.value) == message


def cond(type_, status, **extra):
    return {"type": type_, "status": status, **extra}


def obj_with(conditions=None, generation=None, observed=None):
    meta: Dict[str, Any] = {"name": "a"}
    if generation is not None:
        meta["generation"] = generation
    status: Dict[str, Any] = {}
    if conditions is not None:
        status["conditions"] = conditions
    if observed is not None:
        status["observedGeneration"] = observed
    return {"metadata": meta, "status": status}


@pytest.mark.parametrize(
    "condition, obj, met",
    [(StatusCondition("Ready", "true"), obj_with([cond("Ready", "True")]), True),
     (StatusCondition("ready", "TRUE"), obj_with([cond("Ready", "True")]), True),
     (StatusCondition("Ready", "False"), obj_with([cond("Ready", "True")]), False),
     (StatusCondition("Ready", "False"), obj_with([cond("Ready", "False")]), True),
     (StatusCondition("Ready", "true"), obj_with([cond("Other", "True")]), False),
     (StatusCondition("Ready", "true"), obj_with(), False),
     (StatusCondition("Ready", "true"), {"metadata": {"name": "a"}}, False),
     (StatusCondition("Ready", "true"), obj_with([cond("Ready", "True", observedGeneration=1)], generation=2), False),
     (StatusCondition("Ready", "true"), obj_with([cond("Ready", "True", observedGeneration=2)], generation=2), True),
     (StatusCondition("Ready", "true"), obj_with([cond("Ready", "True")], generation=3, observed=2), False),
     (StatusCondition("Ready", "true"), obj_with([cond("Ready", "True")], generation=3), True),
     (StatusCondition("Ready", "true"), obj_with(["junk", cond("Ready", 1), cond("Ready", "True")]), True),
     (StatusCondition("Ready", "true"), obj_with([cond("Ready", "False"), cond("Ready", "True")]), False),
     (StatusCondition("ß", "true"), obj_with([cond("ss", "True")]), False)],
    ids=["true", "case-folded", "want-false-is-true", "want-false", "other-type", "no-conditions", "no-status",
         "stale-condition-generation", "current-condition-generation", "stale-status-generation",
         "no-observed-generation", "bad-entries-skipped", "first-match-decides", "simple-folding-only"],
)
def test_status_condition(condition, obj, met):
    assert condition.is_met(obj) is met


@pytest.mark.parametrize(
    "expression, value, obj, met",
    [("{.status.phase}", "Running", {"status": {"phase": "Running"}}, True),
     ("{.status.phase}", "Running", {"status": {"phase": "Pending"}}, False),
     ("{.status.phase}", "Running", {"status": {}}, False),
     ("{.status.replicas}", "3", {"status": {"replicas": 3}}, True),
     ("{.status.ok}", "true", {"status": {"ok": True}}, True),
     ("{.status.phase}", " Running ", {"status": {"phase": "Running "}}, True),
     ("{.status.ingress}", None, {"status": {"ingress": [{"ip": "1.2.3.4"}]}}, True),
     ("{.status.ingress}", None, {"status": {}}, False)],
    ids=["equal", "different", "missing", "integer", "bool", "trimmed", "any-value", "any-value-missing"],
)
def test_jsonpath_condition(expression, value, obj, met):
    assert JSONPathCondition(expression, value).is_met(obj) is met


@pytest.mark.parametrize(
    "expression, obj, message",
    [("{.status}", {"status": {"a": 1}}, "jsonpath leads to a nested object or list which is not supported"),
     ("{.items[*].a}", {"items": [{"a": 1}, {"a": 2}]}, "given jsonpath expression matches more than one value"),
     ("{.a}{.b}", {"a": 1, "b": 2}, "given jsonpath expression matches more than one list")],
    ids=["nested", "many-values", "many-lists"],
)
def test_jsonpath_condition_errors(expression, obj, message):
    with pytest.raises(WaitError) as info:
        JSONPathCondition(expression, "1").is_met(obj)
    assert str(info.value) == message


# -- the loop, on a scripted resource client ----------------------------------------------------------------------

CM = RESTMapping(GroupVersionResource("", "v1", "configmaps"), GroupVersionKind("", "v1", "ConfigMap"),
                 Scope.NAMESPACE)


class FakeWatch:
    def __init__(self, events, hang: bool = False):
        self.events, self.hang, self.stopped = list(events), hang, False

    def __iter__(self):
        yield from self.events
        while self.hang and not self.stopped:  # a quiet stream until the deadline stops it
            time.sleep(0.01)

    def stop(self):
        self.stopped = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class FakeRC:
    """The verbs wait uses, scripted: ``get`` answers, one LIST reply, one watch's events."""

    def __init__(self, *, get=None, items=(), events=(), hang=True, rv="10"):
        self.mapping, self.gvr, self.gvk, self.namespaced, self.ns = CM, CM.resource, CM.group_version_kind, True, "ns"
        self._get, self._items, self._events, self._hang, self._rv = get, list(items), list(events), hang, rv
        self.calls: List[tuple] = []

    def get(self, name):
        self.calls.append(("get", name))
        if self._get is None:
            raise not_found(name)
        return self._get

    def list(self, *, field_selector=None, label_selector=None):
        self.calls.append(("list", field_selector))
        name = (field_selector or "").partition("metadata.name=")[2]
        items = [i for i in self._items if not name or i["metadata"]["name"] == name]
        return {"metadata": {"resourceVersion": self._rv}, "items": items}

    def iter(self, *, label_selector=None, field_selector=None):
        self.calls.append(("iter", label_selector))
        return iter(self._items)

    def watch(self, *, name, resource_version, timeout_seconds, relist):
        self.calls.append(("watch", name, resource_version, relist))
        return FakeWatch(self._events, hang=self._hang)

    def namespace(self, ns):
        return self


def not_found(name):
    body = {"kind": "Status", "code": 404, "reason": "NotFound", "message": f'configmaps "{name}" not found'}
    return status_error_from_response(404, json.dumps(body).encode())


def cm(name="a", x="1", uid="u1"):
    return {"metadata": {"name": name, "namespace": "ns", "uid": uid}, "data": {"x": x}}


X_IS_2 = "jsonpath={.data.x}=2"


def soon(seconds=0.3):
    return time.monotonic() + seconds


def test_met_on_the_listed_object_needs_no_watch():
    rc = FakeRC(items=[cm(x="2")])
    got = wait_for_object(rc, "a", X_IS_2, deadline=soon())
    assert got["data"]["x"] == "2" and got["kind"] == "ConfigMap" and got["apiVersion"] == "v1"
    assert rc.calls == [("list", "metadata.name=a")]


def test_met_by_a_watch_event_from_the_lists_resource_version():
    rc = FakeRC(items=[cm(x="1")], events=[("MODIFIED", cm(x="1")), ("MODIFIED", cm(x="2"))])
    assert wait_for_object(rc, "a", X_IS_2, deadline=soon())["data"]["x"] == "2"
    assert rc.calls[-1] == ("watch", "a", "10", True)


def test_a_410_relist_is_the_state_now():
    rc = FakeRC(items=[cm(x="1")], events=[(RELISTED, {"metadata": {"resourceVersion": "20"}, "items": [cm(x="2")]})])
    assert wait_for_object(rc, "a", X_IS_2, deadline=soon())["data"]["x"] == "2"


def test_deleted_keeps_waiting_for_a_condition_until_the_deadline():
    rc = FakeRC(items=[cm(x="1")], events=[("DELETED", cm(x="1"))])
    start = time.monotonic()
    with pytest.raises(WaitTimeout) as info:
        wait_for_object(rc, "a", X_IS_2, deadline=soon(0.3))
    assert str(info.value) == "timed out waiting for the condition on configmaps/a"
    assert 0.25 < time.monotonic() - start < 2.0


def test_a_condition_on_an_object_that_is_not_there_is_not_found():
    with pytest.raises(NotFound) as info:
        wait_for_object(FakeRC(items=[]), "a", X_IS_2, deadline=soon())
    assert info.value.message == 'configmaps "a" not found'


@pytest.mark.parametrize("obj, error", [(cm(x="2"), None), (cm(x="1"), ConditionNotMet), (None, NotFound)],
                         ids=["met", "not-met", "missing"])
def test_timeout_zero_checks_once_with_a_get(obj, error):
    rc = FakeRC(get=obj)
    if error is None:
        assert wait_for_object(rc, "a", X_IS_2, deadline=time.monotonic(), once=True)["data"]["x"] == "2"
    else:
        with pytest.raises(error):
            wait_for_object(rc, "a", X_IS_2, deadline=time.monotonic(), once=True)
    assert [c[0] for c in rc.calls] == ["get"]


def test_delete_of_an_object_already_gone_returns_what_was_known():
    known = cm()
    assert wait_for_object(FakeRC(get=None), "a", "delete", deadline=soon(), known=known) is known


@pytest.mark.parametrize(
    "events",
    [[("MODIFIED", cm()), ("DELETED", cm())], [(RELISTED, {"metadata": {}, "items": []})]],
    ids=["deleted-event", "relist-without-it"],
)
def test_delete_waits_for_the_object_to_go(events):
    rc = FakeRC(get=cm(), items=[cm()], events=events)
    assert wait_for_object(rc, "a", "delete", deadline=soon())["metadata"]["name"] == "a"


def test_delete_that_the_list_no_longer_sees_is_met():
    rc = FakeRC(get=cm(), items=[])
    assert wait_for_object(rc, "a", "delete", deadline=soon()) is not None
    assert [c[0] for c in rc.calls] == ["get", "list"]


@pytest.mark.parametrize("once, error", [(True, ConditionNotMet), (False, WaitTimeout)], ids=["once", "timeout"])
def test_delete_of_an_object_that_stays(once, error):
    rc = FakeRC(get=cm(), items=[cm()], events=[("MODIFIED", cm())])
    with pytest.raises(error) as info:
        wait_for_object(rc, "a", "delete", deadline=soon(0.2), once=once)
    assert str(info.value).endswith("configmaps/a")


def test_wait_for_a_selection_that_matches_nothing():
    with pytest.raises(NoMatchingResources) as info:
        wait_for(FakeRC(items=[]), condition=X_IS_2, label_selector="app=x")
    assert str(info.value) == "no matching resources found"
    assert wait_for(FakeRC(items=[]), condition="delete", all=True) == []


def test_wait_for_a_selection_waits_for_each():
    rc = FakeRC(items=[cm("a", "2"), cm("b", "2")])
    assert [o["metadata"]["name"] for o in wait_for(rc, condition=X_IS_2, all=True)] == ["a", "b"]


@pytest.mark.parametrize("kw", [{}, {"all": True, "name": "a"}], ids=["nothing", "name-and-all"])
def test_wait_for_needs_one_target(kw):
    with pytest.raises(ValueError):
        wait_for(FakeRC(), condition="delete", **kw)


class FlakyMapper:
    def __init__(self, misses):
        self.misses, self.resets = misses, 0

    def rest_mapping(self, gk, version):
        if self.misses:
            self.misses -= 1
            raise NoKindMatch(gk, [version])
        return CM

    def reset(self):
        self.resets += 1


class Dyn:
    def __init__(self, mapper):
        self.mapper = mapper


def test_wait_for_kind_resets_discovery_until_it_serves_the_kind():
    mapper = FlakyMapper(3)
    sleeps: List[float] = []
    assert wait_for_kind(Dyn(mapper), "v1", "ConfigMap", sleep=sleeps.append) is CM
    assert mapper.resets == 3 and sleeps == [0.02, 0.04, 0.08]


def test_wait_for_kind_times_out():
    with pytest.raises(WaitTimeout) as info:
        wait_for_kind(Dyn(FlakyMapper(10 ** 6)), "example.com/v1", "Widget", timeout=0.05)
    assert str(info.value) == "timed out waiting for discovery to serve kind Widget in example.com/v1"


def test_every_public_name_exists():
    assert all(hasattr(wait, name) for name in wait.__all__)
    assert isinstance(Deleted(), wait.Condition) and isinstance(StatusCondition("a"), wait.Condition)
    assert GroupKind("", "ConfigMap")  # the value type wait_for_kind maps through
