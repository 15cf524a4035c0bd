"""Exec plugins are never run from the current directory through PATH (issue 13, item 10).

Go >= 1.19 refuses an executable that ``exec.LookPath`` finds through a
relative PATH entry (empty, ``.``, a trailing ``:``, ``bin``) with
``exec: "x": cannot run executable found relative to current directory``;
kubectl inherits that. So does dynclient, with the same words.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from dynclient.config import ExecPluginError, Kubeconfig
from dynclient.config import exec_plugin
from dynclient.config._lookpath import CommandNotFound, FoundRelativeToCwd, look_path

from ..dynclient.config.helpers import TOKEN

V1BETA1 = "client.authentication.k8s.io/v1beta1"
GOOD = f'{{"apiVersion": "{V1BETA1}", "kind": "ExecCredential", "status": {{"token": "{TOKEN}"}}}}'
REFUSED = 'exec: "planted": cannot run executable found relative to current directory'


@pytest.fixture(autouse=True)
def fresh_exec_cache() -> Iterator[None]:
    exec_plugin.forget_cached_credentials()
    yield
    exec_plugin.forget_cached_credentials()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A current directory holding an executable ``planted`` (and ``bin/planted``) that must never run."""
    cwd = tmp_path / "cwd"
    (cwd / "bin").mkdir(parents=True)
    for path in (cwd / "planted", cwd / "bin" / "planted"):
        path.write_text(f"#!/bin/sh\ntouch '{tmp_path}/ran'\necho '{GOOD}'\n")
        path.chmod(0o755)
    monkeypatch.chdir(cwd)
    return tmp_path


def _auth(command: str = "planted"):
    doc = {
        "current-context": "ctx",
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
        "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}],
        "users": [{"name": "u", "user": {"exec": {"apiVersion": V1BETA1, "command": command}}}],
    }
    return Kubeconfig.from_dict(doc).rest_config().auth


@pytest.mark.parametrize(
    "path_env",
    [
        pytest.param(":/usr/bin:/bin", id="leading-empty-entry"),
        pytest.param("/usr/bin::/bin", id="empty-entry-in-the-middle"),
        pytest.param("/nonexistent:", id="trailing-colon"),
        pytest.param(".:/usr/bin", id="dot"),
        pytest.param("./:/usr/bin", id="dot-slash"),
        pytest.param("bin:/usr/bin", id="relative-directory"),
    ],
)
def test_a_plugin_found_relative_to_the_current_directory_is_refused(workdir, monkeypatch, path_env) -> None:
    monkeypatch.setenv("PATH", path_env)
    with pytest.raises(ExecPluginError) as info:
        _auth().headers()
    assert str(info.value).endswith(f"getting credentials: {REFUSED}")
    assert not (workdir / "ran").exists(), "the planted plugin ran"


def test_an_absolute_entry_before_the_dot_wins(workdir, monkeypatch, tmp_path) -> None:
    # Go returns the first match; only a first match through "." is refused.
    safe = tmp_path / "safe"
    safe.mkdir()
    (safe / "planted").write_text(f"#!/bin/sh\necho '{GOOD}'\n")
    (safe / "planted").chmod(0o755)
    monkeypatch.setenv("PATH", f"{safe}:.:/usr/bin")
    assert _auth().headers() == {"Authorization": f"Bearer {TOKEN}"}
    assert not (workdir / "ran").exists()


def test_the_refusal_is_remembered_like_any_failure(workdir, monkeypatch) -> None:
    monkeypatch.setenv("PATH", ".")
    for _ in range(3):
        with pytest.raises(ExecPluginError, match="relative to current directory"):
            _auth().headers()
    assert not (workdir / "ran").exists()


@pytest.mark.parametrize(
    "path_env, expected",
    [
        pytest.param("{abs}", "{abs}/tool", id="absolute-entry"),
        pytest.param("/nonexistent:{abs}", "{abs}/tool", id="second-entry"),
        pytest.param(".:{abs}", FoundRelativeToCwd, id="dot-first"),
        pytest.param("", CommandNotFound, id="empty-path-is-not-dot"),
        pytest.param("/nonexistent", CommandNotFound, id="not-found"),
    ],
)
def test_look_path(tmp_path, monkeypatch, path_env, expected) -> None:
    abs_dir = tmp_path / "abs"
    abs_dir.mkdir()
    (abs_dir / "tool").write_text("#!/bin/sh\n")
    (abs_dir / "tool").chmod(0o755)
    monkeypatch.chdir(abs_dir)
    search = path_env.format(abs=abs_dir)
    if isinstance(expected, str):
        assert look_path("tool", search) == expected.format(abs=abs_dir)
    else:
        with pytest.raises(expected):
            look_path("tool", search)


def test_a_command_with_a_separator_is_not_looked_up(tmp_path) -> None:
    assert look_path("./x", "") == "./x"
    assert look_path(os.path.join(str(tmp_path), "x"), "") == os.path.join(str(tmp_path), "x")
