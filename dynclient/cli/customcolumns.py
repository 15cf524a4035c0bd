"""``-o custom-columns=HEADER:PATH,...`` and ``-o custom-columns-file=FILE``, as kubectl prints them.

A port of kubectl 1.32 ``pkg/cmd/get/customcolumn.go``:

* a spec is ``HEADER:PATH`` pairs split on ``,`` (so a path cannot hold a
  comma), each path relaxed to ``{.path}`` (``metadata.name``,
  ``.metadata.name``, ``{metadata.name}`` and ``{.metadata.name}`` are one);
* a file holds a line of headers and a line of paths, split on whitespace;
* the headers are printed once, before anything else (even before a path
  that then fails to parse), unless ``--no-headers``;
* a cell is every value the path finds, in Go's ``fmt.Sprint`` form (a map
  prints as ``map[k:v]``), joined by ``,``; ``<none>`` when nothing is found;
  ESC and CR are escaped; rows go through kubectl's tab writer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, List, Mapping, Sequence, TextIO, Union

from .jsonpath import JSONPath, fmt_print
from .printers import escape_terminal
from .tabwriter import TabWriter, new_tab_writer

__all__ = ["Column", "CustomColumnsError", "relaxed_jsonpath", "columns_from_spec", "columns_from_template",
           "CustomColumnsPrinter"]

_RELAXED = re.compile(r"^\{\.?([^{}]+)\}$|^\.?([^{}]+)$", re.S)


class CustomColumnsError(ValueError):
    """A custom-columns spec or template kubectl would refuse, in kubectl's words."""


@dataclass(frozen=True)
class Column:
    """One column: its header and its JSONPath (``{.metadata.name}``)."""

    header: str
    field_spec: str


def relaxed_jsonpath(expression: str) -> str:
    """kubectl's ``RelaxedJSONPathExpression``: ``a.b``, ``.a.b``, ``{a.b}`` and ``{.a.b}`` all mean ``{.a.b}``."""
    if not expression:
        return expression
    m = _RELAXED.match(expression)
    if m is None:
        raise CustomColumnsError("unexpected path string, expected a 'name1.name2' or '.name1.name2' or "
                                 "'{name1.name2}' or '{.name1.name2}'")
    return "{.%s}" % (m.group(1) or m.group(2))


def columns_from_spec(spec: str) -> List[Column]:
    """``NAME:.metadata.name,KIND:kind`` as ``NewCustomColumnsPrinterFromSpec`` reads it."""
    if not spec:
        raise CustomColumnsError("custom-columns format specified but no custom columns given")
    columns = []
    for part in spec.split(","):
        header, colon, path = part.partition(":")
        if not colon:
            raise CustomColumnsError(f"unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>")
        columns.append(Column(header, relaxed_jsonpath(path)))
    return columns


_MISSING_HEADER = ("invalid template, missing header line. Expected format is one line of space separated headers, "
                   "one line of space separated column specs.")
_MISSING_SPEC = ("invalid template, missing spec line. Expected format is one line of space separated headers, "
                 "one line of space separated column specs.")


def columns_from_template(text: str) -> List[Column]:
    """A custom-columns file: a line of headers, then a line of paths (``NewCustomColumnsPrinterFromTemplate``)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]  # bufio.ScanLines drops a final \r
    if not lines:
        raise CustomColumnsError(_MISSING_HEADER)
    if len(lines) < 2:
        raise CustomColumnsError(_MISSING_SPEC)
    headers, specs = lines[0].split(), lines[1].split()
    if len(headers) != len(specs):
        raise CustomColumnsError(
            f"number of headers ({len(headers)}) and field specifications ({len(specs)}) don't match")
    return [Column(h, relaxed_jsonpath(s)) for h, s in zip(headers, specs)]


class CustomColumnsPrinter:
    """Prints objects (or a list's items) one row each, as kubectl's ``CustomColumnsPrinter``."""

    def __init__(self, columns: Sequence[Column], *, no_headers: bool = False) -> None:
        self.columns = list(columns)
        self.no_headers = no_headers
        self._printed_headers = False

    def print_obj(self, obj: Mapping[str, Any], out: Union[TextIO, TabWriter]) -> None:
        # As kubectl: write into the caller's tab writer when given one (get -w shares one across events).
        w = out if isinstance(out, TabWriter) else new_tab_writer(out)
        try:
            if not self.no_headers and not self._printed_headers:
                w.write("\t".join(c.header for c in self.columns) + "\n")
                self._printed_headers = True
            parsers = [JSONPath(c.field_spec) for c in self.columns]  # JSONPathError: after the headers, as kubectl
            items = obj["items"] if isinstance(obj.get("items"), list) else [obj]
            for item in items:
                w.write("\t".join(self._cell(p, item) for p in parsers) + "\n")
        finally:
            if w is not out:
                w.flush()

    @staticmethod
    def _cell(parser: JSONPath, obj: Any) -> str:
        results = parser.find_results(obj)
        values = [escape_terminal(fmt_print(v)) for part in results for v in part]
        if not results or not results[0]:
            values.insert(0, "<none>")
        return ",".join(values)
