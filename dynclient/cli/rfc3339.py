"""Go's ``time.Parse(time.RFC3339, s)``, errors included: what ``kubectl logs --since-time`` reads.

kubectl tries ``RFC3339Nano`` then ``RFC3339`` and reports the second's
error, so the messages here are Go's ``ParseError`` texts for the layout
``2006-01-02T15:04:05Z07:00``, element by element::

    parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"
    parsing time "2020-13-01T00:00:00Z": month out of range
    parsing time "2020-01-01T00:00:00Zjunk": extra text: "junk"

As Go, a fraction of a second is accepted after the seconds (the layout has
none), the hour may have one digit, and the day is checked against its month
only once everything else has parsed.
"""

from __future__ import annotations

from typing import List, Tuple

__all__ = ["parse_rfc3339", "go_time_quote", "LAYOUT"]

LAYOUT = "2006-01-02T15:04:05Z07:00"


def go_time_quote(text: str) -> str:
    """The ``time`` package's own ``quote``: ``\\xNN`` for every byte of a non-ASCII or control character."""
    out: List[str] = ['"']
    for ch in text:
        if ord(ch) >= 0x80 or ch < " ":
            out.extend(f"\\x{b:02x}" for b in ch.encode("utf-8", "surrogateescape"))
        else:
            out.append("\\" + ch if ch in '"\\' else ch)
    out.append('"')
    return "".join(out)


class _Bad(Exception):
    pass


def _digit(s: str, i: int) -> bool:
    return len(s) > i and "0" <= s[i] <= "9"


def _getnum(s: str, fixed: bool) -> Tuple[int, str]:
    if not _digit(s, 0):
        raise _Bad
    if not _digit(s, 1):
        if fixed:
            raise _Bad
        return int(s[0]), s[1:]
    return int(s[:2]), s[2:]


def _atoi(s: str) -> int:
    negative = s[:1] == "-"
    body = s[1:] if s[:1] in "+-" else s
    if not body or not all("0" <= c <= "9" for c in body):
        raise _Bad
    return -int(body) if negative else int(body)


def _error(value: str, elem_layout: str, elem_value: str, message: str = "") -> ValueError:
    if message:
        return ValueError(f"parsing time {go_time_quote(value)}{message}")
    return ValueError(f"parsing time {go_time_quote(value)} as {go_time_quote(LAYOUT)}: cannot parse "
                      f"{go_time_quote(elem_value)} as {go_time_quote(elem_layout)}")


# (literal before the element, the element's layout text)
_CHUNKS = (("", "2006"), ("-", "01"), ("-", "02"), ("T", "15"), (":", "04"), (":", "05"), ("", "Z07:00"))


def parse_rfc3339(value: str) -> Tuple[int, int]:
    """``(seconds since the epoch, nanoseconds)`` of ``value``, or ``ValueError`` with Go's message."""
    rest = value
    fields = {}
    offset = 0
    for prefix, elem in _CHUNKS:
        for ch in prefix:
            if not rest or rest[0] != ch:
                raise _error(value, prefix, rest)
            rest = rest[1:]
        hold = rest
        range_error = ""
        try:
            if elem == "2006":
                if len(rest) < 4:
                    raise _Bad
                fields["year"], rest = _atoi(rest[:4]), rest[4:]
            elif elem == "01":
                month, rest = _getnum(rest, True)
                fields["month"] = month
                if not 1 <= month <= 12:
                    range_error = "month"
            elif elem == "02":
                fields["day"], rest = _getnum(rest, True)
            elif elem == "15":
                hour, rest = _getnum(rest, False)
                fields["hour"] = hour
                if not 0 <= hour < 24:
                    range_error = "hour"
            elif elem == "04":
                minute, rest = _getnum(rest, True)
                fields["minute"] = minute
                if not 0 <= minute < 60:
                    range_error = "minute"
            elif elem == "05":
                second, rest = _getnum(rest, True)
                fields["second"] = second
                if not 0 <= second < 60:
                    range_error = "second"
                elif len(rest) >= 2 and rest[0] in ".," and _digit(rest, 1):
                    n = 2
                    while _digit(rest, n):
                        n += 1
                    digits = rest[1:min(n, 10)]
                    fields["nanos"] = int(digits) * 10 ** (9 - len(digits))
                    rest = rest[n:]
            else:  # Z07:00
                if rest[:1] == "Z":
                    rest = rest[1:]
                else:
                    if len(rest) < 6 or rest[3] != ":":
                        raise _Bad
                    sign, hh, mm, rest = rest[0], rest[1:3], rest[4:6], rest[6:]
                    hours = minutes = 0
                    bad = False
                    try:
                        hours, _ = _getnum(hh, True)
                        minutes, _ = _getnum(mm, True)
                    except _Bad:
                        bad = True
                    if hours > 24:
                        range_error = "time zone offset hour"
                    if minutes > 60:
                        range_error = "time zone offset minute"
                    if bad or sign not in "+-":
                        raise _Bad
                    offset = (hours * 60 + minutes) * 60 * (1 if sign == "+" else -1)
        except _Bad:
            if range_error:
                raise _error(value, "", "", f": {range_error} out of range") from None
            raise _error(value, elem, hold) from None
        if range_error:
            raise _error(value, "", "", f": {range_error} out of range")
    if rest:
        raise _error(value, "", "", f": extra text: {go_time_quote(rest)}")
    year, month, day = fields["year"], fields["month"], fields["day"]
    if not 1 <= day <= _days_in(month, year):
        raise _error(value, "", "", ": day out of range")
    days = _days_from_civil(year, month, day)
    seconds = days * 86400 + fields["hour"] * 3600 + fields["minute"] * 60 + fields["second"]
    return seconds - offset, fields.get("nanos", 0)


def _days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar, any year (Go's time has no year 1 floor)."""
    year -= month <= 2
    era = (year if year >= 0 else year - 399) // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468
