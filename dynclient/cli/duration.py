"""Go durations: ``time.ParseDuration``, ``Duration.String`` and kubectl's ``--request-timeout`` rule.

kubectl reads ``--request-timeout`` with clientcmd's ``ParseTimeout``: a bare
non-negative integer is seconds (``0`` means no timeout), anything else must
be a Go duration (``500ms``, ``5s``, ``1m30s``, ``1.5h``). client-go then
sends the timeout to the server as ``?timeout=<Duration.String()>``
(``1m`` becomes ``1m0s``), so both directions are needed here.
"""

from __future__ import annotations

import re

__all__ = ["parse_go_duration", "format_go_duration", "parse_request_timeout", "TIMEOUT_ERROR"]

#: Nanoseconds per unit, as Go's ``time`` package spells them (``us`` and ``µs`` both mean micro).
_UNITS = {"ns": 1, "us": 1_000, "\u00b5s": 1_000, "\u03bcs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
          "m": 60_000_000_000, "h": 3_600_000_000_000}
_PART = re.compile(r"(\d*)(?:\.(\d*))?([a-z\u00b5\u03bc]+)")
_MAX = 2 ** 63 - 1

TIMEOUT_ERROR = ("Invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a "
                 "corresponding time unit (e.g. 1s | 2m | 3h)")


def parse_go_duration(text: str) -> int:
    """``time.ParseDuration``: nanoseconds, or ``ValueError`` with Go's message."""
    original, s = text, text
    negative = s[:1] == "-"
    if s[:1] in "+-":
        s = s[1:]
    if s == "0":
        return 0
    if not s:
        raise ValueError(f'time: invalid duration "{original}"')
    total = 0
    while s:
        m = _PART.match(s)
        if not m or (not m.group(1) and not m.group(2)):
            raise ValueError(f'time: invalid duration "{original}"')
        whole, frac, unit = m.group(1), m.group(2) or "", m.group(3)
        if unit not in _UNITS:
            raise ValueError(f'time: unknown unit "{unit}" in duration "{original}"')
        scale = _UNITS[unit]
        value = int(whole or "0") * scale + (int(frac) * scale // 10 ** len(frac) if frac else 0)
        total += value
        if total > _MAX + (1 if negative else 0):
            raise ValueError(f'time: invalid duration "{original}"')
        s = s[m.end():]
    return -total if negative else total


def format_go_duration(ns: int) -> str:
    """``time.Duration.String``: ``0s``, ``500ms``, ``1.5s``, ``1m0s``, ``2h30m0s``."""
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    u = abs(ns)
    if u < 1_000_000_000:
        for unit, scale in (("ms", 1_000_000), ("\u00b5s", 1_000), ("ns", 1)):
            if u >= scale:
                return sign + _fraction(u, scale) + unit
    seconds = _fraction(u % 60_000_000_000, 1_000_000_000) + "s"
    minutes_total = u // 60_000_000_000
    if minutes_total == 0:
        return sign + seconds
    hours, minutes = divmod(minutes_total, 60)
    return sign + (f"{hours}h" if hours else "") + f"{minutes}m" + seconds


def _fraction(value: int, scale: int) -> str:
    whole, rest = divmod(value, scale)
    if not rest:
        return str(whole)
    digits = str(rest).rjust(len(str(scale)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"


def parse_request_timeout(text: str) -> int:
    """kubectl's ``--request-timeout`` in nanoseconds (0: none); ``ValueError(TIMEOUT_ERROR)`` when unreadable."""
    if re.fullmatch(r"[+-]?\d+", text):
        value = int(text)
        if 0 <= value < 2 ** 63:
            return value * 1_000_000_000
    try:
        return parse_go_duration(text)
    except ValueError:
        raise ValueError(TIMEOUT_ERROR) from None
