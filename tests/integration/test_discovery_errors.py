"""Discovery errors that point at the cause, on the real API server (issue 12 item 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

import dynclient
from discovery import DiscoveryEndpointNotFound


@pytest.fixture
def prefixed_kubeconfig(kubeconfig: str, tmp_path: Path) -> str:
    """The harness kubeconfig with a path prefix the server does not serve (a wrong server URL)."""
    import yaml

    config = yaml.safe_load(Path(kubeconfig).read_text())
    for cluster in config["clusters"]:
        cluster["cluster"]["server"] = cluster["cluster"]["server"].rstrip("/") + "/wrong/prefix"
    path = tmp_path / "prefixed"
    path.write_text(yaml.safe_dump(config))
    return str(path)


def test_wrong_path_prefix_names_the_url_and_status(prefixed_kubeconfig: str, tmp_path: Path, kubectl) -> None:
    dyn = dynclient.connect(prefixed_kubeconfig, cache_dir=str(tmp_path / "cache"))
    try:
        with pytest.raises(DiscoveryEndpointNotFound) as info:
            dyn.resource("pods")
    finally:
        dyn.close()
    text = str(info.value)
    assert "/wrong/prefix/apis" in info.value.url and info.value.status_code == 404
    assert "404" in text and "/wrong/prefix/apis" in text
    assert "doesn't have a resource type" not in text
    # kubectl fails too, with the server's NotFound, rather than "no resource type"
    out = kubectl("--kubeconfig", prefixed_kubeconfig, "get", "pods", check=False)
    assert out.returncode != 0 and "could not find the requested resource" in out.stderr
    # and nothing was cached from the failed discovery
    assert not list((tmp_path / "cache").rglob("servergroups.json"))
