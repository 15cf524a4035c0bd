"""A discovery cache directory that cannot be written (issue 14): discovery works from memory, one warning."""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from discovery import DiscoveryClient, DiskCachedDiscoveryClient, FakeRequester, MemCacheClient


def _warnings(caplog: pytest.LogCaptureFixture) -> list:
    return [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("discovery")]


@pytest.mark.parametrize("aggregated", [True, False], ids=["aggregated", "legacy"])
@pytest.mark.parametrize("write_behind", [False, True], ids=["sync", "write-behind"])
def test_cache_dir_under_a_file(kube_fixtures: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                aggregated: bool, write_behind: bool) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    cache_dir = blocker / "cache" / "discovery" / "host"
    fake = FakeRequester.from_fixture_dir(kube_fixtures, aggregated=aggregated)
    disk = DiskCachedDiscoveryClient(DiscoveryClient(fake), str(cache_dir), write_behind=write_behind)
    with caplog.at_level(logging.DEBUG):
        groups, lists = MemCacheClient(disk).server_groups_and_resources()
        disk.close()
    assert len(groups) > 20 and len(lists) > 30
    warned = _warnings(caplog)
    assert len(warned) == 1, [r.getMessage() for r in warned]
    assert str(cache_dir) in warned[0].getMessage()
    # stopped trying after the first refusal: one failed write attempt, not one per file
    assert sum("failed to write cache" in r.getMessage() for r in caplog.records) == 0


def test_read_only_file_system(kube_fixtures: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    real_mkdir = os.mkdir

    def read_only(path: Any, *args: Any, **kwargs: Any) -> None:
        if str(path).startswith(str(tmp_path / "ro")):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", read_only)
    fake = FakeRequester.from_fixture_dir(kube_fixtures, aggregated=False)
    disk = DiskCachedDiscoveryClient(DiscoveryClient(fake), str(tmp_path / "ro" / "cache"))
    with caplog.at_level(logging.INFO):
        first = MemCacheClient(disk).server_groups_and_resources()
        # a second client in the same state: still served, from the server, still one warning per client
        second = MemCacheClient(DiskCachedDiscoveryClient(DiscoveryClient(fake), str(tmp_path / "ro" / "cache"))) \
            .server_groups_and_resources()
    assert first == second
    warned = _warnings(caplog)
    assert len(warned) == 2 and all("Read-only file system" in r.getMessage() for r in warned)


def test_a_single_failed_file_is_not_the_whole_directory(kube_fixtures: Any, tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = os.open
    refused = []

    def flaky(path: Any, flags: int, *args: Any) -> int:
        if "apps" in str(path) and not refused:
            refused.append(path)
            raise OSError(errno.EEXIST, "File exists", str(path))  # a clash, not an unwritable directory
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", flaky)
    fake = FakeRequester.from_fixture_dir(kube_fixtures, aggregated=False)
    cache = tmp_path / "cache"
    with caplog.at_level(logging.INFO):
        MemCacheClient(DiskCachedDiscoveryClient(DiscoveryClient(fake), str(cache))).server_groups_and_resources()
    assert refused and not _warnings(caplog)
    assert (cache / "batch" / "v1" / "serverresources.json").is_file()  # the others were written
