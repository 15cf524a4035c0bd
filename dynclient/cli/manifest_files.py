"""``-f PATH [-R]``: which files kubectl reads, and how its resource builder reads them.

A port of the parts of cli-runtime's ``resource.Builder`` that decide what
``kubectl apply|create|delete -f`` sees and what it says about a bad input:

* ``expand_paths``: the files named by ``-f`` (``ExpandPathsToFileVisitors``,
  with ``expandIfFilePattern`` globs). A path that does not exist, or a
  directory without manifests, stops the command before any request.
* ``read_sources``: every object of those files in visit order, each a
  ``dynclient.manifests.Document`` with its file, and the errors the builder
  collects on the way. A file is split into documents on ``---`` lines as
  ``yaml.NewYAMLReader`` splits it (JSON when it starts with ``{``), so a
  syntax error's line is counted from the start of its document, as
  kubectl counts it. The first bad document ends its file (the builder's
  ``StreamVisitor`` returns) but not the run: later files are still read,
  which is how kubectl applies the 14 good files of a directory with one
  Alertmanager config in it. The messages are kubectl's::

      error validating "d/b.yaml": error validating data: [apiVersion not set, kind not set]; if you choose ...
      error parsing d/c.yaml: error converting YAML to JSON: yaml: line 4: ...

  The text after ``yaml: line N:`` is PyYAML's description of the problem,
  not go-yaml's (the one difference left in these messages).
"""

from __future__ import annotations

import glob
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from .checkerr import AggregateError

__all__ = ["MANIFEST_EXTENSIONS", "expand_paths", "expand_sources", "read_sources", "Sources", "KubectlError",
           "VALIDATION_HINT", "split_yaml", "go_yaml_problem", "classify"]

#: kubectl's FileExtensions: the files a directory contributes.
MANIFEST_EXTENSIONS = (".json", ".yaml", ".yml")

VALIDATION_HINT = "if you choose to ignore these errors, turn validation off with --validate=false"

#: How kubectl names stdin as a source.
STDIN = "STDIN"


class KubectlError(ValueError):
    """An error whose text is exactly kubectl's (``fmt.Errorf`` in kubectl); printed ``error: <text>`` alone."""


def expand_paths(paths: Iterable[str], *, recursive: bool = False) -> List[Union[Path, str]]:
    """Files named by ``-f`` arguments, in kubectl's order, as ``Path`` objects (``-`` stays ``"-"``).

    A file is used whatever its extension; a directory contributes its
    ``.json``/``.yaml``/``.yml`` files in lexical order (``filepath.Walk``),
    and its subdirectories' only with ``recursive``.
    """
    return [s if s == "-" else Path(s) for s in expand_sources(paths, recursive=recursive)]


def expand_sources(paths: Iterable[str], *, recursive: bool = False) -> List[str]:
    """Like ``expand_paths``, with the names kubectl shows: a file as given, a directory's as joined.

    Raises ``KubectlError`` (all path errors, as the builder collects them)
    for a path that does not exist or a directory that contributes nothing.
    """
    out: List[str] = []
    errors: List[BaseException] = []
    for path in paths:
        if path == "-":
            out.append(path)
            continue
        if path.startswith(("http://", "https://")):
            errors.append(KubectlError(f"reading manifests from a URL is not supported: {path}"))
            continue
        matches = _expand_pattern(path)
        if matches is None:
            errors.append(KubectlError(f'the path "{path}" does not exist'))
            continue
        found: List[str] = []
        for match in matches:
            if os.path.isdir(match):
                found.extend(_walk(match, recursive, top=True))
            else:
                found.append(match)
        if not found:
            errors.append(KubectlError(f"error reading [{' '.join(matches)}]: recognized file extensions are "
                                       f"[{' '.join(MANIFEST_EXTENSIONS)}]"))
        out.extend(found)
    if errors:
        raise errors[0] if len(errors) == 1 else AggregateError(errors)
    return out


def _expand_pattern(path: str) -> Optional[List[str]]:
    """``expandIfFilePattern``: the path itself when it exists, else its glob matches, else None."""
    if os.path.exists(path):
        return [path]
    if glob.has_magic(path):
        matches = sorted(glob.glob(path))
        return matches or None
    return None


def _clean(path: str) -> str:
    return os.path.normpath(path)


def _walk(root: str, recursive: bool, *, top: bool = False) -> List[str]:
    found: List[str] = []
    for entry in sorted(os.listdir(root)):
        full = os.path.join(_clean(root), entry)
        if os.path.isdir(full):
            if recursive:
                found.extend(_walk(full, recursive))
        elif entry.endswith(MANIFEST_EXTENSIONS):
            found.append(full)
    return found


# -- reading ------------------------------------------------------------------------------------

@dataclass
class Sources:
    """What the builder saw: documents in visit order, and the errors on the way (each with its position).

    ``position(doc)`` orders documents and errors alike; ``invalid`` holds
    documents the library cannot take (no ``metadata.name``), whose
    per-command error comes at their turn.
    """

    documents: List[Any] = field(default_factory=list)
    errors: List[Tuple[int, BaseException]] = field(default_factory=list)
    nameless: List[Tuple[int, Dict[str, Any], Any]] = field(default_factory=list)
    unversioned: List[Tuple[int, Any]] = field(default_factory=list)
    _positions: Dict[int, int] = field(default_factory=dict)
    _next: int = 0

    def _take(self) -> int:
        self._next += 1
        return self._next

    def add_document(self, doc: Any) -> None:
        self._positions[id(doc)] = self._take()
        self.documents.append(doc)

    def add_error(self, err: BaseException) -> None:
        self.errors.append((self._take(), err))

    def add_nameless(self, obj: Dict[str, Any], doc: Any) -> None:
        self.nameless.append((self._take(), obj, doc))

    def position(self, doc: Any) -> int:
        return self._positions.get(id(doc), 0)

    @property
    def empty(self) -> bool:
        return not self.documents and not self.errors and not self.nameless and not self.unversioned


def split_yaml(text: str) -> List[Tuple[int, str]]:
    """``yaml.NewYAMLReader``: documents as ``(first line, text)``, split on lines that start with ``---``.

    A separator line may carry a comment; empty documents are dropped, as
    the reader drops them.
    """
    out: List[Tuple[int, str]] = []
    buf: List[str] = []
    start = 1
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        if line.startswith("---") and (not line[3:].strip() or line[3:].strip().startswith("#")):
            if "".join(buf).strip():
                out.append((start, "".join(buf)))
            buf, start = [], number + 1
            continue
        buf.append(line)
    if "".join(buf).strip():
        out.append((start, "".join(buf)))
    return out


def _shown(source: str) -> str:
    return STDIN if source == "-" else source


def _read(source: str, stdin: Any) -> str:
    if source == "-":
        data = getattr(stdin, "buffer", stdin).read()
    else:
        with open(source, "rb") as fh:
            data = fh.read()
    if isinstance(data, bytes):
        data = data.decode("utf-8-sig", errors="replace")
    return data.lstrip("\ufeff")


def read_sources(paths: Sequence[str], *, recursive: bool = False, stdin: Any = None, validate: bool = True) -> Sources:
    """Every object of the ``-f`` arguments, as kubectl's builder visits them (see the module docstring).

    ``validate`` is kubectl's schema validation (apply and create have it):
    a document without ``apiVersion`` or ``kind`` ends its file with
    ``error validating``. Without it (delete) the document is reported as
    ``unable to decode`` and the file goes on.
    """
    files = expand_sources(paths, recursive=recursive)
    sources = Sources()
    for source in files:
        shown = _shown(source)
        try:
            text = _read(source, stdin if stdin is not None else sys.stdin)
        except OSError as exc:
            sources.add_error(KubectlError(f"error reading {shown}: {exc.strerror or exc}"))
            continue
        if text.lstrip(" \t\r\n").startswith("{"):
            chunks = [(1, text)]
        else:
            chunks = split_yaml(text)
        for index, (line, chunk) in enumerate(chunks):
            if not _read_chunk(sources, shown, index, line, chunk, validate):
                break  # the builder's StreamVisitor stops at a bad document: the rest of the file is skipped
    return sources


def _read_chunk(sources: Sources, shown: str, index: int, line: int, chunk: str, validate: bool = True) -> bool:
    from dynclient.errors import ManifestError
    from dynclient.manifests import Document, iter_documents

    try:
        docs = list(iter_documents(chunk.encode("utf-8")))
    except ManifestError as err:
        verdict, raw = classify(chunk, shown, err, validate=validate)
        if verdict == "nameless":
            sources.add_nameless(raw, Document(shown, index, line, raw))
            return True
        if verdict == "unversioned":
            sources.unversioned.append((sources._take(), Document(shown, index, line, raw)))
            return True
        sources.add_error(KubectlError(verdict))
        return verdict.startswith("unable to decode")
    for doc in docs:
        sources.add_document(Document(shown, index, line + doc.line - 1 if doc.line else line, doc.obj, doc.item))
    return True


def classify(chunk: str, shown: str, err: BaseException, *, validate: bool = True) -> Tuple[str, Any]:
    """kubectl's text for a document the loader refused: ``(message, None)``, or ``("nameless", obj)``.

    The loader's own message says what is wrong in dynclient's words; kubectl
    words it by the step that refused it (YAML to JSON, schema validation),
    so the document is looked at again with a lenient parser to tell which.
    """
    import yaml

    from dynclient.manifests.results import error_text

    try:
        raw = yaml.load(chunk, Loader=_lenient_loader())
    except yaml.MarkedYAMLError as exc:
        return f"error parsing {shown}: error converting YAML to JSON: yaml: {go_yaml_problem(exc, chunk)}", None
    except yaml.YAMLError as exc:
        return f"error parsing {shown}: error converting YAML to JSON: yaml: {exc}", None
    if not validate:
        decode = _decode_problem(raw)
        if decode:
            return f'unable to decode "{shown}": {decode}', None
        if raw.get("apiVersion") in (None, ""):
            return "unversioned", raw  # kubectl sends a request with no version in its path, which 404s
    problems: List[str] = []
    if not isinstance(raw, dict):
        problems.append("invalid object to validate")
    else:
        for key in ("apiVersion", "kind"):
            if raw.get(key) is None:
                problems.append(f"{key} not set")
            elif not isinstance(raw[key], str):
                problems.append(f"{key} isn't string type")
    if problems:
        listed = problems[0] if len(problems) == 1 else "[" + ", ".join(problems) + "]"
        return f'error validating "{shown}": error validating data: {listed}; {VALIDATION_HINT}', None
    meta = raw.get("metadata")
    if (meta is None or isinstance(meta, dict)) and not (meta or {}).get("name"):
        return "nameless", raw
    return f"error parsing {shown}: {error_text(err)}", None


#: PyYAML's words for a syntax problem -> go-yaml's (the scanner and parser errors kubectl shows).
_GO_YAML_PROBLEMS = (
    ("expected the node content", "did not find expected node content"),
    ("mapping values are not allowed", "mapping values are not allowed in this context"),
    ("that cannot start any token", "found character that cannot start any token"),
    ("sequence entries are not allowed", "block sequence entries are not allowed in this context"),
    ("could not find expected ':'", "could not find expected ':'"),
    ("found unexpected end of stream", "found unexpected end of stream"),
    ("expected <block end>", "did not find expected key"),
    ("expected ',' or ']'", "did not find expected ',' or ']'"),
    ("expected ',' or '}'", "did not find expected ',' or '}'"),
)


def go_yaml_problem(exc: Any, text: str) -> str:
    """``line N: problem`` as go-yaml words a syntax error (PyYAML's text when no rule matches).

    go-yaml counts a problem found at the very end of the input on the last
    line, where PyYAML is already past its final newline.
    """
    problem = exc.problem or str(exc)
    for pyyaml_words, go_words in _GO_YAML_PROBLEMS:
        if pyyaml_words in problem:
            problem = go_words
            break
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return problem
    line = mark.line + 1
    if mark.index >= len(text) and text.endswith("\n") and line > 1:
        line -= 1
    return f"line {line}: {problem}"


def _decode_problem(raw: Any) -> str:
    """What the unstructured JSON decoder says about a document that is not an object with a kind."""
    from .gojson import marshal

    if isinstance(raw, dict):
        if raw.get("kind") in (None, ""):
            try:
                text = marshal(raw)
            except (TypeError, ValueError):
                text = str(raw)
            return f"Object 'Kind' is missing in '{text}'"
        return ""
    go_type = ("array" if isinstance(raw, list) else "string" if isinstance(raw, str)
               else "bool" if isinstance(raw, bool) else "number")
    return f"json: cannot unmarshal {go_type} into Go value of type unstructured.detector"


_LENIENT: List[Any] = []


def _lenient_loader() -> Any:
    """SafeLoader that accepts any tag: only the shape of a refused document matters here."""
    if not _LENIENT:
        import yaml

        class Lenient(yaml.SafeLoader):
            pass

        Lenient.add_multi_constructor("", lambda loader, suffix, node: None)
        _LENIENT.append(Lenient)
    return _LENIENT[0]
