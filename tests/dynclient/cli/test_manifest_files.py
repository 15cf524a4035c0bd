"""How ``-f`` inputs are found, split and judged, in kubectl's words (dynclient.cli.manifest_files)."""

from __future__ import annotations

import pytest

from dynclient.cli.manifest_files import KubectlError, expand_sources, read_sources, split_yaml

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\n"
HINT = "if you choose to ignore these errors, turn validation off with --validate=false"


@pytest.mark.parametrize("text,expected", [
    ("a: 1\n", [(1, "a: 1\n")]),
    ("a: 1\n---\nb: 2\n", [(1, "a: 1\n"), (3, "b: 2\n")]),
    ("---\na: 1\n--- # comment\n\n---\nb: 2", [(2, "a: 1\n"), (6, "b: 2")]),
    ("a: |\n  ---x\n", [(1, "a: |\n  ---x\n")]),
], ids=["one", "two", "empty-and-commented-separators", "not-a-separator"])
def test_split_yaml(text, expected):
    assert split_yaml(text) == expected


def test_directory_names_are_joined_and_files_kept_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "b.yaml").write_text("")
    (tmp_path / "d" / "a.json").write_text("")
    (tmp_path / "d" / "x.txt").write_text("")
    (tmp_path / "f.txt").write_text("")
    assert expand_sources(["./d/", "./f.txt", "-"]) == ["d/a.json", "d/b.yaml", "./f.txt", "-"]
    assert expand_sources(["d/*.yaml"]) == ["d/b.yaml"]


@pytest.mark.parametrize("paths,message", [
    (["nope.yaml"], 'the path "nope.yaml" does not exist'),
    (["empty"], "error reading [empty]: recognized file extensions are [.json .yaml .yml]"),
], ids=["missing", "no-manifests"])
def test_path_errors(tmp_path, monkeypatch, paths, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(KubectlError) as info:
        expand_sources(paths)
    assert str(info.value) == message


@pytest.mark.parametrize("text,validate,names,errors", [
    (CM.format("a") + "---\n" + CM.format("b"), True, ["a", "b"], []),
    (CM.format("a") + "---\nfoo: bar\n---\n" + CM.format("c"), True, ["a"],
     [f'error validating "f.yaml": error validating data: [apiVersion not set, kind not set]; {HINT}']),
    ("kind: ConfigMap\nmetadata: {name: x}\n", True, [],
     [f'error validating "f.yaml": error validating data: apiVersion not set; {HINT}']),
    ("- a\n", True, [], [f'error validating "f.yaml": error validating data: invalid object to validate; {HINT}']),
    (CM.format("a") + "---\nfoo: bar\n---\n" + CM.format("c"), False, ["a", "c"],
     ["unable to decode \"f.yaml\": Object 'Kind' is missing in '{\"foo\":\"bar\"}'"]),
    ("text\n", False, [], ['unable to decode "f.yaml": json: cannot unmarshal string into Go value of type '
                           'unstructured.detector']),
    (CM.format("a") + "---\na: [\n", True, ["a"],
     ["error parsing f.yaml: error converting YAML to JSON: yaml: line 1: did not find expected node content"]),
], ids=["good", "bad-document-ends-the-file", "no-api-version", "not-an-object", "delete-goes-on",
        "delete-scalar", "syntax-line-counted-per-document"])
def test_read_sources(tmp_path, monkeypatch, text, validate, names, errors):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.yaml").write_text(text)
    sources = read_sources(["f.yaml"], validate=validate)
    assert [d.name for d in sources.documents] == names
    assert [str(e) for _, e in sources.errors] == errors


def test_documents_keep_file_lines_and_positions(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.yaml").write_text(CM.format("a") + "---\n" + CM.format("b"))
    sources = read_sources(["f.yaml"])
    a, b = sources.documents
    assert (a.source, a.line, b.line) == ("f.yaml", 1, 6)
    assert sources.position(a) < sources.position(b)


def test_nameless_documents_are_kept_for_their_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n")
    sources = read_sources(["f.yaml"])
    assert not sources.documents and not sources.errors and len(sources.nameless) == 1
