"""kubectl's ``-v=8`` response bodies, for the requests the CLI makes itself.

client-go logs ``"Response Body" body="..."`` at ``-v=8``, the body quoted
as Go's ``%q`` (or, when it holds a newline, as klog's ``body=<`` block of
tab-indented lines) and cut at 1024 bytes (10240 at ``-v=9``, whole at ``-v=10``)
with `` [truncated N chars]``. Headers are not logged here, so a bearer
token can never reach the log (kubectl masks it as ``Bearer <masked>``).
"""

from __future__ import annotations

import logging

from .jsonpath import go_quote

__all__ = ["log_response_body", "truncate_body", "klog_string", "LOGGER"]

LOGGER = "dynclient.cli"
log = logging.getLogger(LOGGER)


def truncate_body(body: str, verbosity: int) -> str:
    """client-go's ``truncateBody``: 1024 bytes at -v=8, 10240 at -v=9, everything from -v=10."""
    if verbosity >= 10:
        return body
    limit = 10240 if verbosity >= 9 else 1024
    raw = body.encode("utf-8")
    if len(raw) <= limit:
        return body
    return raw[:limit].decode("utf-8", "replace") + f" [truncated {len(raw) - limit} chars]"


def klog_string(value: str) -> str:
    """klog's text form of a string value: Go-quoted, or a ``<`` block of tab-indented lines if it has a newline."""
    if "\n" not in value:
        return go_quote(value)
    lines = value.split("\n")
    last = lines.pop()
    text = "<\n" + "".join(f"\t{line}\n" for line in lines)
    return text + (" >" if last == "" else f"\t{last}\n >")


def log_response_body(content: bytes, verbosity: int) -> None:
    """Log a reply's body as kubectl's ``-v=8`` does (nothing below -v=8)."""
    if verbosity < 8:
        return
    text = content.decode("utf-8", "replace")
    log.debug('"Response Body" body=%s', klog_string(truncate_body(text, verbosity)))
