"""The one function that builds API paths, and the name checks done before any request.

Mirrors client-go: ``dynamic/simple.go`` ``makeURLSegments`` builds the
segments, ``rest.IsValidPathSegmentName`` refuses a segment that would change
the URL's structure (``.``, ``..``, a ``/`` or a ``%``) with client-go's own
words (``invalid resource name "a/b": [may not contain '/']``), and Go's
``url.URL.EscapedPath`` percent-escapes everything else that is not allowed
raw in a path. So ``foo?x=1`` is sent as ``foo%3Fx=1``: a name can never
become a query string, a fragment, another path or a second request line
(a space, CR or LF is escaped too), and the server answers NotFound for it,
as it does to kubectl.

``one_term_equal_selector`` is ``fields.OneTermEqualSelector``: a name put in
a field selector is escaped so that it stays one term.
"""

from __future__ import annotations

import re
from typing import List, Optional
from urllib.parse import quote

from discovery.gostrings import go_quote as _go_quote
from discovery.types import GroupVersionResource

__all__ = [
    "resource_path", "check_name", "check_namespace", "check_subresource", "path_segment_problems",
    "escape_segment", "escape_field_value", "one_term_equal_selector",
]

_NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")

#: What Go's ``shouldEscape(c, encodePath)`` leaves raw: unreserved characters and ``$&+,/:;=@``
#: (``/`` never reaches here: a segment with one is refused first).
_GO_PATH_SAFE = "$&+,:;=@"
_RAW_OK = re.compile(r"[A-Za-z0-9\-_.~$&+,:;=@]*")


def path_segment_problems(segment: str) -> List[str]:
    """client-go ``IsValidPathSegmentName``: what makes ``segment`` unsafe as one path segment."""
    if segment in (".", ".."):
        return [f"may not be '{segment}'"]
    problems = []
    for bad in ("/", "%"):
        if bad in segment:
            problems.append(f"may not contain '{bad}'")
    return problems


def _go_list(problems: List[str]) -> str:
    # Go's %v of a []string: [a b]
    return "[" + " ".join(problems) + "]"


def _check_segment(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{what} may not be empty")
    problems = path_segment_problems(value)
    if problems:
        raise ValueError(f"invalid {what} {_go_quote(value)}: {_go_list(problems)}")
    return value


def check_name(name: str, what: str = "resource name") -> str:
    """Refuse a name that is not one safe path segment, before any request (client-go's message)."""
    return _check_segment(name, what)


def check_subresource(subresource: str) -> str:
    """Refuse a subresource such as ``status?dryRun=All`` or ``../x``, before any request."""
    return _check_segment(subresource, "subresource")


def check_namespace(namespace: str) -> str:
    """A namespace is a safe path segment and a DNS-1123 label (at most 63 characters)."""
    _check_segment(namespace, "namespace")
    if len(namespace) > 63 or not _NAMESPACE.fullmatch(namespace):  # fullmatch: "$" would let "ns\n" by
        raise ValueError(f"namespace {namespace!r} is not a valid DNS-1123 label")
    return namespace


def escape_segment(segment: str) -> str:
    """Percent-escape one checked segment as Go's ``EscapedPath`` does (UTF-8, ``%XX``)."""
    if _RAW_OK.fullmatch(segment):
        return segment
    return quote(segment, safe=_GO_PATH_SAFE)


def resource_path(
    gvr: GroupVersionResource,
    namespace: Optional[str] = None,
    name: Optional[str] = None,
    subresource: Optional[str] = None,
) -> str:
    """``/api/v1/namespaces/ns/pods/name/status`` and every shorter form of it, escaped.

    Every segment is checked (``ValueError`` with client-go's message) and
    escaped; this is the only place dynclient turns names into a path.
    """
    if gvr.group:
        parts = ["/apis", escape_segment(_check_segment(gvr.group, "group")),
                 escape_segment(_check_segment(gvr.version, "version"))]
    else:
        parts = ["/api", escape_segment(_check_segment(gvr.version, "version"))]
    if namespace:
        parts += ["namespaces", escape_segment(check_namespace(namespace))]
    parts.append(escape_segment(_check_segment(gvr.resource, "resource")))
    if name is not None:
        parts.append(escape_segment(check_name(name)))
    if subresource:
        parts.append(escape_segment(check_subresource(subresource)))
    return "/".join(parts)


_FIELD_ESCAPES = str.maketrans({"\\": "\\\\", ",": "\\,", "=": "\\="})


def escape_field_value(value: str) -> str:
    """apimachinery ``fields.EscapeValue``: backslash-escape ``\\``, ``,`` and ``=``."""
    return value.translate(_FIELD_ESCAPES)


def one_term_equal_selector(field: str, value: str) -> str:
    """``fields.OneTermEqualSelector(field, value).String()``: ``metadata.name=a\\,b`` stays one term."""
    return f"{field}={escape_field_value(value)}"
