"""``--since-time`` as Go's ``time.Parse(time.RFC3339, ...)`` reads it; every message was checked against kubectl 1.32."""

from __future__ import annotations

import pytest

from dynclient.cli.rfc3339 import go_time_quote, parse_rfc3339

LAYOUT = '"2006-01-02T15:04:05Z07:00"'


@pytest.mark.parametrize("text, value", [
    ("2020-01-01T00:00:00Z", (1577836800, 0)),
    ("2020-01-01T00:00:00.5+02:00", (1577829600, 500_000_000)),
    ("2020-01-01T00:00:00,25Z", (1577836800, 250_000_000)),
    ("2020-01-01T1:00:00Z", (1577840400, 0)),
    ("1969-12-31T23:59:59Z", (-1, 0)),
    ("2024-02-29T12:00:00-00:30", (1709208000 + 1800, 0)),
], ids=["utc", "fraction-and-offset", "comma-fraction", "one-digit-hour", "before-the-epoch", "leap-day"])
def test_parses(text, value):
    assert parse_rfc3339(text) == value


@pytest.mark.parametrize("text, message", [
    ("x", f'parsing time "x" as {LAYOUT}: cannot parse "x" as "2006"'),
    ("2020-13-01T00:00:00Z", 'parsing time "2020-13-01T00:00:00Z": month out of range'),
    ("2020-02-30T00:00:00Z", 'parsing time "2020-02-30T00:00:00Z": day out of range'),
    ("2020-01-01T00:00:00Zjunk", 'parsing time "2020-01-01T00:00:00Zjunk": extra text: "junk"'),
    ("2020-01-01 00:00:00Z", f'parsing time "2020-01-01 00:00:00Z" as {LAYOUT}: cannot parse " 00:00:00Z" as "T"'),
    ("2020-01-01T25:00:00Z", 'parsing time "2020-01-01T25:00:00Z": hour out of range'),
    ("2020-01-01T00:60:00Z", 'parsing time "2020-01-01T00:60:00Z": minute out of range'),
    ("2020-01-01T00:00:00+25:00", 'parsing time "2020-01-01T00:00:00+25:00": time zone offset hour out of range'),
    ("2020-01-01T00:00:00+25:0x", 'parsing time "2020-01-01T00:00:00+25:0x": time zone offset hour out of range'),
    ("2020-01-01T00:00:00", f'parsing time "2020-01-01T00:00:00" as {LAYOUT}: cannot parse "" as "Z07:00"'),
    ("2020-1-01T00:00:00Z", f'parsing time "2020-1-01T00:00:00Z" as {LAYOUT}: cannot parse "1-01T00:00:00Z" as "01"'),
    ("2020-01-01T00:00:00*01:00",
     f'parsing time "2020-01-01T00:00:00*01:00" as {LAYOUT}: cannot parse "*01:00" as "Z07:00"'),
    ("\u00e9", f'parsing time "\\xc3\\xa9" as {LAYOUT}: cannot parse "\\xc3\\xa9" as "2006"'),
], ids=["junk", "month", "day", "extra-text", "space-for-T", "hour", "minute", "offset-hour",
        "offset-hour-wins-over-bad-minutes", "no-zone", "one-digit-month", "bad-zone-sign", "non-ascii"])
def test_go_messages(text, message):
    with pytest.raises(ValueError) as caught:
        parse_rfc3339(text)
    assert str(caught.value) == message


@pytest.mark.parametrize("text, quoted", [("a", '"a"'), ('q"b\\', '"q\\"b\\\\"'), ("\t", '"\\x09"')],
                         ids=["plain", "escapes", "control"])
def test_go_time_quote(text, quoted):
    assert go_time_quote(text) == quoted
