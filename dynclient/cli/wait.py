"""``dynclient wait TYPE/NAME --for=...``: wait for a condition, a deletion or a value, as ``kubectl wait``.

The objects are found as kubectl's resource builder finds them
(``targets.find``: names, ``-l``, ``--all``, ``-f``); each is waited for in
turn by ``dynclient.tools.wait`` under one deadline (``--timeout``, default
30s; 0 checks once; negative is a week). Each success prints
``configmap/a condition met`` (``-o name|json|yaml`` print the object);
the failures are reported after the others, as kubectl's ContinueOnError
visitor collects them. For ``--for=delete`` an object that is not there is
no error.

``--for=create`` (kubectl >= 1.31) first waits until the objects can all be
found, as kubectl's poll of its builder does, then prints them as any other
condition: while exactly one named object is missing (a lone NotFound),
that one is waited for (on a watch, where kubectl polls every 500 ms) and
every name is fetched again; any other failure (two objects missing, an
object of a ``-f`` file missing, a Forbidden) is reported at once, before
anything is printed. Its timeout is kubectl's bare ``timed out waiting for
the condition``. A selection waits for nothing: what it lists is printed,
an empty one is ``no matching resources found``.
"""

from __future__ import annotations

import argparse
import time
from typing import Callable, List, Sequence, Tuple

from discovery.errors import DynclientError, NotFound, StatusError

from ..tools.wait import WEEK, Created, NoMatchingResources, WaitTimeout, parse_condition, wait_for_object
from .duration import parse_go_duration
from .flags import pflag_value_error
from .manifest_files import KubectlError
from .objects import ObjectPrinter, builder_error, fail, intermixed
from .session import Session
from .targets import Target, Visit, find, split_resource_args

__all__ = ["NAME", "add_parser", "run", "timeout_arg"]

NAME = "wait"

#: kubectl's text when ``--for=create`` runs out of time (``wait.ErrWaitTimeout``, without the object).
CREATE_TIMED_OUT = "timed out waiting for the condition"


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
                   help="create | delete | condition=NAME[=VALUE] | jsonpath='{EXPR}'[=VALUE] "
                        "(values default to True)")
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

    args.selector, args.field_selector = args.selector.strip(), args.field_selector.strip()
    _refuse_names_with_selector(args)

    def look(fetch: bool) -> Tuple[List[Visit], List[BaseException]]:
        # kubectl's builder takes --all with -l (the selector wins) where the other commands refuse it.
        return find(session, list(args.args), filenames=args.filename, recursive=args.recursive,
                    selector=args.selector, field_selector=args.field_selector,
                    select_all=args.all and not (args.selector or args.field_selector), fetch=fetch)

    if isinstance(condition, Created):
        visits, eager = _until_found(look, from_files=bool(args.filename), deadline=deadline, once=timeout == 0)
    else:
        visits, eager = look(True)
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


def _refuse_names_with_selector(args: argparse.Namespace) -> None:
    """The builder's ``visitBySelector`` refusals: a selector with names, whatever the condition.

    A selector (``-l``, ``--field-selector``) wins over names in kubectl's
    builder, which then refuses them; ``--all`` alone only selects when no
    name is given, so ``cm/a --all`` is fine. Files come before selectors;
    a selector of blanks is none (the builder trims it).
    """
    if args.filename or not (args.selector or args.field_selector):
        return
    pairs, types, names = split_resource_args(list(args.args))  # a mixed form is refused first, as kubectl does
    if not pairs and not types:
        raise KubectlError("at least one resource must be specified to use a selector")
    if names:
        raise KubectlError("name cannot be provided when a selector is specified")
    if pairs:
        raise KubectlError("selectors and the all flag cannot be used when passing resource/name arguments")


def _until_found(look: Callable[[bool], Tuple[List[Visit], List[BaseException]]], *, from_files: bool,
                 deadline: float, once: bool) -> Tuple[List[Visit], List[BaseException]]:
    """kubectl's poll before ``--for=create``: the builder's visits, once none of them failed.

    kubectl runs its builder again every 500 ms while the visit's error is
    a NotFound; its ContinueOnError visitor returns a lone error bare but
    several as an aggregate, which is no NotFound, and a ``-f`` file's
    visitor aggregates even one. So it waits while exactly one named
    object is missing and fails at once otherwise. Here the missing object
    is waited for on a watch; then every name is fetched again.
    """
    while True:
        visits, eager = look(True)
        failed = [(i, v) for i, v in enumerate(visits) if isinstance(v, BaseException)]
        if not failed and not eager:
            return visits, eager
        if from_files or eager or len(failed) != 1 or not isinstance(failed[0][1], NotFound):
            error = builder_error([v for _, v in failed if v is not None], eager)
            fail([error] if error is not None else [])
        if once:
            raise KubectlError(CREATE_TIMED_OUT)
        plan, _ = look(False)  # the same names in the same order, without the GETs
        target = plan[failed[0][0]]
        assert isinstance(target, Target)
        try:
            wait_for_object(target.client, target.name, Created(), deadline=deadline)
        except WaitTimeout:
            raise KubectlError(CREATE_TIMED_OUT) from None
