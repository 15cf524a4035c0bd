"""mypy over discovery/, restmapper/ and dynclient/ (sync and aio faces), with setup.cfg's [mypy] settings.

Issue 15 asks for type hints throughout, checked as part of the README's
test command: the ``test`` extra installs mypy and the stub packages, and
this test runs it the way a developer would (``python -m mypy`` in the repo
root reads setup.cfg), failing with mypy's own report. The second test
proves the settings bite: a few small modules, each with one mistake the
settings exist to catch, must each be reported.

The incremental cache lives in pytest's cache dir (``.pytest_cache``) so a
second run is warm; without the cache plugin it goes to a temporary dir.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("discovery", "restmapper", "dynclient")


def _need_mypy() -> None:
    try:
        import mypy  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("mypy is missing: the test extra installs it (pip install -e '.[test]')", pytrace=False)
        pytest.skip("mypy is not installed (pip install -e '.[test]')")


@pytest.fixture(scope="module")
def mypy_cache(request, tmp_path_factory) -> Path:
    cache = getattr(request.config, "cache", None)
    if cache is not None:
        return Path(cache.mkdir("mypy"))
    return tmp_path_factory.mktemp("mypy-cache")


def _mypy(cache: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "setup.cfg"),
                           "--cache-dir", str(cache), "--no-color-output", "--no-error-summary", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_the_three_packages_type_check_clean(mypy_cache):
    _need_mypy()
    # No arguments: the packages come from setup.cfg, as for a developer running `mypy` in the repo root.
    proc = _mypy(mypy_cache)
    if proc.returncode != 0:
        pytest.fail(f"mypy found problems (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}", pytrace=False)


def test_the_settings_cover_the_three_packages():
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    assert tuple(p.strip() for p in config["mypy"]["packages"].split(",")) == PACKAGES


#: One mistake per module, and the error code the settings must report for it.
MISTAKES: Dict[str, tuple] = {
    "unannotated_def": ("def f(x):\n    return x\n", "no-untyped-def"),
    "half_annotated_def": ("def f(x: int, y):\n    return x\n", "no-untyped-def"),
    "body_of_untyped_def": ("def f():  # type: ignore[no-untyped-def]\n    return 1 + ''\n", "operator"),
    "unused_ignore": ("x: int = 1  # type: ignore\n", "unused-ignore"),
    "str_never_equals_int": ("def f(a: str, b: int) -> bool:\n    return a == b\n", "comparison-overlap"),
    "optional_not_checked": ("from typing import Optional\n\n\ndef f(a: Optional[str]) -> int:\n"
                             "    return len(a)\n", "arg-type"),
}


@pytest.fixture(scope="module")
def mistakes_report(mypy_cache, tmp_path_factory) -> str:
    _need_mypy()
    where = tmp_path_factory.mktemp("mistakes")
    for name, (source, _) in MISTAKES.items():
        (where / f"{name}.py").write_text(textwrap.dedent(source))
    return _mypy(mypy_cache, *sorted(str(p) for p in where.glob("*.py"))).stdout


@pytest.mark.parametrize("name", sorted(MISTAKES), ids=sorted(MISTAKES))
def test_the_settings_catch(name, mistakes_report):
    code = MISTAKES[name][1]
    reported = [line for line in mistakes_report.splitlines() if f"{name}.py:" in line]
    assert any(line.endswith(f"[{code}]") for line in reported), mistakes_report
