"""kubectl's JSONPath template dialect (client-go ``util/jsonpath``), for ``-o jsonpath=...``.

A port of client-go 1.32 ``parser.go`` and ``jsonpath.go``: text outside
braces is printed as is; inside ``{...}`` are field paths (``.a.b``,
``['a.b']``), array slices (``[0]``, ``[-1:]``, ``[::2]``, ``[*]``), unions
(``[0,2]``), wildcards, recursive descent (``..name``), filters
(``[?(@.x=="y")]``, ``[?(@.x)]``, ``< > <= >= == !=``), quoted text
(``{"\\n"}``), and ``{range ...}`` ... ``{end}`` loops.

Values are what unstructured decoding makes of JSON: dicts, lists, str,
bool, None, int (Go ``int64``) and float (Go ``float64``, printed by
``fmt.Print``: ``1.5``, ``1e+21``; ``to_float64`` gives what a plain
``encoding/json`` round trip would). Maps and lists print as compact Go
JSON. Several results of one expression are separated by a space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, List, Optional, Tuple

from . import gojson
from discovery.gostrings import go_quote
from .gofloat import format_g

__all__ = ["JSONPath", "JSONPathError", "parse", "go_sharp_v", "go_quote", "to_float64", "parse_error_text",
           "execute_error_text"]


class JSONPathError(Exception):
    """A template that does not parse, or one that fails on the data (client-go's error text)."""


# -- the parse tree ---------------------------------------------------------------------------


@dataclass
class ListNode:
    nodes: List[Any] = field(default_factory=list)


@dataclass(frozen=True)
class TextNode:
    text: str


@dataclass(frozen=True)
class FieldNode:
    name: str


@dataclass(frozen=True)
class IdentifierNode:
    name: str  # range, end


@dataclass(frozen=True)
class IntNode:
    value: int


@dataclass(frozen=True)
class FloatNode:
    value: float


@dataclass(frozen=True)
class BoolNode:
    value: bool


@dataclass(frozen=True)
class WildcardNode:
    pass


@dataclass(frozen=True)
class RecursiveNode:
    pass


@dataclass(frozen=True)
class Param:
    value: int = 0
    known: bool = False
    derived: bool = False


@dataclass(frozen=True)
class ArrayNode:
    params: Tuple[Param, Param, Param]


@dataclass(frozen=True)
class UnionNode:
    nodes: Tuple[ListNode, ...]


@dataclass(frozen=True)
class FilterNode:
    left: ListNode
    right: ListNode
    operator: str


_DICT_KEY = re.compile(r"^'([^']*)'$")
_SLICE = re.compile(r"^(-?\d*)(:-?\d*)?(:-?\d*)?$")
_FILTER = re.compile(r"^([^!<>=]+)([!<>=]+)(.+?)$", re.S)
_EOF = ""


class _Parser:
    """client-go's ``Parser``: a hand-written scanner over the template text."""

    def __init__(self, text: str) -> None:
        self.input = text
        self.pos = 0
        self.start = 0
        self.root = ListNode()

    def parse(self) -> ListNode:
        self._parse_text(self.root)
        return self.root

    # scanner primitives
    def _consume(self) -> str:
        value = self.input[self.start:self.pos]
        self.start = self.pos
        return value

    def _next(self) -> str:
        if self.pos >= len(self.input):
            self._width = 0
            return _EOF
        self._width = 1
        self.pos += 1
        return self.input[self.pos - 1]

    def _peek(self) -> str:
        r = self._next()
        self._backup()
        return r

    def _backup(self) -> None:
        self.pos -= self._width

    # grammar
    def _parse_text(self, cur: ListNode) -> None:
        while True:
            if self.input.startswith("{", self.pos):
                if self.pos > self.start:
                    cur.nodes.append(TextNode(self._consume()))
                return self._parse_left_delim(cur)
            if self._next() == _EOF:
                break
        if self.pos > self.start:
            cur.nodes.append(TextNode(self._consume()))

    def _parse_left_delim(self, cur: ListNode) -> None:
        self.pos += 1
        self._consume()
        node = ListNode()
        cur.nodes.append(node)
        self._parse_inside_action(node)

    def _parse_inside_action(self, cur: ListNode) -> None:
        while True:  # client-go recurses after every token; a loop keeps deep templates off the stack
            rest = self.input[self.pos:]
            if rest.startswith("}"):
                self.pos += 1
                self._consume()
                return self._parse_text(self.root)
            if rest.startswith("[?("):
                self._parse_filter(cur)
                continue
            if rest.startswith(".."):
                self._parse_recursive(cur)
                continue
            r = self._next()
            if r == _EOF or r in "\r\n":
                raise JSONPathError("unclosed action")
            if r == " ":
                self._consume()
            elif r in "@$":
                self._consume()
            elif r == "[":
                self._parse_array(cur)
            elif r in "\"'":
                self._parse_quote(cur, r)
            elif r == ".":
                self._parse_field(cur)
            elif r in "+-" or r.isdigit():
                self._backup()
                self._parse_number(cur)
            elif _is_alphanumeric(r):
                self._backup()
                self._parse_identifier(cur)
            else:
                raise JSONPathError(f"unrecognized character in action: {_go_unicode(r)}")

    def _parse_identifier(self, cur: ListNode) -> None:
        while True:
            r = self._next()
            if _is_terminator(r):
                self._backup()
                break
        value = self._consume()
        if value in ("true", "false"):
            cur.nodes.append(BoolNode(value == "true"))
        else:
            cur.nodes.append(IdentifierNode(value))

    def _parse_recursive(self, cur: ListNode) -> None:
        if cur.nodes and isinstance(cur.nodes[-1], RecursiveNode):
            raise JSONPathError("invalid multiple recursive descent")
        self.pos += 2
        self._consume()
        cur.nodes.append(RecursiveNode())
        if _is_alphanumeric(self._peek()):
            self._parse_field(cur)

    def _parse_number(self, cur: ListNode) -> None:
        if self._peek() in ("+", "-"):
            self._next()
        while True:
            r = self._next()
            if r != "." and not (r and r.isdigit()):
                self._backup()
                break
        value = self._consume()
        if re.fullmatch(r"[+-]?\d+", value):
            cur.nodes.append(IntNode(int(value)))
            return
        try:
            if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", value):
                raise ValueError
            cur.nodes.append(FloatNode(float(value)))
        except ValueError:
            raise JSONPathError(f"cannot parse number {value}") from None

    def _parse_array(self, cur: ListNode) -> None:
        while True:
            r = self._next()
            if r in (_EOF, "\n"):
                raise JSONPathError("unterminated array")
            if r == "]":
                break
        text = self._consume()[1:-1]
        if text == "*":
            text = ":"
        parts = text.split(",")
        if len(parts) > 1:
            cur.nodes.append(UnionNode(tuple(_parse_action(f"[{p.strip(' ')}]") for p in parts)))
            return
        m = _DICT_KEY.match(text)
        if m:
            cur.nodes.extend(_parse_action(f".{m.group(1)}").nodes)
            return
        m = _SLICE.match(text)
        if not m:
            raise JSONPathError(f"invalid array index {text}")
        values = [m.group(1) or "", m.group(2) or "", m.group(3) or ""]
        params: List[Param] = []
        for i in range(3):
            v = values[i]
            if v:
                if i > 0:
                    v = v[1:]
                if i > 0 and v == "":
                    params.append(Param(0, False))
                else:
                    try:
                        params.append(Param(int(v), True))
                    except ValueError:
                        raise JSONPathError(f"array index {v} is not a number") from None
            elif i == 1:
                params.append(Param(params[0].value + 1, True, True))
            else:
                params.append(Param(0, False))
        cur.nodes.append(ArrayNode((params[0], params[1], params[2])))

    def _parse_filter(self, cur: ListNode) -> None:
        self.pos += 3
        self._consume()
        begin = end = False
        pair = ""
        while True:
            r = self._next()
            if r in (_EOF, "\n"):
                raise JSONPathError("unterminated filter")
            if r in "\"'":
                if not begin:
                    begin, pair = True, r
                    continue
                if self.input[self.pos - 2] != "\\" and r == pair:
                    end = True
            elif r == ")":
                if begin == end:
                    break
        if self._next() != "]":
            raise JSONPathError("unclosed array expect ]")
        text = self._consume()[:-2]
        m = _FILTER.match(text)
        if m is None:
            cur.nodes.append(FilterNode(_parse_action(text), ListNode(), "exists"))
        else:
            cur.nodes.append(FilterNode(_parse_action(m.group(1)), _parse_action(m.group(3)), m.group(2)))

    def _parse_quote(self, cur: ListNode, end: str) -> None:
        while True:
            r = self._next()
            if r in (_EOF, "\n"):
                raise JSONPathError("unterminated quoted string")
            if r == end and self.input[self.pos - 2] != "\\":
                break
        value = self._consume()
        try:
            cur.nodes.append(TextNode(_unquote_extend(value)))
        except ValueError as err:
            raise JSONPathError(f"unquote string {value} error {err}") from None

    def _parse_field(self, cur: ListNode) -> None:
        self._consume()
        while self._advance():
            pass
        value = self._consume()
        cur.nodes.append(WildcardNode() if value == "*" else FieldNode(value.replace("\\", "")))

    def _advance(self) -> bool:
        r = self._next()
        if r == "\\":
            self._next()
        elif _is_terminator(r):
            self._backup()
            return False
        return True


def _parse_action(text: str) -> ListNode:
    root = _Parser("{" + text + "}").parse()
    return root.nodes[0]


def parse(template: str) -> ListNode:
    """The parse tree of a template; ``JSONPathError`` with client-go's words when it does not parse."""
    return _Parser(template).parse()


def _is_terminator(r: str) -> bool:
    return r in (_EOF, " ", "\t", "\r", "\n", ".", ",", "[", "]", "$", "@", "{", "}")


def _is_alphanumeric(r: str) -> bool:
    return bool(r) and (r == "_" or r.isalpha() or r.isdigit())


def _go_unicode(r: str) -> str:
    """Go's ``%#U``: ``U+0021 '!'``."""
    return f"U+{ord(r):04X} '{r}'" if r.isprintable() else f"U+{ord(r):04X}"


_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}


def _unquote_extend(s: str) -> str:
    """client-go ``UnquoteExtend``: ``strconv.Unquote`` that also takes single-quoted strings."""
    if len(s) < 2 or s[0] != s[-1] or s[0] not in "\"'":
        raise ValueError("invalid syntax")
    quote, body = s[0], s[1:-1]
    if "\\" not in body and quote not in body:
        return body
    out: List[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == quote:
            raise ValueError("invalid syntax")
        if c != "\\":
            out.append(c)
            i += 1
            continue
        if i + 1 >= len(body):
            raise ValueError("invalid syntax")
        e = body[i + 1]
        if e in _ESCAPES:
            out.append(_ESCAPES[e])
            i += 2
        elif e == quote:
            out.append(e)
            i += 2
        elif e in "xuU":
            n = {"x": 2, "u": 4, "U": 8}[e]
            digits = body[i + 2:i + 2 + n]
            if len(digits) != n or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise ValueError("invalid syntax")
            out.append(chr(int(digits, 16)))
            i += 2 + n
        elif e in "01234567":
            digits = body[i + 1:i + 4]
            if len(digits) != 3 or not all(d in "01234567" for d in digits) or int(digits, 8) > 255:
                raise ValueError("invalid syntax")
            out.append(chr(int(digits, 8)))
            i += 4
        else:
            raise ValueError("invalid syntax")
    return "".join(out)


# -- values in Go's terms ------------------------------------------------------------------------


class GoUint8(int):
    """One byte of a string, as ``reflect.Value.Index`` yields it (a ``uint8``)."""


def to_float64(value: Any) -> Any:
    """What a JSON round trip into ``interface{}`` makes of ``value``: every number a float64."""
    if isinstance(value, dict):
        return {k: to_float64(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_float64(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _go_type(value: Any) -> str:
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, GoUint8):
        return "uint8"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    return "interface {}"


def fmt_print(value: Any) -> str:
    """``fmt.Fprint`` of a decoded JSON value (maps and slices in fmt's ``map[k:v]`` form)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_g(value)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{fmt_print(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(fmt_print(v) for v in value) + "]"
    return str(value)


def go_sharp_v(value: Any, top: bool = True) -> str:
    """``fmt.Sprintf("%#v", v)`` of a decoded JSON value: ``map[string]interface {}{"a":1}``."""
    if value is None:
        return "interface {}(nil)" if not top else "<nil>"
    if isinstance(value, dict):
        return "map[string]interface {}{" + ", ".join(
            f"{go_quote(k)}:{go_sharp_v(value[k], False)}" for k in sorted(value)) + "}"
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(go_sharp_v(v, False) for v in value) + "}"
    if isinstance(value, str):
        return go_quote(value)
    return fmt_print(value)


# -- evaluation ------------------------------------------------------------------------------------

_KIND_BOOL, _KIND_INT, _KIND_UINT, _KIND_FLOAT, _KIND_STRING = "bool", "int", "uint", "float", "string"


def _basic_kind(value: Any) -> str:
    if isinstance(value, bool):
        return _KIND_BOOL
    if isinstance(value, GoUint8):
        return _KIND_UINT
    if isinstance(value, int):
        return _KIND_INT
    if isinstance(value, float):
        return _KIND_FLOAT
    if isinstance(value, str):
        return _KIND_STRING
    raise JSONPathError("invalid type for comparison")


def _equal(a: Any, b: Any) -> bool:
    ka, kb = _basic_kind(a), _basic_kind(b)
    if ka != kb:
        if {ka, kb} == {_KIND_INT, _KIND_UINT}:
            return int(a) == int(b)
        raise JSONPathError("incompatible types for comparison")
    return bool(a == b)


def _less(a: Any, b: Any) -> bool:
    ka, kb = _basic_kind(a), _basic_kind(b)
    if ka != kb:
        if {ka, kb} == {_KIND_INT, _KIND_UINT}:
            return int(a) < int(b)
        raise JSONPathError("incompatible types for comparison")
    if ka == _KIND_BOOL:
        raise JSONPathError("invalid type for comparison")
    if ka == _KIND_STRING:
        return a.encode("utf-8") < b.encode("utf-8")
    return bool(a < b)


def _compare(op: str, a: Any, b: Any) -> bool:
    if op == "<":
        return _less(a, b)
    if op == ">":
        return not (_less(a, b) or _equal(a, b))
    if op == "==":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    if op == "<=":
        return _less(a, b) or _equal(a, b)
    if op == ">=":
        return not _less(a, b)
    raise JSONPathError(f"unrecognized filter operator {op}")


def _children(value: Any) -> List[Any]:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return list(value)
    if isinstance(value, str):
        return [GoUint8(b) for b in value.encode("utf-8")]
    return []


class JSONPath:
    """One parsed template; ``execute(data)`` returns the text kubectl's JSONPath printer writes."""

    def __init__(self, template: str, *, allow_missing_keys: bool = True, output_json: bool = False) -> None:
        self.template = template
        self.root = parse(template)
        self.allow_missing_keys = allow_missing_keys
        self.output_json = output_json

    def execute(self, data: Any) -> str:
        self._begin = self._in = self._end = 0
        self._last_end: Optional[int] = None
        return "".join(self._print_results(r) for r in self._find_results(data, 0))

    def find_results(self, data: Any) -> List[List[Any]]:
        """The values of each part of the template (client-go ``FindResults``)."""
        self._begin = self._in = self._end = 0
        self._last_end = None
        return self._find_results(data, 0)

    def _find_results(self, data: Any, start: int) -> List[List[Any]]:
        nodes = self.root.nodes
        full: List[List[Any]] = []
        i = start
        while i < len(nodes):
            results = self._walk([data], nodes[i])
            if self._end > 0 and self._end <= self._in:
                self._end -= 1
                self._last_end = i
                break
            if self._begin > 0:
                self._begin -= 1
                self._in += 1
                if results:
                    for value in results:
                        full.extend(self._find_results(value, i + 1))
                else:
                    self._find_results(None, i + 1)
                self._in -= 1
                for k in range(i + 1, len(nodes)):
                    if k == self._last_end:
                        i = k
                        break
                i += 1
                continue
            full.append(results)
            i += 1
        return full

    def _print_results(self, results: List[Any]) -> str:
        if self.output_json:
            results = [list(results)]
        parts: List[str] = []
        for i, r in enumerate(results):
            if self.output_json:
                text = gojson.marshal_indent(r) + "\n"
            elif isinstance(r, (dict, list)):
                text = gojson.marshal(r)
            else:
                text = "null" if r is None else fmt_print(r)
            if i != len(results) - 1:
                text += " "
            parts.append(text)
        return "".join(parts)

    def _walk(self, values: List[Any], node: Any) -> List[Any]:
        if isinstance(node, ListNode):
            for child in node.nodes:
                values = self._walk(values, child)
            return values
        if isinstance(node, TextNode):
            return [node.text]
        if isinstance(node, FieldNode):
            return self._field(values, node)
        if isinstance(node, ArrayNode):
            return self._array(values, node)
        if isinstance(node, FilterNode):
            return self._filter(values, node)
        if isinstance(node, (IntNode, FloatNode, BoolNode)):
            return [node.value for _ in values]
        if isinstance(node, WildcardNode):
            return [c for v in values if v is not None for c in _children(v)]
        if isinstance(node, RecursiveNode):
            return self._recursive(values)
        if isinstance(node, UnionNode):
            out: List[Any] = []
            for child in node.nodes:
                out.extend(self._walk(values, child))
            return out
        if isinstance(node, IdentifierNode):
            if node.name == "range":
                self._begin += 1
                return values
            if node.name == "end":
                if self._in > 0:
                    self._end += 1
                    return []
                raise JSONPathError("not in range, nothing to end")
            raise JSONPathError(f"unrecognized identifier {node.name}")
        raise JSONPathError(f"unexpected Node {node}")

    def _field(self, values: List[Any], node: FieldNode) -> List[Any]:
        if not values:
            return []
        out = [v[node.name] for v in values if isinstance(v, dict) and node.name in v]
        if not out and not self.allow_missing_keys:
            raise JSONPathError(f"{node.name} is not found")
        return out

    def _array(self, values: List[Any], node: ArrayNode) -> List[Any]:
        out: List[Any] = []
        for value in values:
            if value is None:
                continue
            if not isinstance(value, list):
                raise JSONPathError(f"{_go_type(value)} is not array or slice")
            p0, p1, p2 = node.params
            length = len(value)
            start = p0.value if p0.known else 0
            if start < 0:
                start += length
            stop = p1.value if p1.known else length
            if stop < 0 or (stop == 0 and p1.derived):
                stop += length
            if stop == start:
                return out
            if start >= length or start < 0:
                raise JSONPathError(f"array index out of bounds: index {start}, length {length}")
            if stop > length or stop < 0:
                raise JSONPathError(f"array index out of bounds: index {stop - 1}, length {length}")
            if start > stop:
                raise JSONPathError(f"starting index {start} is greater than ending index {stop}")
            step = 1
            if p2.known:
                if p2.value <= 0:
                    raise JSONPathError("step must be > 0")
                step = p2.value
            out.extend(value[start:stop:step])
        return out

    def _recursive(self, values: List[Any]) -> List[Any]:
        out: List[Any] = []
        for value in values:
            if value is None:
                continue
            children = _children(value)
            if children:
                out.append(value)
                out.extend(self._recursive(children))
        return out

    def _filter(self, values: List[Any], node: FilterNode) -> List[Any]:
        out: List[Any] = []
        for value in values:
            if not isinstance(value, list):
                raise JSONPathError(f"{fmt_print(value)} is not array or slice and cannot be filtered")
            for item in value:
                if node.operator == "exists":
                    try:
                        lefts = self._walk([item], node.left)
                    except JSONPathError:
                        lefts = []
                    if lefts:
                        out.append(item)
                    continue
                lefts = self._walk([item], node.left)
                if not lefts:
                    continue
                if len(lefts) > 1:
                    raise JSONPathError("can only compare one element at a time")
                rights = self._walk([item], node.right)
                if not rights:
                    continue
                if len(rights) > 1:
                    raise JSONPathError("can only compare one element at a time")
                if _compare(node.operator, lefts[0], rights[0]):
                    out.append(item)
        return out



def parse_error_text(template: str, err: JSONPathError) -> str:
    """kubectl's words when ``-o jsonpath=`` does not parse (the trailing newline is kubectl's too)."""
    return f"error parsing jsonpath {template}, {err}\n"


def execute_error_text(template: str, err: JSONPathError, data: Any) -> str:
    """cli-runtime ``JSONPathPrinter.PrintObj``'s error: the template and the object, in Go's ``%#v``."""
    return (f"error executing jsonpath {go_quote(template)}: Error executing template: {err}. Printing more "
            f"information for debugging the template:\n\ttemplate was:\n\t\t{template}\n\tobject given to "
            f"jsonpath engine was:\n\t\t{go_sharp_v(data)}\n\n\n")
