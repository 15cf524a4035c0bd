"""``dynclient api-resources``: kubectl's ``api-resources``, byte for byte.

A port of kubectl 1.32 ``pkg/cmd/apiresources/apiresources.go``: the
preferred version of every resource (``ServerPreferredResources``), refreshed
from the server unless ``--cached``, filtered by ``--api-group``,
``--namespaced``, ``--verbs`` and ``--categories``, resources without verbs
skipped, stably sorted by group then name (or by ``--sort-by`` then name),
and printed through kubectl's tab writer. A partial discovery failure still
prints what loaded, then reports the failure and exits 1, as kubectl does.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import List, Optional, Sequence, TextIO

from discovery.errors import DynclientError, GroupDiscoveryFailed
from discovery.model import APIResource, APIResourceList

from .checkerr import AggregateError
from .flags import bool_arg, csv_values
from .session import Session
from .tabwriter import new_tab_writer

__all__ = ["NAME", "add_parser", "run", "Row", "collect", "render"]

NAME = "api-resources"
HEADERS = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
WIDE_HEADERS = HEADERS + ["VERBS", "CATEGORIES"]


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False,
                       help="Print the supported API resources on the server")
    p.add_argument("-o", "--output", default="", help="Output format. One of: (wide, name).")
    p.add_argument("--api-group", default=None, help="Limit to resources in the specified API group.")
    p.add_argument("--namespaced", nargs="?", const=True, default=None, type=bool_arg, metavar="true|false",
                   help="If false, non-namespaced resources will be returned, otherwise namespaced ones.")
    p.add_argument("--verbs", action="append", default=[], metavar="VERBS",
                   help="Limit to resources that support the specified verbs (comma list, repeatable).")
    p.add_argument("--categories", action="append", default=[], metavar="CATEGORIES",
                   help="Limit to resources that belong to the specified categories (comma list, repeatable).")
    p.add_argument("--sort-by", default="", help="Sort by 'name' or 'kind' (default: by API group).")
    p.add_argument("--no-headers", action="store_true", help="Don't print headers.")
    p.add_argument("--cached", action="store_true", help="Use the cached list of resources if available.")
    return p


@dataclass(frozen=True)
class Row:
    """One printed resource: its group, group-version string and discovery entry."""

    group: str
    group_version: str
    resource: APIResource


def collect(
    lists: Sequence[APIResourceList],
    *,
    api_group: Optional[str] = None,
    namespaced: Optional[bool] = None,
    verbs: Sequence[str] = (),
    categories: Sequence[str] = (),
    sort_by: str = "",
) -> List[Row]:
    """Filter and sort discovery results exactly as ``RunAPIResources`` does.

    ``api_group``/``namespaced`` of None mean the flag was not given.
    """
    rows: List[Row] = []
    for lst in lists:
        if not lst.resources:
            continue
        gv = lst.group_version
        for res in lst.resources:
            if not res.verbs or res.is_subresource:
                continue
            if api_group is not None and api_group != gv.group:
                continue
            if namespaced is not None and namespaced != res.namespaced:
                continue
            if verbs and not set(verbs) <= set(res.verbs):
                continue
            if categories and not set(categories) <= set(res.categories):
                continue
            rows.append(Row(gv.group, str(gv), res))

    # sort.Stable with Less = (field, then name): Python's sort is stable too.
    if sort_by == "name":
        rows.sort(key=lambda r: r.resource.name)
    elif sort_by == "kind":
        rows.sort(key=lambda r: (r.resource.kind, r.resource.name))
    else:
        rows.sort(key=lambda r: (r.group, r.resource.name))
    return rows


def render(rows: Sequence[Row], out: TextIO, *, output: str = "", no_headers: bool = False) -> None:
    """Print ``rows`` as ``kubectl api-resources [-o wide|name]`` does."""
    w = new_tab_writer(out)
    if not no_headers and output != "name":
        w.write("\t".join(WIDE_HEADERS if output == "wide" else HEADERS) + "\n")
    for row in rows:
        r = row.resource
        if output == "name":
            w.write(f"{r.name}.{row.group}\n" if row.group else f"{r.name}\n")
            continue
        cells = [r.name, ",".join(r.short_names), row.group_version, "true" if r.namespaced else "false", r.kind]
        if output == "wide":
            cells += [",".join(r.verbs), ",".join(r.categories)]
        w.write("\t".join(cells) + "\n")
    w.flush()


def run(session: Session, args: argparse.Namespace) -> int:
    if args.output not in ("", "wide", "name"):
        raise ValueError(f"--output {args.output} is not available")
    if args.sort_by and args.sort_by not in ("name", "kind"):
        raise ValueError("--sort-by accepts only name or kind")
    discovery = session.client().discovery
    if not args.cached:
        discovery.invalidate()  # kubectl always asks the server afresh unless --cached
    errors: List[BaseException] = []
    try:
        lists = discovery.server_preferred_resources()
    except GroupDiscoveryFailed as err:
        errors.append(err)
        lists = list(err.partial or [])
    except DynclientError as err:  # kubectl still prints the (empty) table, then the error
        errors.append(err)
        lists = []
    rows = collect(lists, api_group=args.api_group, namespaced=args.namespaced, verbs=csv_values(args.verbs),
                   categories=csv_values(args.categories), sort_by=args.sort_by)
    render(rows, session.stdout, output=args.output, no_headers=args.no_headers)
    if errors:
        raise AggregateError(errors)
    return 0
