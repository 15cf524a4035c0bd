"""``dynclient delete``: by name (``delete TYPE NAME...``) or from manifests (``delete -f PATH``).

Prints what ``kubectl delete`` prints for each object deleted::

    configmap "cfg" deleted
    deployment.apps "web" deleted

Errors for one name do not stop the others (kubectl's ContinueOnError); they
are reported afterwards and the exit code is 1. ``--ignore-not-found``
drops NotFound errors. Unlike kubectl, nothing waits for the objects to be
gone (as ``kubectl delete --wait=false``).
"""

from __future__ import annotations

import argparse
from typing import List, Sequence

from discovery.errors import NotFound, StatusError

from .checkerr import AggregateError, UsageError
from .manifest_files import expand_paths
from .printers import qualified_kind
from .session import Session

__all__ = ["NAME", "add_parser", "run", "deleted_line", "with_source"]

NAME = "delete"


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False,
                       help="Delete resources by file names or by resource and names")
    p.add_argument("args", nargs="*", metavar="TYPE NAME... | TYPE/NAME...")
    p.add_argument("-f", "--filename", action="append", default=[], metavar="PATH",
                   help="a manifest file or directory (repeatable; - reads stdin)")
    p.add_argument("-R", "--recursive", action="store_true", help="Process directories recursively.")
    p.add_argument("--ignore-not-found", action="store_true",
                   help="Treat \"resource not found\" as a successful delete.")
    return p


def deleted_line(kind: str, group: str, name: str, operation: str = "deleted") -> str:
    """``deployment.apps "web" deleted`` (kubectl ``DeleteOptions.PrintObj``)."""
    return f'{qualified_kind(kind, group)} "{name}" {operation}'


def _by_name(session: Session, args: argparse.Namespace) -> List[BaseException]:
    items = list(args.args)
    if any("/" in a for a in items):
        pairs = []
        for a in items:
            kind, slash, name = a.partition("/")
            if not slash or not kind or not name:
                raise ValueError("there is no need to specify a resource type as a separate argument when passing "
                                 "arguments in resource/name form")
            pairs.append((kind, name))
    else:
        if len(items) < 2:
            raise UsageError("resource(s) were provided, but no name was specified" if items
                             else "You must provide one or more resources by argument or filename.",
                             command=NAME, cobra=False)
        pairs = [(items[0], name) for name in items[1:]]
    errors: List[BaseException] = []
    dyn = session.client()
    for kind, name in pairs:
        rc = dyn.resource(kind)
        if rc.namespaced:
            rc = rc.namespace(session.namespace)
        try:
            rc.delete(name)
        except StatusError as err:
            if not (args.ignore_not_found and isinstance(err, NotFound)):
                errors.append(err)
            continue
        session.stdout.write(deleted_line(rc.gvk.kind, rc.gvk.group, name) + "\n")
    return errors


def with_source(verb: str, source: str, err: BaseException) -> BaseException:
    """kubectl's ``AddSourceToErr``: ``error when deleting "app.yaml": ...`` inside the server's message."""
    if not source:
        return err
    source = "STDIN" if source == "<stdin>" else source
    if isinstance(err, StatusError):
        message = f'error when {verb} "{source}": {err.message}'
        return type(err)({**err.status, "message": message}, method=err.method, url=err.url)
    return ValueError(f'error when {verb} "{source}": {err}')


def _from_files(session: Session, args: argparse.Namespace) -> List[BaseException]:
    from dynclient.manifests import ManifestApplyError, delete_manifests

    errors: List[BaseException] = []
    sources = expand_paths(args.filename, recursive=args.recursive)
    try:
        results = delete_manifests(session.client(), sources, namespace=session.namespace,
                                   ignore_not_found=args.ignore_not_found, stop_on_error=False)
    except ManifestApplyError as err:
        results = list(getattr(err, "results", None) or [])
        if not any(getattr(r, "error", None) is not None for r in results):
            errors.append(err)
    for result in results:
        error = getattr(result, "error", None)
        if error is not None:
            if not (args.ignore_not_found and isinstance(error, NotFound)):
                errors.append(with_source("deleting", result.document.source, error))
        elif result.action == "deleted":
            session.stdout.write(deleted_line(result.gvk.kind, result.gvk.group, result.name) + "\n")
    return errors


def run(session: Session, args: argparse.Namespace) -> int:
    if args.filename and args.args:
        raise UsageError("when paths, URLs, or stdin is provided as input, you may not specify a resource by "
                         "arguments as well", command=NAME, cobra=False)
    errors = _from_files(session, args) if args.filename else _by_name(session, args)
    if errors:
        raise AggregateError(errors)
    return 0
