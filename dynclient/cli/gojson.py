"""JSON exactly as kubectl prints it: Go's ``json.MarshalIndent(obj, "", "    ")``.

kubectl's ``-o json`` printer (cli-runtime ``printers/json.go``) encodes an
unstructured object with ``encoding/json`` and indents it. That differs from
Python's ``json.dumps`` in ways that show up in real objects:

* map keys are sorted (by bytes, which for UTF-8 is code-point order);
* ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e``, ``\\u0026``, and
  U+2028/U+2029 become ``\\u2028``/``\\u2029`` (``Encoder.SetEscapeHTML``);
* other non-ASCII text is written as is; control characters use ``\\b \\f
  \\n \\r \\t`` (Go >= 1.22) or ``\\u00XX``;
* floats use the shortest representation, in ``%f`` style unless the
  magnitude is below 1e-6 or at least 1e21 (``1e-7``, ``1e+21``), so an
  integral float prints without a fraction (``1``, never ``1.0``).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, List, Mapping

__all__ = ["marshal", "marshal_indent", "format_float", "format_number"]

_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _quote(text: str) -> str:
    out: List[str] = ['"']
    for ch in text:
        esc = _SHORT_ESCAPES.get(ch) or _HTML_ESCAPES.get(ch)
        if esc:
            out.append(esc)
        elif ch < " ":
            out.append(f"\\u{ord(ch):04x}")
        elif "\ud800" <= ch <= "\udfff":
            out.append("\ufffd")  # a lone surrogate is invalid UTF-8; Go writes U+FFFD
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def format_float(value: float) -> str:
    """Go ``encoding/json``'s float64 text: shortest digits, ``%e`` only outside [1e-6, 1e21)."""
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"json: unsupported value: {value!r}")
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        text = repr(value)  # Python's repr is shortest and already e-style here: 1e-07, 1.5e+21
        mantissa, _, exponent = text.partition("e")
        sign = exponent[0]
        digits = exponent[1:].lstrip("0") or "0"
        if sign == "+" and len(digits) < 2:
            digits = digits.rjust(2, "0")  # Go writes at least two exponent digits, and trims only "e-0X"
        return f"{mantissa}e{sign}{digits}"
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "-0" and math.copysign(1.0, value) < 0:
        return "-0"
    return text


def format_number(value: float) -> str:
    """A number as kubectl writes it: an int64, else (as unstructured decoding makes it) a float64."""
    if isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63:
        return str(int(value))
    return format_float(float(value))


def _encode(value: Any, indent: str, level: int, out: List[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_quote(value))
    elif isinstance(value, (int, float)):
        out.append(format_number(value))
    elif isinstance(value, Mapping):
        if not value:
            out.append("{}")
            return
        keys = sorted(value, key=str)
        out.append("{")
        for i, key in enumerate(keys):
            if i:
                out.append(",")
            if indent:
                out.append("\n" + indent * (level + 1))
            out.append(_quote(str(key)))
            out.append(": " if indent else ":")
            _encode(value[key], indent, level + 1, out)
        if indent:
            out.append("\n" + indent * level)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            if indent:
                out.append("\n" + indent * (level + 1))
            _encode(item, indent, level + 1, out)
        if indent:
            out.append("\n" + indent * level)
        out.append("]")
    else:
        raise TypeError(f"json: unsupported type: {type(value).__name__}")


def marshal(value: Any) -> str:
    """Compact JSON as Go's ``json.Marshal`` writes it (no trailing newline)."""
    out: List[str] = []
    _encode(value, "", 0, out)
    return "".join(out)


def marshal_indent(value: Any, indent: str = "    ") -> str:
    """Indented JSON as Go's ``json.MarshalIndent(v, "", indent)`` writes it (no trailing newline)."""
    out: List[str] = []
    _encode(value, indent, 0, out)
    return "".join(out)
