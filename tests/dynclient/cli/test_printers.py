"""kubectl's printers: -o name, -o json, -o yaml, and the server-side table."""

from __future__ import annotations

import io

import pytest

from dynclient.cli.printers import (
    JSONPrinter,
    NamePrinter,
    TablePrinter,
    YAMLPrinter,
    escape_terminal,
    go_sprint,
    name_line,
    qualified_kind,
)
from dynclient.cli.tabwriter import new_tab_writer


def obj(api_version: str, kind: str, name: str, namespace: str = "") -> dict:
    meta = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    return {"apiVersion": api_version, "kind": kind, "metadata": meta}


@pytest.mark.parametrize("o,expected", [
    (obj("v1", "Pod", "x"), "pod/x"),
    (obj("apps/v1", "Deployment", "web"), "deployment.apps/web"),
    (obj("example.com/v1", "Widget", "w1"), "widget.example.com/w1"),
    (obj("rbac.authorization.k8s.io/v1", "ClusterRole", "admin"), "clusterrole.rbac.authorization.k8s.io/admin"),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}, "configmap/<unknown>"),
], ids=["core", "apps", "crd", "dotted-group", "no-name"])
def test_name_line(o, expected):
    assert name_line(o) == expected


def test_name_line_with_operation():
    assert name_line(obj("v1", "ConfigMap", "cfg"), "created") == "configmap/cfg created"


def test_name_printer_descends_into_lists():
    out = io.StringIO()
    lst = {"apiVersion": "v1", "kind": "List", "items": [obj("v1", "Pod", "a"), obj("apps/v1", "Deployment", "b")]}
    NamePrinter().print_obj(lst, out)
    assert out.getvalue() == "pod/a\ndeployment.apps/b\n"


@pytest.mark.parametrize("printer", [NamePrinter, JSONPrinter, YAMLPrinter], ids=["name", "json", "yaml"])
def test_printers_need_apiversion_and_kind(printer):
    with pytest.raises(ValueError, match="missing apiVersion or kind"):
        printer().print_obj({"metadata": {"name": "x"}}, io.StringIO())


def test_json_printer_is_go_marshal_indent_plus_newline():
    out = io.StringIO()
    JSONPrinter().print_obj({"kind": "ConfigMap", "apiVersion": "v1", "data": {"k": "<&>"}}, out)
    assert out.getvalue() == (
        '{\n    "apiVersion": "v1",\n    "data": {\n        "k": "\\u003c\\u0026\\u003e"\n    },\n'
        '    "kind": "ConfigMap"\n}\n'
    )


def test_yaml_printer_separates_documents_after_the_first():
    out = io.StringIO()
    p = YAMLPrinter()
    p.print_obj(obj("v1", "Pod", "a"), out)
    p.print_obj(obj("v1", "Pod", "b"), out)
    assert out.getvalue() == (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n"
        "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n"
    )


@pytest.mark.parametrize("value,expected", [
    (None, "<nil>"), (True, "true"), (3, "3"), (1.5, "1.5"), (1.0, "1"), (1e21, "1e+21"), (1234567.5, "1.2345675e+06"),
    ("s", "s"), ({"b": 1, "a": "x"}, "map[a:x b:1]"), ([1, "a", None], "[1 a <nil>]"),
], ids=["nil", "bool", "int", "float", "integral-float", "big-float", "float-exp", "string", "map", "list"])
def test_go_sprint(value, expected):
    assert go_sprint(value) == expected


def test_escape_terminal():
    assert escape_terminal("a\x1b[31mb\rc") == "a^[[31mb\\rc"


@pytest.mark.parametrize("kind,group,expected", [("Pod", "", "pod"), ("Deployment", "apps", "deployment.apps")],
                         ids=["core", "group"])
def test_qualified_kind(kind, group, expected):
    assert qualified_kind(kind, group) == expected


# -- tables -------------------------------------------------------------------------


def table(rows, columns=None):
    columns = columns or [
        {"name": "Name", "type": "string", "format": "name", "priority": 0},
        {"name": "Data", "type": "integer", "format": "", "priority": 0},
        {"name": "Extra", "type": "string", "format": "", "priority": 1},
        {"name": "Age", "type": "string", "format": "", "priority": 0},
    ]
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "columnDefinitions": columns, "rows": rows}


def row(name, data, extra, age, namespace="demo"):
    return {"cells": [name, data, extra, age], "object": {"metadata": {"name": name, "namespace": namespace}}}


def render(printer: TablePrinter, *tables) -> str:
    out = io.StringIO()
    w = new_tab_writer(out)
    for t in tables:
        printer.print_table(t, w)
    w.flush()
    return out.getvalue()


TABLE_CASES = [
    # NAME is as wide as "longer" plus 3; the last cell of a line is never padded.
    ("default", TablePrinter(), "NAME     DATA   AGE\na        2      5s\nlonger   10     3m\n"),
    ("wide-shows-priority-1", TablePrinter(wide=True),
     "NAME     DATA   EXTRA   AGE\na        2      x       5s\nlonger   10     yy      3m\n"),
    ("no-headers-min-width-6", TablePrinter(no_headers=True), "a        2     5s\nlonger   10    3m\n"),
    ("all-namespaces", TablePrinter(with_namespace=True),
     "NAMESPACE   NAME     DATA   AGE\ndemo        a        2      5s\nother       longer   10     3m\n"),
    ("kind-prefix", TablePrinter(kind="configmap"),
     "NAME               DATA   AGE\nconfigmap/a        2      5s\nconfigmap/longer   10     3m\n"),
]


@pytest.mark.parametrize("printer,expected", [c[1:] for c in TABLE_CASES], ids=[c[0] for c in TABLE_CASES])
def test_table(printer, expected):
    t = table([row("a", 2, "x", "5s"), row("longer", 10, "yy", "3m", namespace="other")])
    assert render(printer, t) == expected


def test_empty_table_prints_nothing_not_even_headers():
    assert render(TablePrinter(), table([])) == ""


def test_headers_once_for_pages_with_the_same_columns():
    out = render(TablePrinter(), table([row("a", 1, "", "1s")]), table([row("b", 2, "", "2s")]))
    assert out == "NAME   DATA   AGE\na      1      1s\nb      2      2s\n"


def test_cells_are_truncated_at_line_breaks_and_escaped():
    columns = [{"name": "Name", "type": "string", "format": "name"}, {"name": "Note", "type": "string"}]
    t = table([{"cells": ["a", "first\nsecond"]}, {"cells": ["b", "x\x1b[1m"]}, {"cells": ["c", "y\rz"]},
               {"cells": ["d", None]}], columns)
    assert render(TablePrinter(), t) == "NAME   NOTE\na      first...\nb      x^[[1m\nc      y...\nd      \n"


def test_extra_cells_beyond_the_columns_are_ignored():
    columns = [{"name": "Name", "type": "string", "format": "name"}]
    assert render(TablePrinter(), table([{"cells": ["a", "extra"]}], columns)) == "NAME\na\n"


def test_namespace_column_is_empty_without_an_object():
    t = table([{"cells": ["a", 1, "", "1s"]}])
    assert render(TablePrinter(with_namespace=True), t) == "NAMESPACE   NAME   DATA   AGE\n            a      1      1s\n"


# -- label columns and the watch EVENT column (decorateTable, addColumns) ------------------


def labelled(name, labels):
    return {"cells": [name, 1, "", "5s"], "object": {"metadata": {"name": name, "labels": labels}}}


LABEL_CASES = [
    ("show-labels-sorted-as-k=v-strings", TablePrinter(show_labels=True),
     "NAME   DATA   AGE   LABELS\na      1      5s    app.kubernetes.io/name=x,app=web\nb      1      5s    <none>\n"),
    ("label-columns-last-segment-header", TablePrinter(label_columns=("app", "app.kubernetes.io/name")),
     "NAME   DATA   AGE   APP   NAME\na      1      5s    web   x\nb      1      5s          \n"),
]


@pytest.mark.parametrize("printer,expected", [c[1:] for c in LABEL_CASES], ids=[c[0] for c in LABEL_CASES])
def test_label_columns(printer, expected):
    t = table([labelled("a", {"app": "web", "app.kubernetes.io/name": "x"}), labelled("b", {})])
    assert render(printer, t) == expected


def test_event_column_comes_first():
    out = io.StringIO()
    w = new_tab_writer(out)
    TablePrinter(with_namespace=True).print_table(table([row("a", 2, "x", "5s")]), w, event_type="ADDED   ")
    w.flush()
    assert out.getvalue() == "EVENT      NAMESPACE   NAME   DATA   AGE\nADDED      demo        a      2      5s\n"
