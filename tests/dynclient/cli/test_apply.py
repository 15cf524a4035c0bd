"""apply: flag values and kubectl's error texts (no server needed)."""

from __future__ import annotations

import pytest

from discovery.errors import status_error_from_response
from dynclient.cli.apply import conflict_error, dry_run_strategy, namespace_mismatch
from dynclient.cli.manifest_files import KubectlError


@pytest.mark.parametrize("value", ["none", "server", "client"])
def test_dry_run_values(value):
    assert dry_run_strategy(value) == value


def test_bad_dry_run():
    with pytest.raises(KubectlError, match=r'Invalid dry-run value \(x\)'):
        dry_run_strategy("x")


def test_conflict_error_adds_kubectls_advice():
    err = status_error_from_response(409, b'{"kind":"Status","reason":"Conflict","code":409,'
                                          b'"message":"Apply failed with 1 conflict: conflict with \\"x\\": .data.a"}')
    text = str(conflict_error(err))
    assert text.startswith('Apply failed with 1 conflict: conflict with "x": .data.a\nPlease review the fields above')
    assert text.endswith("server-side-apply/#conflicts")


def test_namespace_mismatch_words():
    assert str(namespace_mismatch("a", "b")) == (
        'the namespace from the provided object "a" does not match the namespace "b". '
        "You must pass '--namespace=a' to perform this operation.")
