"""The path builder under hostile names (issue 13 item 8): one segment each, escaped, or refused before I/O.

Properties, for any text: a name is either refused with client-go's
``IsValidPathSegmentName`` words (exactly when it is ``.``, ``..``, empty or
holds ``/`` or ``%``), or it becomes one path segment of printable ASCII with
no query, fragment, space or line break, which unescapes to the name again.
A name in a field selector stays one term. Every case is time-bounded.
"""

from __future__ import annotations

import re
import time
from typing import List, Tuple
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from discovery.types import GroupVersionResource
from dynclient.paths import check_namespace, one_term_equal_selector, resource_path

CMS = GroupVersionResource("", "v1", "configmaps")
WIDGETS = GroupVersionResource("example.com", "v1", "widgets")
#: What a path may hold once escaped: Go's unreserved and sub-delim set, and %XX.
PATH_CHARS = re.compile(r"[A-Za-z0-9\-_.~$&+,:;=@%/]*")

hostile_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet="?#%/ \r\n\t\x00.\\,=!\u2028\u00fc\U0001F600aZ", max_size=40),
    st.sampled_from(["..", ".", "", "foo?x=1", "a#b", "%2e%2e", "a/../b", "x HTTP/1.1\r\nHost: evil", "\u202e"]),
)


def refused(name: str) -> bool:
    return name in ("", ".", "..") or "/" in name or "%" in name


@settings(max_examples=400, deadline=200)
@given(name=hostile_text, sub=st.one_of(st.none(), hostile_text))
def test_a_name_is_one_escaped_segment_or_refused(name: str, sub) -> None:
    start = time.monotonic()
    try:
        path = resource_path(WIDGETS, "default", name, sub)
    except ValueError as err:
        assert refused(name) or (sub is not None and sub != "" and refused(sub))
        text = str(err)
        assert "\n" not in text and "\r" not in text  # the message escapes what it quotes
        return
    finally:
        assert time.monotonic() - start < 0.1
    assert not refused(name) and (not sub or not refused(sub))
    assert PATH_CHARS.fullmatch(path), path
    segments = path.split("/")
    assert segments[:6] == ["", "apis", "example.com", "v1", "namespaces", "default"]
    assert segments[6] == "widgets"
    assert unquote(segments[7], errors="strict") == name
    if sub:
        assert len(segments) == 9 and unquote(segments[8], errors="strict") == sub
    else:
        assert len(segments) == 8
    # The request line it makes is one line with one target: nothing to split, inject or smuggle.
    line = f"GET {path} HTTP/1.1"
    assert len(line.split(" ")) == 3 and "?" not in line and "#" not in line


@settings(max_examples=300, deadline=200)
@given(namespace=hostile_text)
def test_a_namespace_is_a_dns_label_or_refused(namespace: str) -> None:
    try:
        check_namespace(namespace)
    except ValueError:
        return
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", namespace) and len(namespace) <= 63


def parse_field_selector(selector: str) -> List[Tuple[str, str, str]]:
    """apimachinery ``fields.ParseSelector``: terms split on unescaped ``,``; ``!=``, ``==`` or ``=``."""
    terms, term, i = [], "", 0
    while i < len(selector):
        c = selector[i]
        if c == "\\" and i + 1 < len(selector):
            term += selector[i:i + 2]
            i += 2
            continue
        if c == ",":
            terms.append(term)
            term = ""
        else:
            term += c
        i += 1
    terms.append(term)
    parsed = []
    for t in terms:
        j = 0
        while j < len(t):
            if t[j] == "\\":
                j += 2
                continue
            for op in ("!=", "==", "="):
                if t.startswith(op, j):
                    value = re.sub(r"\\(.)", r"\1", t[j + len(op):])
                    parsed.append((t[:j], op, value))
                    break
            else:
                j += 1
                continue
            break
    return parsed


@settings(max_examples=400, deadline=200)
@given(name=hostile_text)
def test_a_name_in_a_field_selector_is_one_term(name: str) -> None:
    assert parse_field_selector(one_term_equal_selector("metadata.name", name)) == [("metadata.name", "=", name)]


@pytest.mark.parametrize("size", [10_000, 1_000_000], ids=["10k", "1M"])
def test_a_huge_name_is_escaped_in_linear_time(size: int) -> None:
    start = time.monotonic()
    path = resource_path(CMS, "default", "?" * size)
    assert time.monotonic() - start < 1.0
    assert path.endswith("%3F" * size)
