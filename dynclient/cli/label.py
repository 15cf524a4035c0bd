"""``dynclient label TYPE NAME key=value... key-``: set or remove labels, printed as ``kubectl label``.

Each object is fetched, changed locally, and sent as the JSON merge patch
between the two copies (kubectl's way, so a label set concurrently by
someone else survives). The line says what changed, as kubectl decides it
from the JSON before and after::

    configmap/cfg labeled          configmap/cfg unlabeled
    configmap/cfg not labeled      configmap/cfg labeled (server dry run)

A key that already has another value is refused unless ``--overwrite``.
``annotate`` is the same command for annotations (see ``MapEdit``).
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from discovery.errors import StatusError

from .apply import dry_run_strategy
from .manifest_files import KubectlError
from .objects import GoAggregate, ObjectPrinter, builder_error, fail, intermixed
from .session import Session
from .targets import Target, find

__all__ = ["NAME", "add_parser", "run", "MapEdit", "split_pairs", "parse_labels", "parse_pairs", "merge_patch"]

NAME = "label"

_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_VALUE_MESSAGE = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
                        "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
                        "'my_value',  or '12345', regex used for validation is "
                        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")


def add_common(p: argparse.ArgumentParser, what: str) -> argparse.ArgumentParser:
    p.add_argument("args", nargs="*", metavar="TYPE NAME KEY=VAL... | TYPE/NAME KEY- ...")
    p.add_argument("-f", "--filename", action="append", default=[], metavar="PATH",
                   help="a manifest file or directory naming the objects")
    p.add_argument("-R", "--recursive", action="store_true", help="Process directories recursively.")
    p.add_argument("-l", "--selector", default="", help="Selector (label query) to filter on.")
    p.add_argument("--field-selector", default="", help="Selector (field query) to filter on.")
    p.add_argument("--all", action="store_true", help="Select all resources of the given types in the namespace.")
    p.add_argument("--overwrite", action="store_true", help="Replace values that keys already have.")
    p.add_argument("--dry-run", nargs="?", const="client", default="none", metavar="none|server|client",
                   help="'server' sends the requests as a dry run; 'client' sends nothing.")
    p.add_argument("-o", "--output", default="", help="Output format: name, json or yaml.")
    p.add_argument("--field-manager", default=f"kubectl-{what}", help="Name of the manager owning the fields set.")
    return intermixed(p, "args")


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False, help="Update the labels on resources")
    return add_common(p, "label")


def split_pairs(args: Sequence[str], what: str) -> Tuple[List[str], List[str]]:
    """``GetResourcesAndPairs``: resources first, then ``key=value``/``key-`` changes."""
    resources: List[str] = []
    pairs: List[str] = []
    for arg in args:
        is_pair = ("=" in arg and not arg.startswith("=")) or (arg.endswith("-") and arg != "-")
        if is_pair:
            pairs.append(arg)
        elif pairs:
            raise KubectlError(f"all resources must be specified before {what} changes: {arg}")
        else:
            resources.append(arg)
    return resources, pairs


def parse_labels(specs: Sequence[str]) -> Tuple[Dict[str, str], List[str]]:
    """kubectl label's ``parseLabels``: values are checked here, keys by the server."""
    labels: Dict[str, str] = {}
    remove: List[str] = []
    for spec in specs:
        if "=" in spec:
            parts = spec.split("=")
            if len(parts) != 2:
                raise KubectlError(f"invalid label spec: {spec}")
            value = parts[1]
            problems = []
            if len(value) > 63:
                problems.append("must be no more than 63 characters")
            if not _LABEL_VALUE.match(value):
                problems.append(_LABEL_VALUE_MESSAGE)
            if problems:
                raise KubectlError(f'invalid label value: "{spec}": {";".join(problems)}')
            labels[parts[0]] = value
        elif spec.endswith("-"):
            remove.append(spec[:-1])
        else:
            raise KubectlError(f"unknown label spec: {spec}")
    if any(key in labels for key in remove):
        raise KubectlError("can not both modify and remove a label in the same command")
    return labels, remove


def parse_pairs(specs: Sequence[str], what: str) -> Tuple[Dict[str, str], List[str]]:
    """``cmdutil.ParsePairs``: ``key=value`` (the value may hold ``=``) and ``key-``."""
    pairs: Dict[str, str] = {}
    remove: List[str] = []
    invalid: List[str] = []
    for spec in specs:
        if "=" in spec and not spec.startswith("="):
            key, _, value = spec.partition("=")
            pairs[key] = value
        elif spec.endswith("-") and spec != "-":
            remove.append(spec[:-1])
        else:
            invalid.append(spec)
    if invalid:
        raise KubectlError(f"invalid {what} format: {', '.join(invalid)}")
    return pairs, remove


def merge_patch(before: Any, after: Any) -> Any:
    """``jsonpatch.CreateMergePatch`` (RFC 7386) between two JSON values."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return after
    patch: Dict[str, Any] = {}
    for key, value in after.items():
        if key not in before:
            patch[key] = value
        elif before[key] != value:
            patch[key] = merge_patch(before[key], value) if isinstance(value, dict) and isinstance(before[key], dict) \
                else value
    for key in before:
        if key not in after:
            patch[key] = None
    return patch


def _json_size(obj: Any) -> int:
    from . import gojson

    return len(gojson.marshal(obj).encode("utf-8"))


@dataclass
class MapEdit:
    """One of the two metadata maps kubectl edits: labels (``label``) or annotations (``annotate``)."""

    field: str       # "labels" | "annotations"
    what: str        # "label" | "annotation"
    verb: str        # "labeled" | "annotated"

    def parse(self, specs: Sequence[str]) -> Tuple[Dict[str, str], List[str]]:
        return parse_labels(specs) if self.field == "labels" else parse_pairs(specs, self.what)

    def check_overwrites(self, current: Dict[str, str], new: Dict[str, str]) -> None:
        clashes = [(k, current[k]) for k, v in new.items() if k in current and current[k] != v]
        if not clashes:
            return
        if self.field == "labels":
            errors = [KubectlError(f"'{k}' already has a value ({v}), and --overwrite is false") for k, v in clashes]
            raise errors[0] if len(errors) == 1 else GoAggregate(errors)
        listed = "; ".join(f"'{k}' already has a value ({v})" for k, v in clashes
                           if k != "kubernetes.io/change-cause")
        if listed:
            raise KubectlError(f"--overwrite is false but found the following declared annotation(s): {listed}")

    def edited(self, obj: Dict[str, Any], new: Dict[str, str], remove: Sequence[str], overwrite: bool) -> Dict[str, Any]:
        """A copy of ``obj`` with the changes (kubectl sets the map even when it ends up empty)."""
        meta = dict(obj.get("metadata") or {})
        current = dict(meta.get(self.field) or {})
        if not overwrite:
            self.check_overwrites(current, new)
        current.update(new)
        for key in remove:
            current.pop(key, None)
        meta[self.field] = current
        return {**obj, "metadata": meta}

    def operation(self, before: Any, after: Any, overwrite: bool) -> str:
        """``updateDataChangeMsg`` for labels; annotate always says ``annotated``."""
        if self.field != "labels":
            return self.verb
        if before == after:
            return f"not {self.verb}"
        if not overwrite and _json_size(after) < _json_size(before):
            return f"un{self.verb}"
        return self.verb


LABELS = MapEdit("labels", "label", "labeled")
ANNOTATIONS = MapEdit("annotations", "annotation", "annotated")


def run_edit(edit: MapEdit, session: Session, args: argparse.Namespace) -> int:
    resources, specs = split_pairs(list(args.args), edit.what)
    new, remove = edit.parse(specs)
    if args.all and args.selector:
        raise KubectlError("cannot set --all and --selector at the same time")
    if args.all and args.field_selector:
        raise KubectlError("cannot set --all and --field-selector at the same time")
    if not resources and not args.filename:
        raise KubectlError("one or more resources must be specified as <resource> <name> or <resource>/<name>")
    if not new and not remove:
        raise KubectlError(f"at least one {edit.what} update is required")
    dry_run = dry_run_strategy(args.dry_run)
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(dry_run, "")
    printer = ObjectPrinter(args.output, edit.verb, session.stdout)
    visits, eager = find(session, resources, filenames=args.filename, recursive=args.recursive,
                         selector=args.selector, field_selector=args.field_selector, select_all=args.all)
    errors: List[BaseException] = []
    for visit in visits:
        if isinstance(visit, BaseException):
            errors.append(visit)
            continue
        try:
            _edit_one(edit, session, args, printer, visit, new, remove, dry_run, suffix)
        except (StatusError, KubectlError, GoAggregate) as err:
            errors.append(err)
    error = builder_error(errors, eager)
    fail([error] if error is not None else [])
    return 0


def _edit_one(edit: MapEdit, session: Session, args: argparse.Namespace, printer: ObjectPrinter, target: Target,
              new: Dict[str, str],
              remove: Sequence[str], dry_run: str, suffix: str) -> None:
    before = target.obj or {}
    if dry_run != "client" and edit.field == "labels":
        present = (before.get("metadata") or {}).get("labels") or {}
        for key in remove:
            if key not in present:
                session.stdout.write(f'label "{key}" not found.\n')
    after = edit.edited(before, new, remove, args.overwrite)
    operation = edit.operation(before, after, args.overwrite)
    if dry_run == "client":
        output: Optional[Dict[str, Any]] = after
    else:
        output = target.client.patch(target.name, merge_patch(before, after), "merge",
                                     dry_run=dry_run == "server", field_manager=args.field_manager)
    printer.print(output, operation + suffix)


def run(session: Session, args: argparse.Namespace) -> int:
    return run_edit(LABELS, session, args)
