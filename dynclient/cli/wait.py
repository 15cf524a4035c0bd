"""``dynclient wait TYPE/NAME --for=...``: wait for a condition, a deletion or a value, as ``kubectl wait``.

The objects are found as kubectl's resource builder finds them
(``targets.find``: names, ``-l``, ``--all``, ``-f``); each is waited for in
turn by ``dynclient.tools.wait`` under one deadline (``--timeout``, default
30s; 0 checks once; negative is a week). Each success prints
``configmap/a condition met`` (``-o name|json|yaml`` print the object);
the failures are reported after the others, as kubectl's ContinueOnError
visitor collects them. For ``--for=delete`` an object that is not there is
no error.
"""

from __future__ import annotations

import argparse
import time
from typing import List, Sequence

from discovery.errors import DynclientError, NotFound, StatusError

from ..tools.wait import WEEK, NoMatchingResources, parse_condition, wait_for_object
from .duration import parse_go_duration
from .flags import pflag_value_error
from .manifest_files import KubectlError
from .objects import ObjectPrinter, builder_error, fail, intermixed
from .session import Session
from .targets import find

__all__ = ["NAME", "add_parser", "run", "timeout_arg"]

NAME = "wait"


def timeout_arg(text: str) -> float:
    """``--timeout``: a Go duration in seconds, with pflag's error for a bad one."""
    try:
        return parse_go_duration(text) / 1e9
    except ValueError as err:
        raise pflag_value_error(text, str(err)) from None


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False,
                       help="Experimental: Wait for a specific condition on one or many resources")
    p.add_argument("args", nargs="*", metavar="TYPE NAME... | TYPE/NAME...")
    p.add_argument("-f", "--filename", action="append", default=[], metavar="PATH",
                   help="a manifest file or directory naming the objects")
    p.add_argument("-R", "--recursive", action="store_true", help="Process directories recursively.")
    p.add_argument("-l", "--selector", default="", help="Selector (label query) to filter on.")
    p.add_argument("--field-selector", default="", help="Selector (field query) to filter on.")
    p.add_argument("--all", action="store_true", help="Select all resources of the given types in the namespace.")
    p.add_argument("--for", dest="for_", default="", metavar="CONDITION",
                   help="delete | condition=NAME[=VALUE] | jsonpath='{EXPR}'[=VALUE] (values default to True)")
    p.add_argument("--timeout", type=timeout_arg, default=30.0, metavar="DURATION",
                   help="How long to wait: 0 checks once, negative waits a week (default 30s).")
    p.add_argument("-o", "--output", default="", help="Output format: name, json or yaml.")
    return intermixed(p, "args")


def run(session: Session, args: argparse.Namespace) -> int:
    printer = ObjectPrinter(args.output, "condition met", session.stdout)
    try:
        condition = parse_condition(args.for_)
    except ValueError as err:
        raise KubectlError(str(err)) from None
    timeout = WEEK if args.timeout < 0 else args.timeout
    deadline = time.monotonic() + timeout
    # kubectl's builder takes --all with -l (the selector wins) where the other commands refuse it.
    visits, eager = find(session, list(args.args), filenames=args.filename, recursive=args.recursive,
                         selector=args.selector, field_selector=args.field_selector,
                         select_all=args.all and not (args.selector or args.field_selector))
    errors: List[BaseException] = []
    visited = 0
    for visit in visits:
        if isinstance(visit, BaseException):
            if not (condition.deletion and isinstance(visit, NotFound)):
                errors.append(visit)
            continue
        visited += 1
        try:
            obj = wait_for_object(visit.client, visit.name, condition, deadline=deadline, once=timeout == 0,
                                  known=visit.obj)
        except (DynclientError, StatusError) as err:
            errors.append(err)
            continue
        if obj is not None:
            printer.print(obj)
    error = builder_error(errors, eager)
    if error is None and visited == 0 and not condition.deletion:
        error = NoMatchingResources()
    fail([error] if error is not None else [])
    return 0
