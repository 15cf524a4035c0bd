"""``dynclient patch TYPE NAME -p PATCH``: send a strategic, merge or JSON patch, printed as ``kubectl patch``.

``--type`` is ``strategic`` (the default), ``merge`` or ``json``; the patch
comes from ``-p`` or ``--patch-file`` and may be YAML (kubectl turns it
into JSON first). Each object is fetched, patched, and printed::

    configmap/cfg patched
    configmap/cfg patched (no change)      (the server's copy did not change)
"""

from __future__ import annotations

import argparse
import json
from typing import Any, List, Sequence

from discovery.errors import StatusError

from .apply import dry_run_strategy
from .manifest_files import KubectlError
from .objects import ObjectPrinter, builder_error, fail, gvk_string, intermixed
from .session import Session
from .targets import find

__all__ = ["NAME", "add_parser", "run", "patch_json"]

NAME = "patch"

PATCH_TYPES = ("json", "merge", "strategic")


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False, help="Update fields of a resource")
    p.add_argument("args", nargs="*", metavar="TYPE NAME | TYPE/NAME")
    p.add_argument("-f", "--filename", action="append", default=[], metavar="PATH",
                   help="a manifest file or directory naming the objects")
    p.add_argument("-R", "--recursive", action="store_true", help="Process directories recursively.")
    p.add_argument("-p", "--patch", default="", help="The patch to be applied to the resource JSON file.")
    p.add_argument("--patch-file", default="", help="A file containing a patch to be applied to the resource.")
    p.add_argument("--type", default="strategic", help="The type of patch: json, merge or strategic.")
    p.add_argument("--dry-run", nargs="?", const="client", default="none", metavar="none|server|client",
                   help="'server' sends the request as a dry run; 'client' sends nothing.")
    p.add_argument("--local", action="store_true", help="Patch the file's object locally (not supported here).")
    p.add_argument("-o", "--output", default="", help="Output format: name, json or yaml.")
    p.add_argument("--field-manager", default="kubectl-patch", help="Name of the manager owning the fields set.")
    return intermixed(p, "args")


def patch_json(text: str) -> str:
    """``yaml.ToJSON``: the patch as JSON text (JSON stays as it is; YAML is converted)."""
    import yaml

    from . import gojson

    try:
        json.loads(text)
        return text
    except ValueError:
        pass
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise KubectlError(f'unable to parse "{text}": {err}') from None
    return gojson.marshal(value)


def run(session: Session, args: argparse.Namespace) -> int:
    if not args.patch and not args.patch_file:
        raise KubectlError("must specify --patch or --patch-file containing the contents of the patch")
    if args.local and args.args:
        raise KubectlError("cannot specify --local and server resources")
    if args.type.lower() not in PATCH_TYPES:
        raise KubectlError(f'--type must be one of [{" ".join(PATCH_TYPES)}], not "{args.type}"')
    dry_run = dry_run_strategy(args.dry_run)
    text = args.patch
    if args.patch_file:
        try:
            with open(args.patch_file, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as err:
            raise KubectlError(f"unable to read patch file: {err.strerror or err}") from None
    body = patch_json(text)
    printer = ObjectPrinter(args.output, "patched", session.stdout)
    visits, eager = find(session, list(args.args), filenames=args.filename, recursive=args.recursive)
    errors: List[BaseException] = []
    for visit in visits:
        if isinstance(visit, BaseException):
            errors.append(visit)
            continue
        if dry_run == "client":
            printer.print(visit.obj or {})
            continue
        try:
            patched: Any = visit.client.patch(visit.name, body, args.type.lower(), dry_run=dry_run == "server",
                                              field_manager=args.field_manager)
        except StatusError as err:
            if err.code == 415 and args.type.lower() == "strategic":
                gvk = visit.client.gvk
                errors.append(KubectlError(f"application/strategic-merge-patch+json is not supported by "
                                           f"{gvk_string(gvk.group, gvk.version, gvk.kind)}: {err.message}"))
                continue
            errors.append(err)
            continue
        printer.print(patched, "patched" if patched != visit.obj else "patched (no change)")
    error = builder_error(errors, eager)
    fail([error] if error is not None else [])
    return 0
