"""kubectl's ``-v=8`` bodies: "Request Body" before each request, "Response Body" after each reply read whole.

client-go's ``logBody`` (kubectl 1.32) logs, at ``-v=8``, every request's
body (``body=""`` when there is none: a GET, a watch) and the body of every
reply it reads whole (``Do()``: discovery, gets, writes, and error replies of
streams too; of a retried request, the last reply only); a stream it hands
to the caller (a watch, ``get --raw``, logs) has no "Response Body" line. The CLI gets both from the transport's seams
(``Transport.send_hooks`` and ``RequestInfo.body``), so every command logs
them, discovery included, and a stream is never read here.

Shapes, as client-go writes them: the body, or Go's ``hex.Dump`` of it when
it holds a byte below ``0x0a`` (binary), cut at 1024 bytes at ``-v=8`` (10240
at ``-v=9``, whole from ``-v=10``) with `` [truncated N chars]``, then as klog
writes a string value: Go-quoted, or a ``<`` block of tab-indented lines when
it holds a newline (the apiserver ends its JSON with one, so a whole reply is
a block and a cut one a quoted line).

Headers are ``requestlog``'s (from ``-v=7``), and reach it masked by the
transport (``Authorization: Bearer <masked>``, as kubectl prints it). The
client's own credential is masked in a body too, should one ever carry it
(kubectl would print it there: the one place we differ on purpose).
"""

from __future__ import annotations

import logging
import re
from typing import Callable, Iterable, Optional, Tuple

from discovery.gostrings import go_quote

__all__ = ["BodyLogger", "install", "truncate_body", "klog_string", "klog_bytes", "body_text",
           "hex_dump", "credential_secrets", "LOGGER"]

LOGGER = "dynclient.cli"
log = logging.getLogger(LOGGER)

#: What replaces the client's own credential, should a body carry it (kubectl's mask for the header).
MASK = "<masked>"


def truncate_body(body: str, verbosity: int) -> str:
    """client-go's ``truncateBody``: 1024 bytes at -v=8, 10240 at -v=9, everything from -v=10."""
    raw = body.encode("utf-8", "surrogateescape")
    return _truncate(raw, verbosity).decode("utf-8", "surrogateescape")


def _truncate(raw: bytes, verbosity: int) -> bytes:
    if verbosity >= 10:
        return raw
    limit = 10240 if verbosity >= 9 else 1024
    if len(raw) <= limit:
        return raw
    # Go cuts the string's bytes, possibly inside a UTF-8 sequence; the count is in bytes too.
    return raw[:limit] + f" [truncated {len(raw) - limit} chars]".encode()


def hex_dump(data: bytes) -> str:
    """Go's ``encoding/hex.Dump``: ``00000000  7b 22 61 22 ...  |{"a"...|`` lines of 16 bytes."""
    lines = []
    for offset in range(0, len(data), 16):
        chunk = data[offset:offset + 16]
        cells = []
        for i in range(16):
            cell = f"{chunk[i]:02x} " if i < len(chunk) else "   "
            cells.append(cell + " " if i == 7 else cell)
        text = "".join(chr(b) if 32 <= b <= 126 else "." for b in chunk)
        lines.append(f"{offset & 0xFFFFFFFF:08x}  {''.join(cells)} |{text}|\n")
    return "".join(lines)


def body_text(content: bytes, verbosity: int) -> bytes:
    """What client-go's ``logBody`` hands klog: the body (hex-dumped if binary), truncated for the verbosity."""
    if any(b < 0x0A for b in content):  # bytes.IndexFunc(body, r < 0x0a): only ASCII bytes can be below it
        content = hex_dump(content).encode("ascii")
    return _truncate(content, verbosity)


_INVALID = re.compile("[\udc80-\udcff]+")


def klog_bytes(value: bytes) -> str:
    """klog's text form of a Go string holding ``value``'s bytes (not always valid UTF-8, once cut)."""
    text = value.decode("utf-8", "surrogateescape")
    if "\n" in text:
        return klog_string(value.decode("utf-8", "replace"))
    # strconv.Quote writes each byte of an invalid sequence as \xNN.
    out, last = ['"'], 0
    for m in _INVALID.finditer(text):
        out.append(go_quote(text[last:m.start()])[1:-1])
        out.append("".join(f"\\x{ord(ch) - 0xDC00:02x}" for ch in m.group()))
        last = m.end()
    out.append(go_quote(text[last:])[1:-1])
    return "".join(out) + '"'


def klog_string(value: str) -> str:
    """klog's text form of a string value: Go-quoted, or a ``<`` block of tab-indented lines if it has a newline."""
    if "\n" not in value:
        return go_quote(value)
    lines = value.split("\n")
    last = lines.pop()
    text = "<\n" + "".join(f"\t{line}\n" for line in lines)
    return text + (" >" if last == "" else f"\t{last}\n >")


def credential_secrets(auth: object) -> Tuple[str, ...]:
    """The secret parts of the credential headers ``auth`` sends (the token after ``Bearer``), for masking.

    Never raises: a credential that cannot be had now failed the request already.
    """
    if auth is None:
        return ()
    try:
        values = list(auth.headers().values())  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - masking must not break the log; the request reports the failure
        return ()
    secrets = []
    for value in values:
        scheme, _, secret = str(value).partition(" ")
        secret = secret.strip() if secret else scheme
        if len(secret) >= 4:  # never mask a word so short it would garble the body
            secrets.append(secret)
    return tuple(secrets)


class BodyLogger:
    """The transport hooks that log kubectl's ``-v=8`` body lines at ``verbosity``.

    ``secrets`` gives the credential texts to mask (asked only when a body
    is logged, so an exec plugin's current token is the one masked).
    Install with ``install(transport)``.
    """

    def __init__(self, verbosity: int, secrets: Callable[[], Iterable[str]] = tuple) -> None:
        self.verbosity = verbosity
        self._secrets = secrets

    def install(self, transport: object) -> None:
        transport.add_send_hook(self.on_send)  # type: ignore[attr-defined]
        transport.add_hook(self.on_reply)  # type: ignore[attr-defined]

    def on_send(self, info: object) -> None:
        if getattr(info, "attempt", 1) == 1:  # once per request, as client-go logs it; not per retry
            self._log("Request Body", getattr(info, "body", b"") or b"")

    def on_reply(self, info: object) -> None:
        body: Optional[bytes] = getattr(info, "body", None)
        # None: a stream its reader consumes, or no reply at all. An attempt the transport will repeat
        # is not logged: client-go's transformResponse (and its log line) only sees the reply it keeps.
        if body is not None and not getattr(info, "retrying", False):
            self._log("Response Body", body)

    def _log(self, what: str, body: bytes) -> None:
        if self.verbosity < 8 or not log.isEnabledFor(logging.DEBUG):
            return
        text = klog_bytes(body_text(body, self.verbosity))
        for secret in self._secrets():
            text = text.replace(secret, MASK)
        log.debug('"%s" body=%s', what, text)


def install(transport: object, verbosity: int, secrets: Callable[[], Iterable[str]] = tuple) -> None:
    """kubectl's request log from ``-v=7`` on: request lines and headers (``requestlog``), bodies from 8.

    The hooks go in so the lines come in kubectl's order: "Request Body",
    then the URL and headers; "Response Status" and headers, then "Response Body".
    """
    from .requestlog import RequestLogger

    bodies = BodyLogger(verbosity, secrets) if verbosity >= 8 else None
    if bodies is not None:
        transport.add_send_hook(bodies.on_send)  # type: ignore[attr-defined]
    RequestLogger(verbosity).install(transport)
    if bodies is not None:
        transport.add_hook(bodies.on_reply)  # type: ignore[attr-defined]
