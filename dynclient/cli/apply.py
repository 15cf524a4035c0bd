"""``dynclient apply -f PATH``: server-side apply of manifests, printed as ``kubectl apply --server-side``.

Each object prints one line, in file order, as soon as it and everything
before it are done::

    configmap/cfg serverside-applied
    configmap/cfg serverside-applied (server dry run)

``--server-side`` is accepted and changes nothing: this apply is always
server-side. ``--dry-run=client`` sends no write: each object is looked up
and printed as kubectl's client-side dry run prints it (``created (dry
run)`` when absent, ``configured (dry run)`` otherwise).

The context's namespace fills in objects without one; only an explicit
``-n`` refuses objects that name another namespace (kubectl's
``enforceNamespace``). Bad documents, unknown kinds and refused objects do
not stop the others: they are reported afterwards with kubectl's texts
and nesting (see ``objects``), and the exit code is 1.

When there are more objects than the terminal has rows and stderr is a
terminal, a progress line (``[ 37/120] applying ...``) is kept up to date
on stderr and erased before each printed line and at the end.
"""

from __future__ import annotations

import argparse
import shutil
from typing import Any, Dict, List, Optional, Sequence, TextIO, Tuple

from discovery.errors import Conflict, NotFound, StatusError

from .manifest_files import KubectlError, Sources, read_sources
from .objects import (InOrder, ObjectPrinter, builder_error, fail, go_text, gvk_string, gvr_string, source_error,
                      without_managed_fields)
from .printers import qualified_kind
from .session import Session

__all__ = ["NAME", "add_parser", "run", "Progress", "result_line", "dry_run_strategy", "mapping_error",
           "conflict_error", "namespace_mismatch"]

NAME = "apply"

CONFLICT_HINT = """Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the `--force-conflicts` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts"""


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False,
                       help="Apply manifests to the server (server-side apply)")
    p.add_argument("-f", "--filename", action="append", default=[], metavar="PATH",
                   help="a manifest file or directory (repeatable; - reads stdin)")
    p.add_argument("-R", "--recursive", action="store_true", help="Process directories recursively.")
    p.add_argument("--dry-run", nargs="?", const="client", default="none", metavar="none|server|client",
                   help="'server' sends the requests as a dry run; 'client' sends no write; 'none' (default) applies.")
    p.add_argument("--server-side", action="store_true",
                   help="Accepted for kubectl compatibility: this apply is always server-side.")
    p.add_argument("--force-conflicts", action="store_true",
                   help="Take ownership of fields another field manager owns.")
    p.add_argument("--field-manager", default="dynclient", help="Name of the manager owning the applied fields.")
    p.add_argument("-o", "--output", default="", help="Output format: name, json or yaml.")
    return p


def dry_run_strategy(value: str) -> str:
    """kubectl's ``GetDryRunStrategy``: ``none``, ``server`` or ``client``."""
    if value in ("none", "server", "client"):
        return value
    raise KubectlError(f'Invalid dry-run value ({value}). Must be "none", "server", or "client".')


def result_line(result: Any, dry_run: bool, printer: Optional[ObjectPrinter] = None) -> str:
    """``kind.group/name serverside-applied``, plus `` (server dry run)`` for a dry run; or ``-o``'s text."""
    if printer is not None and printer.output == "name":
        return printer.line({"apiVersion": result.document.api_version, "kind": result.gvk.kind,
                             "metadata": {"name": result.name}})
    line = f"{qualified_kind(result.gvk.kind, result.gvk.group)}/{result.name} serverside-applied"
    return line + " (server dry run)" if dry_run else line


def list_text(objects: List[Any], output: str) -> str:
    """Several objects as kubectl's apply prints them: a ``metav1.List`` (JSON in its field order)."""
    from . import gojson, goyaml

    if output == "yaml":
        return goyaml.marshal({"apiVersion": "v1", "items": objects, "kind": "List", "metadata": {}})
    items = ",\n".join("\n".join("        " + line for line in gojson.marshal_indent(obj).splitlines())
                       for obj in objects)
    return ('{\n    "kind": "List",\n    "apiVersion": "v1",\n    "metadata": {},\n    "items": [\n'
            + items + "\n    ]\n}\n")


def mapping_error(doc: Any, err: BaseException) -> KubectlError:
    """The builder's text for a kind the server does not serve (with kubectl's hint on its second line)."""
    from restmapper.errors import NoKindMatch

    meta = doc.obj.get("metadata") or {}
    name, ns = meta.get("name") or "", meta.get("namespace") or ""
    cause = getattr(err, "cause", None)  # the library's ResourceMappingNotFound wraps the mapper's error
    if isinstance(cause, NoKindMatch):
        err = cause
    if isinstance(err, NoKindMatch):
        return KubectlError(f'resource mapping not found for name: "{name}" namespace: "{ns}" from "{doc.source}": '
                            f"{err}\nensure CRDs are installed first")
    return KubectlError(f'unable to recognize "{doc.source}": {go_text(err)}')


def conflict_error(err: Conflict) -> KubectlError:
    """A server-side apply conflict, with kubectl's advice after the server's message."""
    return KubectlError(f"{err.message}\n{CONFLICT_HINT}")


def namespace_mismatch(own: str, namespace: str) -> KubectlError:
    return KubectlError(f'the namespace from the provided object "{own}" does not match the namespace '
                        f"\"{namespace}\". You must pass '--namespace={own}' to perform this operation.")


class Progress:
    """``\\r[ done/total] applying ...`` on a terminal, only when the output would scroll past it."""

    def __init__(self, stream: TextIO, *, rows: Optional[int] = None) -> None:
        self.stream = stream
        self.rows = rows if rows is not None else shutil.get_terminal_size((80, 24)).lines
        self.enabled = _isatty(stream)
        self.shown = 0  # width of the line currently on screen

    def active(self, total: int) -> bool:
        return self.enabled and total > self.rows

    def show(self, done: int, total: int, what: str = "") -> None:
        if not self.active(total):
            return
        width = len(str(total))
        text = f"[{done:>{width}}/{total}] applying {what}".rstrip()
        self.stream.write("\r" + text + " " * max(0, self.shown - len(text)))
        self.stream.flush()
        self.shown = len(text)

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * self.shown + "\r")
            self.stream.flush()
            self.shown = 0


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def enforce_namespace(session: Session, sources: Sources, namespace: Optional[str]) -> List[Tuple[int, BaseException]]:
    """kubectl's ``RequireNamespace`` for an explicit ``-n``: drop and report objects naming another namespace.

    Kinds that do not resolve are left for the manifests library, which
    reports them (as the builder would, before this check).
    """
    if not namespace:
        return []
    from dynclient.errors import DynclientError
    from discovery.types import GroupVersionKind

    refused: List[Tuple[int, BaseException]] = []
    kept = []
    dyn = session.client()
    for doc in sources.documents:
        own = doc.namespace
        if own and own != namespace:
            try:
                mapping = dyn.rest_mapping(GroupVersionKind.from_api_version(doc.api_version, doc.kind))
            except (DynclientError, ValueError):
                kept.append(doc)
                continue
            if mapping.namespaced:
                refused.append((sources.position(doc), namespace_mismatch(own, namespace)))
                continue
        kept.append(doc)
    sources.documents[:] = kept
    return refused


def run(session: Session, args: argparse.Namespace) -> int:
    if not args.filename:
        raise KubectlError("must specify one of -f and -k")
    dry_run = dry_run_strategy(args.dry_run)
    if dry_run == "client" and args.server_side:
        raise KubectlError("--dry-run=client doesn't work with --server-side (did you mean --dry-run=server instead?)")
    sources = read_sources(args.filename, recursive=args.recursive)
    if sources.empty:
        raise KubectlError("no objects passed to apply")
    namespace = session.explicit_namespace
    per_object = enforce_namespace(session, sources, namespace)
    eager = list(sources.errors)
    applied: List[Tuple[int, BaseException]] = []
    for position, obj, doc in sources.nameless:
        generate = (obj.get("metadata") or {}).get("generateName") if isinstance(obj.get("metadata"), dict) else ""
        applied.append((position, KubectlError(f"from {generate}: cannot use generate name with apply" if generate
                                               else "resource name may not be empty")))
    for doc in list(sources.documents):
        if not doc.name:
            sources.documents.remove(doc)
            applied.append((sources.position(doc),
                            KubectlError(f"from {doc.metadata.get('generateName', '')}: cannot use generate name "
                                         "with apply")))
    if dry_run == "client":
        _client_dry_run(session, sources, eager, applied)
    elif sources.documents:
        _apply(session, args, sources, namespace, dry_run == "server", eager, applied)
    builder = builder_error([e for _, e in sorted(per_object, key=_first)], [e for _, e in sorted(eager, key=_first)])
    fail(([builder] if builder is not None else []) + [e for _, e in sorted(applied, key=_first)])
    return 0


def _first(item: Tuple[int, Any]) -> int:
    return item[0]


def _apply(session: Session, args: argparse.Namespace, sources: Sources, namespace: Optional[str], dry_run: bool,
           eager: List[Tuple[int, BaseException]], applied: List[Tuple[int, BaseException]]) -> None:
    from restmapper.errors import MappingError

    from dynclient.manifests import ManifestApplyError, apply_manifests

    progress = Progress(session.stderr)
    output = ObjectPrinter(args.output, "serverside-applied", session.stdout)
    printer = InOrder(session.stdout, [sources.position(d) for d in sources.documents], before=progress.clear)
    seen: set = set()
    collected: Dict[int, Any] = {}

    def emit(result: Any) -> None:
        if result is None or id(result) in seen:
            return
        seen.add(id(result))
        position = sources.position(result.document)
        error = result.error if result.failed else None
        if error is None:
            if args.output in ("json", "yaml"):
                collected[position] = result.object or result.document.obj
                printer.add(position, None)
            else:
                printer.add(position, result_line(result, dry_run, output))
            return
        printer.add(position, None)
        if isinstance(error, MappingError):
            eager.append((position, mapping_error(result.document, error)))
        elif isinstance(error, Conflict):
            applied.append((position, conflict_error(error)))
        elif isinstance(error, StatusError):
            applied.append((position, error))
        else:
            applied.append((position, KubectlError(_library_text(error))))

    def on_progress(done: int, total: int, result: Any) -> None:
        emit(result)
        progress.show(done, total, f"{result.kind_label}/{result.name}" if result is not None else "")

    try:
        results = apply_manifests(session.client(), list(sources.documents), namespace=namespace,
                                  field_manager=args.field_manager, force=args.force_conflicts, dry_run=dry_run,
                                  stop_on_error=False, progress=on_progress,
                                  keep_replies=args.output in ("json", "yaml"))
    except ManifestApplyError as err:
        results = list(getattr(err, "results", None) or [])
        if not any(r.failed for r in results):
            applied.append((0, KubectlError(_library_text(err))))
    finally:
        progress.clear()
    for result in results:
        emit(result)
    printer.finish()
    if collected:
        objects = [without_managed_fields(collected[k]) for k in sorted(collected)]
        if len(objects) == 1:
            output.print(objects[0])
        else:
            session.stdout.write(list_text(objects, args.output))


def _library_text(err: BaseException) -> str:
    from dynclient.manifests.results import error_text

    return error_text(err)


def _client_dry_run(session: Session, sources: Sources, eager: List[Tuple[int, BaseException]],
                    applied: List[Tuple[int, BaseException]]) -> None:
    """``kubectl apply --dry-run=client``: look each object up, write nothing."""
    from restmapper.errors import MappingError

    from discovery.types import GroupVersionKind

    dyn = session.client()
    namespace = session.explicit_namespace or dyn.namespace
    for doc in sources.documents:
        gvk = GroupVersionKind.from_api_version(doc.api_version, doc.kind)
        position = sources.position(doc)
        try:
            mapping = dyn.rest_mapping(gvk)
        except MappingError as err:
            eager.append((position, mapping_error(doc, err)))
            continue
        rc = dyn.resource(mapping)
        ns = (doc.namespace or namespace) if mapping.namespaced else None
        if ns:
            rc = rc.namespace(ns)
        label = f"{qualified_kind(gvk.kind, gvk.group)}/{doc.name}"
        try:
            rc.get(doc.name)
        except NotFound:
            session.stdout.write(f"{label} created (dry run)\n")
            continue
        except StatusError as err:
            where = (f"Resource: \"{gvr_string(mapping.resource.group, mapping.resource.version, mapping.resource.resource)}\", "
                     f"GroupVersionKind: \"{gvk_string(gvk.group, gvk.version, gvk.kind)}\"\n"
                     f"Name: \"{doc.name}\", Namespace: \"{ns or ''}\"")
            applied.append((position, source_error(f"retrieving current configuration of:\n{where}\nfrom server for:",
                                                   doc.source, err)))
            continue
        session.stdout.write(f"{label} configured (dry run)\n")
