"""The tools moved under ``dynclient.tools``; every old import path still names the same objects."""

from __future__ import annotations

import importlib

import pytest

import dynclient

MOVED = [
    ("dynclient.informer", "dynclient.tools.informer"),
    ("dynclient.workqueue", "dynclient.tools.workqueue"),
]


@pytest.mark.parametrize("old, new", MOVED, ids=[old for old, _ in MOVED])
def test_old_module_re_exports_every_public_name(old, new):
    old_mod, new_mod = importlib.import_module(old), importlib.import_module(new)
    assert old_mod.__all__ == new_mod.__all__
    for name in new_mod.__all__:
        assert getattr(old_mod, name) is getattr(new_mod, name), name


@pytest.mark.parametrize(
    "name, module",
    [("Informer", "dynclient.tools.informer"), ("InformerFactory", "dynclient.tools.informer"),
     ("WorkQueue", "dynclient.tools.workqueue"), ("DelayingQueue", "dynclient.tools.workqueue"),
     ("RateLimitingQueue", "dynclient.tools.workqueue")],
    ids=str,
)
def test_top_level_names_are_the_tools_objects(name, module):
    assert getattr(dynclient, name) is getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("module", ["dynclient.tools.informer", "dynclient.tools.workqueue", "dynclient.tools.retry"])
def test_every_public_name_exists_once(module):
    mod = importlib.import_module(module)
    assert all(hasattr(mod, name) for name in mod.__all__)
    assert len(set(mod.__all__)) == len(mod.__all__)


def test_the_wire_backoff_stays_in_dynclient_retry():
    from dynclient.retry import jittered_backoff

    assert jittered_backoff.__module__ == "dynclient.retry"
