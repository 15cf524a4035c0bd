"""Read manifests: files, directories, streams, stdin or text, into validated documents.

What kubectl's resource builder accepts, with provenance kept: every object
comes as a ``Document`` that says which source, which document in it
(0-based, counting every document of the stream, empty ones too) and which
line (1-based) it starts on, so each error can point at it.

Rules, and where they come from:

* YAML is loaded safely (``CSafeLoader`` when libyaml is there, else
  ``SafeLoader``), never with a loader that builds Python objects.
* A mapping with a key twice is an error. PyYAML quietly keeps the last
  value; the API server's strict decoding (``kubectl apply`` with
  ``--validate=strict``, the default) refuses duplicate fields instead.
* Scalars that YAML 1.1 would turn into dates, and a bare ``=``, stay
  strings: sigs.k8s.io/yaml (go-yaml v2 into ``interface{}``) keeps them as
  strings, and a date would not survive the trip to JSON.
* Input whose first character is ``{`` is read as a stream of JSON objects,
  as kubectl's ``YAMLOrJSONDecoder`` sniffs it; if that fails the text is
  tried as YAML (a flow mapping), and the JSON error is reported only when
  both fail.
* Empty documents are skipped. ``kind: List``, and any ``*List`` kind with an
  ``items`` list, is replaced by its items, recursively (kubectl flattens
  anything whose ``items`` is a list, ``meta.ExtractList``).
* Every object needs ``apiVersion``, ``kind`` and ``metadata.name`` (or
  ``metadata.generateName``).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple, Union

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from discovery.types import GroupVersion

from ..errors import ManifestError

__all__ = ["Document", "Source", "iter_documents", "load_manifests", "MANIFEST_EXTENSIONS"]

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
    the object sat (``"items[2]"``), empty for a top-level object.
    """

    source: str
    index: int
    line: int
    obj: Dict[str, Any] = field(repr=False)
    item: str = ""

    @property
    def api_version(self) -> str:
        return self.obj["apiVersion"]

    @property
    def kind(self) -> str:
        return self.obj["kind"]

    @property
    def metadata(self) -> Mapping[str, Any]:
        return self.obj.get("metadata") or {}

    @property
    def name(self) -> str:
        """``metadata.name``, or ``""`` when the object only has a ``generateName``."""
        return self.metadata.get("name") or ""

    @property
    def namespace(self) -> Optional[str]:
        return self.metadata.get("namespace") or None

    @property
    def group(self) -> str:
        return GroupVersion.parse(self.api_version).group

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


# -- YAML loaders -------------------------------------------------------------

_KEEP_AS_STRING = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value"}
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _DuplicateKey(yaml.MarkedYAMLError):
    """A mapping names one key twice."""


class _StrictMappings:
    """Constructor mixin: refuse duplicate keys (merge keys ``<<`` may still be overridden)."""

    def construct_mapping(self, node: Node, deep: bool = False) -> Dict[Any, Any]:
        if isinstance(node, MappingNode):
            seen: Dict[Any, Node] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG:
                    continue
                key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
                try:
                    first = seen.setdefault(key, key_node)
                except TypeError:
                    continue  # an unhashable key: the base constructor reports it
                if first is not key_node:
                    raise _DuplicateKey(
                        "while constructing a mapping", node.start_mark,
                        f"found duplicate key {key!r} (first at line {first.start_mark.line + 1})",
                        key_node.start_mark,
                    )
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


def _without_string_resolvers(resolvers: Dict[Any, List[Tuple[str, Any]]]) -> Dict[Any, List[Tuple[str, Any]]]:
    return {first: [(tag, rx) for tag, rx in pairs if tag not in _KEEP_AS_STRING] for first, pairs in resolvers.items()}


class StrictSafeLoader(_StrictMappings, yaml.SafeLoader):
    """``yaml.SafeLoader`` refusing duplicate keys and keeping dates as strings."""

    yaml_implicit_resolvers = _without_string_resolvers(yaml.SafeLoader.yaml_implicit_resolvers)


_CSafeLoader: Any = getattr(yaml, "CSafeLoader", None)
if _CSafeLoader is not None:

    class StrictCSafeLoader(_StrictMappings, _CSafeLoader):  # type: ignore[misc,valid-type]
        """``yaml.CSafeLoader`` (libyaml) with the same rules as ``StrictSafeLoader``."""

        yaml_implicit_resolvers = _without_string_resolvers(_CSafeLoader.yaml_implicit_resolvers)

    _Loader: Any = StrictCSafeLoader
else:  # pragma: no cover - depends on how PyYAML was built
    _Loader = StrictSafeLoader


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
    """One parsed document before validation: its value, and its YAML node for item lines."""

    __slots__ = ("index", "line", "value", "node")

    def __init__(self, index: int, line: int, value: Any, node: Optional[Node]) -> None:
        self.index, self.line, self.value, self.node = index, line, value, node


def _yaml_documents(text: str, name: str) -> Iterator[_Raw]:
    loader = _Loader(text)
    index = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            value = loader.construct_document(node) if node is not None else None
            line = node.start_mark.line + 1 if node is not None else 0
            yield _Raw(index, line, value, node)
            index += 1
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and "end of stream" in (exc.problem or ""):
            mark = exc.context_mark  # an unclosed quote or bracket: point at where it opened
        problem = exc.problem or "cannot parse"
        context = f"{exc.context}: " if exc.context and not isinstance(exc, _DuplicateKey) else ""
        where = f" at column {mark.column + 1}" if mark is not None else ""
        kind = "duplicate key" if isinstance(exc, _DuplicateKey) else "invalid YAML"
        raise ManifestError(f"{kind}{where}: {context}{problem}", source=name, document=index,
                            line=mark.line + 1 if mark is not None else None) from None
    except yaml.YAMLError as exc:  # e.g. a control character the reader refuses
        raise ManifestError(f"invalid YAML: {exc}", source=name, document=index) from None
    finally:
        loader.dispose()


class _DuplicateJSONKey(ValueError):
    pass


class _BadJSON(Exception):
    """JSON that does not parse, with the index of the document it broke in."""

    def __init__(self, index: int, cause: json.JSONDecodeError) -> None:
        super().__init__(index, cause)
        self.index, self.cause = index, cause


def _json_pairs(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateJSONKey(key)
        out[key] = value
    return out


def _json_documents(text: str, name: str) -> List[_Raw]:
    """A stream of JSON values separated by whitespace; raises ``_BadJSON`` on bad JSON."""
    decoder = json.JSONDecoder(object_pairs_hook=_json_pairs)
    docs: List[_Raw] = []
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in " \t\r\n\ufeff":
            pos += 1
        if pos >= end:
            return docs
        line = text.count("\n", 0, pos) + 1
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise _BadJSON(len(docs), exc) from None
        except _DuplicateJSONKey as exc:
            raise ManifestError(f"duplicate key {exc.args[0]!r}", source=name, document=len(docs), line=line) from None
        docs.append(_Raw(len(docs), line, value, None))


def _parse(text: str, name: str) -> Iterable[_Raw]:
    text = text.lstrip("\ufeff")
    if text.lstrip(" \t\r\n").startswith("{"):
        try:
            return _json_documents(text, name)
        except _BadJSON as bad:
            try:
                return list(_yaml_documents(text, name))
            except ManifestError:
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


def _items_node(node: Optional[Node]) -> Optional[List[Node]]:
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == "items" and isinstance(value, SequenceNode):
                return value.value
    return None


def _is_list(obj: Mapping[str, Any]) -> bool:
    kind = obj.get("kind")
    return isinstance(kind, str) and kind.endswith("List") and isinstance(obj.get("items"), list)


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


def _flatten(obj: Any, node: Optional[Node], source: str, index: int, line: int, item: str = "") -> Iterator[Document]:
    _validate(obj, source, index, line, item)
    if not _is_list(obj):
        yield Document(source, index, line, obj, item)
        return
    nodes = _items_node(node)
    for i, child in enumerate(obj["items"]):
        child_node = nodes[i] if nodes is not None and i < len(nodes) else None
        child_line = child_node.start_mark.line + 1 if child_node is not None else line
        yield from _flatten(child, child_node, source, index, child_line, f"{item}.items[{i}]" if item else f"items[{i}]")


def _documents_of(source: Any) -> Iterator[Document]:
    if isinstance(source, Document):
        yield source
        return
    for name, text in _texts(source):
        for raw in _parse(text, name):
            if raw.value is None:
                continue  # an empty document, or only comments
            yield from _flatten(raw.value, raw.node, name, raw.index, raw.line)


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
    line for unreadable input, invalid YAML or JSON, duplicate keys, or an
    object without ``apiVersion``, ``kind`` or ``metadata.name``. The line is
    where the parser stopped for a syntax error or duplicate key, and where
    the document (or List item) starts for anything else. Documents are
    read lazily: those before a broken one are yielded first.
    """
    if isinstance(source, Mapping):
        yield from _flatten(source if isinstance(source, dict) else dict(source), None, "<object>", 0, 0)
        return
    if isinstance(source, (list, tuple)):
        for position, each in enumerate(source):
            if isinstance(each, Mapping):
                obj = each if isinstance(each, dict) else dict(each)
                yield from _flatten(obj, None, "<objects>", position, 0)
            else:
                yield from iter_documents(each)
        return
    yield from _documents_of(source)


def load_manifests(source: Union[Source, Iterable[Source]]) -> Iterator[Dict[str, Any]]:
    """Yield every object of ``source`` as a plain dict: ``iter_documents`` without provenance."""
    for document in iter_documents(source):
        yield document.obj
