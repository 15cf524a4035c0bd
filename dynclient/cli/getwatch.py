"""``dynclient get -w`` / ``--watch-only``: kubectl's ``GetOptions.watch``, row by row.

What kubectl 1.32 does, and so this does:

* one resource type only; the objects are first read as ``get`` reads them
  (a Table for the human output), and printed unless ``--watch-only``;
* the watch starts at the list's ``resourceVersion``; for one named object
  it starts at ``0`` with a ``metadata.name`` field selector, and its
  synthetic first ADDED event is not printed (the object was just printed);
* every event is printed with the same printer, through one tab writer
  that remembers column widths, flushed after each event; the header comes
  once; ``--output-watch-events`` adds kubectl's EVENT column (or wraps each
  object as ``{"type", "object"}`` for the other outputs);
* the watch ends when the server ends it; Ctrl-C ends it too.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any, Dict, Iterator, List, Optional, Tuple

from discovery.errors import StatusError, TransportError

from dynclient.http import LineTooLong, Response
from dynclient.paths import resource_path
from dynclient.watch import DEFAULT_MAX_EVENT_SIZE, decoding_status

from . import gojson, goyaml
from .checkerr import AggregateError
from .flags import csv_values
from .jsonpath import to_float64
from .printers import TablePrinter
from .session import Session
from .tabwriter import new_tab_writer

__all__ = ["run_watch", "format_event_type"]

Obj = Dict[str, Any]

_EVENT_TYPES = {"ADDED": "ADDED   ", "MODIFIED": "MODIFIED", "DELETED": "DELETED ", "ERROR": "ERROR   "}


def format_event_type(event_type: str) -> str:
    """kubectl's EVENT cell: the type padded to eight characters (``ADDED   ``)."""
    return _EVENT_TYPES.get(event_type, event_type)


class _HumanWatchPrinter:
    """The table printer for the initial objects and every event after them."""

    def __init__(self, session: Session, args: argparse.Namespace, out: Any) -> None:
        self.out = out
        self.events = args.output_watch_events
        self.no_headers = args.no_headers
        self._columns: Optional[List[Any]] = None
        self.table = TablePrinter(no_headers=args.no_headers, wide=args.output == "wide",
                                  with_namespace=session.all_namespaces,
                                  label_columns=tuple(csv_values(args.label_columns)), show_labels=args.show_labels,
                                  kind="")

    def print_obj(self, obj: Obj, event_type: str = "") -> None:
        from .get import as_table

        shown = format_event_type(event_type or "ADDED") if self.events else ""
        table = as_table(obj)
        columns = table.get("columnDefinitions")
        if columns and self._columns and columns != self._columns and not self.no_headers:
            self.out.write("\n")  # a new kind of table (the Status of an ERROR event): kubectl's blank line
        self._columns = columns or self._columns
        self.table.print_table(table, self.out, event_type=shown)


class _GenericWatchPrinter:
    """name/json/yaml/jsonpath/custom-columns for each object (or each event with --output-watch-events)."""

    def __init__(self, args: argparse.Namespace, out: Any) -> None:
        from .get import make_printer

        self.printer = make_printer(args)
        self.output = args.output
        self.out = out
        self.events = args.output_watch_events
        self.show_managed_fields = args.show_managed_fields
        self.count = 0

    def print_obj(self, obj: Obj, event_type: str = "") -> None:
        from .get import omit_managed_fields

        if self.output in ("json", "yaml") and not self.show_managed_fields:
            obj = omit_managed_fields(obj)
        if not self.events:
            self.printer.print_obj(obj, self.out, is_list=False)
            return
        event = {"type": event_type or "ADDED", "object": obj}
        # cli-runtime prints a WatchEvent as compact JSON (json.go), as YAML of that JSON (yaml.go),
        # and -o name as the object's name.
        if self.output == "json":
            # metav1.WatchEvent is typed: its fields in struct order ("type" first), the object a sorted map.
            self.out.write(f'{{"type":{gojson.marshal(event["type"])},"object":{gojson.marshal(obj)}}}\n')
        elif self.output == "yaml":
            self.count += 1
            self.out.write(("---\n" if self.count > 1 else "") + goyaml.marshal({"object": obj, "type": event["type"]}))
        elif self.output == "name":
            self.printer.print_obj(obj, self.out, is_list=False)
        elif self.output.startswith("jsonpath"):
            # A WatchEvent is no runtime.Unstructured: the JSONPath printer round-trips it through
            # encoding/json, so its numbers become float64 (10000000 prints as 1e+07).
            self.printer.print_obj(to_float64(event), self.out, is_list=False)
        else:
            self.printer.print_obj(event, self.out, is_list=False)


def _items(obj: Obj) -> List[Obj]:
    if isinstance(obj.get("rows"), list) and obj.get("kind") == "Table":
        return [obj]
    if isinstance(obj.get("items"), list):
        kind = str(obj.get("kind") or "")
        item_kind = kind[:-4] if kind.endswith("List") else kind
        return [i if i.get("kind") else {"apiVersion": obj.get("apiVersion"), "kind": item_kind, **i}
                for i in obj["items"]]
    return [obj]


def run_watch(session: Session, args: argparse.Namespace) -> int:
    from .get import TABLE_ACCEPT, _list_params, _requests, _timeout_params

    namespace = None if session.all_namespaces else session.namespace
    requests = _requests(session, args, namespace)
    if len({(r.client.gvr) for r in requests}) > 1:
        raise ValueError("you may only specify a single resource type")
    human = args.output in ("", "wide")
    accept = TABLE_ACCEPT if human else "application/json"
    extra = _timeout_params(session)
    req = requests[0]
    rc = req.client
    path = resource_path(rc.gvr, rc.ns if rc.namespaced else None, req.name)
    try:
        if req.name is not None:
            params = sorted(extra)
        else:
            params = _list_params(args, args.chunk_size, None, extra)
        resp = rc.transport.request("GET", path, params=params or None, accept=accept)
    except StatusError as err:
        raise AggregateError([err]) from None
    current = resp.json()
    is_list = req.name is None
    rv = str((current.get("metadata") or {}).get("resourceVersion") or "0") if is_list else "0"

    out = session.stdout
    writer = new_tab_writer(out)
    printer: Any = _HumanWatchPrinter(session, args, writer) if human else _GenericWatchPrinter(args, writer)
    if not args.watch_only:
        for obj in _items(current):
            printer.print_obj(obj, "ADDED")
    writer.flush()
    out.flush()
    skip_first = not is_list  # a named object's watch begins with a synthetic ADDED of what was just printed

    watch_params: List[Tuple[str, str]] = list(extra)
    if args.selector:
        watch_params.append(("labelSelector", args.selector))
    field_selector = args.field_selector
    if req.name is not None:
        field_selector = f"metadata.name={req.name}"
    if field_selector:
        watch_params.append(("fieldSelector", field_selector))
    watch_params += [("resourceVersion", rv), ("watch", "true")]
    list_path = resource_path(rc.gvr, rc.ns if rc.namespaced else None, None)
    # --request-timeout bounds the watch too (client-go's http.Client timeout): kubectl then ends quietly, exit 0.
    limit = session.request_timeout_ns / 1e9
    deadline = time.monotonic() + limit if limit > 0 else None
    stream = rc.transport.request("GET", list_path, params=sorted(watch_params), accept=accept, stream=True,
                                  timeout=(rc.transport.timeout[0], limit if limit > 0 else None))
    try:
        for line in _lines(stream, deadline):
            if line is _TOO_LONG:
                # client-go's StreamWatcher turns it into an ERROR event and stops: kubectl prints it, exits 0.
                _print_status(printer, args, writer, decoding_status(str(LineTooLong(DEFAULT_MAX_EVENT_SIZE))))
                writer.flush()
                out.flush()
                break
            if not line.strip():
                continue
            event = json.loads(line)
            event_type = str(event.get("type") or "")
            obj = event.get("object") or {}
            if event_type == "ERROR":
                raise _watch_error(obj)
            if event_type == "BOOKMARK":
                continue
            if skip_first:
                skip_first = False
                continue
            printer.print_obj(obj, event_type)
            writer.flush()
            out.flush()
    except KeyboardInterrupt:
        pass
    finally:
        stream.close()
    return 0


_TOO_LONG = b"<an event longer than the limit>"


def _print_status(printer: Any, args: argparse.Namespace, out: Any, status: Obj) -> None:
    """The Status of an ERROR event client-go made up, printed as kubectl prints that typed object.

    Typed, so encoding/json keeps the struct's field order (gojson sorts, as for a map); inside a
    WatchEvent its TypeMeta is empty (only the printer of a bare object fills kind and apiVersion in).
    """
    events = args.output_watch_events
    bare = {k: v for k, v in status.items() if k not in ("kind", "apiVersion")} if events else status
    if args.output == "name":
        if not events:  # kubectl's name printer finds no name; inside an event it prints nothing
            out.write("status/<unknown>\n")
    elif args.output == "json":
        out.write((f'{{"type":"ERROR","object":{_go_json(bare, None)}}}' if events else _go_json(status, 4)) + "\n")
    else:
        printer.print_obj(status if args.output in ("", "wide") else bare, "ERROR")


def _go_json(value: Any, indent: Optional[int]) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=indent, separators=(",", ":") if indent is None else None)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _lines(stream: Any, deadline: Optional[float]) -> Iterator[bytes]:
    """The stream's lines, until the server ends it or, with ``--request-timeout``, until that time is up.

    A line longer than client-go's 16 MiB limit ends the stream with ``_TOO_LONG``.
    """
    try:
        lines = stream.iter_lines(max_line=DEFAULT_MAX_EVENT_SIZE) if isinstance(stream, Response) else \
            stream.iter_lines()
        for line in lines:
            yield line
            if deadline is not None and time.monotonic() >= deadline:
                return
    except LineTooLong:
        yield _TOO_LONG
    except (OSError, TransportError):
        if deadline is None:
            raise
        # The timeout cut the stream: what kubectl's watch reports only at -v=4 and up.


def _watch_error(status: Obj) -> BaseException:
    from discovery.errors import status_error_from_response

    return status_error_from_response(int(status.get("code") or 500), json.dumps(status).encode())

