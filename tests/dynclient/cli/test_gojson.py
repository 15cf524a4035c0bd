"""JSON as kubectl writes it, against outputs of Go's encoding/json (MarshalIndent, 4 spaces).

Each expected value was produced by Go: the input decoded as client-go's
unstructured decoder does (int64 when it fits, else float64) and encoded
with ``json.MarshalIndent(v, "", "    ")``.
"""

from __future__ import annotations

import pytest

from dynclient.cli import gojson

JSON_CASES = [
    ('html-escaping', {'k': '<b>&amp;</b>'},
     '{\n    "k": "\\u003cb\\u003e\\u0026amp;\\u003c/b\\u003e"\n}'),
    ('line-separators', {'k': 'a\u2028b\u2029c'},
     '{\n    "k": "a\\u2028b\\u2029c"\n}'),
    ('controls', {'k': '\x08\x0c\n\r\t\x01\x1f\x7f'},
     '{\n    "k": "\\b\\f\\n\\r\\t\\u0001\\u001f\x7f"\n}'),
    ('quotes-backslash', {'k': 'say "hi" \\ bye'},
     '{\n    "k": "say \\"hi\\" \\\\ bye"\n}'),
    ('unicode-as-is', {'k': 'héllo 日本 😀'},
     '{\n    "k": "héllo 日本 😀"\n}'),
    ('sorted-keys', {'b': 1, 'a': 2, 'B': 3, '_': 4, 'é': 5, 'aa': 6},
     '{\n    "B": 3,\n    "_": 4,\n    "a": 2,\n    "aa": 6,\n    "b": 1,\n    "é": 5\n}'),
    ('nested', {'l': [1, [2, []], {}], 'm': {'x': None, 't': True, 'f': False}},
     '{\n    "l": [\n        1,\n        [\n            2,\n            []\n        ],\n        {}\n    ],\n    "m": {\n        "f": false,\n        "t": true,\n        "x": null\n    }\n}'),
    ('empty-object', {},
     '{}'),
    ('empty-list', [],
     '[]'),
    ('ints', {'k': [0, -1, 9223372036854775807, -9223372036854775808]},
     '{\n    "k": [\n        0,\n        -1,\n        9223372036854775807,\n        -9223372036854775808\n    ]\n}'),
    ('big-int-is-float', {'k': 9223372036854775808},
     '{\n    "k": 9223372036854776000\n}'),
    ('floats', {'k': [1.5, 1.0, 1e+21, 1e+20, 1e-07, 1e-06, 0.000123, 123456789.25, -0.5, 1.5e-10, 1e+100]},
     '{\n    "k": [\n        1.5,\n        1,\n        1e+21,\n        100000000000000000000,\n        1e-7,\n        0.000001,\n        0.000123,\n        123456789.25,\n        -0.5,\n        1.5e-10,\n        1e+100\n    ]\n}'),
]


@pytest.mark.parametrize("value,expected", [c[1:] for c in JSON_CASES], ids=[c[0] for c in JSON_CASES])
def test_marshal_indent_matches_go(value, expected):
    assert gojson.marshal_indent(value) == expected


@pytest.mark.parametrize("value,expected", [
    ({"b": [1, 2], "a": "<x>"}, '{"a":"\\u003cx\\u003e","b":[1,2]}'),
    ([], "[]"),
    (None, "null"),
], ids=["object", "empty-list", "null"])
def test_compact_marshal(value, expected):
    assert gojson.marshal(value) == expected


@pytest.mark.parametrize("value,expected", [
    (0.0, "0"), (-0.0, "-0"), (1e-6, "0.000001"), (9.99e-7, "9.99e-7"), (1e21, "1e+21"), (123.0, "123"),
    (1e-10, "1e-10"), (2.5e-100, "2.5e-100"),
], ids=["zero", "negative-zero", "1e-6-is-fixed", "below-1e-6-is-exp", "1e21-is-exp", "integral", "two-digit-exp",
        "three-digit-exp"])
def test_format_float(value, expected):
    assert gojson.format_float(value) == expected


@pytest.mark.parametrize("value", [float("nan"), float("inf")], ids=["nan", "inf"])
def test_unsupported_floats(value):
    with pytest.raises(ValueError):
        gojson.marshal(value)


def test_unsupported_type():
    with pytest.raises(TypeError):
        gojson.marshal({"k": object()})
