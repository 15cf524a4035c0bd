"""``dynclient diff -f PATH``: what an apply would change, shown as ``kubectl diff --server-side`` shows it.

For each object the live copy (none when it does not exist) and the
result of a server-side dry-run apply are written as YAML, without
``managedFields``, into two temporary directories named as kubectl names
them (``LIVE-*`` and ``MERGED-*``, one file
``[group.]version.Kind.namespace.name`` per object). Then, as kubectl does,
``diff -u -N LIVE MERGED`` runs (or ``$KUBECTL_EXTERNAL_DIFF``) and its
output is passed on. A Secret's values are masked (``***``, with
``(before)``/``(after)`` where they differ), as kubectl's ``Masker`` does.

Exit codes are kubectl's: 0 when nothing would change, 1 when something
would, 2 (and the error on stderr) when the diff could not be made.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import tempfile
from typing import Any, Dict, List, Optional, Sequence, Tuple

from discovery.errors import Conflict, NotFound

from .checkerr import report
from .manifest_files import KubectlError, read_sources
from .objects import without_managed_fields
from .session import Session

__all__ = ["NAME", "add_parser", "run", "file_name", "mask_secrets"]

NAME = "diff"


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False,
                       help="Diff the live objects against what applying the manifests would make")
    p.add_argument("-f", "--filename", action="append", default=[], metavar="PATH",
                   help="a manifest file or directory (repeatable; - reads stdin)")
    p.add_argument("-R", "--recursive", action="store_true", help="Process directories recursively.")
    p.add_argument("--server-side", action="store_true",
                   help="Accepted for kubectl compatibility: the diff is always a server-side dry-run apply.")
    p.add_argument("--force-conflicts", action="store_true",
                   help="Take ownership of fields another field manager owns (in the dry run).")
    p.add_argument("--field-manager", default="kubectl", help="Name of the manager the dry run applies as.")
    p.add_argument("--show-managed-fields", action="store_true", help="Keep metadata.managedFields in the diff.")
    return p


def file_name(group: str, version: str, kind: str, namespace: str, name: str) -> str:
    """kubectl's ``InfoObject.Name()``: ``apps.v1.Deployment.ns.web``, ``v1.ConfigMap.ns.cfg``."""
    prefix = f"{group}." if group else ""
    return f"{prefix}{version}.{kind}.{namespace}.{name}"


def mask_secrets(live: Optional[Dict[str, Any]], merged: Optional[Dict[str, Any]]) -> Tuple[Any, Any]:
    """kubectl's ``Masker``: Secret values replaced by ``***``, marked ``(before)``/``(after)`` when they differ."""
    before = dict((live or {}).get("data") or {})
    after = dict((merged or {}).get("data") or {})
    for key in list(before):
        if key in after:
            if before[key] != after[key]:
                before[key], after[key] = "*** (before)", "*** (after)"
                continue
            after[key] = "***"
        before[key] = "***"
    for key, value in after.items():
        if value not in ("***", "*** (after)"):
            after[key] = "***"
    masked_live = {**live, "data": before} if live is not None and "data" in live else live
    masked_merged = {**merged, "data": after} if merged is not None and "data" in merged else merged
    return masked_live, masked_merged


def _go_temp_dir(prefix: str) -> str:
    """``os.MkdirTemp("", prefix)``: the prefix and a random decimal number, as Go names them."""
    import random

    for _ in range(100):
        path = os.path.join(tempfile.gettempdir(), f"{prefix}{random.randint(0, 2**32 - 1)}")
        try:
            os.mkdir(path, 0o700)
            return path
        except FileExistsError:
            continue
    return tempfile.mkdtemp(prefix=prefix)


def _diff_command() -> List[str]:
    external = os.environ.get("KUBECTL_EXTERNAL_DIFF", "")
    if external:
        return shlex.split(external)
    return ["diff", "-u", "-N"]


def run(session: Session, args: argparse.Namespace) -> int:
    try:
        return _run(session, args)
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as err:  # noqa: BLE001 - kubectl's CheckDiffErr: any error exits 2
        session.stdout.flush()
        session.stderr.write(report(err))
        return 2


def _run(session: Session, args: argparse.Namespace) -> int:
    from restmapper.errors import MappingError

    from dynclient.manifests import resolve_document

    from . import goyaml
    from .apply import conflict_error, enforce_namespace, mapping_error

    if not args.filename:
        raise KubectlError("must specify one of -f and -k")
    # kubectl diff's builder has no schema and no ContinueOnError: the first bad document or failed
    # object, in file order, is the error, and no diff is shown.
    sources = read_sources(args.filename, recursive=args.recursive, validate=False)
    explicit = session.explicit_namespace
    refused = enforce_namespace(session, sources, explicit)
    dyn = session.client()
    live_dir = _go_temp_dir("LIVE-")
    merged_dir = _go_temp_dir("MERGED-")
    try:
        stops = sorted(refused + list(sources.errors), key=lambda item: item[0])
        for doc in sources.documents:
            position = sources.position(doc)
            if stops and stops[0][0] < position:
                raise stops[0][1]
            try:
                mapping, ns = resolve_document(dyn, doc, namespace=explicit)
            except MappingError as err:
                raise mapping_error(doc, err) from None
            rc = dyn.resource(mapping)
            if ns:
                rc = rc.namespace(ns)
            body = dict(doc.obj)
            body["metadata"] = {**(doc.obj.get("metadata") or {}), **({"namespace": ns} if ns else {})}
            try:
                try:
                    live: Optional[Dict[str, Any]] = rc.get(doc.name)
                except NotFound:
                    live = None
                merged = rc.apply(body, field_manager=args.field_manager, force=args.force_conflicts, dry_run=True)
            except Conflict as err:
                raise conflict_error(err) from None
            if not args.show_managed_fields:
                live, merged = without_managed_fields(live), without_managed_fields(merged)
            secret = mapping.group_version_kind.group == "" and mapping.group_version_kind.kind == "Secret"
            if secret:
                live, merged = mask_secrets(live, merged)
            gvk = mapping.group_version_kind
            name = file_name(gvk.group, gvk.version, gvk.kind, ns or "", doc.name)
            if live is not None or secret:
                # kubectl's Masker turns a missing Secret into a nil object, which it writes as "null".
                with open(os.path.join(live_dir, name), "w", encoding="utf-8") as fh:
                    fh.write(goyaml.marshal(live) if live is not None else "null\n")
            with open(os.path.join(merged_dir, name), "w", encoding="utf-8") as fh:
                fh.write(goyaml.marshal(merged))
        if stops:
            raise stops[0][1]
        command = _diff_command()
        if shutil.which(command[0]) is None:
            raise KubectlError(f'failed to run "{command[0]}": executable file not found in $PATH')
        session.stdout.flush()
        proc = subprocess.run([*command, live_dir, merged_dir], capture_output=True)
        session.stdout.write(proc.stdout.decode("utf-8", errors="replace"))
        session.stdout.flush()
        if proc.stderr:
            session.stderr.write(proc.stderr.decode("utf-8", errors="replace"))
        if proc.returncode > 1:
            raise KubectlError(f"exit status {proc.returncode}")
        return proc.returncode
    finally:
        shutil.rmtree(live_dir, ignore_errors=True)
        shutil.rmtree(merged_dir, ignore_errors=True)
