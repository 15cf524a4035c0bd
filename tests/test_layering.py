"""Architecture checks: imports flow discovery <- restmapper <- dynclient, and only dynclient uses requests."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: package -> top-level modules it must never import
FORBIDDEN = {
    "discovery": {"restmapper", "dynclient", "requests", "urllib3"},
    "restmapper": {"dynclient", "requests", "urllib3"},
    "dynclient": set(),
}


def imported_roots(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]


@pytest.mark.parametrize("package", sorted(FORBIDDEN), ids=sorted(FORBIDDEN))
def test_no_import_points_upward(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no Python files found in {package}/"
    upward = [
        f"{path.relative_to(ROOT)}:{line} imports {root}"
        for path in files
        for line, root in imported_roots(path)
        if root in FORBIDDEN[package]
    ]
    assert upward == []


def test_the_scan_catches_an_upward_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom dynclient.client import DynamicClient\n")
    assert ("dynclient" in {root for _, root in imported_roots(bad)})


@pytest.mark.parametrize("module", ["discovery", "restmapper", "dynclient"], ids=str)
def test_public_names_exist(module):
    mod = importlib.import_module(module)
    missing = [name for name in mod.__all__ if not hasattr(mod, name)]
    assert missing == []
    assert len(set(mod.__all__)) == len(mod.__all__)


@pytest.mark.parametrize(
    "name",
    ["NotFound", "Conflict", "AlreadyExists", "Invalid", "Forbidden", "Unauthorized", "Gone", "Expired",
     "TooManyRequests", "InternalError", "ServiceUnavailable", "Timeout", "BadRequest", "StatusError",
     "NoKindMatch", "NoResourceMatch", "AmbiguousResource", "AmbiguousKind", "ConfigError",
     "GroupDiscoveryFailed", "ManifestError", "TransportError", "WatchError"],
)
def test_every_error_is_importable_from_dynclient_and_shares_one_root(name):
    import dynclient

    cls = getattr(dynclient, name)
    assert issubclass(cls, dynclient.DynclientError)


@pytest.mark.parametrize("name", ["GroupVersion", "GroupKind", "GroupResource", "GroupVersionKind",
                                  "GroupVersionResource"])
def test_value_types_are_reexported_from_the_base(name):
    import discovery
    import dynclient

    assert getattr(dynclient, name) is getattr(discovery, name)


def test_py_typed_shipped():
    for package in FORBIDDEN:
        assert (ROOT / package / "py.typed").is_file()
