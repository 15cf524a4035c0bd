"""Helpers the write commands share: kubectl's error aggregation and in-order printing.

kubectl collects errors in ``utilerrors.Aggregate`` values and nests them:
the resource builder's errors (bad documents, unknown kinds) are one
aggregate, added after the per-object errors of ``create``/``delete``, or
before those of ``apply``. A nested aggregate prints on one line as Go's
``Aggregate.Error()`` writes it (``[first, second]``, duplicates dropped),
so the exact bytes depend on the nesting; ``GoAggregate`` and ``fail`` model
it.
"""

from __future__ import annotations

import argparse
from typing import Any, Callable, Dict, List, Optional, Sequence, TextIO

from discovery.errors import StatusError

from .checkerr import AggregateError

__all__ = ["GoAggregate", "go_text", "fail", "builder_error", "InOrder", "gvr_string", "gvk_string", "source_error", "intermixed", "ObjectPrinter",
           "without_managed_fields"]


def go_text(err: BaseException) -> str:
    """``err.Error()`` in Go: a StatusError is its message, an aggregate ``[a, b]``."""
    if isinstance(err, GoAggregate):
        return err.text()
    if isinstance(err, StatusError):
        return err.message
    return str(err)


class GoAggregate(Exception):
    """``utilerrors.NewAggregate(errors)``: one error standing for several."""

    def __init__(self, errors: Sequence[BaseException]) -> None:
        self.errors = list(errors)
        super().__init__(self.text())

    def _flat(self) -> List[BaseException]:
        out: List[BaseException] = []
        for err in self.errors:
            out.extend(err._flat() if isinstance(err, GoAggregate) else [err])
        return out

    def text(self) -> str:
        seen: List[str] = []
        for err in self._flat():
            message = go_text(err)
            if message not in seen:
                seen.append(message)
        if len(self.errors) == 1 or len(seen) == 1:
            return seen[0] if seen else ""
        return "[" + ", ".join(seen) + "]"

    def __str__(self) -> str:
        return self.text()


def builder_error(per_object: Sequence[BaseException], eager: Sequence[BaseException]) -> Optional[BaseException]:
    """The error a builder visit returns (``ContinueOnErrorVisitor``).

    ``per_object`` are the errors of the visit function (a refused object,
    a namespace that does not match), ``eager`` those of the file visitors
    (``EagerVisitorList``: bad documents, unknown kinds), which come last
    as one aggregate.
    """
    errors: List[BaseException] = list(per_object)
    if eager:
        errors.append(GoAggregate(eager))
    if not errors:
        return None
    return errors[0] if len(errors) == 1 else GoAggregate(errors)


def fail(errors: Sequence[BaseException]) -> None:
    """Raise ``errors`` as kubectl's ``CheckErr`` reports them; nothing when there are none.

    One error is reported alone (an aggregate of one is unwrapped, an
    aggregate of several prints a line each); several print a line each,
    nested aggregates on one line.
    """
    errors = [e for e in errors if e is not None]
    if not errors:
        return
    if len(errors) == 1:
        err = errors[0]
        while isinstance(err, GoAggregate) and len(err.errors) == 1:
            err = err.errors[0]
        if isinstance(err, GoAggregate):
            raise AggregateError(err.errors)
        raise err
    raise AggregateError(errors)


class InOrder:
    """Print lines in the order of their positions, each as soon as every earlier one is known.

    The manifests library works in install order (Namespaces and CRDs first)
    and reports as it goes; kubectl prints in file order. ``add(position,
    line)`` records a line (``None``: nothing to print there) and writes
    what is ready.
    """

    def __init__(self, out: TextIO, positions: Sequence[int], *, before: Callable[[], None] = lambda: None) -> None:
        self.out = out
        self.order = sorted(positions)
        self.ready: Dict[int, Optional[str]] = {}
        self.next = 0
        self.before = before

    def add(self, position: int, line: Optional[str]) -> None:
        self.ready[position] = line
        self._drain()

    def _drain(self) -> None:
        wrote = False
        while self.next < len(self.order) and self.order[self.next] in self.ready:
            line = self.ready.pop(self.order[self.next])
            self.next += 1
            if line is not None:
                if not wrote:
                    self.before()
                self.out.write(line + "\n")
                wrote = True
        if wrote:
            self.out.flush()

    def finish(self) -> None:
        """Print whatever is left, in order (positions that never reported are skipped)."""
        for position in self.order[self.next:]:
            line = self.ready.pop(position, None)
            if line is not None:
                self.out.write(line + "\n")
        self.next = len(self.order)
        self.out.flush()


def intermixed(parser: "argparse.ArgumentParser", dest: str) -> "argparse.ArgumentParser":
    """Let ``parser``'s positionals (``dest``, ``nargs="*"``) come before, between and after its flags.

    argparse fills a ``*`` positional once, at its first chance, and hands
    back any later positional as unrecognized; pflag takes positionals
    anywhere (``kubectl delete cm --now x``). The leftovers that are not
    flags are put back in ``dest``.
    """
    original = parser.parse_known_args

    def parse_known_args(args: Any = None, namespace: Any = None) -> Any:
        ns, extras = original(args, namespace)
        rest: List[str] = []
        values = list(getattr(ns, dest, None) or [])
        after_dashes = False
        for token in extras:
            if token == "--" and not after_dashes:
                after_dashes = True
                continue
            if token.startswith("-") and token != "-" and not after_dashes:
                rest.append(token)
            else:
                values.append(token)
        setattr(ns, dest, values)
        return ns, rest

    parser.parse_known_args = parse_known_args  # type: ignore[method-assign]
    return parser


def without_managed_fields(obj: Any) -> Any:
    """kubectl's JSON and YAML printers drop ``metadata.managedFields`` (``--show-managed-fields=false``)."""
    if isinstance(obj, dict) and isinstance(obj.get("metadata"), dict) and "managedFields" in obj["metadata"]:
        meta = {k: v for k, v in obj["metadata"].items() if k != "managedFields"}
        return {**obj, "metadata": meta}
    return obj


class ObjectPrinter:
    """What a write command prints for each object: ``kind/name <operation>``, or ``-o name|json|yaml``."""

    FORMATS = ("", "name", "json", "yaml")

    def __init__(self, output: str, operation: str, out: TextIO) -> None:
        from .manifest_files import KubectlError

        if output not in self.FORMATS:
            raise KubectlError(f'unable to match a printer suitable for the output format "{output}", '
                               "allowed formats are: json,name,yaml")
        self.output = output
        self.operation = operation
        self.out = out
        self.yaml_count = 0

    def line(self, obj: Any, operation: Optional[str] = None) -> str:
        """The text for ``obj`` (without the final newline, except for YAML)."""
        from . import gojson, goyaml
        from .printers import qualified_kind

        if self.output == "json":
            return gojson.marshal_indent(without_managed_fields(obj))
        if self.output == "yaml":  # the whole document, its final newline included
            self.yaml_count += 1
            text = goyaml.marshal(without_managed_fields(obj))
            return text if self.yaml_count == 1 else "---\n" + text
        api_version = str(obj.get("apiVersion") or "")
        group = api_version.rpartition("/")[0] if "/" in api_version else ""
        name = str((obj.get("metadata") or {}).get("name") or "") or "<unknown>"
        label = f"{qualified_kind(str(obj.get('kind') or ''), group)}/{name}"
        return label if self.output == "name" else f"{label} {self.operation if operation is None else operation}"

    def print(self, obj: Any, operation: Optional[str] = None) -> None:
        text = self.line(obj, operation)
        self.out.write(text if self.output == "yaml" else text + "\n")
        self.out.flush()


def gvr_string(group: str, version: str, resource: str) -> str:
    """``schema.GroupVersionResource.String()``: ``apps/v1, Resource=deployments``."""
    return f"{group}/{version}, Resource={resource}"


def gvk_string(group: str, version: str, kind: str) -> str:
    """``schema.GroupVersionKind.String()``: ``apps/v1, Kind=Deployment``."""
    return f"{group}/{version}, Kind={kind}"


def source_error(verb: str, source: str, err: BaseException) -> BaseException:
    """kubectl's ``AddSourceToErr``: ``error when <verb> "<source>": ...`` inside the server's message."""
    if not source:
        return err
    if isinstance(err, StatusError):
        message = f'error when {verb} "{source}": {err.message}'
        return type(err)({**err.status, "message": message}, method=err.method, url=err.url)
    from .manifest_files import KubectlError

    return KubectlError(f'error when {verb} "{source}": {go_text(err)}')

