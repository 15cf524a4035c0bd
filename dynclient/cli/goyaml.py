"""YAML exactly as kubectl prints it: ``sigs.k8s.io/yaml.Marshal`` (go-yaml v2 underneath).

kubectl's ``-o yaml`` turns the object into JSON, reads that JSON back as
YAML and emits it with go-yaml v2. What that means for the text:

* keys are sorted in go-yaml's "natural" order (``keyList.Less``: letters
  before other runes, runs of digits compared as numbers);
* a string is written plain unless, unquoted, YAML 1.1 would read it as
  something else (``"true"``, ``"y"``, ``"123"``, ``"1e3"``, ``""``,
  timestamps such as ``"2024-01-02T03:04:05Z"``...), in which case it is
  double-quoted; a string with a newline is a literal block (``|-``);
* numbers are re-read from their JSON text, so an integral float is an int
  and other floats print with ``strconv.FormatFloat(f, 'g', -1, 64)``;
* block style, two-space indent, sequences not indented under their key,
  long plain strings folded at 80 columns.

The emitter itself is PyYAML's, a port of the same libyaml emitter go-yaml
ported; this module only makes the decisions go-yaml makes before
emitting (tags, styles, key order) and feeds PyYAML the resulting events.
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
from typing import Any, List, Mapping

import yaml

from .gojson import format_number as json_number
from .gofloat import format_g
from .goyaml_emitter import GoEmitter

__all__ = ["marshal", "resolves_to_string", "key_less", "format_g"]

_STR, _OTHER = "str", "other"

_RESOLVE_MAP = {
    # bools, nulls, special floats and the merge key of go-yaml v2's resolve table
    *("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"),
    *("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"),
    *("", "~", "null", "Null", "NULL"),
    *(".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"),
    "<<",
}
_HINTED = set("+-0123456789yYnNtTfFoO~.")
_YAML_STYLE_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_BASE60_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_GO_INT = re.compile(r"^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$")
_GO_UINT = re.compile(r"^(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$")
_GO_FLOAT = re.compile(
    r"^[-+]?(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?"
    r"|0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][-+]?[0-9]+"
    r"|[iI][nN][fF]([iI][nN][iI][tT][yY])?|[nN][aA][nN])$"
)
_TS_DATE = r"(\d{4})-(\d{1,2})-(\d{1,2})"
_TS_TIME = r"(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?"
_TIMESTAMPS = (
    re.compile(rf"^{_TS_DATE}[Tt]{_TS_TIME}(?:Z|[-+](\d{{2}}):(\d{{2}}))$"),
    re.compile(rf"^{_TS_DATE} {_TS_TIME}$"),
    re.compile(rf"^{_TS_DATE}$"),
)


def _go_parse_int(text: str) -> bool:
    """``strconv.ParseInt(text, 0, 64)`` or ``ParseUint`` succeeds."""
    m = _GO_INT.match(text)
    if not m:
        return False
    sign, body = m.groups()
    lower = body.lower()
    if lower.startswith(("0x", "0o", "0b")):
        value = int(body[2:], {"x": 16, "o": 8, "b": 2}[lower[1]])
    elif len(body) > 1 and body[0] == "0":
        value = int(body, 8)
    else:
        value = int(body)
    if sign == "-":
        return value <= 2**63
    if value < 2**63:
        return True
    return not sign and value < 2**64 and bool(_GO_UINT.match(text))


def _go_parse_float(text: str) -> bool:
    """``strconv.ParseFloat(text, 64)`` succeeds (parses and is in range)."""
    if not _GO_FLOAT.match(text):
        return False
    try:
        value = float.fromhex(text) if "x" in text.lower() else float(text)
    except (ValueError, OverflowError):
        return False
    return not (value in (float("inf"), float("-inf")) and "inf" not in text.lower())


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _is_timestamp(text: str) -> bool:
    """go-yaml v2 ``parseTimestamp``: one of four ``time.Parse`` layouts, with Go's range checks."""
    for pattern in _TIMESTAMPS:
        m = pattern.match(text)
        if not m:
            continue
        year, month, day = (int(g) for g in m.groups()[:3])
        if not 1 <= month <= 12 or not 1 <= day <= _days_in_month(year, month):
            continue
        clock = [int(g) for g in m.groups()[3:] if g is not None]
        if len(clock) >= 3 and (clock[0] > 23 or clock[1] > 59 or clock[2] > 59):
            continue
        return True
    return False


def _resolve(text: str) -> str:
    """The kind of value go-yaml v2's ``resolve("", text)`` gives a plain scalar."""
    first = text[:1]
    if first and first not in _HINTED:
        return _STR  # go-yaml looks nothing up for a first byte without a hint
    if text in _RESOLVE_MAP:
        return _OTHER
    if first == ".":
        return _OTHER if _go_parse_float(text) else _STR
    if first in "+-0123456789":
        if first.isdigit() and _is_timestamp(text):
            return _OTHER
        plain = text.replace("_", "")
        if _go_parse_int(plain):
            return _OTHER
        if _YAML_STYLE_FLOAT.match(plain) and _go_parse_float(plain):
            return _OTHER
    return _STR


def resolves_to_string(text: str) -> bool:
    """True when go-yaml v2 may write ``text`` unquoted (``encoder.stringv``'s ``canUsePlain``)."""
    return _resolve(text) == _STR and not (_BASE60_FLOAT.match(text) and text[0] in "+-0123456789")


def _digit(ch: str) -> bool:
    return unicodedata.category(ch) == "Nd"


def _wrap64(value: int) -> int:
    """Go's int64 arithmetic wraps around."""
    return (value + 2**63) % 2**64 - 2**63


def key_less(a: str, b: str) -> bool:
    """go-yaml v2 ``keyList.Less`` for two string keys."""
    for i in range(min(len(a), len(b))):
        if a[i] == b[i]:
            continue
        al, bl = a[i].isalpha(), b[i].isalpha()
        if al and bl:
            return a[i] < b[i]
        if al or bl:
            return bl
        an = bn = 0
        if a[i] == "0" or b[i] == "0":
            j = i - 1
            while j >= 0 and _digit(a[j]):
                if a[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < len(a) and _digit(a[ai]):
            an = _wrap64(an * 10 + (ord(a[ai]) - 48))
            ai += 1
        bi = i
        while bi < len(b) and _digit(b[bi]):
            bn = _wrap64(bn * 10 + (ord(b[bi]) - 48))
            bi += 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return a[i] < b[i]
    return len(a) < len(b)


def _key_cmp(a: str, b: str) -> int:
    """``key_less`` as a ``cmp`` function (a def, so the sort key is typed for ``str``)."""
    return -1 if key_less(a, b) else (1 if key_less(b, a) else 0)


_KEY = functools.cmp_to_key(_key_cmp)


def _scalar_text(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    text = json_number(value)  # the JSON text go-yaml reads back
    if "." not in text and "e" not in text and -(2**63) <= int(text) < 2**64:
        return text  # an integral float is an int once it went through JSON
    return format_g(float(text))


# Characters go-yaml's reader refuses when sigs.k8s.io/yaml re-reads the JSON (raw in JSON text).
_UNREADABLE = re.compile("[\x7f-\x9f\ufffe\uffff]")
class _Events:
    """Builds the PyYAML event stream go-yaml would emit for a JSON-like value."""

    def __init__(self) -> None:
        self.events: List[yaml.Event] = []

    def scalar(self, text: str, style: Any) -> None:
        self.events.append(yaml.ScalarEvent(None, None, (True, True), text, style=style))

    def string(self, text: str) -> None:
        if _UNREADABLE.search(text):
            # go-yaml cannot read such JSON back, so kubectl fails the same way.
            raise ValueError("yaml: control characters are not allowed")
        if "\n" in text:
            style = "|"
        elif resolves_to_string(text):
            style = None  # plain if the emitter allows it, else single-quoted, else double
        else:
            style = '"'
        self.scalar(text, style)

    def value(self, value: Any) -> None:
        if isinstance(value, str):
            self.string(value)
        elif isinstance(value, Mapping):
            self.events.append(yaml.MappingStartEvent(None, None, True, flow_style=False))
            for key in sorted((str(k) for k in value), key=_KEY):
                self.string(key)
                self.value(value[key])
            self.events.append(yaml.MappingEndEvent())
        elif isinstance(value, (list, tuple)):
            self.events.append(yaml.SequenceStartEvent(None, None, True, flow_style=False))
            for item in value:
                self.value(item)
            self.events.append(yaml.SequenceEndEvent())
        elif value is None or isinstance(value, (bool, int, float)):
            self.scalar(_scalar_text(value), None)
        else:
            raise TypeError(f"yaml: unsupported type: {type(value).__name__}")


def marshal(value: Any) -> str:
    """The YAML document ``sigs.k8s.io/yaml.Marshal(value)`` writes (ends with a newline)."""
    builder = _Events()
    builder.events += [yaml.StreamStartEvent(), yaml.DocumentStartEvent(explicit=False)]
    builder.value(value)
    builder.events += [yaml.DocumentEndEvent(explicit=False), yaml.StreamEndEvent()]
    out = io.StringIO()
    emitter = GoEmitter(out, allow_unicode=True, width=80, indent=2)
    for event in builder.events:
        if isinstance(event, yaml.StreamEndEvent):
            emitter.open_ended = False  # go-yaml's encoder.finish: no "..." after a final "|+" block
        emitter.emit(event)
    return out.getvalue()
