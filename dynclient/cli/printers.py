"""kubectl's output printers: ``-o name``, ``-o json``, ``-o yaml`` and the server-side table.

Ports of cli-runtime's ``printers/name.go``, ``json.go``, ``yaml.go`` and
``tableprinter.go`` (``HumanReadablePrinter``: ``decorateTable`` +
``printTable``). Objects are plain dicts; a list is any dict with ``items``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, TextIO, Tuple

from . import gojson
from .gofloat import format_g

__all__ = [
    "qualified_kind",
    "name_line",
    "NamePrinter",
    "JSONPrinter",
    "YAMLPrinter",
    "TablePrinter",
    "go_sprint",
    "escape_terminal",
    "label_header",
    "format_labels",
]

Obj = Dict[str, Any]


def qualified_kind(kind: str, group: str) -> str:
    """``configmap`` or ``deployment.apps``: how kubectl names a kind in its output."""
    kind = kind.lower()
    return f"{kind}.{group}" if group else kind


def _group_of(api_version: str) -> str:
    return api_version.rpartition("/")[0] if "/" in api_version else ""


def _is_list(obj: Mapping[str, Any]) -> bool:
    # meta.IsListType: the object has an "items" field that is a list.
    return isinstance(obj.get("items"), list)


def name_line(obj: Mapping[str, Any], operation: str = "") -> str:
    """One ``-o name`` line without the newline: ``deployment.apps/web`` (+ ``" " + operation``)."""
    kind = str(obj.get("kind") or "")
    name = str((obj.get("metadata") or {}).get("name") or "") or "<unknown>"
    if not kind:
        raise ValueError(f"missing kind for resource with name {name}")
    suffix = f" {operation}" if operation else ""
    return f"{qualified_kind(kind, _group_of(str(obj.get('apiVersion') or '')))}/{name}{suffix}"


class NamePrinter:
    """``-o name``: ``kind.group/name`` per object, descending into lists (name.go)."""

    def __init__(self, operation: str = "") -> None:
        self.operation = operation

    def print_obj(self, obj: Mapping[str, Any], out: TextIO) -> None:
        if _is_list(obj):
            for item in obj["items"]:
                self.print_obj(item, out)
            return
        if not obj.get("kind") or not obj.get("apiVersion"):
            raise ValueError("missing apiVersion or kind; try GetObjectKind().SetGroupVersionKind() if you know the type")
        out.write(name_line(obj, self.operation) + "\n")


class JSONPrinter:
    """``-o json``: Go's ``json.MarshalIndent(obj, "", "    ")`` plus a newline (json.go)."""

    def print_obj(self, obj: Mapping[str, Any], out: TextIO) -> None:
        if not obj.get("kind") or not obj.get("apiVersion"):
            raise ValueError("missing apiVersion or kind; try GetObjectKind().SetGroupVersionKind() if you know the type")
        out.write(gojson.marshal_indent(obj) + "\n")


class YAMLPrinter:
    """``-o yaml``: ``sigs.k8s.io/yaml.Marshal``; ``---`` before every object but the first (yaml.go)."""

    def __init__(self) -> None:
        self.count = 0

    def print_obj(self, obj: Mapping[str, Any], out: TextIO) -> None:
        self.count += 1
        from . import goyaml  # PyYAML and the emitter load only for -o yaml

        text = goyaml.marshal(obj)  # may refuse (control characters) before anything is written
        if self.count > 1:
            out.write("---\n")
        if not obj.get("kind") or not obj.get("apiVersion"):
            raise ValueError("missing apiVersion or kind; try GetObjectKind().SetGroupVersionKind() if you know the type")
        out.write(text)


def go_sprint(value: Any) -> str:
    """``fmt.Sprint`` of a value decoded from JSON (a table cell)."""
    if value is None:
        return "<nil>"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value) if -(2**63) <= value < 2**63 else format_g(float(value))
    if isinstance(value, float):
        return format_g(float(gojson.format_number(value)))
    if isinstance(value, Mapping):
        # fmt prints maps with sorted keys since Go 1.12.
        return "map[" + " ".join(f"{k}:{go_sprint(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(go_sprint(v) for v in value) + "]"
    return str(value)


def label_header(label: str) -> str:
    """The -L column header: the key's last ``/`` segment in capitals (``app.kubernetes.io/name`` -> ``NAME``)."""
    return label.split("/")[-1].upper()


def format_labels(labels: Mapping[str, Any]) -> str:
    """apimachinery ``labels.FormatLabels``: the ``k=v`` strings sorted, joined by commas; ``<none>`` if empty."""
    if not labels:
        return "<none>"
    return ",".join(sorted(f"{k}={v}" for k, v in labels.items()))  # Set.String() sorts the k=v strings


def escape_terminal(text: str) -> str:
    """cli-runtime ``WriteEscaped``: neutralize ESC and CR so a cell cannot drive the terminal."""
    return text.replace("\x1b", "^[").replace("\r", "\\r")


def _cell_text(cell: Any) -> str:
    if isinstance(cell, str):
        # Truncate at the first line break (tabwriter treats \f as one too).
        cut = min((i for i in (cell.find("\f"), cell.find("\n"), cell.find("\r")) if i >= 0), default=-1)
        if cut >= 0:
            return escape_terminal(cell[:cut]) + "..."
        return escape_terminal(cell)
    return escape_terminal(go_sprint(cell))


@dataclass
class TablePrinter:
    """Prints server-side ``meta.k8s.io`` Tables like kubectl's ``HumanReadablePrinter``.

    One instance per resource type, as ``kubectl get`` makes one printer per
    mapping: headers are printed once, for the first table that has rows,
    and again only when the columns change.
    """

    no_headers: bool = False
    wide: bool = False
    with_namespace: bool = False
    kind: str = ""  # "deployment.apps" to prefix names with it (kubectl get a,b), "" not to
    label_columns: Tuple[str, ...] = ()  # -L: one column per label key, headed by its last path segment
    show_labels: bool = False  # --show-labels: a LABELS column at the end
    _last_columns: Optional[List[Obj]] = field(default=None, repr=False)
    _printed_headers: bool = field(default=False, repr=False)

    def print_table(self, table: Mapping[str, Any], out: Any, *, event_type: str = "") -> None:
        """Write one Table's rows (and maybe headers) to ``out``, normally a ``TabWriter``.

        ``event_type`` (``ADDED   ``...) adds kubectl's EVENT column in front, for ``get -w --output-watch-events``.
        """
        columns: List[Obj] = list(table.get("columnDefinitions") or [])
        rows: List[Obj] = [dict(r) for r in table.get("rows") or []]
        no_headers = self.no_headers
        if self._printed_headers and (not columns or columns == self._last_columns):
            no_headers = True
        if not columns:
            columns = list(self._last_columns or [])
        elif columns != self._last_columns:
            self._last_columns = columns
            self._printed_headers = False
        if rows:
            self._printed_headers = True
        columns, rows = self._decorate(columns, rows)
        if event_type:
            columns = [{"name": "Event", "type": "string"}] + columns
            rows = [{**row, "cells": [event_type] + list(row.get("cells") or [])} for row in rows]
        self._print(columns, rows, out, no_headers)

    def _decorate(self, columns: List[Obj], rows: List[Obj]) -> "tuple[List[Obj], List[Obj]]":
        # decorateTable: the NAMESPACE column and the kind prefix of the name column.
        name_column = -1
        if self.kind:
            for i, col in enumerate(columns):
                if col.get("format") == "name" and col.get("type") == "string":
                    name_column = i
                    break
        width = len(columns) + len(self.label_columns) + int(self.with_namespace) + int(self.show_labels)
        if width != len(columns):
            columns = ([{"name": "Namespace", "type": "string"}] if self.with_namespace else []) + columns + [
                {"name": label_header(label), "type": "string"} for label in self.label_columns
            ] + ([{"name": "Labels", "type": "string"}] if self.show_labels else [])
        include_labels = bool(self.label_columns) or self.show_labels
        if not include_labels and not self.with_namespace and name_column < 0:
            return columns, rows
        out_rows = []
        for row in rows:
            cells = list(row.get("cells") or [])
            if name_column >= 0 and name_column < len(cells):
                cells[name_column] = f"{self.kind}/{go_sprint(cells[name_column])}"
            obj = row.get("object")
            meta = obj.get("metadata") if isinstance(obj, Mapping) else None
            if not isinstance(meta, Mapping):
                # decorateTable: without object metadata the added columns stay empty
                if self.with_namespace:
                    cells = [None] + cells
                cells += [None] * (width - len(cells))
                out_rows.append({**row, "cells": cells})
                continue
            if self.with_namespace:
                cells = [meta.get("namespace") or ""] + cells
            if include_labels:
                labels = meta.get("labels")
                if not isinstance(labels, Mapping):
                    labels = {}
                cells += [str(labels.get(key, "")) for key in self.label_columns]
                if self.show_labels:
                    cells.append(format_labels(labels))
            out_rows.append({**row, "cells": cells})
        return columns, out_rows

    def _print(self, columns: List[Obj], rows: List[Obj], out: Any, no_headers: bool) -> None:
        # printTable
        def shown(col: Mapping[str, Any]) -> bool:
            return self.wide or not col.get("priority")

        if not no_headers:
            if not rows:
                return
            out.write("\t".join(str(c.get("name") or "").upper() for c in columns if shown(c)) + "\n")
        for row in rows:
            parts = []
            for i, cell in enumerate(row.get("cells") or []):
                if i >= len(columns):
                    break  # more cells than columns: ignore the extra ones (issue 66379)
                if not shown(columns[i]):
                    continue
                parts.append("" if cell is None else _cell_text(cell))
            out.write("\t".join(parts) + "\n")
