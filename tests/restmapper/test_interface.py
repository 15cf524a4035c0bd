"""Every mapper satisfies the RESTMapper seam; the package exports and layering hold."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import restmapper
from discovery.interface import CachedDiscoveryInterface
from restmapper import (
    DefaultRESTMapper,
    DeferredDiscoveryRESTMapper,
    MultiRESTMapper,
    PriorityRESTMapper,
    RESTMapper,
    ResettableRESTMapper,
    ShortcutExpander,
    get_api_group_resources,
    new_discovery_rest_mapper,
)

from .conftest import crd_server
from .fakes import FakeDiscovery

PACKAGE = Path(restmapper.__file__).parent


def _mappers():
    discovery = FakeDiscovery(crd_server())
    discovered = new_discovery_rest_mapper(get_api_group_resources(discovery))
    return {
        "DefaultRESTMapper": DefaultRESTMapper(),
        "DefaultRESTMapper.union": DefaultRESTMapper.union([DefaultRESTMapper()]),
        "MultiRESTMapper": MultiRESTMapper([DefaultRESTMapper()]),
        "PriorityRESTMapper": discovered,
        "ShortcutExpander": ShortcutExpander(discovered, discovery),
        "DeferredDiscoveryRESTMapper": DeferredDiscoveryRESTMapper(discovery),
    }


@pytest.mark.parametrize("name", list(_mappers()))
def test_conforms_to_rest_mapper(name: str) -> None:
    assert isinstance(_mappers()[name], RESTMapper)


@pytest.mark.parametrize("name", ["MultiRESTMapper", "PriorityRESTMapper", "ShortcutExpander", "DeferredDiscoveryRESTMapper"])
def test_wrappers_are_resettable(name: str) -> None:
    assert isinstance(_mappers()[name], ResettableRESTMapper)


def test_fake_is_a_cached_discovery() -> None:
    assert isinstance(FakeDiscovery(crd_server()), CachedDiscoveryInterface)


def test_all_is_complete_and_documented() -> None:
    assert restmapper.__doc__
    for name in restmapper.__all__:
        obj = getattr(restmapper, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__doc__, name
    public = {n for n, v in vars(restmapper).items()
              if not n.startswith("_") and getattr(v, "__module__", "").startswith("restmapper.")}
    assert public <= set(restmapper.__all__)


# cachetools is a declared run-time dependency (setup.cfg), already used by discovery's memory cache.
ALLOWED_TOP_LEVEL = {"__future__", "typing", "dataclasses", "enum", "threading", "time", "functools", "discovery",
                     "cachetools"}


@pytest.mark.parametrize("module", sorted(p.name for p in PACKAGE.glob("*.py")))
def test_imports_only_discovery_and_stdlib(module: str) -> None:
    tree = ast.parse((PACKAGE / module).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside restmapper
                continue
            names = [node.module or ""]
        else:
            continue
        for name in names:
            assert name.split(".")[0] in ALLOWED_TOP_LEVEL, f"{module} imports {name}"


@pytest.mark.parametrize("module", sorted(p.name for p in PACKAGE.glob("*.py")))
def test_modules_are_small_and_documented(module: str) -> None:
    text = (PACKAGE / module).read_text()
    assert ast.get_docstring(ast.parse(text)), module
    assert len(text.splitlines()) < 400, module
