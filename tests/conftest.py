"""Test-wide fixtures: an isolated environment, and the shared discovery fixtures.

Every test runs with HOME in a temp dir and KUBECONFIG/KUBECACHEDIR cleared,
so nothing reads or writes the developer's real ``~/.kube`` (the same
discipline as httpx's conftest).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

#: The real discovery documents of a recent Kubernetes release (see SOURCE.md there).
SHARED_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "discovery" / "kube"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("KUBECONFIG", "KUBECACHEDIR", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT",
                 "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(scope="session")
def kube_fixtures() -> Path:
    """The folder of real discovery documents; skips when ../shared is absent."""
    if not SHARED_FIXTURES.is_dir():
        pytest.skip(f"shared discovery fixtures not found at {SHARED_FIXTURES}")
    return SHARED_FIXTURES


@pytest.fixture(scope="session")
def load_fixture(kube_fixtures: Path) -> Callable[[str], Any]:
    """Load one fixture document by URL path, e.g. ``load_fixture('/apis/apps/v1')``."""

    def load(url_path: str) -> Any:
        name = url_path.strip("/").replace("/", "__") + ".json"
        return json.loads((kube_fixtures / name).read_text())

    return load


@pytest.fixture
def mocked_responses() -> Iterator[Any]:
    """A ``responses.RequestsMock`` for HTTP through requests: every registered reply must be requested.

    Any request that matches no registered reply fails with ``ConnectionError``
    (responses' rule), so an unexpected request fails its test too.
    """
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
