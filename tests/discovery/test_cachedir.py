"""discovery.cachedir: kubectl's cache directories and the path-safety rule."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional

import pytest

from discovery import APIGroup, GroupVersion, UnsafeDiscoveryName
from discovery.cachedir import (
    check_group_version,
    default_cache_dir,
    discovery_cache_dir,
    http_cache_dir,
    safe_component,
    split_unsafe_groups,
)


@pytest.mark.parametrize(
    "host, expected",
    [
        ("https://127.0.0.1:6443", "127.0.0.1_6443"),
        ("http://h:8080/path", "h_8080/path"),
        ("https://[::1]:6443", "___1__6443"),
        ("my-cluster.example.com:443", "my_cluster.example.com_443"),
        ("https://a(b)c", "a(b)c"),
        ("https://kubernetes.docker.internal:6443", "kubernetes.docker.internal_6443"),
        ("https://h:6443/", "h_6443"),
        ("https://h:6443//k8s/clusters/c-1", "h_6443/k8s/clusters/c_1"),
        ("http://https://x", "x"),
        ("https://bücher.example", "b_cher.example"),
        ("https://user@h?x=1&y=2#f", "user_h_x_1_y_2_f"),
    ],
    ids=["ipv4-port", "http-with-path", "ipv6", "no-scheme-dash", "parens-kept", "docker-desktop",
         "trailing-slash-cleaned", "rancher-style-path", "both-schemes-stripped-once", "non-ascii", "query-chars"],
)
def test_discovery_cache_dir_matches_compute_discover_cache_dir(host: str, expected: str) -> None:
    assert discovery_cache_dir("/cache", host) == "/cache/discovery/" + expected


def test_discovery_cache_dir_defaults_to_the_home_cache(isolated_env: Path) -> None:
    assert discovery_cache_dir(None, "https://h:6443") == str(isolated_env / ".kube" / "cache" / "discovery" / "h_6443")


@pytest.mark.parametrize(
    "env, expected_suffix",
    [(None, [".kube", "cache"]), ("", [".kube", "cache"]), ("/elsewhere/kc", None)],
    ids=["unset", "empty", "set"],
)
def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, isolated_env: Path, env: str, expected_suffix: List[str]) -> None:
    if env is not None:
        monkeypatch.setenv("KUBECACHEDIR", env)
    expected = str(isolated_env.joinpath(*expected_suffix)) if expected_suffix else env
    assert default_cache_dir() == expected


@pytest.mark.parametrize(
    "home, passwd, expected",
    [
        pytest.param("/", None, "/.kube/cache", id="home-is-root"),
        pytest.param(None, "/home/from-passwd", "/home/from-passwd/.kube/cache", id="unset-uses-passwd"),
        pytest.param(None, None, ".kube/cache", id="unset-and-no-passwd-like-kubectl"),
    ],
)
def test_default_cache_dir_without_a_usable_home(monkeypatch: pytest.MonkeyPatch, home: Optional[str],
                                                 passwd: Optional[str], expected: str) -> None:
    import pwd

    if home is None:
        monkeypatch.delenv("HOME", raising=False)
    else:
        monkeypatch.setenv("HOME", home)

    def getpwuid(uid: int) -> object:
        if passwd is None:
            raise KeyError(uid)
        return type("pw", (), {"pw_dir": passwd})()

    monkeypatch.setattr(pwd, "getpwuid", getpwuid)
    assert default_cache_dir() == expected


def test_default_cache_dir_is_read_at_call_time(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "other"))
    assert default_cache_dir() == str(tmp_path / "other" / ".kube" / "cache")
    monkeypatch.setenv("KUBECACHEDIR", str(tmp_path / "kc"))
    assert default_cache_dir() == str(tmp_path / "kc")
    assert http_cache_dir() == str(tmp_path / "kc" / "http")
    assert discovery_cache_dir(None, "h") == str(tmp_path / "kc" / "discovery" / "h")


def test_http_cache_dir() -> None:
    assert http_cache_dir("/cache") == "/cache/http"


@pytest.mark.parametrize(
    "name, safe",
    [
        ("apps", True), ("v1", True), ("v1beta1", True), ("rbac.authorization.k8s.io", True),
        ("a", True), ("a-b_c.d", True), ("Stable", True), ("x1.example.com", True),
        ("", False), (".", False), ("..", False), ("../x", False), ("../../x", False), ("a/b", False),
        ("-a", False), ("a-", False), (".hidden", False), ("a.", False), ("a b", False),
        ("a\x00b", False), ("bücher", False), ("a\n", False), ("a\\b", False), ("~", False),
    ],
    ids=lambda v: repr(v) if isinstance(v, str) else str(v),
)
def test_safe_component(name: str, safe: bool) -> None:
    assert safe_component(name) is safe


@pytest.mark.parametrize(
    "gv, ok",
    [
        (GroupVersion("", "v1"), True),
        (GroupVersion("apps", "v1"), True),
        (GroupVersion("../../x", "v1"), False),
        (GroupVersion("apps", "v1/../.."), False),
        (GroupVersion("apps", ""), False),
        (GroupVersion("", ".."), False),
    ],
    ids=["core", "apps", "unsafe-group", "unsafe-version", "empty-version", "core-dotdot"],
)
def test_check_group_version(gv: GroupVersion, ok: bool) -> None:
    if ok:
        check_group_version(gv)
    else:
        with pytest.raises(UnsafeDiscoveryName):
            check_group_version(gv)


def test_split_unsafe_groups() -> None:
    groups = [
        APIGroup("", ("v1",), "v1"),
        APIGroup("apps", ("v1",), "v1"),
        APIGroup("../../x", ("v1", "v2"), "v1"),
        APIGroup("evil.io", ("..", "v1", "v2/.."), ".."),
    ]
    kept, failed = split_unsafe_groups(groups)
    assert kept == [APIGroup("", ("v1",), "v1"), APIGroup("apps", ("v1",), "v1"), APIGroup("evil.io", ("v1",), "v1")]
    assert set(failed) == {
        GroupVersion("../../x", "v1"), GroupVersion("../../x", "v2"),
        GroupVersion("evil.io", ".."), GroupVersion("evil.io", "v2/.."),
    }
    assert all(isinstance(err, UnsafeDiscoveryName) for err in failed.values())


def test_split_unsafe_groups_keeps_safe_lists_untouched() -> None:
    groups = [APIGroup("apps", ("v1",), "v1")]
    kept, failed = split_unsafe_groups(groups)
    assert kept[0] is groups[0] and failed == {}


def test_computing_directories_creates_nothing(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    discovery_cache_dir(str(root), "https://h:1")
    http_cache_dir(str(root))
    assert os.listdir(root) == []
