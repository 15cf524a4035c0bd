"""``dynclient delete``: by name, by selector or ``--all``, or from manifests, printed as ``kubectl delete``.

Forms: ``delete TYPE[,TYPE...] NAME...``, ``delete TYPE/NAME...``,
``delete TYPE[,TYPE...] -l SELECTOR | --field-selector F | --all`` and
``delete -f PATH``. Each object deleted prints, in kubectl's order (file
order for ``-f``)::

    configmap "cfg" deleted
    deployment.apps "web" deleted (server dry run)
    configmap/cfg                         (-o name)

The request carries kubectl's DeleteOptions: ``propagationPolicy``
(``--cascade``, Background by default; the legacy ``true``/``false`` work
with kubectl's warning), ``gracePeriodSeconds`` (``--grace-period``,
``--now`` = 1, ``--force`` = 0). Afterwards the command waits until the
objects are gone, as kubectl does, unless ``--wait=false`` or a dry run
(``--timeout``, default a week).

Errors for one object do not stop the others (kubectl's ContinueOnError);
they are reported afterwards with kubectl's texts and the exit code is 1.
``--ignore-not-found`` drops NotFound errors, and is on by default with a
selector or ``--all``.
"""

from __future__ import annotations

import argparse
import time
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

from discovery.errors import NotFound, StatusError

from .apply import dry_run_strategy, enforce_namespace, mapping_error
from .flags import bool_arg, parse_bool
from .manifest_files import KubectlError, read_sources
from .objects import builder_error, fail, intermixed, source_error
from .printers import qualified_kind
from .session import Session
from .targets import NO_RESOURCES, split_resource_args as _split

__all__ = ["NAME", "add_parser", "run", "deleted_line", "with_source", "cascade_policy", "parse_duration"]

NAME = "delete"

#: --timeout=0: wait "forever", which kubectl makes a week.
WEEK = 168 * 3600.0


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False,
                       help="Delete resources by file names, by resource and names, or by selector")
    p.add_argument("args", nargs="*", metavar="TYPE NAME... | TYPE/NAME...")
    p.add_argument("-f", "--filename", action="append", default=[], metavar="PATH",
                   help="a manifest file or directory (repeatable; - reads stdin)")
    p.add_argument("-R", "--recursive", action="store_true", help="Process directories recursively.")
    p.add_argument("-l", "--selector", default="", help="Selector (label query) to filter on.")
    p.add_argument("--field-selector", default="", help="Selector (field query) to filter on.")
    p.add_argument("--all", action="store_true", help="Delete all resources of the given types in the namespace.")
    p.add_argument("--ignore-not-found", action="store_true", default=None,
                   help="Treat \"resource not found\" as a successful delete (default true with --all or -l).")
    p.add_argument("--cascade", nargs="?", const="background", default="background",
                   metavar="background|foreground|orphan", help="How dependents are deleted (default background).")
    p.add_argument("--grace-period", type=int, default=-1, metavar="SECONDS",
                   help="Seconds given to the resource to terminate gracefully (-1: the resource's default).")
    p.add_argument("--now", action="store_true", help="Signal resources for immediate shutdown (--grace-period=1).")
    p.add_argument("--force", action="store_true", help="Delete immediately (--grace-period=0).")
    p.add_argument("--wait", nargs="?", const=True, default=True, type=bool_arg, metavar="true|false",
                   help="Wait for the objects to be gone before returning (default true).")
    p.add_argument("--timeout", default="0s", help="How long to wait for the deletion (0: a week).")
    p.add_argument("--dry-run", nargs="?", const="client", default="none", metavar="none|server|client",
                   help="'server' sends the requests as a dry run; 'client' sends nothing.")
    p.add_argument("-o", "--output", default="", help="Output format: only 'name' is supported.")
    return intermixed(p, "args")


def deleted_line(kind: str, group: str, name: str, operation: str = "deleted") -> str:
    """``deployment.apps "web" deleted`` (kubectl ``DeleteOptions.PrintObj``)."""
    return f'{qualified_kind(kind, group)} "{name}" {operation}'


def with_source(verb: str, source: str, err: BaseException) -> BaseException:
    """kubectl's ``AddSourceToErr``: ``error when deleting "app.yaml": ...`` inside the server's message."""
    return source_error(verb, "STDIN" if source == "<stdin>" else source, err)


def cascade_policy(value: str, warn: Any = None) -> str:
    """``GetCascadingStrategy``: the propagationPolicy for ``--cascade=value`` (legacy booleans warn)."""
    try:
        as_bool = parse_bool(value)
    except ValueError:
        policies = {"orphan": "Orphan", "foreground": "Foreground", "background": "Background"}
        if value in policies:
            return policies[value]
        raise KubectlError(f'invalid cascade value ({value}). Must be "background", "foreground", or "orphan"') from None
    replacement = "background" if as_bool else "orphan"
    if warn is not None:
        warn(f"warning: --cascade={value} is deprecated (boolean value) and can be replaced with "
             f"--cascade={replacement}.\n")
    return "Background" if as_bool else "Orphan"


def parse_duration(text: str) -> float:
    """Go's ``time.ParseDuration`` for the units a timeout uses (``30s``, ``1m30s``, ``2h``, ``500ms``, ``0``)."""
    import re

    if text in ("0", ""):
        return 0.0
    units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
    parts = re.findall(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)", text)
    if not parts or "".join(n + u for n, u in parts) != text.lstrip("+"):
        raise KubectlError(f'invalid argument "{text}" for "--timeout" flag: time: invalid duration "{text}"')
    return sum(float(n) * units[u] for n, u in parts)


class _Options(NamedTuple):
    policy: str
    grace: int
    dry_run: str
    name_only: bool
    ignore_not_found: bool
    wait: bool
    timeout: float

    @property
    def operation(self) -> str:
        operation = "force deleted" if self.grace == 0 else "deleted"
        if self.dry_run == "client":
            return operation + " (dry run)"
        if self.dry_run == "server":
            return operation + " (server dry run)"
        return operation


def _options(session: Session, args: argparse.Namespace) -> _Options:
    """kubectl's ``Complete`` and ``Validate``, in its order."""
    if args.filename and args.args:
        raise KubectlError("when paths, URLs, or stdin is provided as input, you may not specify resource "
                           "arguments as well")
    policy = cascade_policy(args.cascade, session.stderr.write)
    dry_run = dry_run_strategy(args.dry_run)
    grace = args.grace_period
    if args.now:
        if grace != -1:
            raise KubectlError("--now and --grace-period cannot be specified together")
        grace = 1
    if grace == 0 and not args.force:
        grace = 1  # kubectl: --grace-period=0 without --force means 1, to prevent accidental data loss
    if args.force and grace < 0:
        grace = 0
    if args.all and args.field_selector:
        raise KubectlError("cannot set --all and --field-selector at the same time")
    if grace == 0 and args.force:
        session.stderr.write("Warning: Immediate deletion does not wait for confirmation that the running resource "
                             "has been terminated. The resource may continue to run on the cluster indefinitely.\n")
    elif grace > 0 and args.force:
        raise KubectlError("--force and --grace-period greater than 0 cannot be specified together")
    if args.output not in ("", "name"):
        raise KubectlError(f"unexpected -o output mode: {args.output}. We only support '-o name'")
    ignore = args.ignore_not_found
    if ignore is None:
        ignore = bool(args.all or args.selector or args.field_selector)
    return _Options(policy, grace, dry_run, args.output == "name", bool(ignore),
                    bool(args.wait) and dry_run == "none", parse_duration(args.timeout) or WEEK)


class _Target(NamedTuple):
    """One object to delete (kubectl's ``resource.Info``)."""

    client: Any
    name: str
    source: str = ""
    position: int = 0


def _targets_from_args(session: Session, args: argparse.Namespace, opts: _Options) -> List[_Target]:
    """The builder for ``TYPE NAME...``, ``TYPE/NAME`` and selectors: every object, in kubectl's order."""
    pairs, types, names = _split(list(args.args))
    selecting = bool(args.all or args.selector or args.field_selector)
    if args.all and args.selector:
        raise KubectlError("setting 'all' parameter but found a non empty selector. ")
    if not pairs and not types:
        raise KubectlError(NO_RESOURCES)
    if types and not names and not selecting:
        raise KubectlError("resource(s) were provided, but no name was specified")
    if (pairs or names) and session.all_namespaces:
        raise KubectlError("a resource cannot be retrieved by name across all namespaces")
    dyn = session.client()

    def scoped(rc: Any) -> Any:
        if not rc.namespaced:
            return rc
        return rc.namespace(None if session.all_namespaces and selecting else session.namespace)

    if pairs:
        return [_Target(scoped(dyn.resource(kind)), name) for kind, name in pairs]
    clients = [scoped(rc) for rc in dyn.resources(types)]
    if names:
        return [_Target(rc, name) for rc in clients for name in names]
    targets = []
    for rc in clients:
        for item in rc.iter(label_selector=args.selector or None, field_selector=args.field_selector or None):
            meta = item.get("metadata") or {}
            item_rc = rc.namespace(meta["namespace"]) if rc.namespaced and meta.get("namespace") else rc
            targets.append(_Target(item_rc, meta.get("name", "")))
    return targets


def _uid(reply: Any) -> str:
    if not isinstance(reply, dict):
        return ""
    if reply.get("kind") == "Status":
        return str((reply.get("details") or {}).get("uid") or "")
    return str((reply.get("metadata") or {}).get("uid") or "")


class _Deleter:
    """Deletes targets one by one in order, printing each as kubectl does, and remembers what to wait for."""

    def __init__(self, session: Session, opts: _Options) -> None:
        self.session = session
        self.opts = opts
        self.deleted: List[Tuple[Any, str, str]] = []
        self.errors: List[Tuple[int, BaseException]] = []
        self.warn_cluster_scope = bool(session.explicit_namespace) and not session.all_namespaces

    def delete(self, target: _Target) -> None:
        rc, name = target.client, target.name
        if self.warn_cluster_scope and not rc.namespaced:
            self.session.stderr.write("Warning: deleting cluster-scoped resources, not scoped to the provided "
                                      "namespace\n")
            self.warn_cluster_scope = False
        if self.opts.dry_run != "client":
            if not name:
                self.errors.append((target.position, KubectlError("resource name may not be empty")))
                return
            try:
                reply = rc.delete(name, propagation_policy=self.opts.policy,
                                  grace_period_seconds=self.opts.grace if self.opts.grace >= 0 else None,
                                  dry_run=self.opts.dry_run == "server")
            except StatusError as err:
                if not (self.opts.ignore_not_found and isinstance(err, NotFound)):
                    self.errors.append((target.position, with_source("deleting", target.source, err)))
                return
            self.deleted.append((rc, name, _uid(reply)))
        gvk = rc.gvk
        if self.opts.name_only:
            self.session.stdout.write(f"{qualified_kind(gvk.kind, gvk.group)}/{name}\n")
        else:
            self.session.stdout.write(deleted_line(gvk.kind, gvk.group, name, self.opts.operation) + "\n")
        self.session.stdout.flush()

    def wait(self) -> None:
        """kubectl's ``--wait``: until each deleted object is gone (or has another UID)."""
        if not self.opts.wait or not self.deleted:
            return
        deadline = time.monotonic() + self.opts.timeout
        pending: Dict[int, Tuple[Any, str, str]] = dict(enumerate(self.deleted))
        delay = 0.0
        while pending:
            if delay:
                time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            for key, (rc, name, uid) in list(pending.items()):
                try:
                    obj = rc.get(name)
                except NotFound:
                    del pending[key]
                    continue
                except StatusError as err:
                    if err.reason in ("Forbidden", "MethodNotAllowed"):
                        del pending[key]  # kubectl: not allowed to wait is not a failure
                        continue
                    raise
                if uid and str((obj.get("metadata") or {}).get("uid") or "") != uid:
                    del pending[key]
            if pending and time.monotonic() >= deadline:
                rc, name, _ = next(iter(pending.values()))
                raise KubectlError(f"timed out waiting for the condition on {rc.gvr.resource}/{name}")
            delay = min(delay * 2 or 0.05, 1.0)


def _from_files(session: Session, args: argparse.Namespace, deleter: _Deleter) -> Tuple[int, Optional[BaseException]]:
    from restmapper.errors import MappingError

    from dynclient.manifests import resolve_document

    sources = read_sources(args.filename, recursive=args.recursive, validate=False)
    explicit = session.explicit_namespace
    per_object = enforce_namespace(session, sources, explicit)
    eager = list(sources.errors)
    dyn = session.client()
    targets: List[Tuple[int, Any]] = [(sources.position(d), d) for d in sources.documents]
    targets += [(position, doc) for position, _, doc in sources.nameless]
    found = len(sources.unversioned)
    for position, doc in sources.unversioned:
        if not deleter.opts.ignore_not_found:
            deleter.errors.append((position, with_source("deleting", doc.source, NotFound(
                {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404,
                 "message": "the server could not find the requested resource"}))))
    for position, doc in sorted(targets, key=lambda t: t[0]):
        try:
            mapping, ns = resolve_document(dyn, doc, namespace=explicit)
        except MappingError as err:
            eager.append((position, mapping_error(doc, err)))
            continue
        rc = dyn.resource(mapping)
        if ns:
            rc = rc.namespace(ns)
        found += 1
        deleter.delete(_Target(rc, doc.name, doc.source, position))
    per_object += deleter.errors
    return found, builder_error([e for _, e in sorted(per_object, key=lambda t: t[0])],
                                [e for _, e in sorted(eager, key=lambda t: t[0])])


def run(session: Session, args: argparse.Namespace) -> int:
    opts = _options(session, args)
    deleter = _Deleter(session, opts)
    if args.filename:
        found, error = _from_files(session, args, deleter)
    else:
        targets = _targets_from_args(session, args, opts)
        found = len(targets)
        for position, target in enumerate(targets):
            deleter.delete(target._replace(position=position))
        error = builder_error([e for _, e in deleter.errors], [])
    fail([error] if error is not None else [])
    if not found:
        session.stdout.write("No resources found\n")
        return 0
    deleter.wait()
    return 0
