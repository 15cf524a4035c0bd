"""Go's ``strconv.Quote`` (``%q``): how kubectl quotes names, paths and values in its messages and logs.

One copy for every layer: the mapper's errors, the path checks, the CLI's messages and klog lines, pod I/O.
"""

from __future__ import annotations

__all__ = ["go_quote"]

_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_quote(text: str) -> str:
    """``strconv.Quote(text)``: printable text as is, the rest escaped; a byte that was not UTF-8
    (``os.fsdecode``'s surrogate escape) as ``\\xNN``, as Go quotes the raw byte."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch.isprintable():
            out.append(ch)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)
