"""Label and field selector parsing and matching, term by term."""

from __future__ import annotations

import pytest

from dynclient.testing.selectors import parse_field_selector, parse_label_selector
from dynclient.testing.statuses import ApiError

OBJ = {"metadata": {"name": "web", "namespace": "prod", "labels": {"app": "web", "tier": "front", "n": "3"}}}

LABELS = [
    ("eq", "app=web", True), ("double-eq", "app==web", True), ("neq", "app!=web", False),
    ("neq-missing-key", "other!=x", True), ("in", "tier in (front, back)", True), ("notin", "tier notin (front)", False),
    ("exists", "app", True), ("not-exists", "!app", False), ("gt", "n>2", True), ("lt", "n<2", False),
    ("all-must-hold", "app=web,tier=back", False), ("spaces", " app = web ", True), ("empty", "", True),
]


@pytest.mark.parametrize("text, matches", [c[1:] for c in LABELS], ids=[c[0] for c in LABELS])
def test_label_selector(text, matches):
    selector = parse_label_selector(text)
    assert (selector is None or selector(OBJ)) is matches


FIELDS = [
    ("name", "metadata.name=web", True), ("name-double-eq", "metadata.name==web", True),
    ("not-name", "metadata.name!=web", False), ("namespace", "metadata.namespace=prod", True),
    ("both", "metadata.name=web,metadata.namespace=dev", False),
    ("escaped-comma", r"metadata.name=a\,b", False),
]


@pytest.mark.parametrize("text, matches", [c[1:] for c in FIELDS], ids=[c[0] for c in FIELDS])
def test_field_selector(text, matches):
    assert parse_field_selector(text)(OBJ) is matches


def test_escaped_field_value_matches_literally():
    assert parse_field_selector(r"metadata.name=a\,b")({"metadata": {"name": "a,b"}})


BAD = [
    ("label-unclosed", parse_label_selector, "a in (", "unable to parse requirement"),
    ("label-gt-not-int", parse_label_selector, "a>b", "unable to parse requirement"),
    ("field-unknown", parse_field_selector, "spec.nodeName=x", '"spec.nodeName" is not a known field selector'),
    ("field-no-operator", parse_field_selector, "metadata.name", "invalid selector"),
]


@pytest.mark.parametrize("parse, text, message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_selectors_are_400(parse, text, message):
    with pytest.raises(ApiError) as info:
        parse(text)
    assert info.value.code == 400 and info.value.body["reason"] == "BadRequest"
    assert info.value.body["message"].startswith(message)
