"""Is a credential fit to be sent as an HTTP header value? Checked before any request.

Go's net/http refuses a header value with a control character
(``httpguts.ValidHeaderFieldValue``: bytes below 0x20 other than tab, and DEL)
with ``net/http: invalid header field value for "Authorization"``. Python's
HTTP stack refuses it too, but its message quotes the whole value, and the
value is a token. So every secret-bearing header is checked where it is made,
and the error says whose value it is and which character is wrong, never
the value itself.

Bearer tokens are also held to printable ASCII: a real token never has
anything else, and a character outside latin-1 cannot be sent at all.
"""

from __future__ import annotations

from typing import Optional

__all__ = ["invalid_header_char", "invalid_token_char", "describe"]


def invalid_header_char(value: str) -> Optional[str]:
    """The first character Go's net/http would refuse in a header value, or ``None``."""
    for ch in value:
        if (ch < " " and ch != "\t") or ch == "\x7f":
            return ch
    return None


def invalid_token_char(value: str) -> Optional[str]:
    """The first character that does not belong in a bearer token (not printable ASCII), or ``None``."""
    for ch in value:
        if not (" " <= ch <= "~"):
            return ch
    return None


def describe(ch: str) -> str:
    """Name a character without printing it: ``a line feed (U+000A)``."""
    names = {"\n": "a line feed", "\r": "a carriage return", "\x00": "a NUL", "\t": "a tab", "\x7f": "a DEL"}
    name = names.get(ch) or ("a control character" if ch < " " else "a non-ASCII character")
    return f"{name} (U+{ord(ch):04X})"
