"""Fixtures shared by the discovery tests: fakes serving the real discovery documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, List

import pytest

from discovery import APIGroupList, FakeRequester, GroupVersion

from .helpers import CORE_V1, NoRequests


@pytest.fixture
def aggregated_fake(kube_fixtures: Path) -> FakeRequester:
    """A server that speaks aggregated discovery v2 (and legacy to those who ask for it)."""
    return FakeRequester.from_fixture_dir(kube_fixtures, aggregated=True)


@pytest.fixture
def legacy_fake(kube_fixtures: Path) -> FakeRequester:
    """A server that only speaks legacy discovery."""
    return FakeRequester.from_fixture_dir(kube_fixtures, aggregated=False)


@pytest.fixture
def served_gvs(load_fixture: Callable[[str], Any]) -> List[GroupVersion]:
    """Every group-version of the fixtures in discovery order, core first."""
    groups = APIGroupList.from_dict(load_fixture("/apis")).groups
    return [CORE_V1] + [gv for group in groups for gv in group.group_versions()]


@pytest.fixture
def no_requests() -> NoRequests:
    """A requester that fails on any request."""
    return NoRequests()
