"""Read manifests: files, directories, streams, stdin or text, into validated documents.

What kubectl's resource builder accepts, with provenance kept: every object
comes as a ``Document`` that says which source, which document in it
(0-based, counting every document of the stream, empty ones too) and which
line (1-based) it starts on, so each error can point at it.

Rules, and where they come from:

* YAML is decoded as kubectl decodes it (``dynclient.kyaml``: sigs.k8s.io/yaml
  on go-yaml v2): documents are cut at ``---`` lines, plain scalars resolve
  by go-yaml's rules (``12:30`` is a string, ``0o644`` a number, ``y`` a
  boolean), duplicate keys are accepted and the last one wins (kubectl
  1.27-1.33 do the same; the API server's strict field validation then
  sees one field), unknown tags are ignored, ``.inf`` is refused, and alias
  bombs and deep nesting fail fast. Nothing builds Python objects.
* Input whose first character is ``{`` is read as a stream of JSON objects,
  as kubectl's ``YAMLOrJSONDecoder`` sniffs it; if that fails the text is
  tried as YAML (a flow mapping), and the JSON error is reported only when
  both fail. Duplicate JSON keys: the last wins, as with kubectl; NaN and
  Infinity are refused; an integer beyond 64 bits becomes a float.
* Empty documents are skipped. An object with an ``items`` key is a List,
  whatever its kind, as kubectl's unstructured decoder reads it
  (``UnstructuredJSONScheme``): it is replaced by its items (``items: null``
  is an empty List), and an item with neither ``kind`` nor ``apiVersion``
  takes the List's apiVersion and its kind without the ``List`` suffix.
  Nested Lists are flattened too.
* Every object needs ``apiVersion``, ``kind`` and ``metadata.name`` (or
  ``metadata.generateName``).

``iter_documents`` raises at the first unusable document; ``iter_entries``
yields an ``InvalidDocument`` in its place and goes on, as kubectl goes on
with the other documents (after a YAML syntax error, with the other files:
the rest of that file is skipped, as kubectl's stream reader stops there).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple, Union

from discovery.types import GroupVersion

from .. import kyaml
from ..errors import ManifestError

__all__ = ["Document", "InvalidDocument", "Source", "iter_documents", "iter_entries", "load_manifests",
           "MANIFEST_EXTENSIONS"]

#: What a directory walk picks up (kubectl's ``FileExtensions``), compared case-insensitively.
MANIFEST_EXTENSIONS = (".yaml", ".yml", ".json")

#: A single source: a path, an open stream, ``"-"`` (stdin), manifest text, or one object.
Source = Union[str, bytes, "os.PathLike[str]", IO[str], IO[bytes], Mapping[str, Any], "Document"]


@dataclass(frozen=True)
class Document:
    """One object from a manifest, with where it came from.

    ``index`` is the 0-based position of its document in the source and
    ``line`` the 1-based line that document starts on (0 when unknown, as
    for objects passed in as dicts). ``item`` says where inside a ``List``
    the object sat (``"items[2]"``), empty for a top-level object, and
    ``list_kind`` the ``(apiVersion, kind)`` of that List: kubectl maps the
    List's own kind too, and applies nothing of a List whose kind is not
    served.
    """

    source: str
    index: int
    line: int
    obj: Dict[str, Any] = field(repr=False)
    item: str = ""
    list_kind: Optional[Tuple[str, str]] = None

    @property
    def api_version(self) -> str:
        value = self.obj.get("apiVersion")
        return value if isinstance(value, str) else ""

    @property
    def kind(self) -> str:
        value = self.obj.get("kind")
        return value if isinstance(value, str) else ""

    @property
    def metadata(self) -> Mapping[str, Any]:
        meta = self.obj.get("metadata")
        return meta if isinstance(meta, dict) else {}

    @property
    def name(self) -> str:
        """``metadata.name``, or ``""`` when the object only has a ``generateName``."""
        return self.metadata.get("name") or ""

    @property
    def namespace(self) -> Optional[str]:
        return self.metadata.get("namespace") or None

    @property
    def group(self) -> str:
        try:
            return GroupVersion.parse(self.api_version).group
        except ValueError:
            return ""

    def error(self, message: str) -> ManifestError:
        """A ``ManifestError`` located at this document (and List item)."""
        return _error(message, self.source, self.index, self.line, self.item)

    def __str__(self) -> str:
        where = f"{self.source}: document {self.index}"
        if self.line:
            where += f" (line {self.line})"
        if self.item:
            where += f" {self.item}"
        return where


def _error(message: str, source: str, index: Optional[int], line: Optional[int], item: str = "") -> ManifestError:
    return ManifestError(f"{item}: {message}" if item else message, source=source, document=index,
                         line=line or None)


@dataclass(frozen=True)
class InvalidDocument:
    """A document (or a whole file) that could not be used, in place of its objects (``iter_entries``).

    ``error`` is the ``ManifestError`` ``iter_documents`` would raise: it names
    the source, the document index and the line. ``document`` is a
    ``Document`` at that place, holding the raw object when it was a mapping
    (``{}`` otherwise), so that a result can be reported for it.
    """

    error: ManifestError
    document: "Document"


# -- sources -------------------------------------------------------------------

def _looks_like_text(text: str) -> bool:
    stripped = text.lstrip("\ufeff \t\r\n")
    return "\n" in text or stripped.startswith(("{", "apiVersion:", "kind:", "---"))


def _read_stream(stream: Any) -> str:
    data = stream.read()
    if isinstance(data, bytes):
        return data.decode("utf-8-sig")
    return data


def _walk(directory: Path) -> List[Path]:
    """Manifest files under ``directory``, recursively, sorted by relative path."""
    found = []
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in files:
            if name.lower().endswith(MANIFEST_EXTENSIONS):
                found.append(Path(root, name))
    return sorted(found, key=lambda p: p.relative_to(directory).parts)


def _path_texts(path: Path, shown: str) -> Iterator[Tuple[str, str]]:
    if path.is_dir():
        for file in _walk(path):
            yield from _path_texts(file, os.path.join(shown, os.path.relpath(file, path)))
        return
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ManifestError("no such file or directory", source=shown) from None
    except OSError as exc:
        raise ManifestError(f"cannot read: {exc.strerror or exc}", source=shown) from exc
    try:
        yield shown, data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", source=shown) from None


def _texts(source: Any) -> Iterator[Tuple[str, str]]:
    """``(name, text)`` for each file or stream a single source stands for."""
    if isinstance(source, os.PathLike):
        path = os.fspath(source)
        yield from _path_texts(Path(path), str(path))
    elif isinstance(source, bytes):
        yield "<bytes>", source.decode("utf-8-sig")
    elif isinstance(source, str):
        if source == "-":
            yield "<stdin>", _read_stream(getattr(sys.stdin, "buffer", sys.stdin))
        elif _looks_like_text(source):
            yield "<string>", source
        else:
            yield from _path_texts(Path(source), source)
    elif hasattr(source, "read"):
        name = getattr(source, "name", None)
        yield (name if isinstance(name, str) else "<stream>"), _read_stream(source)
    else:
        raise TypeError(f"cannot read manifests from a {type(source).__name__}")


# -- parsing -------------------------------------------------------------------

class _Raw:
    """One parsed document before validation: its value, and where each of its ``items`` starts."""

    __slots__ = ("index", "line", "value", "item_lines")

    def __init__(self, index: int, line: int, value: Any, item_lines: Optional[List[int]] = None) -> None:
        self.index, self.line, self.value, self.item_lines = index, line, value, item_lines or []


def _yaml_documents(text: str, name: str) -> Iterator[_Raw]:
    index = 0
    try:
        for value, line, item_lines in kyaml.load_all_located(text, source=name):
            yield _Raw(index, line, value, item_lines)
            index += 1
    except kyaml.KYAMLError as exc:
        raise ManifestError(exc.problem, source=name, document=exc.document, line=exc.line) from None


class _BadJSON(Exception):
    """JSON that does not parse, with the index of the document it broke in."""

    def __init__(self, index: int, cause: json.JSONDecodeError) -> None:
        super().__init__(index, cause)
        self.index, self.cause = index, cause


def _json_int(text: str) -> Any:
    # kubectl's unstructured JSON reader: an integer beyond int64 is a float64.
    value = int(text)
    return value if -(1 << 63) <= value < (1 << 63) else float(value)


def _json_constant(name: str) -> Any:
    raise ValueError(f"invalid character {name[0]!r} looking for beginning of value ({name} is not JSON)")


def _too_deep(value: Any) -> bool:
    """Whether ``value`` nests deeper than ``kyaml.MAX_DEPTH`` (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > kyaml.MAX_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _json_documents(text: str, name: str) -> List[_Raw]:
    """A stream of JSON values separated by whitespace; raises ``_BadJSON`` on bad JSON."""
    decoder = json.JSONDecoder(parse_int=_json_int, parse_constant=_json_constant)
    docs: List[_Raw] = []
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in " \t\r\n\ufeff":
            pos += 1
        if pos >= end:
            return docs
        line = text.count("\n", 0, pos) + 1
        start = pos
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise _BadJSON(len(docs), exc) from None
        except RecursionError:
            raise ManifestError(f"exceeded max depth of {kyaml.MAX_DEPTH}", source=name, document=len(docs),
                                line=line) from None
        except ValueError as exc:  # NaN, Infinity
            raise ManifestError(f"invalid JSON: {exc}", source=name, document=len(docs), line=line) from None
        if text.count("{", start, pos) + text.count("[", start, pos) > kyaml.MAX_DEPTH and _too_deep(value):
            raise ManifestError(f"exceeded max depth of {kyaml.MAX_DEPTH}", source=name, document=len(docs),
                                line=line)
        docs.append(_Raw(len(docs), line, value))


def _parse(text: str, name: str) -> Iterable[_Raw]:
    text = text.lstrip("\ufeff")
    if text.lstrip(" \t\r\n").startswith("{"):
        try:
            return _json_documents(text, name)
        except _BadJSON as bad:
            if bad.index == 0:
                # Not JSON at all: perhaps YAML in flow style ({apiVersion: v1, ...}), which kubectl
                # refuses; read it as YAML instead. Once a JSON object did parse, the stream is JSON.
                try:
                    return list(_yaml_documents(text, name))
                except ManifestError:
                    pass
            err = bad.cause
            raise ManifestError(f"invalid JSON at column {err.colno}: {err.msg}", source=name,
                                document=bad.index, line=err.lineno) from None
    return _yaml_documents(text, name)


# -- validation and flattening ------------------------------------------------

def _type_name(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return type(value).__name__


def _is_list(obj: Mapping[str, Any]) -> bool:
    # UnstructuredJSONScheme: any object with an "items" field (null included) decodes as a List.
    return "items" in obj


def _validate(obj: Any, source: str, index: int, line: int, item: str) -> None:
    def fail(message: str) -> ManifestError:
        return _error(message, source, index, line, item)

    if not isinstance(obj, dict):
        raise fail(f"expected a mapping (an object with apiVersion and kind), got {_type_name(obj)}")
    for key in ("apiVersion", "kind"):
        value = obj.get(key)
        if value is None or value == "":
            raise fail(f"{key} is missing")
        if not isinstance(value, str):
            raise fail(f"{key} must be a string, got {_type_name(value)}")
    try:
        GroupVersion.parse(obj["apiVersion"])
    except ValueError:
        raise fail(f"apiVersion {obj['apiVersion']!r} is not group/version or version") from None
    if _is_list(obj):
        return  # a List names no object of its own
    meta = obj.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        raise fail(f"metadata must be a mapping, got {_type_name(meta)}")
    meta = meta or {}
    for key in ("name", "generateName", "namespace"):
        if meta.get(key) is not None and not isinstance(meta[key], str):
            raise fail(f"metadata.{key} must be a string, got {_type_name(meta[key])}")
    if not meta.get("name") and not meta.get("generateName"):
        raise fail(f"metadata.name is missing (a {obj['kind']} needs a name, or a generateName to create)")


def _flatten(obj: Any, item_lines: List[int], source: str, index: int, line: int, item: str = "",
             list_kind: Optional[Tuple[str, str]] = None) -> Iterator[Union[Document, InvalidDocument]]:
    try:
        _validate(obj, source, index, line, item)
    except ManifestError as err:
        yield InvalidDocument(err, Document(source, index, line, obj if isinstance(obj, dict) else {}, item))
        return
    if not _is_list(obj):
        yield Document(source, index, line, obj, item, list_kind)
        return
    items = obj["items"]
    if items is None:
        return  # an empty List
    if not isinstance(items, list):
        problem = _error(f"items must be a list, got {_type_name(items)} (an object with items is read as a List)",
                         source, index, line, item)
        yield InvalidDocument(problem, Document(source, index, line, obj, item))
        return
    own_kind = obj["kind"]
    item_kind = own_kind[: -len("List")] if own_kind.endswith("List") else own_kind
    for i, child in enumerate(items):
        if isinstance(child, dict) and not child.get("kind") and not child.get("apiVersion"):
            # decodeToList: items of a typed list do not repeat their kind and apiVersion.
            child = {**child, "apiVersion": obj["apiVersion"], "kind": item_kind}
        child_line = item_lines[i] if i < len(item_lines) else line
        yield from _flatten(child, [], source, index, child_line, f"{item}.items[{i}]" if item else f"items[{i}]",
                            (obj["apiVersion"], own_kind))


def _entries_of(source: Any) -> Iterator[Union[Document, InvalidDocument]]:
    if isinstance(source, Document):
        yield source
        return
    texts = _texts(source)
    while True:
        try:
            name, text = next(texts)
        except StopIteration:
            return
        except ManifestError as err:  # unreadable: a missing file, not UTF-8...
            yield InvalidDocument(err, Document(err.source, 0, 0, {}))
            continue
        try:
            for raw in _parse(text, name):
                if raw.value is None:
                    continue  # an empty document, or only comments
                yield from _flatten(raw.value, raw.item_lines, name, raw.index, raw.line)
        except ManifestError as err:
            # A syntax error ends this file, as kubectl's stream reader stops; other sources go on.
            yield InvalidDocument(err, Document(name, err.document or 0, err.line or 0, {}))


def iter_entries(source: Union["Source", Iterable["Source"]]) -> Iterator[Union[Document, InvalidDocument]]:
    """Like ``iter_documents``, but yield an ``InvalidDocument`` for each unusable document and go on.

    After a YAML or JSON syntax error the rest of that file is skipped (its
    documents cannot be told apart reliably, and kubectl stops there too);
    the other files and sources are still read.
    """
    if isinstance(source, Mapping):
        yield from _flatten(source if isinstance(source, dict) else dict(source), [], "<object>", 0, 0)
        return
    if isinstance(source, (list, tuple)):
        for position, each in enumerate(source):
            if isinstance(each, Mapping):
                obj = each if isinstance(each, dict) else dict(each)
                yield from _flatten(obj, [], "<objects>", position, 0)
            else:
                yield from iter_entries(each)
        return
    yield from _entries_of(source)


def iter_documents(source: Union[Source, Iterable[Source]]) -> Iterator[Document]:
    """Yield every object of ``source`` as a ``Document`` (provenance included), validated.

    ``source`` is one of:

    * a ``pathlib.Path`` / ``os.PathLike``: a file, or a directory walked
      recursively for ``*.yaml``, ``*.yml`` and ``*.json``, in order of
      relative path;
    * a ``str``: ``"-"`` reads stdin; text that contains a newline or starts
      with ``{``, ``---``, ``apiVersion:`` or ``kind:`` is manifest text;
      anything else is a path, and a path that does not exist is a
      ``ManifestError`` naming it;
    * ``bytes`` (manifest text), or an open text or binary stream;
    * a dict (one object, or a List) or a ``Document``;
    * a list or tuple of any of these, read in turn.

    Raises ``ManifestError`` naming the source, the document index and the
    line for unreadable input, invalid YAML or JSON, or an
    object without ``apiVersion``, ``kind`` or ``metadata.name``. The line is
    where the parser stopped for a syntax error, and where
    the document (or List item) starts for anything else. Documents are
    read lazily: those before a broken one are yielded first.
    """
    for entry in iter_entries(source):
        if isinstance(entry, InvalidDocument):
            raise entry.error
        yield entry


def load_manifests(source: Union[Source, Iterable[Source]]) -> Iterator[Dict[str, Any]]:
    """Yield every object of ``source`` as a plain dict: ``iter_documents`` without provenance."""
    for document in iter_documents(source):
        yield document.obj
