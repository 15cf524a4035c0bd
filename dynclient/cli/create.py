"""``dynclient create -f PATH``: POST every object of the manifests, printed as ``kubectl create -f``.

::

    configmap/cfg created
    configmap/cfg created (server dry run)
    configmap/<unknown> created (dry run)      (--dry-run=client, generateName)

Objects are sent by the manifests library (``create_manifests``: CRDs
before their resources, a kind's objects concurrently) and printed in file
order. An object that exists already fails with kubectl's
``Error from server (AlreadyExists): error when creating "f.yaml": ...``;
like kubectl, the others are still created, bad documents are reported
last, and the exit code is 1.
"""

from __future__ import annotations

import argparse
from typing import Any, List, Sequence, Tuple

from discovery.errors import StatusError

from .apply import dry_run_strategy, enforce_namespace, mapping_error
from .manifest_files import KubectlError, read_sources
from .objects import InOrder, ObjectPrinter, builder_error, fail, source_error
from .session import Session

__all__ = ["NAME", "add_parser", "run"]

NAME = "create"


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False, help="Create resources from files")
    p.add_argument("-f", "--filename", action="append", default=[], metavar="PATH",
                   help="a manifest file or directory (repeatable; - reads stdin)")
    p.add_argument("-R", "--recursive", action="store_true", help="Process directories recursively.")
    p.add_argument("--dry-run", nargs="?", const="client", default="none", metavar="none|server|client",
                   help="'server' sends the requests as a dry run; 'client' sends nothing.")
    p.add_argument("-o", "--output", default="", help="Output format: name, json or yaml.")
    p.add_argument("--field-manager", default="kubectl-create", help="Name of the manager owning the fields set.")
    return p


def run(session: Session, args: argparse.Namespace) -> int:
    if not args.filename:
        raise KubectlError("must specify one of -f and -k")
    dry_run = dry_run_strategy(args.dry_run)
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(dry_run, "")
    printer = ObjectPrinter(args.output, "created" + suffix, session.stdout)
    sources = read_sources(args.filename, recursive=args.recursive)
    namespace = session.explicit_namespace
    per_object = enforce_namespace(session, sources, namespace)
    eager = list(sources.errors)
    documents = list(sources.documents)
    positions = {id(d): sources.position(d) for d in documents}
    for position, _, doc in sources.nameless:
        documents.append(doc)
        positions[id(doc)] = position
    count = 0
    if dry_run == "client":
        count = _client_dry_run(session, documents, positions, printer, eager)
    elif documents:
        count = _create(session, args, documents, positions, printer, dry_run == "server", per_object, eager)
    error = builder_error([e for _, e in sorted(per_object, key=_first)], [e for _, e in sorted(eager, key=_first)])
    fail([error] if error is not None else [])
    if not count:
        raise KubectlError("no objects passed to create")
    return 0


def _first(item: Tuple[int, Any]) -> int:
    return item[0]


def _client_dry_run(session: Session, documents: List[Any], positions: dict, printer: ObjectPrinter,
                    eager: List[Tuple[int, BaseException]]) -> int:
    from restmapper.errors import MappingError

    from discovery.types import GroupVersionKind

    dyn = session.client()
    count = 0
    for doc in sorted(documents, key=lambda d: positions[id(d)]):
        try:
            dyn.rest_mapping(GroupVersionKind.from_api_version(doc.api_version, doc.kind))
        except MappingError as err:
            eager.append((positions[id(doc)], mapping_error(doc, err)))
            continue
        count += 1
        printer.print(doc.obj)
    return count


def _create(session: Session, args: argparse.Namespace, documents: List[Any], positions: dict,
            printer: ObjectPrinter, dry_run: bool, per_object: List[Tuple[int, BaseException]],
            eager: List[Tuple[int, BaseException]]) -> int:
    from restmapper.errors import MappingError

    from dynclient.manifests import ManifestApplyError, create_manifests

    ordered = InOrder(session.stdout, sorted(positions.values()))
    seen: set = set()
    created = [0]

    def emit(result: Any) -> None:
        if result is None or id(result) in seen:
            return
        seen.add(id(result))
        position = positions.get(id(result.document), 0)
        if not result.failed:
            created[0] += 1
            ordered.add(position, printer.line(result.object or result.document.obj).rstrip("\n"))
            return
        ordered.add(position, None)
        error = result.error
        if isinstance(error, MappingError):
            eager.append((position, mapping_error(result.document, error)))
            return
        created[0] += 1  # kubectl counts only what it created, but a refused object stops "no objects"
        if isinstance(error, StatusError):
            per_object.append((position, source_error("creating", result.document.source, error)))
        else:
            from dynclient.manifests.results import error_text

            per_object.append((position, source_error("creating", result.document.source,
                                                      KubectlError(error_text(error)))))

    try:
        results = create_manifests(session.client(), documents, namespace=session.explicit_namespace,
                                   field_manager=args.field_manager, dry_run=dry_run, stop_on_error=False,
                                   keep_replies=True,
                                   progress=lambda done, total, result: emit(result))
    except ManifestApplyError as err:
        results = list(getattr(err, "results", None) or [])
    for result in results:
        emit(result)
    ordered.finish()
    return created[0]
