"""Label and field selectors, parsed and matched as the API server does.

Label selectors take ``k8s.io/apimachinery/pkg/labels`` syntax: ``k``,
``!k``, ``k=v``, ``k==v``, ``k!=v``, ``k in (a,b)``, ``k notin (a,b)``,
``k>1``, ``k<1``, comma-separated (all must hold). Field selectors take
``fields`` syntax (``f=v``, ``f==v``, ``f!=v``, with ``\\,``, ``\\=`` and
``\\\\`` escapes) over ``metadata.name`` and ``metadata.namespace`` only,
the two fields every kind supports; the per-kind fields the real server adds
(a Pod's ``spec.nodeName``...) are refused with the server's 400.
"""

from __future__ import annotations

import re
from typing import Any, Callable, List, Mapping, Optional, Tuple

from .statuses import bad_request

__all__ = ["parse_label_selector", "parse_field_selector", "Matcher"]

Matcher = Callable[[Mapping[str, Any]], bool]

_KEY = r"[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?"
_SET = re.compile(rf"^\s*({_KEY})\s+(in|notin)\s*\(([^)]*)\)\s*$")
_OP = re.compile(rf"^\s*({_KEY})\s*(==|!=|=|>|<)\s*(.*?)\s*$")
_EXISTS = re.compile(rf"^\s*(!?)\s*({_KEY})\s*$")
FIELDS = ("metadata.name", "metadata.namespace")


def _split_outside_parens(text: str) -> List[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _requirement(term: str) -> Matcher:
    m = _SET.match(term)
    if m:
        key, op, values = m.group(1), m.group(3), {v.strip() for v in m.group(4).split(",") if v.strip()}
        if not values:
            raise bad_request(f"unable to parse requirement: for '{op}', 'notin' operators, values set can't be empty")
        if op == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if "(" in term or ")" in term:
        raise bad_request("unable to parse requirement: found '', expected: ',', ')' or identifier")
    m = _OP.match(term)
    if m:
        key, op, value = m.group(1), m.group(3), m.group(4)
        if op in ("=", "=="):
            return lambda labels: labels.get(key) == value
        if op == "!=":
            return lambda labels: labels.get(key) != value
        try:
            bound = int(value)
        except ValueError:
            raise bad_request(f"unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an "
                              f"integer") from None
        if op == ">":
            return lambda labels: _int(labels.get(key)) is not None and _int(labels.get(key)) > bound  # type: ignore
        return lambda labels: _int(labels.get(key)) is not None and _int(labels.get(key)) < bound  # type: ignore
    m = _EXISTS.match(term)
    if m:
        negate, key = m.group(1) == "!", m.group(2)
        return (lambda labels: key not in labels) if negate else (lambda labels: key in labels)
    raise bad_request(f"unable to parse requirement: invalid label selector term {term.strip()!r}")


def _int(value: Optional[str]) -> Optional[int]:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def parse_label_selector(text: Optional[str]) -> Optional[Matcher]:
    """A predicate over an object, or ``None`` for no selector; a syntax error is the server's 400."""
    if not text or not text.strip():
        return None
    requirements = [_requirement(term) for term in _split_outside_parens(text)]

    def matches(obj: Mapping[str, Any]) -> bool:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return all(r(labels) for r in requirements)

    return matches


def _split_unescaped(text: str, sep: str) -> List[str]:
    parts, current, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i:i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _field_term(term: str) -> Tuple[str, str, str]:
    for op in ("!=", "==", "="):
        idx = _find_unescaped(term, op)
        if idx >= 0:
            return term[:idx].strip(), op, _unescape(term[idx + len(op):])
    raise bad_request(f"invalid selector: '{term}'; can't understand '{term}'")


def _find_unescaped(text: str, op: str) -> int:
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(op, i):
            return i
        i += 1
    return -1


def parse_field_selector(text: Optional[str]) -> Optional[Matcher]:
    """A predicate for ``metadata.name``/``metadata.namespace`` terms, or ``None``; other fields are a 400."""
    if not text or not text.strip():
        return None
    terms = []
    for raw in _split_unescaped(text, ","):
        if not raw.strip():
            continue
        field, op, value = _field_term(raw)
        if field not in FIELDS:
            raise bad_request(f'"{field}" is not a known field selector: only "metadata.name", "metadata.namespace"')
        terms.append((field.split(".")[1], op != "!=", value))

    def matches(obj: Mapping[str, Any]) -> bool:
        meta = obj.get("metadata") or {}
        return all(((meta.get(f) or "") == v) == eq for f, eq, v in terms)

    return matches
