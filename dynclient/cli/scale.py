"""``dynclient scale TYPE NAME --replicas=N``: set replicas through the ``scale`` subresource, as ``kubectl scale``.

Each object is fetched, then its ``scale`` subresource is patched
(``{"spec":{"replicas":N}}``); with ``--current-replicas`` the scale is read
first and must match. Prints ``deployment.apps/web scaled`` (``(server dry
run)``, ``(dry run)``); a kind without a scale subresource fails with the
server's 404, as with kubectl.
"""

from __future__ import annotations

import argparse
from typing import List, Sequence

from discovery.errors import StatusError

from .apply import dry_run_strategy
from .manifest_files import KubectlError
from .objects import GoAggregate, ObjectPrinter, builder_error, fail, go_text, intermixed
from .session import Session
from .targets import find

__all__ = ["NAME", "add_parser", "run"]

NAME = "scale"


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False,
                       help="Set a new size for a deployment, replica set, stateful set or any scalable resource")
    p.add_argument("args", nargs="*", metavar="TYPE NAME | TYPE/NAME")
    p.add_argument("-f", "--filename", action="append", default=[], metavar="PATH",
                   help="a manifest file or directory naming the objects")
    p.add_argument("-R", "--recursive", action="store_true", help="Process directories recursively.")
    p.add_argument("-l", "--selector", default="", help="Selector (label query) to filter on.")
    p.add_argument("--all", action="store_true", help="Select all resources of the given types in the namespace.")
    p.add_argument("--replicas", type=int, default=None, help="The new desired number of replicas. Required.")
    p.add_argument("--current-replicas", type=int, default=-1,
                   help="Precondition for current size: only scale if the current replicas match.")
    p.add_argument("--dry-run", nargs="?", const="client", default="none", metavar="none|server|client",
                   help="'server' sends the requests as a dry run; 'client' sends nothing.")
    p.add_argument("-o", "--output", default="", help="Output format: name, json or yaml.")
    return intermixed(p, "args")


def run(session: Session, args: argparse.Namespace) -> int:
    if args.replicas is None:
        raise KubectlError('required flag(s) "replicas" not set')
    if args.replicas < 0:
        raise KubectlError("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
    dry_run = dry_run_strategy(args.dry_run)
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(dry_run, "")
    printer = ObjectPrinter(args.output, "scaled" + suffix, session.stdout)
    visits, eager = find(session, list(args.args), filenames=args.filename, recursive=args.recursive,
                         selector=args.selector, select_all=args.all)
    if not any(not isinstance(v, BaseException) for v in visits):
        missing = [v for v in visits if isinstance(v, BaseException)] + list(eager)
        detail = f" {go_text(missing[0] if len(missing) == 1 else GoAggregate(missing))}" if missing else ""
        raise KubectlError(f"no objects passed to scale{detail}")
    errors: List[BaseException] = []
    for visit in visits:
        if isinstance(visit, BaseException):
            errors.append(visit)
            continue
        if dry_run != "client":
            scale = visit.client.subresource("scale")
            try:
                if args.current_replicas != -1:
                    current = ((scale.get(visit.name).get("spec") or {}).get("replicas")) or 0
                    if current != args.current_replicas:
                        raise KubectlError(f"Expected replicas to be {args.current_replicas}, was {current}")
                scale.patch(visit.name, {"spec": {"replicas": args.replicas}}, "merge", dry_run=dry_run == "server")
            except (StatusError, KubectlError) as err:
                errors.append(err)
                continue
        printer.print(visit.obj or {})
    error = builder_error(errors, eager)
    fail([error] if error is not None else [])
    return 0
