"""Every discovery implementation satisfies the seams, so each can wrap another."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, Callable

import pytest

import discovery
from discovery import (
    AggregatedDiscoveryInterface,
    CachedDiscoveryInterface,
    DiscoveryClient,
    DiscoveryInterface,
    DiskCachedDiscoveryClient,
    FakeRequester,
    MemCacheClient,
    Requester,
)

PACKAGE = Path(discovery.__file__).resolve().parent


def live(tmp_path: Path) -> Any:
    return DiscoveryClient(FakeRequester())


def memory(tmp_path: Path) -> Any:
    return MemCacheClient(DiscoveryClient(FakeRequester()))


def on_disk(tmp_path: Path) -> Any:
    return DiskCachedDiscoveryClient(DiscoveryClient(FakeRequester()), str(tmp_path / "c"))


def kubectl_stack(tmp_path: Path) -> Any:
    return DiskCachedDiscoveryClient(MemCacheClient(DiscoveryClient(FakeRequester())), str(tmp_path / "c"))


def memory_over_disk(tmp_path: Path) -> Any:
    return MemCacheClient(DiskCachedDiscoveryClient(DiscoveryClient(FakeRequester()), str(tmp_path / "c")))


@pytest.mark.parametrize(
    "build, cached",
    [(live, False), (memory, True), (on_disk, True), (kubectl_stack, True), (memory_over_disk, True)],
    ids=["DiscoveryClient", "MemCacheClient", "DiskCachedDiscoveryClient", "disk-over-memory", "memory-over-disk"],
)
def test_implementations_satisfy_the_protocols(tmp_path: Path, build: Callable[[Path], Any], cached: bool) -> None:
    client = build(tmp_path)
    assert isinstance(client, DiscoveryInterface)
    assert isinstance(client, AggregatedDiscoveryInterface)
    assert isinstance(client, CachedDiscoveryInterface) is cached


def test_fake_is_a_requester() -> None:
    assert isinstance(FakeRequester(), Requester)


def test_package_exports_exist() -> None:
    assert len(set(discovery.__all__)) == len(discovery.__all__)
    for name in discovery.__all__:
        assert hasattr(discovery, name), name


@pytest.mark.parametrize("module", sorted(p.name for p in PACKAGE.glob("*.py")))
def test_discovery_never_imports_upward(module: str) -> None:
    """The base layer must not import restmapper, dynclient or requests."""
    tree = ast.parse((PACKAGE / module).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"restmapper", "dynclient", "requests"}, imported


@pytest.mark.parametrize("module", sorted(p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("_")))
def test_module_all_names_exist(module: str) -> None:
    mod = __import__(f"discovery.{module}", fromlist=["__all__"])
    for name in getattr(mod, "__all__", []):
        assert hasattr(mod, name), f"{module}.{name}"
