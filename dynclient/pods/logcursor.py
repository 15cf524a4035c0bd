"""Where a followed log stands, so a resumed stream neither repeats nor loses a line.

The kubelet prefixes each line with its RFC 3339 timestamp (nanoseconds,
trailing zeros trimmed) when asked with ``timestamps=true``; a resumed
request can then ask for ``sinceTime``. But the API server hands
``sinceTime`` to the kubelet in whole seconds (``Format(time.RFC3339)``), and
``sinceTime`` is inclusive, so the new stream starts with every line of the
last line's second again. ``Cursor`` remembers the last timestamp and how
many lines carried exactly that timestamp; ``Replay`` drops, on the resumed
stream, what came before that instant and that many lines at it, and lets
the rest through.

Timestamps are compared as instants (``stamp_key``), not as text: the
fraction is variable-length, so ``...05.1Z`` sorts after ``...05.09Z`` even
though it is shorter. Parsing happens only while a resumed stream is being
replayed, never per line of a healthy stream.
"""

from __future__ import annotations

import calendar
import re
import time
from typing import List, Optional, Tuple

__all__ = ["Cursor", "Replay", "stamp_key", "since_time_param"]

_STAMP = re.compile(rb"^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d\d):(\d\d))$")

Key = Tuple[int, int]  # (seconds since the epoch, nanoseconds)


def stamp_key(stamp: bytes) -> Optional[Key]:
    """``(epoch seconds, nanoseconds)`` of an RFC 3339 timestamp, or ``None`` when it is not one."""
    m = _STAMP.match(stamp)
    if m is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.group(1, 2, 3, 4, 5, 6))
    frac = m.group(7) or b""
    nanos = int(frac.ljust(9, b"0")) if frac else 0
    try:
        seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    except (OverflowError, ValueError):
        return None
    if m.group(9):
        offset = int(m.group(10)) * 3600 + int(m.group(11)) * 60
        seconds -= offset if m.group(9) == b"+" else -offset
    return seconds, nanos


def since_time_param(key: Key) -> str:
    """The ``sinceTime`` query value for an instant: its second, in UTC (what the server passes on anyway)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(key[0]))


class Cursor:
    """The last timestamp handed out and how many lines in a row carried exactly it."""

    __slots__ = ("stamp", "count")

    def __init__(self) -> None:
        self.stamp = b""
        self.count = 0

    def advance(self, stamp: bytes) -> None:
        """A line with ``stamp`` was handed out."""
        if stamp == self.stamp:
            self.count += 1
        else:
            self.stamp, self.count = stamp, 1

    def advance_block(self, lines: List[bytes]) -> None:
        """``lines`` (stamped, without newlines, at least one) were handed out, in order.

        Only the last line's timestamp matters, and how many lines in a row
        end the block with it: the scan stops at the first other timestamp.
        """
        stamp = lines[-1].partition(b" ")[0]
        run = 1
        i = len(lines) - 2
        while i >= 0 and lines[i].partition(b" ")[0] == stamp:
            run += 1
            i -= 1
        if i < 0 and stamp == self.stamp:
            self.count += run
        else:
            self.stamp, self.count = stamp, run

    @property
    def key(self) -> Optional[Key]:
        return stamp_key(self.stamp) if self.stamp else None


class Replay:
    """Decides, line by line, what of a resumed stream was already handed out.

    ``skip(stamp)`` is True for a line to drop. Once a line is let through,
    every later one is too (``done``): a log is in time order, and what
    follows the first new line is new.
    """

    __slots__ = ("_key", "_same", "done")

    def __init__(self, cursor: Cursor) -> None:
        self._key = cursor.key
        self._same = cursor.count
        self.done = self._key is None

    def skip(self, stamp: bytes) -> bool:
        if self.done:
            return False
        key = stamp_key(stamp)
        if key is None:  # no timestamp to compare: let it through rather than lose it
            self.done = True
            return False
        if key < self._key:  # type: ignore[operator]
            return True
        if key == self._key and self._same > 0:
            self._same -= 1
            return True
        self.done = True
        return False
