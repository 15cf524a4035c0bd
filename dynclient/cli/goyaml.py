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
from decimal import Decimal
from typing import Any, List, Mapping

import yaml
import yaml.emitter

from .gojson import format_number as json_number

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


def _go_printable(ch: str) -> bool:
    # go-yaml's is_printable: no C1 controls (so no U+0085), no BOM, nothing outside the BMP.
    return (
        ch == "\n"
        or " " <= ch <= "~"
        or "\xa0" <= ch <= "\ud7ff"
        or ("\ue000" <= ch <= "\ufffd" and ch != "\ufeff")
    )


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


_KEY = functools.cmp_to_key(lambda a, b: -1 if key_less(a, b) else (1 if key_less(b, a) else 0))


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


# strconv's %g with the shortest precision switches to %e from exponent 6 on, and below -4.
_G_EPREC = 6


def format_g(value: float) -> str:
    """``strconv.FormatFloat(value, 'g', -1, 64)``."""
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    ds = "".join(str(d) for d in digits).rstrip("0") or "0"
    if ds == "0":
        return "-0" if sign else "0"
    point = len(digits) + int(exponent)  # position of the decimal point after the first digit run
    exp = point - 1
    neg = "-" if sign else ""
    if exp < -4 or exp >= _G_EPREC:
        mantissa = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        return f"{neg}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{neg}0.{'0' * -point}{ds}"
    if point >= len(ds):
        return f"{neg}{ds}{'0' * (point - len(ds))}"
    return f"{neg}{ds[:point]}.{ds[point:]}"



# Characters go-yaml's reader refuses when sigs.k8s.io/yaml re-reads the JSON (raw in JSON text).
_UNREADABLE = re.compile("[\x7f-\x9f\ufffe\uffff]")
_BREAKS = "\r\n\x85\u2028\u2029"
_ESCAPES = {
    "\0": "0", "\x07": "a", "\x08": "b", "\t": "t", "\n": "n", "\x0b": "v", "\x0c": "f", "\r": "r",
    "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\xa0": "_", "\u2028": "L", "\u2029": "P",
}


class _GoEmitter(yaml.emitter.Emitter):
    """PyYAML's emitter with go-yaml v2's scalar analysis, style choice and scalar writers.

    Both descend from libyaml, but their scalar code drifted apart: go-yaml
    treats ``\\r`` as a line break, rejects characters outside the BMP and
    U+0085 as unprintable, allows an empty simple key, and folds long
    double-quoted strings differently. The structure code is the same.
    """

    def analyze_scalar(self, scalar: str) -> yaml.emitter.ScalarAnalysis:
        # yaml_emitter_analyze_scalar
        if not scalar:
            return yaml.emitter.ScalarAnalysis(
                scalar=scalar, empty=True, multiline=False, allow_flow_plain=False, allow_block_plain=True,
                allow_single_quoted=True, allow_double_quoted=True, allow_block=False)
        block_ind = flow_ind = line_breaks = special = False
        leading_space = leading_break = trailing_space = trailing_break = break_space = space_break = False
        if scalar.startswith(("---", "...")):
            block_ind = flow_ind = True
        preceded_by_ws = True
        previous_space = previous_break = False
        n = len(scalar)
        for i, ch in enumerate(scalar):
            followed_by_ws = i + 1 >= n or scalar[i + 1] in " \t"
            if i == 0:
                if ch in "#,[]{}&*!|>'\"%@`":
                    flow_ind = block_ind = True
                elif ch in "?:":
                    flow_ind = True
                    block_ind = block_ind or followed_by_ws
                elif ch == "-" and followed_by_ws:
                    flow_ind = block_ind = True
            else:
                if ch in ",?[]{}":
                    flow_ind = True
                elif ch == ":":
                    flow_ind = True
                    block_ind = block_ind or followed_by_ws
                elif ch == "#" and preceded_by_ws:
                    flow_ind = block_ind = True
            if not _go_printable(ch):
                special = True
            if ch == " ":
                leading_space = leading_space or i == 0
                trailing_space = trailing_space or i == n - 1
                break_space = break_space or previous_break
                previous_space, previous_break = True, False
            elif ch in _BREAKS:
                line_breaks = True
                leading_break = leading_break or i == 0
                trailing_break = trailing_break or i == n - 1
                space_break = space_break or previous_space
                previous_space, previous_break = False, True
            else:
                previous_space = previous_break = False
            preceded_by_ws = ch in " \t\0" or ch in _BREAKS
        flow_plain = block_plain = single = block = True
        if leading_space or leading_break or trailing_space or trailing_break:
            flow_plain = block_plain = False
        if trailing_space:
            block = False
        if break_space:
            flow_plain = block_plain = single = False
        if space_break or special:
            flow_plain = block_plain = single = block = False
        if line_breaks:
            flow_plain = block_plain = False
        if flow_ind:
            flow_plain = False
        if block_ind:
            block_plain = False
        return yaml.emitter.ScalarAnalysis(
            scalar=scalar, empty=False, multiline=line_breaks, allow_flow_plain=flow_plain,
            allow_block_plain=block_plain, allow_single_quoted=single, allow_double_quoted=True,
            allow_block=block)

    def check_simple_key(self) -> bool:
        # yaml_emitter_check_simple_key: no anchors or tags here; the length is in bytes.
        event = self.event
        if isinstance(event, yaml.ScalarEvent):
            if self.analysis is None:
                self.analysis = self.analyze_scalar(event.value)
            return not self.analysis.multiline and len(event.value.encode("utf-8", "surrogatepass")) <= 128
        if isinstance(event, yaml.SequenceStartEvent):
            return self.check_empty_sequence()
        if isinstance(event, yaml.MappingStartEvent):
            return self.check_empty_mapping()
        return isinstance(event, yaml.AliasEvent)

    def choose_scalar_style(self) -> str:
        # yaml_emitter_select_scalar_style; every event here is implicit and untagged.
        if self.analysis is None:
            self.analysis = self.analyze_scalar(self.event.value)
        a = self.analysis
        style = self.event.style or ""
        if self.simple_key_context and a.multiline:
            style = '"'
        if style == "":
            if (self.flow_level and not a.allow_flow_plain) or (not self.flow_level and not a.allow_block_plain):
                style = "'"
            if not a.scalar and (self.flow_level or self.simple_key_context):
                style = "'"
        if style == "'" and not a.allow_single_quoted:
            style = '"'
        if style in ("|", ">") and (not a.allow_block or self.flow_level or self.simple_key_context):
            style = '"'
        return style

    # -- writers ----------------------------------------------------------------

    def _put(self, text: str) -> None:
        self.column += len(text)
        self.stream.write(text)

    def _write_break(self, ch: str) -> None:
        self.stream.write(ch)
        self.column = 0
        self.line += 1

    def write_indent(self) -> None:
        indent = max(self.indent or 0, 0)
        if not self.indention or self.column > indent or (self.column == indent and not self.whitespace):
            self._write_break("\n")
        if self.column < indent:
            self._put(" " * (indent - self.column))
        self.whitespace = True
        self.indention = True

    def write_plain(self, text: str, split: bool = True) -> None:
        if self.root_context:
            self.open_ended = True
        if not text:
            return
        if not self.whitespace:
            self._put(" ")
        spaces = breaks = False
        for i, ch in enumerate(text):
            if ch == " ":
                nxt = text[i + 1] if i + 1 < len(text) else ""
                if split and not spaces and self.column > self.best_width and nxt != " ":
                    self.write_indent()
                else:
                    self._put(ch)
                spaces = True
            elif ch in _BREAKS:
                if not breaks and ch == "\n":
                    self._write_break("\n")
                self._write_break(ch)
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self._put(ch)
                self.indention = False
                spaces = breaks = False
        self.whitespace = False
        self.indention = False

    def write_single_quoted(self, text: str, split: bool = True) -> None:
        self.write_indicator("'", True)
        spaces = breaks = False
        last = len(text) - 1
        for i, ch in enumerate(text):
            if ch == " ":
                if split and not spaces and self.column > self.best_width and 0 < i < last and text[i + 1] != " ":
                    self.write_indent()
                else:
                    self._put(ch)
                spaces = True
            elif ch in _BREAKS:
                if not breaks and ch == "\n":
                    self._write_break("\n")
                self._write_break(ch)
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self._put("''" if ch == "'" else ch)
                self.indention = False
                spaces = breaks = False
        self.write_indicator("'", False)
        self.whitespace = False
        self.indention = False

    def write_double_quoted(self, text: str, split: bool = True) -> None:
        self.write_indicator('"', True)
        spaces = False
        last = len(text) - 1
        for i, ch in enumerate(text):
            if not _go_printable(ch) or ch in _BREAKS or ch in '"\\':
                code = ord(ch)
                esc = _ESCAPES.get(ch)
                if esc is None:
                    esc = f"x{code:02X}" if code <= 0xFF else (f"u{code:04X}" if code <= 0xFFFF else f"U{code:08X}")
                self._put("\\" + esc)
                spaces = False
            elif ch == " ":
                if split and not spaces and self.column > self.best_width and 0 < i < last:
                    self.write_indent()
                    if text[i + 1] == " ":
                        self._put("\\")
                else:
                    self._put(ch)
                spaces = True
            else:
                self._put(ch)
                spaces = False
        self.write_indicator('"', False)
        self.whitespace = False
        self.indention = False


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
    emitter = _GoEmitter(out, allow_unicode=True, width=80, indent=2)
    for event in builder.events:
        if isinstance(event, yaml.StreamEndEvent):
            emitter.open_ended = False  # go-yaml's encoder.finish: no "..." after a final "|+" block
        emitter.emit(event)
    return out.getvalue()
