"""Warnings the API server sends in ``Warning`` headers (deprecated versions, dropped fields...).

The server writes them as RFC 7234 warnings, ``299 - "text"``, one per
header line or several separated by commas. Like client-go, only code 299
with a non-empty text reaches a handler. The default handler logs each
distinct text once on the ``dynclient.warnings`` logger at WARNING level,
so a program that lists a deprecated resource in a loop is told once. The
CLI prints them as kubectl does: ``Warning: <text>`` on stderr, once each.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from typing import Callable, Iterable, List, Set, TextIO, Tuple

__all__ = ["WarningHandler", "parse_warning_headers", "LogOnce", "WriteOnce"]

#: Called with the text of each code-299 warning the server sent.
WarningHandler = Callable[[str], None]

log = logging.getLogger("dynclient.warnings")


def _parse_one(header: str) -> Tuple[int, str, str, str]:
    """One ``code agent "text" ["date"]`` off the front of ``header``: (code, agent, text, rest).

    A port of client-go's ``ParseWarningHeader``; raises ``ValueError`` on a malformed warning.
    """
    parts = header.strip().split(" ", 2)
    if len(parts) != 3:
        raise ValueError("invalid warning header: fewer than 3 segments")
    code, agent, rest = parts
    if len(code) != 3 or not code.isdigit() or not code.isascii():
        raise ValueError("invalid warning header: code segment is not 3 digits")
    if not agent or _has_control(agent):
        raise ValueError("invalid warning header: invalid agent")
    if not rest.startswith('"'):
        raise ValueError("invalid warning header: text is not quoted")
    text: List[str] = []
    escaping = False
    for i in range(1, len(rest)):
        char = rest[i]
        if escaping:
            text.append(char)
            escaping = False
        elif char == "\\":
            escaping = True
        elif char == '"':
            rest = rest[i + 1:].strip()
            break
        else:
            text.append(char)
    else:
        raise ValueError("invalid quoted string: missing closing quote")
    if _has_control("".join(text)):
        raise ValueError("invalid warning header: invalid text")
    if rest.startswith('"'):  # the optional date, quoted, no escapes
        end = rest.find('"', 1)
        if end < 0:
            raise ValueError("invalid warning header: unterminated date segment")
        rest = rest[end + 1:].strip()
    if rest and not rest.startswith(","):
        raise ValueError("invalid warning header: unexpected token after warn-date")
    return int(code), agent, "".join(text), rest[1:].strip()


def _has_control(text: str) -> bool:
    return any(unicodedata.category(char) == "Cc" for char in text)


def parse_warning_headers(values: Iterable[str]) -> List[str]:
    """The texts of the code-299 warnings in ``Warning`` header values; malformed ones are logged and skipped."""
    texts: List[str] = []
    for value in values:
        rest = value
        while rest.strip():
            try:
                code, _agent, text, rest = _parse_one(rest)
            except ValueError as err:
                log.debug("%s", err)  # client-go drops what it cannot parse, too
                break
            if code == 299 and text:
                texts.append(text)
    return texts


class _Once:
    """Calls ``emit`` for each distinct text the first time it is seen. Thread-safe."""

    def __init__(self) -> None:
        self._seen: Set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, text: str) -> None:
        with self._lock:
            if text in self._seen:
                return
            self._seen.add(text)
        self.emit(text)

    def emit(self, text: str) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class LogOnce(_Once):
    """The library default: each distinct warning once on the ``dynclient.warnings`` logger."""

    def emit(self, text: str) -> None:
        log.warning("%s", text)


class WriteOnce(_Once):
    """kubectl's warning printer: ``Warning: <text>`` on ``stream``, each distinct text once."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream

    def emit(self, text: str) -> None:
        self._stream.write(f"Warning: {text}\n")
        self._stream.flush()
