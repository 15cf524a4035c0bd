"""dynclient.kyaml: kubectl's YAML decoding, one table per rule, each case checked against kubectl itself.

Every case carries the value kubectl gives (pinned, so the table runs
without kubectl too) and, when a kubectl binary is on this machine, is run
through ``kubectl annotate --local -f FILE -o json`` (no server needed) to
prove the pinned value is kubectl's. Error cases pin the words kubectl's
message carries.
"""

from __future__ import annotations

import functools
import glob
import json
import math
import os
import shutil
import subprocess
import tempfile
from typing import Any, List, Optional, Tuple

import pytest
import yaml

from dynclient import kyaml
from dynclient.errors import DynclientError
from dynclient.kyaml import KYAMLError, KubectlLoader, PyKubectlLoader, load_all, safe_load

KUBECTL = shutil.which("kubectl")


def kubectl_binaries() -> List[str]:
    """The kubectl on PATH and the versioned ones beside it (``kubectl.1.33``...)."""
    if KUBECTL is None:
        return []
    found = [KUBECTL]
    found += sorted(glob.glob(os.path.join(os.path.dirname(os.path.realpath(KUBECTL)), "kubectl.1.*")))
    return found


def _json_number(text: str) -> Any:
    # kubectl's unstructured reader: an integer beyond int64 is a float64.
    value = int(text)
    return value if -(1 << 63) <= value < (1 << 63) else float(value)


@functools.lru_cache(maxsize=None)
def kubectl_decode(text: str, kubectl: Optional[str] = None) -> Tuple[bool, Any]:
    """``(True, [objects])`` as kubectl decodes ``text`` (annotation removed), or ``(False, stderr)``."""
    binary = kubectl or KUBECTL
    assert binary is not None
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "case.yaml")
        with open(path, "w", newline="") as f:
            f.write(text)
        proc = subprocess.run([binary, "annotate", "--local", "-f", path, "kyaml-oracle=x", "-o", "json"],
                              capture_output=True, text=True, timeout=60,
                              env={**os.environ, "KUBECONFIG": os.path.join(tmp, "none")})
    if proc.returncode:
        return False, proc.stderr
    decoder = json.JSONDecoder(parse_int=_json_number)
    objects, pos, out = [], 0, proc.stdout
    while out[pos:].strip():
        while out[pos].isspace():
            pos += 1
        obj, pos = decoder.raw_decode(out, pos)
        annotations = obj["metadata"]["annotations"]
        del annotations["kyaml-oracle"]
        if not annotations:
            del obj["metadata"]["annotations"]
        objects.append(obj)
    return True, objects


needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")

HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: case\ndata:\n"


def ours(text: str) -> List[Any]:
    return [doc for doc, _ in load_all(text, source="case.yaml")]


def data_of(text: str) -> Any:
    (obj,) = ours(text)
    return obj["data"]


def same_as_kubectl(text: str, kubectl: Optional[str] = None) -> None:
    ok, theirs = kubectl_decode(text, kubectl)
    assert ok, theirs
    assert ours(text) == theirs


def fails_like_kubectl(text: str, words: str) -> None:
    with pytest.raises(KYAMLError) as info:
        ours(text)
    assert words in str(info.value)
    assert str(info.value).startswith("case.yaml: document 0")
    if KUBECTL is not None:
        ok, stderr = kubectl_decode(text)
        assert not ok
        assert words in stderr, stderr


# -- rule: duplicate keys are accepted, the last one wins (kubectl 1.32 and 1.33) -------------------

DUPLICATES = [
    ("data-key", HEAD + "  a: one\n  a: two\n", {"a": "two"}),
    ("flow-key", HEAD[:-len("data:\n")] + "data: {x: '1', x: '2'}\n", {"x": "2"}),
    ("three-times", HEAD + "  a: '1'\n  b: '2'\n  a: '3'\n  a: '4'\n", {"a": "4", "b": "2"}),
    ("nested", HEAD + "  m:\n    k: 1\n    k: {z: 2}\n", {"m": {"k": {"z": 2}}}),
    ("merge-then-key", HEAD + "  m: {<<: {a: 1, b: 2}, a: 3}\n", {"m": {"a": 3, "b": 2}}),
    # go-yaml v2 writes a merge into the map as it comes: it overwrites the keys before it.
    ("key-then-merge", HEAD + "  m: {a: 1, <<: {a: 2, b: 3}}\n", {"m": {"a": 2, "b": 3}}),
    ("merge-list-first-wins", HEAD + "  m: {<<: [{a: 1}, {a: 2, c: 3}], d: 4}\n", {"m": {"a": 1, "c": 3, "d": 4}}),
    ("y-and-true-are-one-key", HEAD + "  m: {y: 1, true: 2}\n", {"m": {"true": 2}}),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in DUPLICATES], ids=[c[0] for c in DUPLICATES])
def test_duplicate_keys_last_wins(text, expected):
    assert data_of(text) == expected


@needs_kubectl
@pytest.mark.parametrize("kubectl", kubectl_binaries(), ids=os.path.basename)
@pytest.mark.parametrize("text", [c[1] for c in DUPLICATES], ids=[c[0] for c in DUPLICATES])
def test_duplicate_keys_as_kubectl_versions(text, kubectl):
    same_as_kubectl(text, kubectl)


def test_duplicate_top_level_key():
    text = "apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: {name: a}\nmetadata: {name: b}\n"
    assert ours(text) == [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "b"}}]
    if KUBECTL:
        same_as_kubectl(text)


# -- rule: a | or > block at the end of a file with no final newline keeps its \n -----------------

BLOCKS = [
    ("literal", HEAD + "  a: |\n    hello", "hello\n"),
    ("folded", HEAD + "  a: >\n    hello\n    world", "hello world\n"),
    ("literal-strip", HEAD + "  a: |-\n    hello", "hello"),
    ("literal-keep", HEAD + "  a: |+\n    hello", "hello\n"),
    ("folded-strip", HEAD + "  a: >-\n    hello", "hello"),
    ("literal-crlf", (HEAD + "  a: |\n    one\n    two").replace("\n", "\r\n"), "one\ntwo\n"),
    ("literal-before-separator", HEAD + "  a: |\n    hello\n---\n", "hello\n"),
    ("literal-keep-blank-lines", HEAD + "  a: |+\n    hello\n\n", "hello\n\n"),
    ("literal-with-final-newline", HEAD + "  a: |\n    hello\n", "hello\n"),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in BLOCKS], ids=[c[0] for c in BLOCKS])
def test_block_scalar_at_end_of_file(text, expected):
    assert data_of(text) == {"a": expected}
    if KUBECTL:
        same_as_kubectl(text)


# -- rule: plain scalars resolve as go-yaml v2 resolves them ------------------------------------------

SCALARS = [
    ("sexagesimal-stays-string", "12:30", "12:30"),
    ("sexagesimal-3-stays-string", "190:20:30", "190:20:30"),
    ("exponent", "1e3", 1000),
    ("exponent-upper", "1E3", 1000),
    ("exponent-fraction", "1.5e3", 1500),
    ("exponent-negative", "1e-3", 0.001),
    ("leading-zero-not-octal-is-float", "08", 8),
    ("leading-zero-fraction", "09.5", 9.5),
    ("octal-0o", "0o17", 15),
    ("octal-0o-mode", "0o644", 420),
    ("octal-leading-zero", "0644", 420),
    ("hex", "0x1F", 31),
    ("binary", "0b101", 5),
    ("binary-negative", "-0b101", -5),
    ("plus-sign", "+12", 12),
    ("underscores", "1_000", 1000),
    ("leading-dot", ".5", 0.5),
    ("trailing-dot", "1.", 1),
    ("integral-float", "1.0", 1),
    ("negative-zero", "-0.0", 0),
    ("fraction", "3.25", 3.25),
    ("float-overflow-stays-string", "1e400", "1e400"),
    ("bad-hex-stays-string", "0xG", "0xG"),
    ("bare-prefix-stays-string", "0x", "0x"),
    ("date-stays-string", "2001-12-14", "2001-12-14"),
    ("datetime-stays-string", "2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),
    ("equals-stays-string", "=", "="),
    ("dot-stays-string", ".", "."),
    ("tilde-null", "~", None),
    ("null", "null", None),
    ("Null", "Null", None),
    ("empty-null", "", None),
    ("version-like", "1.2.3", "1.2.3"),
    ("ip-like", "10.0.0.1", "10.0.0.1"),
    ("dash-word", "-foo", "-foo"),
    ("minus-dot-five", "-.5", -0.5),
]


def _scalar_doc(text: str) -> str:
    return HEAD + f"  v: {text}\n"


@pytest.mark.parametrize("text, expected", [c[1:] for c in SCALARS], ids=[c[0] for c in SCALARS])
def test_plain_scalars(text, expected):
    value = data_of(_scalar_doc(text))["v"]
    assert value == expected and type(value) is type(expected)
    if KUBECTL:
        same_as_kubectl(_scalar_doc(text))


BOOLEANS = [(word, True) for word in "y Y yes Yes YES on On ON true True TRUE".split()]
BOOLEANS += [(word, False) for word in "n N no No NO off Off OFF false False FALSE".split()]
BOOLEANS += [(word, word) for word in "yEs oN tRUE Nope yes_ o ye".split()]


@pytest.mark.parametrize("word, expected", BOOLEANS, ids=[w for w, _ in BOOLEANS])
def test_booleans_as_values_and_keys(word, expected):
    text = HEAD + f"  v: {word}\n  m:\n    {word}: 1\n"
    data = data_of(text)
    assert data["v"] is expected if isinstance(expected, bool) else data["v"] == expected
    key = {True: "true", False: "false"}.get(expected, expected) if isinstance(expected, bool) else word
    assert data["m"] == {key: 1}
    if KUBECTL:
        same_as_kubectl(text)


KEYS = [
    ("int", "7", "7"),
    ("float", "1.5", "1.5"),
    ("float-exponent", "1e21", "1e+21"),
    ("float32-shortest", "1234567.0", "1.234567e+06"),
    ("float-small", "0.00001", "1e-05"),
    ("float-integral", "100.0", "100"),
    ("octal", "0o17", "15"),
    ("inf", ".inf", ".inf"),
    ("neg-inf", "-.inf", "-.inf"),
]


@pytest.mark.parametrize("key, expected", [c[1:] for c in KEYS], ids=[c[0] for c in KEYS])
def test_non_string_keys_become_strings(key, expected):
    text = HEAD + f"  m:\n    {key}: x\n"
    assert data_of(text) == {"m": {expected: "x"}}
    if KUBECTL:
        same_as_kubectl(text)


# -- rule: integers wider than 64 bits become floats ---------------------------------------------------

WIDE = [
    ("int64-max-stays-int", "9223372036854775807", 9223372036854775807),
    ("int64-min-stays-int", "-9223372036854775808", -9223372036854775808),
    ("uint64-is-float", "9223372036854775808", 9223372036854775808.0),
    ("uint64-max-is-float", "18446744073709551615", 18446744073709551615.0),
    ("beyond-uint64-is-float", "18446744073709551616", 18446744073709551616.0),
    ("thirty-digits-is-float", "123456789012345678901234567890", 1.2345678901234568e29),
    ("below-int64-is-float", "-9223372036854775809", -9223372036854775809.0),
    ("wide-hex-stays-string", "0x1FFFFFFFFFFFFFFFFF", "0x1FFFFFFFFFFFFFFFFF"),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in WIDE], ids=[c[0] for c in WIDE])
def test_wide_integers(text, expected):
    value = data_of(_scalar_doc(text))["v"]
    assert value == expected and type(value) is type(expected)
    if KUBECTL:
        same_as_kubectl(_scalar_doc(text))


# -- rule: tags: !!binary is decoded, unknown tags are ignored, never a bytes object -------------------

TAGS = [
    ("binary", "!!binary aGVsbG8=", "hello"),
    ("binary-quoted", '!!binary "aGVsbG8gd29ybGQ="', "hello world"),
    ("binary-block", "!!binary |\n    aGVs\n    bG8=", "hello"),
    ("binary-not-utf8", '!!binary "//79"', "\ufffd\ufffd\ufffd"),
    ("unknown-local-tag", "!Ref foo", "foo"),
    ("unknown-tag-mapping", "!Foo {q: 1}", {"q": 1}),
    ("unknown-tag-sequence", "!Sub [x, 2]", ["x", 2]),
    ("python-tag-is-ignored", "!!python/object:os.system ConfigMap", "ConfigMap"),
    ("python-name-is-ignored", "!!python/name:os.system x", "x"),
    ("non-specific-tag", "! 12", "12"),
    ("str", "!!str 123", "123"),
    ("str-on-bool", "!!str yes", "yes"),
    ("int-quoted", '!!int "12"', 12),
    ("float-from-int", "!!float 3", 3),
    ("bool", "!!bool yes", True),
    ("null", '!!null ""', None),
    ("timestamp", "!!timestamp 2001-01-01", "2001-01-01"),
    ("str-on-sequence", "!!str [1]", [1]),
    ("set", "!!set {a, b}", {"a": None, "b": None}),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in TAGS], ids=[c[0] for c in TAGS])
def test_tags(text, expected):
    value = data_of(_scalar_doc(text))["v"]
    assert value == expected and type(value) is type(expected)
    json.dumps(value)
    if KUBECTL:
        same_as_kubectl(_scalar_doc(text))


# -- rule: what kubectl refuses, with go-yaml's (or Go's JSON encoder's) words -----------------------

REFUSED = [
    ("inf", _scalar_doc(".inf"), "json: unsupported value: +Inf"),
    ("plus-inf", _scalar_doc("+.inf"), "json: unsupported value: +Inf"),
    ("minus-inf", _scalar_doc("-.Inf"), "json: unsupported value: -Inf"),
    ("nan", _scalar_doc(".nan"), "json: unsupported value: NaN"),
    ("inf-in-list", HEAD + "  v: [1, .INF]\n", "json: unsupported value: +Inf"),
    ("binary-invalid", _scalar_doc('!!binary "@@"'), "!!binary value contains invalid base64 data"),
    ("int-tag-on-text", _scalar_doc("!!int abc"), "cannot decode !!str `abc` as a !!int"),
    ("bool-tag-on-number", _scalar_doc("!!bool 1"), "cannot decode !!int `1` as a !!bool"),
    ("merge-scalar", HEAD + "  <<: 3\n", "map merge requires map or sequence of maps as the value"),
    ("merge-list-of-scalars", HEAD + "  <<: [1]\n", "map merge requires map or sequence of maps as the value"),
    ("self-alias", HEAD + "  a: &a\n    b: *a\n", "anchor 'a' value contains itself"),
    ("unknown-alias", HEAD + "  b: *zz\n", "unknown anchor 'zz' referenced"),
    ("null-key", HEAD + "  m: {~: 1}\n", "unsupported map key of type: %!s(<nil>)"),
    ("uint64-key", HEAD + "  m: {18446744073709551615: 1}\n", "unsupported map key of type: uint64"),
    ("bad-separator", HEAD + "  a: b\n--- {a: 1}\n", "invalid Yaml document separator: {a: 1}"),
]


@pytest.mark.parametrize("text, words", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_refused_as_kubectl_refuses(text, words):
    fails_like_kubectl(text, words)


def test_error_names_file_document_and_line():
    text = HEAD + "  a: b\n---\n" + HEAD + "  ok: 1\n  v: .inf\n"
    docs = load_all(text, source="dir/app.yaml")
    assert next(docs)[0]["data"] == {"a": "b"}
    with pytest.raises(KYAMLError) as info:
        next(docs)
    err = info.value
    assert (err.source, err.document, err.line) == ("dir/app.yaml", 1, 14)
    assert str(err) == "dir/app.yaml: document 1 (line 14): json: unsupported value: +Inf"
    assert isinstance(err, DynclientError)


def test_syntax_error_names_the_line():
    with pytest.raises(KYAMLError) as info:
        list(load_all(HEAD + "  a: b\n---\napiVersion: v1\nkind: \"ConfigMap\n", source="f.yaml"))
    assert (info.value.document, info.value.line) == (1, 9)
    assert "found unexpected end of stream" in str(info.value)


# -- documents: kubectl's line-based split ----------------------------------------------------------

SPLITS = [
    ("leading-separator", "---\na: 1\n", [({"a": 1}, 2)]),
    ("separator-comment", "a: 1\n--- # next\nb: 2\n", [({"a": 1}, 1), ({"b": 2}, 3)]),
    ("empty-documents-skipped", "a: 1\n---\n# only a comment\n---\nnull\n---\nb: 2\n", [({"a": 1}, 1), ({"b": 2}, 7)]),
    ("what-follows-the-root-is-ignored", "# kubectl: go-yaml stops at the root's end\n{a: 1}\n{b: 2}\n", [({"a": 1}, 2)]),
    ("repeated-separators-not-documents", "---\n---\na: 1\n---\n---\n", [({"a": 1}, 3)]),
    ("document-end-ignores-the-rest", "a: 1\n...\nb: [unclosed\n", [({"a": 1}, 1)]),
    ("line-of-content-after-blank-lines", "\n\n# c\na: 1\n", [({"a": 1}, 4)]),
    ("crlf", "a: 1\r\n---\r\nb: 2\r\n", [({"a": 1}, 1), ({"b": 2}, 3)]),
    ("bom", "\ufeffa: 1\n", [({"a": 1}, 1)]),
    ("empty", "", []),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in SPLITS], ids=[c[0] for c in SPLITS])
def test_documents_and_lines(text, expected):
    assert list(load_all(text, source="s.yaml")) == expected


def test_safe_load_reads_one_document_without_splitting():
    assert safe_load("a: y\nb: |\n  x", source="kubeconfig") == {"a": True, "b": "x"}
    assert safe_load("", source="kubeconfig") is None
    assert safe_load("a: 1\n---\nb: 2\n", source="kubeconfig") == {"a": 1}
    with pytest.raises(KYAMLError) as info:
        safe_load("a: 1\nb: [\n", source="/home/u/.kube/config")
    assert str(info.value).startswith("/home/u/.kube/config: line ")
    assert info.value.document is None


# -- aliases and merge keys that real manifests use keep working ---------------------------------------

def test_anchors_are_independent_copies():
    text = HEAD + "  a: &x {k: [1, 2]}\n  b: *x\n"
    data = data_of(text)
    assert data == {"a": {"k": [1, 2]}, "b": {"k": [1, 2]}}
    data["a"]["k"].append(3)
    assert data["b"]["k"] == [1, 2]  # go-yaml decodes an alias again: no shared objects


HELM_LIKE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: &labels
    app.kubernetes.io/name: web
    app.kubernetes.io/instance: rel
spec:
  selector:
    matchLabels: *labels
  template:
    metadata:
      labels:
        <<: *labels
        tier: front
    spec:
      containers:
      - &container
        name: web
        image: nginx
        env: &env
        - {name: A, value: "1"}
      - <<: *container
        name: sidecar
        env: *env
"""


def test_helm_and_ci_style_anchors():
    (obj,) = ours(HELM_LIKE)
    assert obj["spec"]["selector"]["matchLabels"] == obj["metadata"]["labels"]
    assert obj["spec"]["template"]["metadata"]["labels"]["tier"] == "front"
    assert obj["spec"]["template"]["spec"]["containers"][1] == {
        "name": "sidecar", "image": "nginx", "env": [{"name": "A", "value": "1"}]}
    if KUBECTL:
        same_as_kubectl(HELM_LIKE)


# -- the PyYAML loader classes -------------------------------------------------------------------------

@pytest.mark.parametrize("loader", [KubectlLoader, PyKubectlLoader], ids=["libyaml", "pure-python"])
def test_loader_classes_follow_the_rules(loader):
    assert issubclass(loader, yaml.SafeLoader) or issubclass(loader, getattr(yaml, "CSafeLoader", ()))
    assert yaml.load("a: y\nb: 12:30\nc: 0o17\nd: 1\nd: 2\n", Loader=loader) == {
        "a": True, "b": "12:30", "c": 15, "d": 2}
    assert list(yaml.load_all("a: 1\n---\nb: !!binary aGk=\n", Loader=loader)) == [{"a": 1}, {"b": "hi"}]
    assert [d for d, _ in load_all(HELM_LIKE, source="x", loader=loader)] == ours(HELM_LIKE)


def test_resolve_plain():
    assert kyaml.resolve_plain("0o644") == 420
    assert kyaml.resolve_plain("12:30") == "12:30"
    assert math.isinf(kyaml.resolve_plain(".inf"))
