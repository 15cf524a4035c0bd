"""``dynclient get``: kubectl's ``get``, with the same requests and the same bytes out.

Follows kubectl 1.32 ``pkg/cmd/get/get.go`` and cli-runtime's builder:

* ``TYPE[,TYPE...] [NAME...]`` or ``TYPE/NAME...``; categories such as ``all``
  expand; names take exactly one type;
* the default and ``-o wide`` output ask the server for a ``meta.k8s.io``
  Table (kubectl's Accept header) and print it like ``HumanReadablePrinter``,
  one table per resource type, separated by a blank line, names prefixed
  with ``kind.group/`` when several types are printed, ``NAMESPACE`` first
  with ``-A``, and "No resources found ..." on stderr when nothing printed;
* ``-o name|json|yaml`` read plain objects and print one object as is, or
  everything as a ``v1 List``;
* lists are read in chunks of ``--chunk-size`` (500; 0 reads all at once);
* errors for single names (NotFound...) do not stop the others; they are
  reported after the output, one per line, and the exit code is 1;
* ``-o jsonpath=``/``jsonpath-file=``/``jsonpath-as-json=`` (``jsonpath``),
  ``-o custom-columns=``/``custom-columns-file=`` (``customcolumns``),
  ``--sort-by`` (``sorting``), ``--show-labels``, ``-L``, ``--show-kind``,
  ``--subresource``, ``-w``/``--watch-only`` (``getwatch``) and ``--raw``
  (``raw``) as kubectl 1.32 has them; the printer for ``-o`` is chosen after
  the objects are read, as kubectl chooses it, so a bad ``-o`` loses to a
  NotFound.
"""

from __future__ import annotations

import argparse
import datetime
from dataclasses import dataclass, field, replace
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from discovery.errors import BadRequest, NotFound, StatusError
from discovery.gostrings import go_quote
from restmapper.mapping import RESTMapping

from dynclient.resource import ResourceClient

from .checkerr import AggregateError, UsageError
from .duration import format_go_duration
from .flags import bool_value_arg, csv_values, int_arg
from .printers import JSONPrinter, NamePrinter, TablePrinter, YAMLPrinter, qualified_kind
from .session import Session
from .tabwriter import new_tab_writer

__all__ = ["NAME", "add_parser", "run", "TABLE_ACCEPT", "split_args", "human_duration", "omit_managed_fields"]

NAME = "get"
OUTPUTS = ("json", "name", "wide", "yaml")
#: What ``-o`` accepts, in the order kubectl's error lists them (less its Go templates).
ALLOWED_FORMATS = ("custom-columns", "custom-columns-file", "json", "jsonpath", "jsonpath-as-json", "jsonpath-file",
                   "name", "wide", "yaml")
JSONPATH_FORMATS = ("jsonpath", "jsonpath-file", "jsonpath-as-json")
COLUMNS_FORMATS = ("custom-columns", "custom-columns-file")
#: kubectl get's Accept header for human-readable output (``transformRequests``).
TABLE_ACCEPT = ",".join([
    "application/json;as=Table;v=v1;g=meta.k8s.io",
    "application/json;as=Table;v=v1beta1;g=meta.k8s.io",
    "application/json",
])

Obj = Dict[str, Any]


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False, help="Display one or many resources")
    p.add_argument("resources", nargs="*", metavar="TYPE[,TYPE...] [NAME...] | TYPE/NAME...")
    p.add_argument("-o", "--output", default="", help="Output format: " + ", ".join(ALLOWED_FORMATS) + ".")
    p.add_argument("-l", "--selector", default="", help="Label selector to filter on (e.g. -l key1=value1,key2=value2).")
    p.add_argument("--field-selector", default="", help="Field selector to filter on (e.g. metadata.name=x).")
    p.add_argument("--chunk-size", type=int_arg(64), default=500,
                   help="Read large lists in chunks of this many objects; 0 reads them whole.")
    p.add_argument("--ignore-not-found", action="store_true",
                   help="If the requested object does not exist the command will return exit code 0.")
    p.add_argument("--no-headers", action="store_true", help="Don't print table headers.")
    p.add_argument("--show-managed-fields", action="store_true",
                   help="Keep metadata.managedFields in the JSON or YAML output.")
    p.add_argument("--allow-missing-template-keys", nargs="?", const=True, default=True, type=bool_value_arg,
                   metavar="true|false", help="Ignore missing fields in -o jsonpath templates (default true).")
    p.add_argument("--show-labels", action="store_true", help="Show all labels as the last column.")
    p.add_argument("-L", "--label-columns", action="append", default=[], metavar="LABEL",
                   help="Show these labels as columns (comma list, repeatable).")
    p.add_argument("--show-kind", action="store_true", help="List the resource type of the requested object(s).")
    p.add_argument("--sort-by", default="", metavar="JSONPATH",
                   help="Sort list types by this field, a JSONPath expression (e.g. '{.metadata.name}').")
    p.add_argument("--subresource", default="", help="Get this subresource (status, scale) of the named object(s).")
    p.add_argument("-w", "--watch", action="store_true", help="After listing/getting, watch for changes.")
    p.add_argument("--watch-only", action="store_true", help="Watch for changes, without listing/getting first.")
    p.add_argument("--output-watch-events", action="store_true",
                   help="Output watch event objects when --watch or --watch-only is used.")
    p.add_argument("--raw", default="", metavar="PATH", help="GET this URI from the server and print the reply.")
    return p


# -- the requests ------------------------------------------------------------------


@dataclass
class Request:
    """One thing to fetch: a whole list (``name`` None) or one named object."""

    client: ResourceClient
    name: Optional[str] = None


def split_args(args: Sequence[str]) -> Tuple[List[Tuple[str, str]], str, List[str]]:
    """Split ``get`` arguments like cli-runtime's ``ResourceTypeOrNameArgs``.

    Returns ``(tuples, types, names)``: ``TYPE/NAME`` pairs, or a type list
    (``"po,svc"``) with names.
    """
    if any("/" in a for a in args):
        tuples = []
        for arg in args:
            kind, slash, name = arg.partition("/")
            if not slash:
                raise ValueError(
                    "there is no need to specify a resource type as a separate argument when passing arguments in "
                    "resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of "
                    "'kubectl get resource resource/<resource_name>'")
            if not kind or not name or "/" in name:
                raise ValueError("arguments in resource/name form must have a single resource and name")
            tuples.append((kind, name))
        return tuples, "", []
    return [], args[0] if args else "", list(args[1:])


def _requests(session: Session, args: argparse.Namespace, namespace: Optional[str]) -> List[Request]:
    dyn = session.client()
    tuples, types, names = split_args(args.resources)

    def scoped(rc: ResourceClient, named: bool) -> ResourceClient:
        if not rc.namespaced:
            return rc
        if named and namespace is None:
            raise ValueError("a resource cannot be retrieved by name across all namespaces")
        return rc.namespace(namespace)

    sub = args.subresource

    def with_sub(rc: ResourceClient) -> ResourceClient:
        return rc.subresource(sub) if sub else rc

    if tuples:
        return [Request(with_sub(scoped(dyn.resource(kind), True)), name) for kind, name in tuples]
    if sub and not names:
        raise ValueError("subresource cannot be used when bulk resources are specified")
    if names:
        if args.selector:
            raise ValueError("name cannot be provided when a selector is specified")
        clients = dyn.resources(types)
        if len(clients) != 1 or len(set(types.split(","))) != 1:
            raise ValueError("you must specify only one resource")
        rc = with_sub(scoped(clients[0], True))
        return [Request(rc, name) for name in names]
    return [Request(scoped(rc, False)) for rc in dyn.resources(types)]


def _list_params(args: argparse.Namespace, limit: int, token: Optional[str],
                 extra: Sequence[Tuple[str, str]] = ()) -> List[Tuple[str, str]]:
    params = list(extra)
    if args.selector:
        params.append(("labelSelector", args.selector))
    if args.field_selector:
        params.append(("fieldSelector", args.field_selector))
    if limit > 0:
        params.append(("limit", str(limit)))
    if token:
        params.append(("continue", token))
    return sorted(params)  # client-go's url.Values.Encode() orders the query by key


@dataclass(frozen=True)
class _Fetch:
    """How to ask: the Accept header, extra query parameters, the chunk size."""

    accept: str
    params: Tuple[Tuple[str, str], ...] = ()
    chunk_size: int = 500


class _AsKubectlAsks:
    """The client's transport, sending as kubectl's get does: extra parameters, the query in key order.

    Wrapped around the transport rather than sent by hand so that the verbs
    of ``ResourceClient`` do the asking: a stale discovery cache heals
    (``dynclient.healing``) and a reply that is not an object (an HTML 200)
    is an error from the tree. client-go's ``url.Values.Encode()`` orders
    the query by key; ``-v=6`` lines must match kubectl's byte for byte.
    (``-v=8`` bodies and ``--request-timeout``'s ``?timeout=`` are the
    transport's, for every command: see ``Session.client``.)
    """

    def __init__(self, inner: Any, how: _Fetch) -> None:
        self._inner, self._how = inner, how

    def request(self, method: str, path: str, *, params: Any = None, **kw: Any) -> Any:
        pairs = sorted([*(params or ()), *self._how.params], key=lambda pair: pair[0])
        return self._inner.request(method, path, params=pairs or None, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _fetch(rc: ResourceClient, req: Request, args: argparse.Namespace, how: _Fetch) -> Iterator[Obj]:
    """GET the object, or the list page by page, as ``how`` says (a Table or plain JSON)."""
    asking: Any = _AsKubectlAsks(rc.transport, how)  # duck-typed: the Transport's face, asking as kubectl does
    rc = replace(rc, transport=asking)
    if req.name is not None:
        yield rc.get(req.name, accept=how.accept)
        return
    token: Optional[str] = None
    while True:
        page = rc.list(label_selector=args.selector or None, field_selector=args.field_selector or None,
                       limit=how.chunk_size if how.chunk_size > 0 else None, continue_=token, accept=how.accept)
        yield page
        token = (page.get("metadata") or {}).get("continue")
        if not token:
            return


def _missing_namespace(rc: ResourceClient, how: _Fetch) -> Optional[NotFound]:
    """The namespace's NotFound when it is the namespace that is missing, as cli-runtime's ``Info.Get`` asks.

    After a NotFound for a name in a namespace other than ``default``,
    kubectl GETs ``/api/v1/namespaces/<ns>`` with the same client (the same
    Accept and extra parameters) and, if that is NotFound too, reports it
    instead: ``namespaces "x" not found``. Any other failure keeps the first error.
    """
    namespace = rc.ns if rc.namespaced else None
    if not namespace or namespace == "default":
        return None
    try:
        _AsKubectlAsks(rc.transport, how).request("GET", f"/api/v1/namespaces/{namespace}", accept=how.accept)
    except NotFound as err:
        return err
    except StatusError:
        return None
    return None


# -- human-readable output ---------------------------------------------------------


def human_duration(seconds: float) -> str:
    """apimachinery ``duration.HumanDuration``: ``5s``, ``3m12s``, ``5h``, ``3d4h``, ``2y``."""
    s = int(seconds)  # truncates toward zero, like Go's int(d.Seconds())
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 60 * 2:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        sec = s % 60
        return f"{minutes}m" if sec == 0 else f"{minutes}m{sec}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def _age(obj: Mapping[str, Any]) -> str:
    stamp = (obj.get("metadata") or {}).get("creationTimestamp")
    if not stamp:
        return "<unknown>"
    created = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    return human_duration((datetime.datetime.now(datetime.timezone.utc) - created).total_seconds())


def as_table(obj: Mapping[str, Any]) -> Obj:
    """A Table for a reply that is not one (a server without Table support): NAME and AGE, as kubectl prints."""
    if obj.get("kind") == "Table" and str(obj.get("apiVersion", "")).startswith("meta.k8s.io/"):
        return dict(obj)
    if obj.get("kind") == "Status" and obj.get("apiVersion") == "v1":
        # kubectl's printStatus handler (a watch's ERROR event): STATUS, REASON, MESSAGE.
        return {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
                "columnDefinitions": [{"name": n, "type": "string", "format": "", "priority": 0}
                                      for n in ("Status", "Reason", "Message")],
                "rows": [{"cells": [str(obj.get(k) or "") for k in ("status", "reason", "message")], "object": obj}]}
    items = obj["items"] if isinstance(obj.get("items"), list) else [obj]
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name", "priority": 0},
            {"name": "Age", "type": "string", "format": "", "priority": 0},
        ],
        "rows": [{"cells": [(i.get("metadata") or {}).get("name", ""), _age(i)], "object": i} for i in items],
    }


class _Tracking:
    """kubectl's trackingWriterWrapper + separatorWriterWrapper in one: counts output, inserts the blank line."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.written = 0
        self.ready = False

    def write(self, text: str) -> None:
        if text and self.ready:
            self.out.write("\n")
            self.written += 1
            self.ready = False
        self.written += len(text)
        self.out.write(text)


@dataclass
class _Info:
    mapping: RESTMapping
    obj: Obj
    namespaced: bool = field(default=False)


def _print_tables(session: Session, args: argparse.Namespace, infos: List[_Info]) -> int:
    kinds = {info.mapping.group_version_kind for info in infos}
    with_kind = (len(infos) > 1 and len(kinds) > 1) or args.show_kind
    if args.sort_by:
        from .sorting import SortError, sort_field, sort_objects, sort_rows
    if args.sort_by and len(infos) > 1:
        # RuntimeSorter: several replies are sorted as objects first (by the field as given).
        sort_objects([i.obj for i in infos], args.sort_by)
    tracking = _Tracking(session.stdout)
    w = new_tab_writer(tracking)
    printer: Optional[TablePrinter] = None
    last: Optional[RESTMapping] = None
    # kubectl's printers share one HumanPrintFlags, and EnsureWithNamespace sets it for good: once a
    # namespaced type printed with -A, later cluster-scoped tables keep an (empty) NAMESPACE column.
    with_namespace = False
    for info in infos:
        if printer is None or last is None or info.mapping.resource != last.resource:
            w.flush()
            w.set_remembered_widths(None)
            if last is not None and not args.no_headers and tracking.written > 0:
                tracking.ready = True
            gvk = info.mapping.group_version_kind
            with_namespace = with_namespace or (session.all_namespaces and info.mapping.namespaced)
            printer = TablePrinter(
                no_headers=args.no_headers,
                wide=args.output == "wide",
                with_namespace=with_namespace,
                kind=qualified_kind(gvk.kind, gvk.group) if with_kind else "",
                label_columns=tuple(csv_values(args.label_columns)),
                show_labels=args.show_labels,
            )
            last = info.mapping
        table = as_table(info.obj)
        if args.sort_by and len(table.get("rows") or []) > 1:
            try:
                table = {**table, "rows": sort_rows(table["rows"], sort_field(args.sort_by))}
            except SortError:
                continue  # kubectl ignores the printer's error: the table is left out
        printer.print_table(table, w)
    w.flush()
    return tracking.written


# -- entry point ----------------------------------------------------------------------


def _validate(session: Session, args: argparse.Namespace) -> None:
    """kubectl's ``Complete`` and ``Validate`` checks, in its order."""
    if args.raw:
        if args.resources:
            raise ValueError("arguments may not be passed when --raw is specified")
        if args.watch or args.watch_only or args.selector:
            raise ValueError("--raw may not be specified with other flags that filter the server request or alter "
                             "the output")
        if args.output:
            raise ValueError("--raw and --output are mutually exclusive")
        from .raw import check_raw_path

        why = check_raw_path(args.raw)
        if why:
            raise ValueError(f"--raw must be a valid URL path: {why}")
        return
    if args.watch and args.sort_by:
        session.stderr.write("warning: --watch requested, --sort-by will be ignored for watch events received\n")
    elif args.watch_only and args.sort_by:
        session.stderr.write("warning: --watch-only requested, --sort-by will be ignored\n")
    elif not args.resources:
        session.stderr.write('You must specify the type of resource to get. Use "dynclient api-resources" '
                             "for a complete list of supported resources.\n\n")
        raise UsageError("Required resource not specified.", command=NAME, cobra=False)
    if args.show_labels and args.output not in ("", "wide"):
        raise ValueError(f"--show-labels option cannot be used with {args.output} printer")
    if args.output_watch_events and not (args.watch or args.watch_only):
        raise ValueError("--output-watch-events option can only be used with --watch or --watch-only")


def _timeout_params(session: Session) -> Tuple[Tuple[str, str], ...]:
    # client-go sends --request-timeout to the server too: ?timeout=<Duration.String()>. The session's
    # transport adds it to every request now (one timeout: it replaces this one); kept for getwatch.
    ns = session.request_timeout_ns
    return (("timeout", format_go_duration(ns)),) if ns else ()


def run(session: Session, args: argparse.Namespace) -> int:
    _validate(session, args)
    if args.raw:
        from .raw import raw_get

        return raw_get(session, args.raw)
    if args.watch or args.watch_only:
        from .getwatch import run_watch

        return run_watch(session, args)
    output = args.output
    human = output in ("", "wide")
    namespace = None if session.all_namespaces else session.namespace
    requests = _requests(session, args, namespace)
    extra: Tuple[Tuple[str, str], ...] = ()
    if human and args.sort_by:
        extra += (("includeObject", "Object"),)  # kubectl asks for whole objects to sort rows by any field
    how = _Fetch(TABLE_ACCEPT if human else "application/json", extra, 0 if args.sort_by else args.chunk_size)
    errors: List[BaseException] = []
    infos: List[_Info] = []
    for req in requests:
        try:
            for page in _fetch(req.client, req, args, how):
                infos.append(_Info(req.client.mapping, page, req.client.namespaced))
        except StatusError as err:
            if req.name is not None and isinstance(err, NotFound):
                err = _missing_namespace(req.client, how) or err
            if args.ignore_not_found and isinstance(err, NotFound):
                continue
            errors.append(enhance_list_error(err, req, args) if req.name is None else err)
    if human:
        written = _print_tables(session, args, infos)
        if written == 0 and not args.ignore_not_found and not errors:
            if not session.all_namespaces and all(i.namespaced for i in infos):
                session.stderr.write(f"No resources found in {namespace} namespace.\n")
            else:
                session.stderr.write("No resources found\n")
    else:
        single = len(requests) == 1 and requests[0].name is not None
        if errors and single:
            raise AggregateError(errors)
        objects = _flatten(infos)
        if not args.show_managed_fields and output in ("json", "yaml"):  # OmitManagedFieldsPrinter wraps only these
            objects = [omit_managed_fields(o) for o in objects]
        if objects or not args.ignore_not_found:
            printer = make_printer(args)
            is_list = not (single and len(objects) == 1)
            obj = objects[0] if not is_list else {
                "apiVersion": "v1", "items": objects, "kind": "List", "metadata": {"resourceVersion": ""},
            }
            try:
                if is_list and args.sort_by:
                    from .sorting import sort_objects

                    obj = {**obj, "items": sort_objects(objects, args.sort_by)}
                printer.print_obj(obj, session.stdout, is_list=is_list)
            except Exception as err:
                # Only sorting and JSONPath load these modules (a plain -o json never does).
                from .jsonpath import JSONPathError
                from .sorting import SortError

                if not isinstance(err, (SortError, JSONPathError)):
                    raise
                errors.append(err if not isinstance(err, JSONPathError) else ValueError(str(err)))
    if errors:
        raise AggregateError(errors)
    return 0


class _ObjectPrinter:
    """One of kubectl's generic printers (name, json, yaml), as ``print_obj(obj, out, is_list=...)``."""

    def __init__(self, delegate: Any) -> None:
        self.delegate = delegate

    def print_obj(self, obj: Obj, out: Any, *, is_list: bool) -> None:
        self.delegate.print_obj(obj, out)


class JSONPathPrinter:
    """``-o jsonpath=...``: kubectl's ``JSONPathPrinter`` over the object's (or the List's) unstructured content."""

    def __init__(self, template: str, *, allow_missing_keys: bool, as_json: bool) -> None:
        from .jsonpath import JSONPath, JSONPathError, parse_error_text

        self.template = template
        try:
            self.jsonpath = JSONPath(template, allow_missing_keys=allow_missing_keys, output_json=as_json)
        except JSONPathError as err:
            raise ValueError(parse_error_text(template, err)) from None

    def print_obj(self, obj: Obj, out: Any, *, is_list: bool) -> None:
        from .jsonpath import JSONPathError, execute_error_text

        data = obj  # runtime.Unstructured content, lists included: int64 numbers stay ints
        try:
            out.write(self.jsonpath.execute(data))
        except JSONPathError as err:
            raise JSONPathError(execute_error_text(self.template, err, data)) from None


class _ColumnsPrinter:
    def __init__(self, printer: Any) -> None:
        self.printer = printer

    def print_obj(self, obj: Obj, out: Any, *, is_list: bool) -> None:
        self.printer.print_obj(obj, out)


def _read_template(path: str, what: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as err:
        raise ValueError(f"error reading {what} {path}, open {path}: {_os_reason(err)}\n") from None


def _os_reason(err: OSError) -> str:
    import errno

    return {errno.ENOENT: "no such file or directory", errno.EACCES: "permission denied",
            errno.EISDIR: "is a directory"}.get(err.errno or 0, (err.strerror or str(err)).lower())


def make_printer(args: argparse.Namespace) -> Any:
    """kubectl's ``PrintFlags.ToPrinter`` for the generic outputs: templates first, then json/yaml, columns, name."""
    output = args.output
    fmt, eq, value = output.partition("=")
    if fmt in JSONPATH_FORMATS:
        if not value:
            raise ValueError("template format specified but no template given")
        template = _read_template(value, "--template") if fmt == "jsonpath-file" else value
        return JSONPathPrinter(template, allow_missing_keys=args.allow_missing_template_keys,
                               as_json=fmt == "jsonpath-as-json")
    if output in ("json", "yaml"):
        return _ObjectPrinter(JSONPrinter() if output == "json" else YAMLPrinter())
    if fmt in COLUMNS_FORMATS:
        from .customcolumns import CustomColumnsPrinter, columns_from_spec, columns_from_template

        if fmt == "custom-columns-file" and value:
            return _ColumnsPrinter(CustomColumnsPrinter(columns_from_template(_read_template(value, "template"))))
        if not value:
            raise ValueError("custom-columns format specified but no custom columns given")
        return _ColumnsPrinter(CustomColumnsPrinter(columns_from_spec(value), no_headers=args.no_headers))
    if output == "name":
        return _ObjectPrinter(NamePrinter())
    raise ValueError(f'unable to match a printer suitable for the output format "{output}", '
                     f"allowed formats are: {','.join(ALLOWED_FORMATS)}")


def enhance_list_error(err: StatusError, req: Request, args: argparse.Namespace) -> StatusError:
    """cli-runtime's ``EnhanceListError``: a failed list names the resource and the selectors.

    ``Unable to find "/v1, Resource=configmaps" that match label selector "a=(", field selector "": ...``
    for BadRequest and NotFound (not for an expired continue token).
    """
    if not isinstance(err, (BadRequest, NotFound)):
        return err
    gvr = req.client.gvr
    subject = f"{gvr.group}/{gvr.version}, Resource={gvr.resource}"
    if not args.selector and not args.field_selector:
        message = f"Unable to list {go_quote(subject)}: {err.message}"
    else:
        message = (f"Unable to find {go_quote(subject)} that match label selector {go_quote(args.selector)}, "
                   f"field selector {go_quote(args.field_selector)}: {err.message}")
    enhanced = type(err)({**err.status, "message": message}, method=err.method, url=err.url,
                         content_type=err.content_type, body=err.body, from_status=err.from_status)
    enhanced.__cause__ = err
    return enhanced


def omit_managed_fields(obj: Obj) -> Obj:
    """A copy without ``metadata.managedFields`` (kubectl's ``OmitManagedFieldsPrinter``)."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or "managedFields" not in meta:
        return obj
    return {**obj, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}


def _flatten(infos: Sequence[_Info]) -> List[Obj]:
    """Every object of every reply; list items get the list's apiVersion and kind, as kubectl's decoder sets."""
    out: List[Obj] = []
    for info in infos:
        obj = info.obj
        if isinstance(obj.get("items"), list):
            kind = str(obj.get("kind") or "")
            item_kind = kind[:-4] if kind.endswith("List") else kind
            for item in obj["items"]:
                if not item.get("kind") and not item.get("apiVersion"):
                    item = {"apiVersion": obj.get("apiVersion"), "kind": item_kind, **item}
                out.append(item)
        else:
            out.append(obj)
    return out
