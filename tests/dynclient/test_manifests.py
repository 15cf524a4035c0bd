"""dynclient.manifests.loader: sources, multi-document YAML/JSON, Lists, and located errors."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path
from typing import List

import pytest
import yaml

from dynclient.errors import ManifestError
from dynclient.manifests import Document, iter_documents, load_manifests
from dynclient.manifests.loader import InvalidDocument, iter_entries
from tests.dynclient.test_kyaml import KUBECTL, kubectl_decode


def cm(name: str, **extra) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, **extra}


def names(source) -> List[str]:
    return [obj["metadata"].get("name") or obj["metadata"].get("generateName") for obj in load_manifests(source)]


def write(tmp_path: Path, rel: str, text: str) -> Path:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# -- what loads -------------------------------------------------------------------

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\n"

LOADS = [
    ("multi-doc-with-comments", f"# top comment\n{CM.format('a')}---\n# between\n{CM.format('b')}", ["a", "b"]),
    ("leading-separator", f"---\n{CM.format('a')}", ["a"]),
    ("trailing-separator", f"{CM.format('a')}---\n", ["a"]),
    ("empty-documents-skipped", f"---\n---\n{CM.format('a')}---\n\n---\n# only a comment\n", ["a"]),
    ("document-end-marker", f"{CM.format('a')}...\n---\n{CM.format('b')}", ["a", "b"]),
    ("empty-file", "", []),
    ("only-comments", "# nothing\n# here\n", []),
    ("only-separators", "---\n---\n", []),
    ("list-flattened",
     "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n"
     "- {apiVersion: v1, kind: Secret, metadata: {name: b}}\n", ["a", "b"]),
    ("typed-list-flattened",
     "apiVersion: v1\nkind: ConfigMapList\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n", ["a"]),
    ("nested-lists-flattened",
     "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n"
     "  - {apiVersion: v1, kind: ConfigMap, metadata: {name: inner}}\n"
     "- {apiVersion: v1, kind: ConfigMap, metadata: {name: outer}}\n", ["inner", "outer"]),
    ("empty-list", "apiVersion: v1\nkind: List\nitems: []\n", []),
    ("generate-name", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: gen-\n", ["gen-"]),
    ("json-object", json.dumps(cm("j")), ["j"]),
    ("json-stream", json.dumps(cm("j1")) + "\n" + json.dumps(cm("j2"), indent=2), ["j1", "j2"]),
    ("json-with-tabs", '{\n\t"apiVersion": "v1",\n\t"kind": "ConfigMap",\n\t"metadata": {"name": "t"}\n}\n', ["t"]),
    ("json-list", json.dumps({"apiVersion": "v1", "kind": "List", "items": [cm("x"), cm("y")]}), ["x", "y"]),
    ("flow-yaml-not-json", "{apiVersion: v1, kind: ConfigMap, metadata: {name: f}}", ["f"]),
    ("bom", "\ufeff" + CM.format("bom"), ["bom"]),
    ("crlf", CM.format("crlf").replace("\n", "\r\n"), ["crlf"]),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in LOADS], ids=[c[0] for c in LOADS])
def test_loads(text, expected):
    assert names(io.StringIO(text)) == expected
    assert names(text.encode()) == expected


def test_values_stay_what_kubectl_sends():
    text = CM.format("v") + "data:\n  date: 2024-01-02\n  when: 2001-12-14t21:59:43.10-05:00\n  eq: =\n  num: 1\n  b: true\n"
    (obj,) = load_manifests(text)
    # sigs.k8s.io/yaml keeps dates as strings; PyYAML would build datetime objects JSON cannot carry.
    assert obj["data"] == {"date": "2024-01-02", "when": "2001-12-14t21:59:43.10-05:00", "eq": "=", "num": 1, "b": True}
    json.dumps(obj)


def test_anchors_and_aliases():
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: &labels {app: web, tier: front}\n"
        "  annotations:\n    <<: *labels\n    app: overridden\ndata: *labels\n"
    )
    (obj,) = load_manifests(text)
    assert obj["data"] == {"app": "web", "tier": "front"}
    assert obj["metadata"]["annotations"] == {"app": "overridden", "tier": "front"}


def test_documents_carry_provenance(tmp_path):
    path = write(tmp_path, "app.yaml", f"# c\n---\n{CM.format('a')}---\n\n{CM.format('b')}---\n"
                 "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n"
                 "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: d}\n")
    docs = list(iter_documents(path))
    assert [(d.source, d.index, d.line, d.item, d.name) for d in docs] == [
        (str(path), 0, 3, "", "a"),
        (str(path), 1, 9, "", "b"),  # the line of its first content, after the blank line
        (str(path), 2, 17, "items[0]", "c"),
        (str(path), 2, 18, "items[1]", "d"),
    ]
    assert str(docs[3]) == f"{path}: document 2 (line 18) items[1]"
    assert docs[0].api_version == "v1" and docs[0].kind == "ConfigMap" and docs[0].namespace is None
    with pytest.raises(Exception):
        docs[0].index = 5  # frozen


def test_document_is_frozen_dataclass():
    doc = Document("s", 0, 1, cm("a"))
    assert doc.obj == cm("a") and doc.group == "" and doc.name == "a"
    assert "obj" not in repr(doc)  # a 5 MB object does not flood a repr


# -- sources -------------------------------------------------------------------

def test_directory_walk_order_and_extensions(tmp_path):
    write(tmp_path, "b.yaml", CM.format("b"))
    write(tmp_path, "a.yml", CM.format("a"))
    write(tmp_path, "c.json", json.dumps(cm("c")))
    write(tmp_path, "UPPER.YAML", CM.format("upper"))
    write(tmp_path, "notes.txt", CM.format("ignored-txt"))
    write(tmp_path, "README.md", "# not a manifest")
    write(tmp_path, "sub/z.yaml", CM.format("sub-z"))
    write(tmp_path, "sub/deeper/a.yaml", CM.format("sub-deeper-a"))
    write(tmp_path, "sub-x.yaml", CM.format("sub-x"))
    write(tmp_path, "empty/.keep", "")
    assert names(tmp_path) == ["upper", "a", "b", "c", "sub-deeper-a", "sub-z", "sub-x"]
    assert names(str(tmp_path)) == names(tmp_path)
    sources = [d.source for d in iter_documents(str(tmp_path))]
    assert sources[0] == str(tmp_path / "UPPER.YAML") and sources[4] == str(tmp_path / "sub" / "deeper" / "a.yaml")


def test_explicit_file_of_any_extension(tmp_path):
    assert names(write(tmp_path, "manifest.txt", CM.format("t"))) == ["t"]


def test_empty_directory(tmp_path):
    assert names(tmp_path) == []


@pytest.mark.parametrize("mode", ["text", "binary"], ids=str)
def test_stream(mode):
    data = CM.format("s") + "---\n" + CM.format("t")
    stream = io.StringIO(data) if mode == "text" else io.BytesIO(data.encode())
    docs = list(iter_documents(stream))
    assert [d.name for d in docs] == ["s", "t"] and docs[0].source == "<stream>"


def test_open_file_names_itself(tmp_path):
    path = write(tmp_path, "x.yaml", CM.format("x"))
    with open(path) as fh:
        assert [d.source for d in iter_documents(fh)] == [str(path)]


def test_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(CM.format("from-stdin")))
    docs = list(iter_documents("-"))
    assert [(d.source, d.name) for d in docs] == [("<stdin>", "from-stdin")]


def test_stdin_binary_buffer(monkeypatch):
    class Stdin(io.StringIO):
        buffer = io.BytesIO(CM.format("bytes").encode())

    monkeypatch.setattr(sys, "stdin", Stdin())
    assert names("-") == ["bytes"]


@pytest.mark.parametrize(
    "text",
    [CM.format("s"), "apiVersion: v1", "---\n" + CM.format("s"), '{"apiVersion": "v1"}'],
    ids=["multiline", "one-line-apiVersion", "separator-first", "json"],
)
def test_string_that_is_manifest_text(text):
    # (the one-line ones then fail validation, but as text, not as a missing file)
    try:
        docs = list(iter_documents(text))
    except ManifestError as exc:
        assert exc.source == "<string>"
    else:
        assert docs[0].source == "<string>"


def test_bytes_and_objects_and_lists_of_sources(tmp_path):
    path = write(tmp_path, "f.yaml", CM.format("file"))
    source = [CM.format("text").encode(), cm("obj"), path, {"apiVersion": "v1", "kind": "List", "items": [cm("li")]}]
    docs = list(iter_documents(source))
    assert [(d.source, d.name) for d in docs] == [
        ("<bytes>", "text"), ("<objects>", "obj"), (str(path), "file"), ("<objects>", "li")]
    assert [d.name for d in iter_documents(cm("single"))] == ["single"]


def test_path_that_does_not_exist(tmp_path):
    missing = str(tmp_path / "nope.yaml")
    with pytest.raises(ManifestError, match=re.escape(f"{missing}: no such file or directory")) as info:
        list(iter_documents(missing))
    assert info.value.source == missing
    with pytest.raises(ManifestError, match="no such file"):
        list(iter_documents(Path(missing)))


def test_unsupported_source_type():
    with pytest.raises(TypeError, match="cannot read manifests from a int"):
        list(iter_documents(42))


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \xe9}\n")
    with pytest.raises(ManifestError, match="not UTF-8"):
        list(iter_documents(path))


# -- errors: each names the file, "document N" and the line ----------------------

ERRORS = [
    ("list-document", f"{CM.format('ok')}---\n- a\n- b\n", 1, 6, "expected a mapping (an object with apiVersion and kind), got a list"),
    ("scalar-document", f"{CM.format('ok')}---\n\n\njust a string\n", 1, 8, "got a string"),
    ("number-document", "42\n", 0, 1, "got a number"),
    ("missing-apiVersion", "kind: ConfigMap\nmetadata: {name: a}\n", 0, 1, "apiVersion is missing"),
    ("empty-apiVersion", "apiVersion: ''\nkind: ConfigMap\nmetadata: {name: a}\n", 0, 1, "apiVersion is missing"),
    ("missing-kind", f"---\n{CM.format('ok')}---\napiVersion: v1\nmetadata: {{name: a}}\n", 1, 7, "kind is missing"),
    ("missing-name", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", 0, 1, "metadata.name is missing"),
    ("missing-metadata", "apiVersion: v1\nkind: ConfigMap\n", 0, 1, "metadata.name is missing"),
    ("metadata-not-mapping", "apiVersion: v1\nkind: ConfigMap\nmetadata: [a]\n", 0, 1, "metadata must be a mapping, got a list"),
    ("kind-not-string", "apiVersion: v1\nkind: [x]\nmetadata: {name: a}\n", 0, 1, "kind must be a string, got a list"),
    ("name-not-string", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: 5}\n", 0, 1, "metadata.name must be a string"),
    ("bad-apiVersion", "apiVersion: a/b/c\nkind: ConfigMap\nmetadata: {name: a}\n", 0, 1, "is not group/version"),
    ("list-item-not-mapping", "apiVersion: v1\nkind: List\nitems:\n- " + "{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- 7\n",
     0, 5, "items[1]: expected a mapping"),
    ("list-item-missing-kind", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  metadata: {name: a}\n",
     0, 4, "items[0]: kind is missing"),
    ("invalid-yaml-indent", f"{CM.format('ok')}---\napiVersion: v1\nkind: ConfigMap\n metadata: x\n", 1, 8,
     "invalid YAML at column"),
    ("invalid-yaml-unclosed", f"{CM.format('ok')}---\n{CM.format('ok2')}---\napiVersion: v1\nkind: \"ConfigMap\n", 2, 12,
     "invalid YAML at column 7: while scanning a quoted scalar: found unexpected end of stream"),
    ("invalid-yaml-tab", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: a\n", 0, 4, "invalid YAML"),
    ("inf", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {a: .inf}\n", 0, 4,
     "json: unsupported value: +Inf"),
    ("alias-bomb", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
     + "".join(f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n" for p, n in zip("abcdefg", "bcdefgh")), 0, 4,
     "document contains excessive aliasing"),
    ("items-not-a-list", "apiVersion: v1\nkind: Foo\nmetadata: {name: a}\nitems: 3\n", 0, 1,
     "items must be a list, got a number"),
    ("items-of-nameless-kind", "apiVersion: v1\nkind: FooList\nitems: [{kind: Bar, metadata: {name: b}}]\n", 0, 3,
     "items[0]: apiVersion is missing"),
    ("deep-flow", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: " + "[" * 100_000 + "]" * 100_000 + "\n",
     0, 4, "nesting depth"),
    ("deep-json", "{" + '"a": {' * 100_000 + "}" * 100_001, 0, 1, "exceeded max depth"),
    ("json-nan", '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"a": NaN}}', 0, 1,
     "NaN is not JSON"),
    ("invalid-json", '{"apiVersion": "v1",\n "kind": "ConfigMap",\n "metadata": {"name": "a"},,\n}', 0, 3,
     "invalid JSON at column 28"),
    ("second-json-invalid", json.dumps(cm("ok")) + "\n\n" + '{"apiVersion": "v1", "kind": }', 1, 3, "invalid JSON"),
]


@pytest.mark.parametrize("text, index, line, message", [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_errors_name_file_document_and_line(tmp_path, text, index, line, message):
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ManifestError) as info:
        list(iter_documents(path))
    err = info.value
    assert (err.source, err.document, err.line) == (str(path), index, line), str(err)
    assert str(err).startswith(f"{path}: document {index}" + (f" (line {line}): " if line else ": "))
    assert message in str(err)


def test_error_before_anything_is_yielded_from_later_documents(tmp_path):
    # The loader is lazy: documents before the broken one are yielded first.
    path = write(tmp_path, "x.yaml", f"{CM.format('a')}---\n- nope\n")
    it = iter_documents(path)
    assert next(it).name == "a"
    with pytest.raises(ManifestError, match="document 1"):
        next(it)


def test_safe_loading_never_builds_objects():
    # kubectl ignores tags it does not know: the value stays the text, nothing is constructed.
    (obj,) = load_manifests("apiVersion: v1\nkind: !!python/object/apply:os.system ConfigMap\nmetadata: {name: a}\n"
                            "data: {a: !!python/name:os.system x}\n")
    assert obj["kind"] == "ConfigMap" and obj["data"] == {"a": "x"}


def test_duplicate_keys_last_wins_in_yaml_and_json():
    (y,) = load_manifests("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\ndata: {x: '1', x: '2'}\n")
    (j,) = load_manifests('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "metadata": {"name": "b"}}')
    assert (y["metadata"], y["data"], j["metadata"]) == ({"name": "b"}, {"x": "2"}, {"name": "b"})


# -- an object with items is a List, whatever its kind (kubectl's unstructured decoder) ---------------

ITEMS = [
    ("non-list-kind-with-items",
     "apiVersion: v1\nkind: Foo\nmetadata:\n  name: x\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n"
     "  metadata: {name: i1}\n- metadata: {name: i2}\n",
     [("v1", "ConfigMap", "i1", 6), ("v1", "Foo", "i2", 9)]),
    ("typed-list-items-take-the-kind",
     "apiVersion: v1\nkind: ConfigMapList\nitems:\n- metadata: {name: a}\n- kind: Secret\n  apiVersion: v1\n"
     "  metadata: {name: b}\n", [("v1", "ConfigMap", "a", 4), ("v1", "Secret", "b", 5)]),
    ("empty-items-of-a-non-list-kind", "apiVersion: v1\nkind: Foo\nmetadata: {name: x}\nitems: []\n", []),
    ("null-items", "apiVersion: v1\nkind: Foo\nmetadata: {name: x}\nitems: null\n", []),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in ITEMS], ids=[c[0] for c in ITEMS])
def test_items_make_a_list_as_kubectl_reads_it(text, expected):
    docs = list(iter_documents(text))
    assert [(d.api_version, d.kind, d.name, d.line) for d in docs] == expected
    if KUBECTL:
        ok, objects = kubectl_decode(text)
        assert ok, objects
        assert [d.obj for d in docs] == objects


# -- iter_entries: bad documents in place, the rest still read -----------------------------------------

def test_entries_go_on_past_bad_documents(tmp_path):
    write(tmp_path, "a/1.yaml", f"{CM.format('a')}---\nglobal:\n  resolve_timeout: 5m\n---\n{CM.format('b')}"
          "---\na: [\n---\n" + CM.format("never"))
    write(tmp_path, "a/2.yaml", CM.format("d"))
    write(tmp_path, "a/3.yaml", "apiVersion: v1\nkind: ConfigMap\n")
    entries = list(iter_entries(tmp_path / "a"))
    kinds = [(type(e).__name__, e.name if isinstance(e, Document) else e.error.document) for e in entries]
    assert kinds == [("Document", "a"), ("InvalidDocument", 1), ("Document", "b"), ("InvalidDocument", 3),
                     ("Document", "d"), ("InvalidDocument", 0)]
    bad = [e for e in entries if isinstance(e, InvalidDocument)]
    assert [(e.error.source, e.error.line) for e in bad] == [
        (str(tmp_path / "a/1.yaml"), 6), (str(tmp_path / "a/1.yaml"), 14), (str(tmp_path / "a/3.yaml"), 1)]
    assert "apiVersion is missing" in str(bad[0].error)
    assert bad[0].document.obj == {"global": {"resolve_timeout": "5m"}}
    with pytest.raises(ManifestError, match="apiVersion is missing"):
        list(iter_documents(tmp_path / "a"))


def test_entries_report_unreadable_files_and_go_on(tmp_path):
    entries = list(iter_entries([str(tmp_path / "missing.yaml"), CM.format("ok")]))
    assert isinstance(entries[0], InvalidDocument) and "no such file" in str(entries[0].error)
    assert entries[1].name == "ok"


# -- size ------------------------------------------------------------------------

def test_huge_document(tmp_path):
    blob = "x" * (5 * 1024 * 1024)
    path = write(tmp_path, "big.yaml", CM.format("big") + f"data:\n  blob: {blob}\n")
    (obj,) = load_manifests(path)
    assert len(obj["data"]["blob"]) == len(blob)


def test_ten_thousand_documents(tmp_path):
    text = "".join(f"---\n{CM.format(f'cm-{i}')}" for i in range(10_000))
    docs = list(iter_documents(write(tmp_path, "many.yaml", text)))
    assert len(docs) == 10_000
    assert (docs[-1].index, docs[-1].line, docs[-1].name) == (9999, 9999 * 5 + 2, "cm-9999")
