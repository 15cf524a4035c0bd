"""kubectl's custom-columns rules: spec and template parsing, relaxed paths, cells."""

from __future__ import annotations

import io

import pytest

from dynclient.cli.customcolumns import (Column, CustomColumnsError, CustomColumnsPrinter, columns_from_spec,
                                         columns_from_template, relaxed_jsonpath)


@pytest.mark.parametrize("text,expected", [
    ("metadata.name", "{.metadata.name}"), (".metadata.name", "{.metadata.name}"),
    ("{metadata.name}", "{.metadata.name}"), ("{.metadata.name}", "{.metadata.name}"), ("", ""),
], ids=["bare", "dot", "braces", "full", "empty"])
def test_relaxed_paths(text, expected):
    assert relaxed_jsonpath(text) == expected


@pytest.mark.parametrize("spec,message", [
    ("", "custom-columns format specified but no custom columns given"),
    ("NAME", "unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>"),
    ("A:{.a}{.b}", "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or "
                   "'{.name1.name2}'"),
], ids=["empty", "no-colon", "two-templates"])
def test_spec_errors_are_kubectls(spec, message):
    with pytest.raises(CustomColumnsError) as info:
        columns_from_spec(spec)
    assert str(info.value) == message


def test_spec_splits_on_the_first_colon():
    assert columns_from_spec("N:.metadata.name,T:{.metadata.labels.a:b}") == [
        Column("N", "{.metadata.name}"), Column("T", "{.metadata.labels.a:b}")]


@pytest.mark.parametrize("text,result", [
    ("NAME   SIZE\n.metadata.name  {.spec.size}\n", [Column("NAME", "{.metadata.name}"), Column("SIZE", "{.spec.size}")]),
    ("", "invalid template, missing header line."),
    ("NAME\n", "invalid template, missing spec line."),
    ("A B\n.a\n", "number of headers (2) and field specifications (1) don't match"),
], ids=["ok", "no-header", "no-spec", "count-mismatch"])
def test_templates(text, result):
    if isinstance(result, list):
        assert columns_from_template(text) == result
        return
    with pytest.raises(CustomColumnsError, match=result.replace("(", r"\(").replace(")", r"\)")):
        columns_from_template(text)


def test_cells_like_kubectl():
    printer = CustomColumnsPrinter(columns_from_spec("N:.metadata.name,L:.metadata.labels,X:.nosuch,P:.spec.ports[*]"))
    out = io.StringIO()
    printer.print_obj({"items": [
        {"metadata": {"name": "a", "labels": {"b": "2", "a": "1"}}, "spec": {"ports": [80, 443]}},
        {"metadata": {"name": "b\x1bc"}, "spec": {"ports": []}},
    ]}, out)
    assert out.getvalue() == ("N      L              X        P\n"
                              "a      map[a:1 b:2]   <none>   80,443\n"
                              "b^[c   <none>         <none>   <none>\n")
