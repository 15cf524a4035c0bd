"""Decode a reply into the dict it claims to be, or raise an error that shows what it was.

A proxy's HTML page with status 200, a ``text/plain`` body, an empty body,
``null`` or a JSON array where an object belongs, invalid UTF-8, a reply
nested 100,000 levels deep, a List whose ``items`` is not a list, a 3xx with
no body: each becomes ``InvalidResponse`` (a 2xx that is not the object) or a
``StatusError`` subclass chosen from the HTTP status (anything else that
reached here), never a Python-internal error. Both carry the verb, URL,
status, content type and an escaped excerpt of the body (at most 200 bytes),
like client-go's "the server responded with the status code X but did not
return more information".

Only the reply's ``status_code``, ``headers`` and ``content`` are read, so
any HTTP library's response object fits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, Iterator, Mapping, Tuple

from discovery.errors import EXCERPT_BYTES, InvalidResponse, escape_text, status_error_from_response

__all__ = ["Evidence", "decode_object", "decode_text", "check_list", "checked_items", "check_list_fields",
           "split_checked"]

Obj = Dict[str, Any]


@dataclass(frozen=True)
class Evidence:
    """What an error about one reply names: the request, the status, the content type, the body's start."""

    method: str
    url: str
    status_code: int
    content_type: str
    head: bytes  # the first EXCERPT_BYTES (+1, to show the cut) bytes of the body, not the whole body

    @classmethod
    def of(cls, reply: Any, *, method: str, url: str) -> "Evidence":
        headers = getattr(reply, "headers", None)
        content_type = ""
        if headers is not None:
            value = headers.get("Content-Type")
            content_type = value if isinstance(value, str) else ""
        content = reply.content
        return cls(method, url, int(reply.status_code), content_type, bytes(content[:EXCERPT_BYTES + 1]))

    def invalid(self, problem: str) -> InvalidResponse:
        return InvalidResponse(problem, method=self.method, url=self.url, status_code=self.status_code,
                               content_type=self.content_type, body=self.head)


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _is_json(content_type: str) -> bool:
    # No Content-Type: client-go assumes the one it asked for (JSON) and tries it.
    media = _media_type(content_type)
    return not media or media == "application/json" or media.endswith("+json")


def _decode(reply: Any, method: str, url: str) -> Tuple[str, "Evidence"]:
    evidence = Evidence.of(reply, method=method, url=url)
    code = evidence.status_code
    content = reply.content
    if not 200 <= code <= 299:
        # A 3xx (redirects are not followed) or a 1xx that is not an upgrade: client-go's unstructured error.
        raise status_error_from_response(code, bytes(content[:4096]), method=method, url=url,
                                         content_type=evidence.content_type)
    if not _is_json(evidence.content_type):
        raise evidence.invalid(f"the body is {escape_text(_media_type(evidence.content_type), 60) or 'untyped'}, "
                               "not JSON")
    if not content:
        raise evidence.invalid("the body is empty")
    try:
        # Go's encoding/json reads UTF-8 only; json.loads(bytes) would also guess UTF-16 and UTF-32.
        return content.decode("utf-8"), evidence
    except UnicodeDecodeError as err:
        raise evidence.invalid(f"the body is not UTF-8 (byte {err.start})") from None


def decode_text(reply: Any, *, method: str, url: str) -> str:
    """The body of a 2xx JSON reply as text; raises for another status, another media type, bad UTF-8 or nothing."""
    return _decode(reply, method, url)[0]


def _loads(text: str, evidence: Evidence) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise evidence.invalid("the JSON is nested too deeply to decode") from None
    except ValueError as err:
        raise evidence.invalid(f"the body is not valid JSON ({err})") from None


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)


def decode_object(reply: Any, *, method: str, url: str) -> Obj:
    """The JSON object a 2xx reply carries; ``InvalidResponse`` (or ``StatusError``) if it is anything else."""
    text, evidence = _decode(reply, method, url)
    value = _loads(text, evidence)
    if not isinstance(value, dict):
        raise evidence.invalid(f"the body is {_kind_of(value)}, not a JSON object")
    return value


def check_list_fields(fields: Mapping[str, Any], evidence: Evidence) -> None:
    """A List's own fields: ``items`` a list (or null), ``metadata`` an object, ``continue`` a string."""
    items = fields.get("items")
    if items is not None and not isinstance(items, list):
        raise evidence.invalid(f"the List's items is {_kind_of(items)}, not an array")
    meta = fields.get("metadata")
    if meta is not None:
        if not isinstance(meta, dict):
            raise evidence.invalid(f"the List's metadata is {_kind_of(meta)}, not an object")
        token = meta.get("continue")
        if token is not None and not isinstance(token, str):
            raise evidence.invalid(f"the List's metadata.continue is {_kind_of(token)}, not a string")


def check_list(obj: Obj, reply: Any, *, method: str, url: str) -> Obj:
    """``obj`` if it is a well-formed List: fields as ``check_list_fields``, every item an object."""
    evidence = Evidence.of(reply, method=method, url=url)
    check_list_fields(obj, evidence)
    for index, item in enumerate(obj.get("items") or ()):
        if not isinstance(item, dict):
            raise evidence.invalid(f"the List's items[{index}] is {_kind_of(item)}, not an object")
    return obj


def checked_items(items: Iterator[Any], fields: Mapping[str, Any], evidence: Evidence) -> Iterator[Obj]:
    """The items of a lazily decoded LIST page (``dynclient.liststream``), each checked as it is decoded.

    Decoding errors, deep nesting and items that are not objects become
    ``InvalidResponse``; once the page is exhausted its fields are checked.
    """
    index = 0
    while True:
        try:
            item = next(items)
        except StopIteration:
            break
        except RecursionError:
            raise evidence.invalid("the JSON is nested too deeply to decode") from None
        except ValueError as err:
            raise evidence.invalid(f"the LIST body is not valid JSON ({err})") from None
        if not isinstance(item, dict):
            raise evidence.invalid(f"the List's items[{index}] is {_kind_of(item)}, not an object")
        yield item
        del item
        index += 1
    check_list_fields(fields, evidence)




def split_checked(reply: Any, *, method: str, url: str) -> Tuple[Dict[str, Any], Iterator[Obj]]:
    """A LIST page as ``(fields, items)``: items decoded one at a time and checked (``checked_items``)."""
    from .liststream import split_list

    text, evidence = _decode(reply, method, url)
    fields, items = split_list(text)
    del text
    return fields, checked_items(items, fields, evidence)
