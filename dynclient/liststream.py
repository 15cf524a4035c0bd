"""Decode a LIST reply one item at a time.

A parsed page of 500 objects takes about five times its JSON size as Python
dicts. ``iter()`` hands items out one by one, so it decodes them one by one
too: the top-level fields with ``raw_decode``, and each element of ``items``
only when the caller asks for it. Peak memory is then the page's text plus
the item in hand, instead of the whole parsed page.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, Iterator, Tuple

__all__ = ["iter_list"]

_decoder = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


def _skip(text: str, pos: int) -> int:
    return _SPACE.match(text, pos).end()  # type: ignore[union-attr]


def _expect(text: str, pos: int, char: str) -> int:
    pos = _skip(text, pos)
    if text[pos:pos + 1] != char:
        raise ValueError(f"expected {char!r} at offset {pos} of a LIST reply, found {text[pos:pos + 20]!r}")
    return pos + 1


def iter_list(text: str, fields: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
    """Yield the elements of the top-level ``items`` array of a JSON object, lazily.

    Every other top-level field is decoded into ``fields`` as it is met
    (the API server writes ``metadata`` before ``items``; any order works, and
    all fields are in ``fields`` once the iterator is exhausted).
    """
    pos = _expect(text, 0, "{")
    pos = _skip(text, pos)
    if text[pos:pos + 1] == "}":
        return
    while True:
        key, pos = _decoder.raw_decode(text, _skip(text, pos))
        pos = _expect(text, pos, ":")
        pos = _skip(text, pos)
        if key == "items" and text[pos:pos + 1] == "[":
            pos = _skip(text, pos + 1)
            if text[pos:pos + 1] == "]":
                pos += 1
            else:
                while True:
                    item, pos = _decoder.raw_decode(text, pos)
                    yield item
                    del item
                    pos = _skip(text, pos)
                    if text[pos:pos + 1] == ",":
                        pos = _skip(text, pos + 1)
                        continue
                    pos = _expect(text, pos, "]")
                    break
        else:
            value, pos = _decoder.raw_decode(text, pos)
            fields[key] = value
        pos = _skip(text, pos)
        if text[pos:pos + 1] == ",":
            pos += 1
            continue
        _expect(text, pos, "}")
        return


def split_list(text: str) -> Tuple[Dict[str, Any], Iterator[Dict[str, Any]]]:
    """``(fields, items)``: fields fill in as the item iterator advances."""
    fields: Dict[str, Any] = {}
    return fields, iter_list(text, fields)
