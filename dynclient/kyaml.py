"""kubectl's YAML: what ``sigs.k8s.io/yaml`` (go-yaml v2 into ``interface{}``, then JSON) makes of a text.

kubectl reads ``-f`` files in three steps, and this module follows each:

1. ``k8s.io/apimachinery/pkg/util/yaml.YAMLReader`` cuts the stream into
   documents *by lines*: a line that starts with ``---`` ends a document
   (only spaces or a comment may follow it, else ``invalid Yaml document
   separator``), and every line is given back with a ``\\n``, the last one
   too, and without a ``\\r`` before it. That is why a ``|`` block at the end
   of a file with no final newline still ends in ``\\n``.
2. go-yaml v2 decodes the first YAML document of each piece (anything after
   a ``...`` is not read) with YAML 1.1 rules of its own (``resolve.go``):

   * ``y``/``Y``/``yes``/``on``/``true``... are booleans, ``n``/``no``/``off``
     /``false``... too, as keys as well as values;
   * integers are read by Go's ``strconv.ParseInt(s, 0, 64)`` after removing
     ``_``: ``0o17``, ``0x1F``, ``0b101`` and ``017`` are numbers, ``08`` is
     not an integer but matches the float pattern (so it is 8); integers
     wider than 64 bits are floats; ``1e3`` is a float;
   * no sexagesimal numbers (``12:30`` is a string; PyYAML would read 750)
     and no timestamps (a date stays a string);
   * ``.inf``/``.nan`` are floats, which JSON cannot carry: refused with
     Go's ``json: unsupported value: +Inf``;
   * duplicate keys are accepted and the last one wins (kubectl 1.27-1.33);
     merge keys ``<<`` overwrite what came before them in the mapping and
     are overwritten by what comes after, as go-yaml v2 does;
   * ``!!binary`` is base64-decoded into a string (invalid UTF-8 becomes
     U+FFFD, as Go's JSON encoder writes it); any other tag go-yaml does not
     resolve (``!Ref x``, ``!!python/object``) is ignored and the value kept
     as a string, a mapping or a list; a tag that does not fit its value
     (``!!int abc``) is an error in go-yaml's words;
   * an alias is decoded again at each use, counting against go-yaml's
     alias budget: a "billion laughs" fails fast with ``document contains
     excessive aliasing``, ordinary anchors and merge keys work.
3. The value is turned into JSON: keys become strings (``true``, ``7``,
   ``1.5``, a float key in Go's 32-bit shortest form), a null, list or
   mapping key is ``unsupported map key``; kubectl then reads the JSON back
   into unstructured objects, so an integral float is an int (``1e3`` is
   1000, ``1.0`` is 1) and an integer beyond int64 is a float.

Built on PyYAML's event parser (libyaml's ``CParser`` when present: it is
the C library go-yaml was ported from; else PyYAML's pure-Python parser),
but not on PyYAML's composer and constructor, which recurse (a deep
document raises ``RecursionError``) and share aliased objects. Values are
built here with an explicit stack, with two hard limits against hostile
input: ``MAX_DEPTH`` levels of nesting and go-yaml's alias ratio.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import math
import re
import struct
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import yaml
import yaml.scanner
from yaml.events import (AliasEvent, DocumentEndEvent, DocumentStartEvent, MappingEndEvent, MappingStartEvent,
                         ScalarEvent, SequenceEndEvent, SequenceStartEvent, StreamEndEvent)

from discovery.errors import DynclientError

__all__ = ["KYAMLError", "KubectlLoader", "PyKubectlLoader", "load_all", "load_all_located", "safe_load",
           "resolve_plain", "MAX_DEPTH", "PURE_PYTHON"]

#: Nesting deeper than this is refused. go-yaml's own limit is 10,000, but a
#: Python value that deep cannot be JSON-encoded, compared or copied within
#: the interpreter's recursion limit; no real manifest comes near 100.
MAX_DEPTH = 256

_P = "tag:yaml.org,2002:"
_STR, _BOOL, _INT, _FLOAT, _NULL, _TIMESTAMP = (_P + t for t in ("str", "bool", "int", "float", "null", "timestamp"))
_BINARY, _MERGE = _P + "binary", _P + "merge"
_RESOLVABLE = frozenset({"", _STR, _BOOL, _INT, _FLOAT, _NULL, _TIMESTAMP})

_INT64_MIN, _INT64_MAX, _UINT64_MAX = -(1 << 63), (1 << 63) - 1, (1 << 64) - 1


class KYAMLError(DynclientError):
    """A YAML text kubectl would not decode either, or one past this module's limits.

    ``source`` names the file (or ``<string>``...), ``document`` is the
    0-based document index (``None`` for a single-document read) and
    ``line`` the 1-based line (``None`` when unknown). ``problem`` is the
    message without the location.
    """

    def __init__(self, problem: str, *, source: str, line: Optional[int] = None,
                 document: Optional[int] = None) -> None:
        self.problem = problem
        self.source = source
        self.line = line
        self.document = document
        where = source or "<yaml>"
        if document is not None:
            where += f": document {document}"
        if line is not None:
            where += f" (line {line})" if document is not None else f": line {line}"
        super().__init__(f"{where}: {problem}")


# -- go-yaml's scalar resolution (resolve.go) ------------------------------------------------------

_HINTS: Dict[str, str] = {c: "S" for c in "+-"}
_HINTS.update({c: "D" for c in "0123456789"})
_HINTS.update({c: "M" for c in "yYnNtTfFoO~"})
_HINTS["."] = "."

_RESOLVE_MAP: Dict[str, Tuple[str, Any]] = {}
for _tag, _value, _words in (
    (_BOOL, True, "y Y yes Yes YES true True TRUE on On ON"),
    (_BOOL, False, "n N no No NO false False FALSE off Off OFF"),
    (_NULL, None, "~ null Null NULL"),
    (_FLOAT, math.nan, ".nan .NaN .NAN"),
    (_FLOAT, math.inf, ".inf .Inf .INF +.inf +.Inf +.INF"),
    (_FLOAT, -math.inf, "-.inf -.Inf -.INF"),
):
    for _word in _words.split():
        _RESOLVE_MAP[_word] = (_tag, _value)
_RESOLVE_MAP[""] = (_NULL, None)

#: go-yaml's ``yamlStyleFloat``: what the digit/sign branch accepts as a float.
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
#: The decimal forms Go's ``strconv.ParseFloat`` accepts (hex floats, inf and nan left out: they never reach it here).
_GO_DECIMAL_FLOAT = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\Z")
_GO_DIGITS = {2: re.compile(r"[01]+\Z"), 8: re.compile(r"[0-7]+\Z"), 10: re.compile(r"[0-9]+\Z"),
              16: re.compile(r"[0-9a-fA-F]+\Z")}
_TIMESTAMP_RE = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(([Tt]|[ ])[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]{1,9})?(Z|[-+][0-9]{2}:[0-9]{2})?)?\Z")


def _go_parse_uint_digits(s: str) -> Optional[int]:
    """Go's ``ParseUint(s, 0, 64)`` without the range check; ``None`` when it is a syntax error."""
    base = 10
    if len(s) >= 2 and s[0] == "0":
        prefix = s[1].lower()
        if prefix in "xob":
            base, s = {"x": 16, "o": 8, "b": 2}[prefix], s[2:]
        else:
            base, s = 8, s[1:]
    if not _GO_DIGITS[base].match(s):
        return None
    return int(s, base)


def _go_parse_int(s: str) -> Optional[int]:
    """Go's ``strconv.ParseInt(s, 0, 64)``: the value, or ``None`` on any error (syntax or range)."""
    sign, digits = 1, s
    if digits[:1] in ("+", "-"):
        sign, digits = (-1 if digits[0] == "-" else 1), digits[1:]
    magnitude = _go_parse_uint_digits(digits) if digits else None
    if magnitude is None:
        return None
    value = sign * magnitude
    return value if _INT64_MIN <= value <= _INT64_MAX else None


def _go_parse_uint(s: str) -> Optional[int]:
    value = _go_parse_uint_digits(s) if s else None
    return value if value is not None and value <= _UINT64_MAX else None


def _go_parse_float(s: str) -> Optional[float]:
    """Go's ``strconv.ParseFloat(s, 64)`` for decimal text; ``None`` on a syntax error or overflow."""
    if not _GO_DECIMAL_FLOAT.match(s):
        return None
    value = float(s)
    return None if math.isinf(value) else value


def _resolve(tag: str, value: str) -> Tuple[str, Any]:
    """go-yaml's ``resolve(tag, in)`` minus its final tag check: ``(resolved tag, value)``."""
    hint = _HINTS.get(value[0]) if value else "N"
    if hint is None or tag in (_STR, _BINARY):
        return _STR, value
    item = _RESOLVE_MAP.get(value)
    if item is not None:
        return item
    if hint == ".":
        number = _go_parse_float(value)
        if number is not None:
            return _FLOAT, number
    elif hint in "DS":
        if tag in ("", _TIMESTAMP) and _TIMESTAMP_RE.match(value):
            return _TIMESTAMP, value  # into interface{}, go-yaml v2 keeps a timestamp as its text
        plain = value.replace("_", "")
        integer = _go_parse_int(plain)
        if integer is None:
            integer = _go_parse_uint(plain)
        if integer is not None:
            return _INT, integer
        if _YAML_STYLE_FLOAT.match(plain):
            number = _go_parse_float(plain)
            if number is not None:
                return _FLOAT, number
    return _STR, value


def resolve_plain(value: str) -> Any:
    """The Python value go-yaml v2 gives an untagged plain scalar (before the JSON step)."""
    return _resolve("", value)[1]


def _short(tag: str) -> str:
    return "!!" + tag[len(_P):] if tag.startswith(_P) else tag


def _tagged(tag: str, value: str) -> Any:
    """A scalar with a tag go-yaml resolves (``!!int 12``...): its value, or ``ValueError`` in go-yaml's words."""
    rtag, out = _resolve(tag, value)
    if tag in ("", rtag, _STR):
        return out
    if tag == _FLOAT and rtag == _INT and _INT64_MIN <= out <= _INT64_MAX:
        return float(out)
    shown = value if len(value) <= 64 else value[:61] + "..."
    raise ValueError(f"cannot decode {_short(rtag)} `{shown}` as a {_short(tag)}")


def _go_invalid_utf8(error: UnicodeError) -> Tuple[str, int]:
    # Go's JSON encoder writes U+FFFD for each byte of an invalid sequence.
    assert isinstance(error, UnicodeDecodeError)  # registered for decoding only
    return "\ufffd" * (error.end - error.start), error.end


codecs.register_error("dynclient-go-utf8", _go_invalid_utf8)


def _binary(value: str) -> str:
    """``!!binary``: go-yaml decodes standard base64 (line breaks ignored) into a Go string."""
    data = value.replace("\n", "").replace("\r", "")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("!!binary value contains invalid base64 data") from None
    return raw.decode("utf-8", "dynclient-go-utf8")


# -- the JSON step (sigs.k8s.io/yaml convertToJSONableObject, then unstructured) --------------------

def _to_float32(value: float) -> float:
    if abs(value) > 3.4028235677973366e38:  # beyond float32's largest value, half an ulp included
        return math.copysign(math.inf, value)
    return struct.unpack("f", struct.pack("f", value))[0]


def _go_float32_key(value: float) -> str:
    """``strconv.FormatFloat(v, 'g', -1, 32)``, with go-yaml's names for the infinities and NaN."""
    f32 = value if math.isnan(value) else _to_float32(value)
    if math.isnan(f32):
        return ".nan"
    if math.isinf(f32):
        return ".inf" if f32 > 0 else "-.inf"
    if f32 == 0:
        return "-0" if math.copysign(1.0, f32) < 0 else "0"
    sign, magnitude = ("-" if f32 < 0 else ""), abs(f32)
    for precision in range(1, 10):  # the shortest digits that read back as the same float32
        text = f"{magnitude:.{precision - 1}e}"
        if _to_float32(float(text)) == magnitude:
            break
    mantissa, exponent = text.split("e")
    digits, exp = mantissa.replace(".", "").rstrip("0") or "0", int(exponent)
    if exp < -4 or exp >= 6:  # Go's %e choice for the shortest form
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{body}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    point = exp + 1
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def _json_key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        if _INT64_MIN <= key <= _INT64_MAX:
            return str(key)
        raise ValueError(f"unsupported map key of type: uint64, key: {key:#x}")
    if isinstance(key, float):
        return _go_float32_key(key)
    if key is None:
        raise ValueError("unsupported map key of type: %!s(<nil>), key: <nil>")
    kind = "map[interface {}]interface {}" if isinstance(key, dict) else "[]interface {}"
    raise ValueError(f"unsupported map key of type: {kind}")


def _json_value(value: Any) -> Any:
    """A resolved scalar as kubectl's unstructured object holds it once through JSON."""
    if isinstance(value, float):
        if math.isnan(value):
            raise ValueError("json: unsupported value: NaN")
        if math.isinf(value):
            raise ValueError(f"json: unsupported value: {'+' if value > 0 else '-'}Inf")
        if value.is_integer() and -9.2e18 < value < 9.2e18:
            return int(value)
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value > _INT64_MAX:
        return float(value)  # a uint64: kubectl's JSON reader makes it a float64
    return value


# -- building values from events --------------------------------------------------------------------

class _Alias:
    """An alias inside a recorded anchor: the events of the node it stands for."""

    __slots__ = ("name", "events")

    def __init__(self, name: str, events: List[Any]) -> None:
        self.name, self.events = name, events


_OPEN = object()  # an anchor whose node is still being read
_NO_KEY = object()


def _allowed_alias_ratio(decoded: int) -> float:
    # go-yaml v2.2.8+ decode.go: the share of decoding done inside aliases that is still fine.
    if decoded <= 400_000:
        return 0.99
    if decoded >= 4_000_000:
        return 0.10
    return 0.99 - 0.89 * ((decoded - 400_000) / 3_600_000)


class _Failure(Exception):
    """A decoding problem, with the 0-based line in the piece being decoded."""

    def __init__(self, problem: str, line: Optional[int]) -> None:
        super().__init__(problem)
        self.problem, self.line = problem, line


def _build(next_event: Callable[[], Any], first: Any, item_lines: Optional[List[int]] = None) -> Any:
    """The value of the node that starts with event ``first``, reading the rest with ``next_event``.

    An explicit stack instead of recursion; aliases are replayed from the
    recorded events of their anchor, counted as go-yaml counts them.
    ``item_lines``, when given, receives the 0-based line of each element
    of a top-level ``items`` list (where each object of a List starts).
    """
    anchors: Dict[str, Any] = {}
    recorders: List[Tuple[int, str, List[Any]]] = []  # (stack depth at its start, anchor, events)
    replays: List[Iterator[Any]] = []
    stack: List[List[Any]] = []  # [container, is_mapping, pending key, key is merge]
    decoded, aliased = 1, 0  # the document node counts, as in go-yaml
    event = first
    while True:
        if isinstance(event, (_Alias, AliasEvent)):
            if isinstance(event, AliasEvent):
                anchor = event.anchor or ""  # the parser always names an alias's anchor
                target = anchors.get(anchor)
                if target is None:
                    raise _Failure(f"unknown anchor '{event.anchor}' referenced", _line(event))
                if target is _OPEN:
                    raise _Failure(f"anchor '{event.anchor}' value contains itself", _line(event))
                for _, _, events in recorders:
                    events.append(_Alias(anchor, target))
            else:
                target = event.events
            decoded += 1
            if replays:
                aliased += 1
            replays.append(iter(target))
            event = None
        elif isinstance(event, ScalarEvent):
            decoded += 1
            if replays:
                aliased += 1
            if item_lines is not None and len(stack) == 2:
                _note_item(stack, event, item_lines)
            if event.anchor is not None and not replays:
                anchors[event.anchor] = [event]
            tag = event.tag
            value = event.value
            # go-yaml's isMerge: the plain (or !!merge) scalar << as a key.
            is_merge = value == "<<" and ((tag is None and event.implicit[0]) or tag == _MERGE)
            try:
                if tag is None:
                    if event.implicit[0] and (not value or value[0] in _HINTS):
                        value = _resolve("", value)[1]
                elif tag in _RESOLVABLE:
                    value = _tagged(tag, value)
                elif tag == _BINARY:
                    value = _binary(value)
                # any other tag ("!", "!Ref", "!!python/object"...) is ignored: the text stays a string
            except ValueError as err:
                raise _Failure(str(err), _line(event)) from None
            if not stack:
                return _json_value(value)
            top = stack[-1]
            if top[1] and top[2] is _NO_KEY:
                top[2], top[3] = value, is_merge
            else:
                try:
                    _add(top, _json_value(value), event)
                except ValueError as err:
                    raise _Failure(str(err), _line(event)) from None
        elif isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            decoded += 1
            if replays:
                aliased += 1
            if len(stack) >= MAX_DEPTH:
                raise _Failure(f"exceeded max depth of {MAX_DEPTH}", _line(event))
            if item_lines is not None and len(stack) == 2:
                _note_item(stack, event, item_lines)
            if event.anchor is not None and not replays:
                anchors[event.anchor] = _OPEN
                recorders.append((len(stack), event.anchor, []))
            is_mapping = isinstance(event, MappingStartEvent)
            stack.append([{} if is_mapping else [], is_mapping, _NO_KEY, False, event])
        elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
            frame = stack.pop()
            value = frame[0]
            while recorders and recorders[-1][0] == len(stack):
                _, name, events = recorders.pop()
                anchors[name] = [frame[4]] + events  # the end event was recorded as it came
            if not stack:
                return value
            top = stack[-1]
            if top[1] and top[2] is _NO_KEY:
                top[2], top[3] = value, False
            else:
                try:
                    _add(top, value, event)
                except ValueError as err:
                    raise _Failure(str(err), frame[4].start_mark.line) from None
        if aliased > 100 and decoded > 1000 and aliased / decoded > _allowed_alias_ratio(decoded):
            raise _Failure("document contains excessive aliasing", _line(event))
        # the next event: from the innermost alias being replayed, else from the parser
        event = None
        while replays:
            event = next(replays[-1], None)
            if event is not None:
                break
            replays.pop()
        if event is None:
            event = next_event()
            if recorders and not isinstance(event, AliasEvent):
                for _, _, events in recorders:
                    events.append(event)


def _note_item(stack: List[List[Any]], event: Any, item_lines: List[int]) -> None:
    root, items = stack
    if root[1] and root[2] == "items" and not items[1]:
        item_lines.append(event.start_mark.line)


def _line(event: Any) -> Optional[int]:
    mark = getattr(event, "start_mark", None)
    return mark.line if mark is not None else None


def _add(frame: List[Any], value: Any, event: Any) -> None:
    """Put a finished value into the mapping or sequence ``frame``."""
    container = frame[0]
    if not frame[1]:
        container.append(value)
        return
    key, is_merge = frame[2], frame[3]
    frame[2], frame[3] = _NO_KEY, False
    if is_merge:
        _merge(container, value)
        return
    container[_json_key(key)] = value


def _merge(into: Dict[str, Any], value: Any) -> None:
    """``<<: value`` (go-yaml v2 ``merge``): a mapping, or a list of them with the earlier ones winning."""
    if isinstance(value, dict):
        into.update(value)
        return
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        for item in reversed(value):
            into.update(item)
        return
    raise ValueError("map merge requires map or sequence of maps as the value")


# -- the loader class -------------------------------------------------------------------------------

class _KubectlDecoding:
    """Loader mixin: documents come from the parser's events through go-yaml's rules."""

    yaml_implicit_resolvers: Dict[Any, Any] = {}

    def kubectl_document(self) -> Any:
        """The next document's value (``None`` for an empty one); call after ``check_data()``."""
        event = self.get_event()  # type: ignore[attr-defined]
        if isinstance(event, DocumentStartEvent):
            event = self.get_event()  # type: ignore[attr-defined]
        if isinstance(event, DocumentEndEvent):
            return None
        value = _build(self.get_event, event)  # type: ignore[attr-defined]
        self.get_event()  # type: ignore[attr-defined]  # DocumentEnd
        return value

    def check_data(self) -> bool:
        if self.check_event(yaml.StreamStartEvent):  # type: ignore[attr-defined]
            self.get_event()  # type: ignore[attr-defined]
        return not self.check_event(StreamEndEvent)  # type: ignore[attr-defined]

    def get_data(self) -> Any:
        try:
            return self.kubectl_document()
        except _Failure as failure:
            raise yaml.YAMLError(failure.problem) from None

    def get_single_data(self) -> Any:
        return self.get_data() if self.check_data() else None


class PyKubectlLoader(_KubectlDecoding, yaml.SafeLoader):
    """``KubectlLoader`` on PyYAML's pure-Python parser (slower; used where libyaml is missing)."""

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:
        # The pure scanner looks ahead over a run of "[" for a possible simple key, at a cost that
        # grows with the flow level: refuse the depth before the run gets long (libyaml has a limit).
        if self.flow_level >= MAX_DEPTH:
            raise yaml.scanner.ScannerError(None, None, f"exceeded max depth of {MAX_DEPTH}", self.get_mark())
        super().fetch_flow_collection_start(TokenClass)


_CSafeLoader: Any = getattr(yaml, "CSafeLoader", None)
#: True when libyaml is missing and the pure-Python parser is used.
PURE_PYTHON = _CSafeLoader is None

if _CSafeLoader is not None:

    class KubectlLoader(_KubectlDecoding, _CSafeLoader):
        """A PyYAML ``SafeLoader`` (``CSafeLoader``: libyaml's parser) that decodes as kubectl does.

        ``yaml.load(text, Loader=KubectlLoader)`` and ``yaml.load_all`` give
        kubectl's values (see the module docstring). PyYAML's implicit
        resolvers and constructors are not used: values come from the
        parser's events through go-yaml's rules. Prefer ``load_all`` and
        ``safe_load``, which also cut documents the way kubectl does and
        raise ``KYAMLError``. On a big CRD bundle (9 MB) this reads about
        3 times as fast as ``yaml.CSafeLoader`` and 25 times as fast as the
        same rules on the pure-Python parser.
        """

else:  # pragma: no cover - depends on how PyYAML was built
    KubectlLoader = PyKubectlLoader  # type: ignore[misc,assignment]


def _split_documents(text: str) -> Iterator[Tuple[str, int]]:
    """kubectl's ``YAMLReader``: ``(piece, 0-based line it starts on)`` per document.

    A line starting with ``---`` ends a document when anything was read
    since the last one; each line comes back ending in ``\\n``, without a
    ``\\r`` before it. Raises ``_Failure`` for text after a separator that
    is not a comment, as kubectl refuses it.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the text ended with a newline: no further, empty line
    buffer: List[str] = []
    start = 0
    for number, line in enumerate(lines):
        if line.endswith("\r"):
            line = line[:-1]
        if line.startswith("---"):
            rest = line[3:].strip()
            if rest and not rest.startswith("#"):
                raise _Failure(f"invalid Yaml document separator: {rest[:64]}", number)
            if buffer:
                yield "\n".join(buffer) + "\n", start
                buffer = []
            start = number + 1
            continue
        if not buffer:
            start = number
        buffer.append(line)
    if buffer:
        yield "\n".join(buffer) + "\n", start


def _decode_piece(text: str, loader_class: Any, item_lines: Optional[List[int]] = None) -> Tuple[Any, Optional[int]]:
    """The first YAML document of ``text``: ``(value, 0-based line of its root node)``; ``_Failure`` on error."""
    loader = loader_class(text)
    try:
        try:
            event = loader.get_event()  # StreamStart
            event = loader.get_event()
            if isinstance(event, StreamEndEvent):
                return None, None
            event = loader.get_event()  # after DocumentStart
            if isinstance(event, DocumentEndEvent):
                return None, None
            # Nothing after the root node is read: go-yaml ignores what follows it (kubectl takes
            # "{a: 1}\n{b: 2}" as {a: 1}).
            return _build(loader.get_event, event, item_lines), event.start_mark.line
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or ""
            if exc.context_mark is not None and ("end of stream" in problem or "<stream end>" in problem):
                mark = exc.context_mark  # an unclosed quote or bracket: point at where it opened
            context = f"{exc.context}: " if exc.context else ""
            column = f" at column {mark.column + 1}" if mark is not None else ""
            line = mark.line if mark is not None else None
            if line is not None and line >= text.count("\n") > 0:
                line = text.count("\n") - 1  # the end of the piece: name its last line, as go-yaml does
            raise _Failure(f"invalid YAML{column}: {context}{exc.problem or 'cannot parse'}", line) from None
        except yaml.YAMLError as exc:  # e.g. a control character the reader refuses
            raise _Failure(f"invalid YAML: {exc}", None) from None
    finally:
        loader.dispose()


def load_all(text: str, *, source: str, loader: Any = None) -> Iterator[Tuple[Any, int]]:
    """Each document of ``text`` as kubectl decodes it: ``(value, 1-based line it starts on)``.

    Documents that decode to nothing (only comments or blank lines, or
    ``null``) are skipped, as kubectl skips them, and not counted. Raises
    ``KYAMLError`` naming ``source``, the 0-based index of the document
    among the others and the line; documents before a broken one are
    yielded first. ``loader`` picks the parser (``KubectlLoader``, the
    default, or ``PyKubectlLoader``).
    """
    for value, line, _ in load_all_located(text, source=source, loader=loader):
        yield value, line


def load_all_located(text: str, *, source: str, loader: Any = None) -> Iterator[Tuple[Any, int, List[int]]]:
    """``load_all`` plus, per document, the 1-based line of each element of its top-level ``items``."""
    loader_class = loader or KubectlLoader
    index = 0
    pieces = _split_documents(text.lstrip("\ufeff"))
    while True:
        try:
            piece, start = next(pieces)
        except StopIteration:
            return
        except _Failure as failure:
            raise KYAMLError(failure.problem, source=source, document=index,
                             line=None if failure.line is None else failure.line + 1) from None
        item_lines: List[int] = []
        try:
            value, line = _decode_piece(piece, loader_class, item_lines)
        except _Failure as failure:
            raise KYAMLError(failure.problem, source=source, document=index,
                             line=None if failure.line is None else start + failure.line + 1) from None
        if value is None:
            continue
        yield value, start + (line or 0) + 1, [start + n + 1 for n in item_lines]
        index += 1


def safe_load(text: str, *, source: str, loader: Any = None) -> Any:
    """The first YAML document of ``text`` as ``sigs.k8s.io/yaml`` decodes it (kubeconfig files...).

    Single-document files are not split by lines; anything after the first
    document is ignored, as go-yaml ignores it. ``None`` for an empty text.
    Raises ``KYAMLError`` naming ``source`` and the line.
    """
    try:
        value, _ = _decode_piece(text.lstrip("\ufeff"), loader or KubectlLoader)
    except _Failure as failure:
        raise KYAMLError(failure.problem, source=source,
                         line=None if failure.line is None else failure.line + 1) from None
    return value
