"""Conformance: every verb of the aio resource client has the sync verb's signature, so neither can drift."""

from __future__ import annotations

import inspect

import pytest

from dynclient.aio import AsyncResourceClient, AsyncWatch
from dynclient.resource import ResourceClient

VERBS = ["get", "list", "iter", "watch", "create", "update", "update_status", "patch", "apply", "delete",
         "delete_collection", "namespace", "subresource", "wait", "metadata"]
#: Builders: they return a client at once, without I/O (the metadata view's own verbs: test_metadata.py).
BUILDERS = {"namespace", "subresource", "metadata"}


def _shape(fn):
    return [(p.name, p.kind, p.default, str(p.annotation)) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("verb", VERBS, ids=VERBS)
def test_the_async_verb_takes_exactly_the_sync_verbs_arguments(verb):
    assert _shape(getattr(AsyncResourceClient, verb)) == _shape(getattr(ResourceClient, verb))


@pytest.mark.parametrize("verb", sorted(set(VERBS) - {"iter", "watch"} - BUILDERS))
def test_one_shot_verbs_are_coroutines(verb):
    assert inspect.iscoroutinefunction(getattr(AsyncResourceClient, verb))


def test_iter_is_an_async_generator_and_watch_an_async_watch():
    assert inspect.isasyncgenfunction(AsyncResourceClient.iter)
    assert inspect.signature(AsyncResourceClient.watch).return_annotation in (AsyncWatch, "AsyncWatch")


def test_every_public_verb_of_the_sync_client_is_covered():
    public = {n for n, v in vars(ResourceClient).items() if not n.startswith("_") and inspect.isfunction(v)}
    assert public - set(VERBS) == set()
