"""--raw path checks in Go's url.ParseRequestURI words."""

from __future__ import annotations

import pytest

from dynclient.cli.raw import check_raw_path


@pytest.mark.parametrize("path,why", [
    ("/api", None), ("/api/v1/pods?limit=1", None), ("https://h/api", None),
    ("api", 'parse "api": invalid URI for request'), ("://x", 'parse "://x": missing protocol scheme'),
], ids=["path", "query", "absolute", "relative", "no-scheme"])
def test_check_raw_path(path, why):
    assert check_raw_path(path) == why
