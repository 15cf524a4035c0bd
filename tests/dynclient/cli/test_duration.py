"""Go durations as kubectl's ``--request-timeout`` reads them and client-go writes them."""

from __future__ import annotations

import pytest

from dynclient.cli.duration import TIMEOUT_ERROR, format_go_duration, parse_go_duration, parse_request_timeout

S = 1_000_000_000

TIMEOUTS = [
    ("zero-means-none", "0", 0),
    ("bare-integer-is-seconds", "5", 5 * S),
    ("seconds", "5s", 5 * S),
    ("minutes", "1m", 60 * S),
    ("fraction", "1.5s", 3 * S // 2),
    ("milliseconds", "500ms", S // 2),
    ("compound", "2h30m", 9000 * S),
    ("leading-dot", ".5s", S // 2),
    ("micro", "10us", 10_000),
]


@pytest.mark.parametrize("text,ns", [c[1:] for c in TIMEOUTS], ids=[c[0] for c in TIMEOUTS])
def test_request_timeout_forms(text, ns):
    assert parse_request_timeout(text) == ns


@pytest.mark.parametrize("text", ["abc", "1x", "5 s", "-5", "", "1.5"], ids=["word", "unit", "space", "negative-int",
                                                                           "empty", "fraction-without-unit"])
def test_request_timeout_refusals_use_kubectls_words(text):
    with pytest.raises(ValueError) as info:
        parse_request_timeout(text)
    assert str(info.value) == TIMEOUT_ERROR


@pytest.mark.parametrize("ns,text", [
    (0, "0s"), (5 * S, "5s"), (60 * S, "1m0s"), (3 * S // 2, "1.5s"), (S // 2, "500ms"), (9000 * S, "2h30m0s"),
    (3600 * S + S // 2, "1h0m0.5s"), (-S, "-1s"), (10_000, "10\u00b5s"), (7, "7ns"),
], ids=["zero", "seconds", "minute", "fraction", "ms", "hours", "hour-and-fraction", "negative", "micro", "nanos"])
def test_format_like_go(ns, text):
    assert format_go_duration(ns) == text


@pytest.mark.parametrize("text,message", [
    ("3q", 'time: unknown unit "q" in duration "3q"'), ("s", 'time: invalid duration "s"'),
], ids=["unknown-unit", "no-number"])
def test_parse_errors_are_gos(text, message):
    with pytest.raises(ValueError, match=message):
        parse_go_duration(text)
