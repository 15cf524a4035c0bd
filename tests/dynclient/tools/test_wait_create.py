"""tools.wait's ``create`` condition (kubectl >= 1.31): the word, and the list-then-watch for an object to appear."""

from __future__ import annotations

import time

import pytest

from dynclient.tools import wait
from dynclient.tools.wait import (Condition, ConditionNotMet, Created, NoMatchingResources, WaitTimeout,
                                  parse_condition, wait_for, wait_for_object)
from dynclient.watch import RELISTED
from tests.dynclient.tools.test_wait import FakeRC, cm, soon


@pytest.mark.parametrize("text", ["create", "CREATE", "Create"], ids=["lower", "upper", "title"])
def test_create_is_taken_in_any_case(text):
    assert parse_condition(text) == Created()


@pytest.mark.parametrize("text", ["created", "create=true", "creat"], ids=["created", "with-value", "short"])
def test_only_the_bare_word_is_create(text):
    with pytest.raises(ValueError) as info:
        parse_condition(text)
    assert str(info.value) == f'unrecognized condition: "{text}"'


def test_created_is_a_condition_met_by_any_object():
    assert isinstance(Created(), Condition)
    assert Created().deletion is False and Created().creation is True
    assert Created().is_met({}) and Created().is_met(cm())


def test_an_object_already_known_is_returned_without_a_request():
    rc, known = FakeRC(), cm()
    assert wait_for_object(rc, "a", "create", deadline=soon(), known=known) is known
    assert rc.calls == []


def test_an_object_the_list_sees_needs_no_watch():
    rc = FakeRC(items=[cm()])
    got = wait_for_object(rc, "a", "create", deadline=soon())
    assert got["metadata"]["name"] == "a" and got["kind"] == "ConfigMap"
    assert rc.calls == [("list", "metadata.name=a")]


@pytest.mark.parametrize(
    "events",
    [[("ADDED", cm())],
     [("DELETED", cm(uid="u0")), ("ADDED", cm(uid="u1"))],
     [(RELISTED, {"metadata": {"resourceVersion": "20"}, "items": [cm()]})]],
    ids=["added", "deleted-then-added", "relist-finds-it"],
)
def test_a_missing_object_is_waited_for_on_the_watch(events):
    rc = FakeRC(items=[], events=events)
    got = wait_for_object(rc, "a", "create", deadline=soon(2.0))
    assert got["metadata"]["uid"] == "u1"
    assert rc.calls == [("list", "metadata.name=a"), ("watch", "a", "10", True)]


@pytest.mark.parametrize(
    "events",
    [[], [("DELETED", cm())], [(RELISTED, {"metadata": {}, "items": []})]],
    ids=["quiet", "only-a-delete", "relist-without-it"],
)
def test_an_object_that_never_comes_times_out_with_its_name(events):
    rc = FakeRC(items=[], events=events)
    start = time.monotonic()
    with pytest.raises(WaitTimeout) as info:
        wait_for_object(rc, "a", "create", deadline=soon(0.3))
    assert str(info.value) == "timed out waiting for the condition on configmaps/a"
    assert 0.25 < time.monotonic() - start < 2.0


@pytest.mark.parametrize("obj, met", [(cm(), True), (None, False)], ids=["there", "missing"])
def test_timeout_zero_is_one_get(obj, met):
    rc = FakeRC(get=obj)
    if met:
        assert wait_for_object(rc, "a", "create", deadline=time.monotonic(), once=True)["metadata"]["name"] == "a"
    else:
        with pytest.raises(ConditionNotMet) as info:
            wait_for_object(rc, "a", "create", deadline=time.monotonic(), once=True)
        assert str(info.value) == "condition not met for configmaps/a"
    assert rc.calls == [("get", "a")]


def test_a_selection_is_met_by_what_it_lists():
    rc = FakeRC(items=[cm("a"), cm("b")])
    assert [o["metadata"]["name"] for o in wait_for(rc, condition="create", label_selector="app=w")] == ["a", "b"]
    assert rc.calls == [("iter", "app=w")]


def test_a_selection_that_lists_nothing_is_no_matching_resources_at_once():
    # kubectl's builder visits nothing: no wait for a first match.
    rc = FakeRC(items=[], events=[("ADDED", cm())])
    with pytest.raises(NoMatchingResources):
        wait_for(rc, condition="create", all=True, timeout=5)
    assert [c[0] for c in rc.calls] == ["iter"]


def test_created_is_public():
    assert "Created" in wait.__all__
