"""Impersonate-* headers, as client-go's impersonatingRoundTripper sends them."""

from __future__ import annotations

import pytest

from dynclient.config import Impersonation
from dynclient.config.impersonation import escape_extra_key


@pytest.mark.parametrize(
    "identity, pairs",
    [
        pytest.param(Impersonation(), [], id="nothing"),
        pytest.param(Impersonation(groups=("a",)), [], id="no-user-no-headers"),
        pytest.param(Impersonation(user="jane"), [("Impersonate-User", "jane")], id="user"),
        pytest.param(Impersonation(user="jane", uid="42"),
                     [("Impersonate-User", "jane"), ("Impersonate-Uid", "42")], id="uid"),
        pytest.param(Impersonation(user="jane", groups=("devs", "ops")),
                     [("Impersonate-User", "jane"), ("Impersonate-Group", "devs"), ("Impersonate-Group", "ops")],
                     id="one-header-per-group"),
        pytest.param(Impersonation(user="jane", extra={"scopes": ("a", "b"), "acme.com/project": ("x",)}),
                     [("Impersonate-User", "jane"), ("Impersonate-Extra-acme.com%2Fproject", "x"),
                      ("Impersonate-Extra-scopes", "a"), ("Impersonate-Extra-scopes", "b")],
                     id="extra-sorted-and-escaped"),
    ],
)
def test_header_pairs(identity, pairs) -> None:
    assert identity.header_pairs() == pairs


@pytest.mark.parametrize(
    "key, escaped",
    [
        pytest.param("scopes", "scopes", id="plain"),
        pytest.param("example.com/project", "example.com%2Fproject", id="slash"),
        pytest.param("100%", "100%25", id="percent-is-always-escaped"),
        pytest.param("a b:c", "a%20b%3Ac", id="space-and-colon"),
        pytest.param("ключ", "%D0%BA%D0%BB%D1%8E%D1%87", id="utf8-bytes"),
        pytest.param("!#$&'*+-.^_`|~", "!#$&'*+-.^_`|~", id="tchars-kept"),
    ],
)
def test_escape_extra_key(key, escaped) -> None:
    assert escape_extra_key(key) == escaped


def test_values_are_normalized_and_immutable() -> None:
    identity = Impersonation(user="jane", groups=["a"], extra={"k": ["v"]})
    assert identity.groups == ("a",)
    assert identity.extra["k"] == ("v",)
    with pytest.raises(TypeError):
        identity.extra["k"] = ("w",)  # type: ignore[index]
    single = Impersonation(user="jane", groups="solo", extra={"k": "v"})  # type: ignore[arg-type]
    assert single.groups == ("solo",) and single.extra["k"] == ("v",)
    assert hash(identity) == hash(Impersonation(user="jane", groups=("a",), extra={"k": ("v",)}))


@pytest.mark.parametrize(
    "base, override, expected",
    [
        pytest.param(Impersonation("a", "1", ("g",)), None, Impersonation("a", "1", ("g",)), id="none"),
        pytest.param(Impersonation("a", "1", ("g",)), Impersonation(user="b"), Impersonation("b", "1", ("g",)),
                     id="field-by-field"),
        pytest.param(Impersonation(), Impersonation("b", groups=("h",)), Impersonation("b", groups=("h",)),
                     id="onto-empty"),
    ],
)
def test_overridden_by(base, override, expected) -> None:
    assert base.overridden_by(override) == expected


@pytest.mark.parametrize(
    "identity, empty, lacks_user",
    [
        pytest.param(Impersonation(), True, False, id="empty"),
        pytest.param(Impersonation(user="a"), False, False, id="user"),
        pytest.param(Impersonation(groups=("g",)), False, True, id="groups-only"),
        pytest.param(Impersonation(uid="1"), False, True, id="uid-only"),
        pytest.param(Impersonation(extra={"k": ("v",)}), False, True, id="extra-only"),
    ],
)
def test_predicates(identity, empty, lacks_user) -> None:
    assert identity.is_empty() is empty
    assert identity.lacks_user() is lacks_user
