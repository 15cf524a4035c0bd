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
  reported after the output, one per line, and the exit code is 1.
"""

from __future__ import annotations

import argparse
import datetime
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from discovery.errors import BadRequest, NotFound, StatusError
from restmapper.errors import go_quote
from restmapper.mapping import RESTMapping

from dynclient.paths import resource_path
from dynclient.resource import ResourceClient

from .checkerr import AggregateError, UsageError
from .flags import int_arg
from .printers import JSONPrinter, NamePrinter, TablePrinter, YAMLPrinter, qualified_kind
from .session import Session
from .tabwriter import new_tab_writer

__all__ = ["NAME", "add_parser", "run", "TABLE_ACCEPT", "split_args", "human_duration", "omit_managed_fields"]

NAME = "get"
OUTPUTS = ("json", "name", "wide", "yaml")
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
    p.add_argument("-o", "--output", default="", help="Output format: json, yaml, name or wide.")
    p.add_argument("-l", "--selector", default="", help="Label selector to filter on (e.g. -l key1=value1,key2=value2).")
    p.add_argument("--field-selector", default="", help="Field selector to filter on (e.g. metadata.name=x).")
    p.add_argument("--chunk-size", type=int_arg(64), default=500,
                   help="Read large lists in chunks of this many objects; 0 reads them whole.")
    p.add_argument("--ignore-not-found", action="store_true",
                   help="If the requested object does not exist the command will return exit code 0.")
    p.add_argument("--no-headers", action="store_true", help="Don't print table headers.")
    p.add_argument("--show-managed-fields", action="store_true",
                   help="Keep metadata.managedFields in the JSON or YAML output.")
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

    if tuples:
        return [Request(scoped(dyn.resource(kind), True), name) for kind, name in tuples]
    if names:
        if args.selector:
            raise ValueError("name cannot be provided when a selector is specified")
        clients = dyn.resources(types)
        if len(clients) != 1 or len(set(types.split(","))) != 1:
            raise ValueError("you must specify only one resource")
        rc = scoped(clients[0], True)
        return [Request(rc, name) for name in names]
    return [Request(scoped(rc, False)) for rc in dyn.resources(types)]


def _list_params(args: argparse.Namespace, limit: int, token: Optional[str]) -> List[Tuple[str, str]]:
    params = []
    if args.selector:
        params.append(("labelSelector", args.selector))
    if args.field_selector:
        params.append(("fieldSelector", args.field_selector))
    if limit > 0:
        params.append(("limit", str(limit)))
    if token:
        params.append(("continue", token))
    return params


def _fetch(rc: ResourceClient, req: Request, args: argparse.Namespace, accept: str) -> Iterator[Obj]:
    """GET the object, or the list page by page, with ``accept`` (a Table or plain JSON)."""
    path = resource_path(rc.gvr, rc.ns if rc.namespaced else None, req.name)
    if req.name is not None:
        yield rc.transport.request("GET", path, accept=accept).json()
        return
    token: Optional[str] = None
    while True:
        page = rc.transport.request("GET", path, params=_list_params(args, args.chunk_size, token), accept=accept).json()
        yield page
        token = (page.get("metadata") or {}).get("continue")
        if not token:
            return


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
    with_kind = len(infos) > 1 and len(kinds) > 1
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
            )
            last = info.mapping
        printer.print_table(as_table(info.obj), w)
    w.flush()
    return tracking.written


# -- entry point ----------------------------------------------------------------------


def run(session: Session, args: argparse.Namespace) -> int:
    output = args.output
    if output and output not in OUTPUTS:
        raise ValueError(f'unable to match a printer suitable for the output format "{output}", '
                         f"allowed formats are: {','.join(OUTPUTS)}")
    if not args.resources:
        session.stderr.write('You must specify the type of resource to get. Use "dynclient api-resources" '
                             "for a complete list of supported resources.\n\n")
        raise UsageError("Required resource not specified.", command=NAME, cobra=False)
    namespace = None if session.all_namespaces else session.namespace
    requests = _requests(session, args, namespace)
    human = output in ("", "wide")
    errors: List[BaseException] = []
    infos: List[_Info] = []
    for req in requests:
        try:
            for page in _fetch(req.client, req, args, TABLE_ACCEPT if human else "application/json"):
                infos.append(_Info(req.client.mapping, page, req.client.namespaced))
        except StatusError as err:
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
        if not args.show_managed_fields:
            objects = [omit_managed_fields(o) for o in objects]
        if objects or not args.ignore_not_found:
            obj = objects[0] if single and len(objects) == 1 else {
                "apiVersion": "v1", "items": objects, "kind": "List", "metadata": {"resourceVersion": ""},
            }
            printer = {"name": NamePrinter, "json": JSONPrinter, "yaml": YAMLPrinter}[output]()
            printer.print_obj(obj, session.stdout)
    if errors:
        raise AggregateError(errors)
    return 0


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
