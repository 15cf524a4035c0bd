"""Fixtures for config tests: kubeconfigs and exec plugins written into tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml

from .helpers import Plugin


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[..., str]:
    """Write a dict (or raw text) as a kubeconfig under tmp_path; returns its path."""

    def write(data: Any, name: str = "config") -> str:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
        return str(path)

    return write


@pytest.fixture
def plugin(tmp_path: Path) -> Plugin:
    """A scriptable exec credential plugin at tmp_path/bin/test-plugin."""
    return Plugin(tmp_path)


@pytest.fixture(autouse=True)
def fresh_http_warnings() -> Iterator[None]:
    """The plain-http credential warning is logged once per process; reset it around each test."""
    from dynclient.config import _build

    _build._warned.clear()
    yield
    _build._warned.clear()


@pytest.fixture(autouse=True)
def fresh_exec_plugin_cache() -> Iterator[None]:
    """Exec plugin results (and failures) are shared process-wide; each test starts without them."""
    from dynclient.config.exec_plugin import forget_cached_credentials

    forget_cached_credentials()
    yield
    forget_cached_credentials()
