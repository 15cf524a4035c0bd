"""pflag's value parsing: ints (base 0 or 10, 32 or 64 bits) and bools, with Go's error texts."""

from __future__ import annotations

import pytest

from dynclient.cli.flags import parse_bool, parse_int

INTS = [
    ("decimal", "500", 64, 0, 500),
    ("negative", "-3", 64, 0, -3),
    ("plus", "+7", 64, 0, 7),
    ("hex", "0x10", 64, 0, 16),
    ("octal-prefix", "010", 64, 0, 8),
    ("octal-o", "0o17", 64, 0, 15),
    ("underscore", "1_000", 64, 0, 1000),
    ("base-10-keeps-zero", "010", 32, 10, 10),
    ("largest-int32", "2147483647", 32, 10, 2147483647),
]


@pytest.mark.parametrize("text,bits,base,value", [c[1:] for c in INTS], ids=[c[0] for c in INTS])
def test_parse_int(text, bits, base, value):
    assert parse_int(text, bits, base) == value


BAD_INTS = [
    ("word", "abc", 64, 0, "invalid syntax"),
    ("empty", "", 64, 0, "invalid syntax"),
    ("float", "1e3", 64, 0, "invalid syntax"),
    ("bad-octal", "08", 64, 0, "invalid syntax"),
    ("underscore-base-10", "1_000", 32, 10, "invalid syntax"),
    ("int64-overflow", "99999999999999999999", 64, 0, "value out of range"),
    ("int32-overflow", "99999999999", 32, 10, "value out of range"),
]


@pytest.mark.parametrize("text,bits,base,why", [c[1:] for c in BAD_INTS], ids=[c[0] for c in BAD_INTS])
def test_parse_int_errors(text, bits, base, why):
    with pytest.raises(ValueError) as info:
        parse_int(text, bits, base)
    assert str(info.value) == f'strconv.ParseInt: parsing "{text}": {why}'


@pytest.mark.parametrize("text,value", [("true", True), ("1", True), ("T", True), ("false", False), ("0", False),
                                        ("F", False)])
def test_parse_bool(text, value):
    assert parse_bool(text) is value
