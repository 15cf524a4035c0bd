"""Start and stop the Go harness (tests/apiserver/run) for a fixture, or use a cluster named in the environment.

One place for what every fixture that needs a real server does: skip with the
reason when Go or kubectl is missing (fail under ``CI=true``, where the suite
must run), start the mode asked for, yield the kubeconfig, stop it afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NoReturn

import pytest

HARNESS = Path(__file__).resolve().parents[1] / "apiserver" / "run"

__all__ = ["HARNESS", "unavailable", "harness_cluster"]


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail under ``CI=true``: CI must never pass by skipping the real server."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"integration tests must run under CI=true, but {reason}", pytrace=False)
    pytest.skip(reason)


@contextmanager
def harness_cluster(*start_args: str, env: str = "", need_kubectl: bool = False) -> Iterator[str]:
    """The kubeconfig of a harness instance started with ``run start START_ARGS``, stopped on exit.

    ``env``: a variable that, when set, names an already running cluster's kubeconfig to use instead.
    """
    external = os.environ.get(env) if env else None
    if external:
        yield external
        return
    if shutil.which("go") is None:
        unavailable(f"Go is needed to build tests/apiserver{f' (or set {env})' if env else ''}")
    if need_kubectl and shutil.which("kubectl") is None:
        unavailable("kubectl is not installed")
    proc = subprocess.run([str(HARNESS), "start", *start_args], capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0 or not proc.stdout.strip():
        unavailable(f"tests/apiserver/run start {' '.join(start_args)} failed ({proc.returncode}):\n"
                    f"{proc.stderr[-3000:]}")
    path = proc.stdout.strip().splitlines()[-1]
    try:
        yield path
    finally:
        subprocess.run([str(HARNESS), "stop", path], capture_output=True, text=True, timeout=120)
