"""YAML as kubectl writes it, against outputs of sigs.k8s.io/yaml (go-yaml v2).

Each expected value was produced by Go: ``yaml.JSONToYAML`` of the JSON of
``{"k": value}``, which is what kubectl's ``-o yaml`` printer does.
"""

from __future__ import annotations

import pytest

from dynclient.cli import goyaml

YAML_CASES = [
    ('plain', 'hello', 'k: hello\n'),
    ('bool-true', 'true', 'k: "true"\n'),
    ('yaml11-bool-y', 'y', 'k: "y"\n'),
    ('yaml11-bool-on', 'On', 'k: "On"\n'),
    ('null', 'null', 'k: "null"\n'),
    ('tilde', '~', 'k: "~"\n'),
    ('empty', '', 'k: ""\n'),
    ('int', '123', 'k: "123"\n'),
    ('octal-looking', '0755', 'k: "0755"\n'),
    ('leading-zero-8', '08', 'k: "08"\n'),
    ('hex', '0x1F', 'k: "0x1F"\n'),
    ('underscore-int', '1_000', 'k: "1_000"\n'),
    ('float-exp-no-dot', '1e3', 'k: "1e3"\n'),
    ('dot-float', '.5', 'k: ".5"\n'),
    ('inf', '.inf', 'k: ".inf"\n'),
    ('version', '1.2.3', 'k: 1.2.3\n'),
    ('base60', '1:20', 'k: "1:20"\n'),
    ('timestamp', '2024-01-02T03:04:05Z', 'k: "2024-01-02T03:04:05Z"\n'),
    ('date', '2024-01-02', 'k: "2024-01-02"\n'),
    ('bad-date', '2024-13-02', 'k: 2024-13-02\n'),
    ('colon-space', 'a: b', "k: 'a: b'\n"),
    ('colon-no-space', 'a:b', 'k: a:b\n'),
    ('hash-after-space', 'a #b', "k: 'a #b'\n"),
    ('leading-dash-space', '- a', "k: '- a'\n"),
    ('leading-star', '*a', "k: '*a'\n"),
    ('leading-space', ' a', "k: ' a'\n"),
    ('trailing-space', 'a ', "k: 'a '\n"),
    ('single-quote-inside', "it's", "k: it's\n"),
    ('double-quote-start', '"a"', 'k: \'"a"\'\n'),
    ('literal', 'line1\nline2', 'k: |-\n  line1\n  line2\n'),
    ('literal-trailing-newline', 'line1\nline2\n', 'k: |\n  line1\n  line2\n'),
    ('literal-keep', 'a\n\n', 'k: |+\n  a\n\n'),
    ('literal-leading-space', ' x\ny', 'k: |2-\n   x\n  y\n'),
    ('newline-then-trailing-space', 'x \ny', 'k: "x \\ny"\n'),
    ('tab', 'a\tb', 'k: "a\\tb"\n'),
    ('unicode', 'héllo 日本', 'k: héllo 日本\n'),
    ('emoji', 'hi 😀', 'k: "hi \\U0001F600"\n'),
    ('line-separator', 'a\u2028b', "k: 'a\u2028  b'\n"),
    ('escape-char', '\x1b[31m', 'k: "\\e[31m"\n'),
    ('html', '<b>&amp;</b>', 'k: <b>&amp;</b>\n'),
    ('merge-key', '<<', 'k: <<\n'),
    ('equals', '=', 'k: =\n'),
    ('long-plain', 'word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word', 'k: word word word word word word word word word word word word word word word word\n  word word word word word word word word word word word word word word\n'),
    ('long-double', 'yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes\t', 'k: "yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes\n  yes yes yes yes yes yes yes yes yes yes\\t"\n'),
    ('long-single', '- ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab', "k: '- ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab\n  ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab'\n"),
    ('num-0', 0, 'k: 0\n'),
    ('num-7', 7, 'k: 7\n'),
    ('num--3', -3, 'k: -3\n'),
    ('num-1.5', 1.5, 'k: 1.5\n'),
    ('num-1e+21', 1e+21, 'k: 1e+21\n'),
    ('num-1e-07', 1e-07, 'k: 1e-07\n'),
    ('num-0.000123', 0.000123, 'k: 0.000123\n'),
    ('num-1234567.5', 1234567.5, 'k: 1.2345675e+06\n'),
    ('num-100000.5', 100000.5, 'k: 100000.5\n'),
    ('num-1.0', 1.0, 'k: 1\n'),
    ('num-2.5e-05', 2.5e-05, 'k: 2.5e-05\n'),
]
KEYS = ['b', 'a', 'a10', 'a9', 'a09', 'a-b', 'aB', 'A', '_x', 'x1y', 'x01y', 'x1z', 'Z', 'é', 'a.b', 'a_b', 'ab1', 'ab01', 'spec', 'status', 'apiVersion', 'kind', 'metadata']
KEYS_YAML = '_x: 1\nA: 1\nZ: 1\na: 1\na-b: 1\na.b: 1\na_b: 1\na9: 1\na09: 1\na10: 1\naB: 1\nab1: 1\nab01: 1\napiVersion: 1\nb: 1\nkind: 1\nmetadata: 1\nspec: 1\nstatus: 1\nx1y: 1\nx1z: 1\nx01y: 1\né: 1\n'


@pytest.mark.parametrize("value,expected", [c[1:] for c in YAML_CASES], ids=[c[0] for c in YAML_CASES])
def test_scalar_matches_go(value, expected):
    assert goyaml.marshal({"k": value}) == expected


def test_key_order_matches_go():
    assert goyaml.marshal({k: 1 for k in KEYS}) == KEYS_YAML


def test_configmap_as_kubectl_prints_it():
    obj = {
        "apiVersion": "v1", "kind": "ConfigMap",
        "data": {"x": '<b>&"é', "y": "line1\nline2"},
        "metadata": {"creationTimestamp": "2026-11-23T13:10:25Z", "name": "a", "namespace": "demo",
                     "resourceVersion": "205", "uid": "3be88915-b5b7-42a5-9f46-1a19796474d7"},
    }
    assert goyaml.marshal(obj) == (
        "apiVersion: v1\n"
        "data:\n"
        '  x: <b>&"é\n'
        '  "y": |-\n'
        "    line1\n"
        "    line2\n"
        "kind: ConfigMap\n"
        "metadata:\n"
        '  creationTimestamp: "2026-11-23T13:10:25Z"\n'
        "  name: a\n"
        "  namespace: demo\n"
        '  resourceVersion: "205"\n'
        "  uid: 3be88915-b5b7-42a5-9f46-1a19796474d7\n"
    )


def test_structures():
    value = {"list": [{"a": 1, "b": [1, 2]}, [], {}, [["x"]]], "empty": {}, "none": None, "t": True}
    assert goyaml.marshal(value) == (
        "empty: {}\n"
        "list:\n"
        "- a: 1\n"
        "  b:\n"
        "  - 1\n"
        "  - 2\n"
        "- []\n"
        "- {}\n"
        "- - - x\n"
        "none: null\n"
        "t: true\n"
    )


@pytest.mark.parametrize("text", ["del\x7f", "c1\x85", "\ufffe"], ids=["del", "c1-control", "non-character"])
def test_text_go_yaml_cannot_reread_fails_like_kubectl(text):
    with pytest.raises(ValueError, match="control characters are not allowed"):
        goyaml.marshal({"k": text})


@pytest.mark.parametrize("a,b", [("a9", "a10"), ("a", "b"), ("a1", "ab"), ("1", "01"), ("a", "aa")],
                         ids=["digits-as-numbers", "letters", "digit-before-letter", "fewer-digits-first", "prefix"])
def test_key_less(a, b):
    assert goyaml.key_less(a, b) and not goyaml.key_less(b, a)


@pytest.mark.parametrize("text,plain", [("hello", True), ("true", False), ("123", False), ("1.2.3", True),
                                        ("2024-01-02", False), ("", False), ("<<", True), ("12:30", False)],
                         ids=["word", "bool", "int", "version", "date", "empty", "merge-key", "base60"])
def test_resolves_to_string(text, plain):
    assert goyaml.resolves_to_string(text) is plain
