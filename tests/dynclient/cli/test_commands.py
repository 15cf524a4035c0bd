"""Helpers of the get, apply, delete and watch commands that need no server."""

from __future__ import annotations

import io

import pytest

from dynclient.cli import apply, delete, get, watch
from dynclient.cli.manifest_files import expand_paths


# -- get ------------------------------------------------------------------------------

@pytest.mark.parametrize("args,expected", [
    (["po"], ([], "po", [])),
    (["po,svc"], ([], "po,svc", [])),
    (["cm", "a", "b"], ([], "cm", ["a", "b"])),
    (["cm/a", "deploy.apps/b"], ([("cm", "a"), ("deploy.apps", "b")], "", [])),
], ids=["type", "types", "type-and-names", "type-slash-name"])
def test_split_args(args, expected):
    assert get.split_args(args) == expected


def test_split_args_refuses_mixed_forms():
    with pytest.raises(ValueError, match="there is no need to specify a resource type as a separate argument"):
        get.split_args(["cm", "cm/a"])


@pytest.mark.parametrize("seconds,expected", [
    (-5, "<invalid>"), (-1.5, "0s"), (-0.5, "0s"), (0, "0s"), (59, "59s"), (119, "119s"), (120, "2m"), (125, "2m5s"),
    (599, "9m59s"), (600, "10m"), (3 * 3600 - 1, "179m"), (3 * 3600, "3h"), (3 * 3600 + 60, "3h1m"), (8 * 3600, "8h"),
    (47 * 3600, "47h"), (48 * 3600, "2d"), (50 * 3600, "2d2h"), (8 * 86400, "8d"), (400 * 86400, "400d"),
    (2 * 365 * 86400, "2y"), (3 * 365 * 86400 + 5 * 86400, "3y5d"), (9 * 365 * 86400, "9y"),
], ids=lambda v: str(v))
def test_human_duration(seconds, expected):
    assert get.human_duration(seconds) == expected


def test_omit_managed_fields_copies():
    obj = {"metadata": {"name": "a", "managedFields": [{"manager": "x"}]}}
    out = get.omit_managed_fields(obj)
    assert out == {"metadata": {"name": "a"}} and "managedFields" in obj["metadata"]


def test_as_table_keeps_a_table_and_builds_one_otherwise():
    table = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "rows": []}
    assert get.as_table(table) == table
    built = get.as_table({"kind": "WidgetList", "items": [{"metadata": {"name": "w"}}]})
    assert [c["name"] for c in built["columnDefinitions"]] == ["Name", "Age"]
    assert built["rows"][0]["cells"] == ["w", "<unknown>"]


def test_table_accept_header_is_kubectls():
    assert get.TABLE_ACCEPT == ("application/json;as=Table;v=v1;g=meta.k8s.io,"
                                "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json")


# -- apply --------------------------------------------------------------------------------


class FakeTTY(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_progress_on_a_terminal_when_output_scrolls():
    stream = FakeTTY(True)
    p = apply.Progress(stream, rows=2)
    p.show(1, 10, "configmap/a")
    p.show(10, 10, "configmap/b")
    p.clear()
    assert stream.getvalue() == (
        "\r[ 1/10] applying configmap/a"
        "\r[10/10] applying configmap/b"
        "\r                            \r"
    )


@pytest.mark.parametrize("tty,rows", [(False, 2), (True, 50)], ids=["not-a-terminal", "fits-on-screen"])
def test_no_progress(tty, rows):
    stream = FakeTTY(tty)
    p = apply.Progress(stream, rows=rows)
    p.show(1, 10, "x")
    p.clear()
    assert stream.getvalue() == ""


# -- delete, watch ----------------------------------------------------------------------------

@pytest.mark.parametrize("kind,group,expected", [
    ("ConfigMap", "", 'configmap "x" deleted'), ("Deployment", "apps", 'deployment.apps "x" deleted'),
], ids=["core", "group"])
def test_deleted_line(kind, group, expected):
    assert delete.deleted_line(kind, group, "x") == expected


@pytest.mark.parametrize("obj,expected", [
    ({"kind": "ConfigMap", "metadata": {"name": "x", "namespace": "ns"}}, "ADDED configmap/x (ns)"),
    ({"metadata": {"name": "n"}}, "ADDED namespace/n"),
], ids=["namespaced", "cluster-scoped-kind-from-mapping"])
def test_watch_event_line(obj, expected):
    kind = obj.get("kind", "Namespace")
    assert watch.event_line("ADDED", obj, kind, "") == expected


# -- -f paths -----------------------------------------------------------------------------------

@pytest.fixture
def tree(tmp_path):
    (tmp_path / "b.yaml").write_text("x")
    (tmp_path / "a.json").write_text("x")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.yml").write_text("x")
    return tmp_path


def test_directory_without_recursion(tree):
    assert [p.name for p in expand_paths([str(tree)])] == ["a.json", "b.yaml"]


def test_directory_with_recursion(tree):
    assert [p.name for p in expand_paths([str(tree)], recursive=True)] == ["a.json", "b.yaml", "c.yml"]


def test_a_named_file_is_used_whatever_its_extension(tree):
    assert [p.name for p in expand_paths([str(tree / "notes.txt"), "-"]) if p != "-"] == ["notes.txt"]


def test_missing_path(tmp_path):
    with pytest.raises(ValueError, match='the path ".*nope" does not exist'):
        expand_paths([str(tmp_path / "nope")])


@pytest.mark.parametrize("source,expected", [
    ("app.yaml", 'Error from server (NotFound): error when deleting "app.yaml": configmaps "x" not found\n'),
    ("<stdin>", 'Error from server (NotFound): error when deleting "STDIN": configmaps "x" not found\n'),
    ("", 'Error from server (NotFound): configmaps "x" not found\n'),
], ids=["file", "stdin", "no-source"])
def test_delete_errors_name_their_source_like_kubectl(source, expected):
    from discovery.errors import NotFound, status_error_from_response
    from dynclient.cli.checkerr import report

    err = status_error_from_response(404, b'{"kind":"Status","reason":"NotFound","message":"configmaps \\"x\\" not found"}')
    wrapped = delete.with_source("deleting", source, err)
    assert isinstance(wrapped, NotFound) and report(wrapped) == expected
