"""An unwritable discovery cache directory on the real API server (issue 14): still works, one warning.

kubectl, in the same case, works too and says nothing at its default
verbosity (at ``-v=4`` it logs one "failed to write cache" line per file and
keeps trying every file); dynclient warns once, naming the directory, and
stops trying.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest


def test_cache_dir_that_cannot_be_created(make_client, request_log, namespace, kubectl, tmp_path: Path,
                                          caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with caplog.at_level(logging.INFO, logger="discovery"):
        dyn = make_client(cache_dir=str(blocker / "cache"))
        assert dyn.resource("cm").namespace(namespace).list()["kind"] == "ConfigMapList"
        assert dyn.resource("deploy").namespace(namespace).list()["kind"] == "DeploymentList"
        dyn.close()
    warned = [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("discovery")]
    assert len(warned) == 1 and str(blocker / "cache") in warned[0].getMessage()
    assert not any(r.levelno >= logging.WARNING for r in caplog.records if r not in warned and r.name.startswith("discovery"))
    assert not blocker.read_text()  # nothing written anywhere near it

    # kubectl: the same directory, the same outcome, silently
    out = kubectl("get", "deploy", "-n", namespace, cache_dir=str(blocker / "cache"), check=False)
    assert out.returncode == 0 and out.stderr.strip() in ("", f"No resources found in {namespace} namespace.")
