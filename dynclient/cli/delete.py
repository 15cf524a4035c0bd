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
from typing import Any, List, Sequence

from discovery.errors import NotFound, StatusError

from .checkerr import AggregateError, UsageError
from .manifest_files import expand_paths, read_source
from .printers import qualified_kind
from .session import Session

__all__ = ["NAME", "add_parser", "run", "deleted_line"]

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


def _result_line(result: Any) -> str:
    obj = getattr(result, "object", None) or getattr(result, "obj", None) or {}
    kind = getattr(result, "kind", None) or obj.get("kind", "")
    api_version = getattr(result, "api_version", None) or obj.get("apiVersion", "")
    group = getattr(result, "group", None)
    if group is None:
        group = api_version.rpartition("/")[0] if "/" in api_version else ""
    name = getattr(result, "name", None) or (obj.get("metadata") or {}).get("name", "")
    if kind and name:
        return deleted_line(kind, group, name)
    return str(result)


def _from_files(session: Session, args: argparse.Namespace) -> List[BaseException]:
    from dynclient.manifests import delete_manifests

    errors: List[BaseException] = []
    namespace = session.explicit_namespace or session.namespace
    for path in expand_paths(args.filename, recursive=args.recursive):
        results = delete_manifests(session.client(), read_source(path), namespace=namespace,
                                   ignore_not_found=args.ignore_not_found)
        for result in results:
            error = getattr(result, "error", None)
            if error is not None:
                if not (args.ignore_not_found and isinstance(error, NotFound)):
                    errors.append(error)
                continue
            if getattr(result, "action", "deleted") in ("deleted", "", None):
                session.stdout.write(_result_line(result) + "\n")
    return errors


def run(session: Session, args: argparse.Namespace) -> int:
    if args.filename and args.args:
        raise UsageError("when paths, URLs, or stdin is provided as input, you may not specify a resource by "
                         "arguments as well", command=NAME, cobra=False)
    errors = _from_files(session, args) if args.filename else _by_name(session, args)
    if errors:
        raise AggregateError(errors)
    return 0
