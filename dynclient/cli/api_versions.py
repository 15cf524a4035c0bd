"""``dynclient api-versions``: every served group/version, one a line, sorted, as ``kubectl api-versions``.

Like kubectl, the discovery cache is invalidated first: the list is the server's now.
"""

from __future__ import annotations

import argparse
from typing import Sequence

from .session import Session

__all__ = ["NAME", "add_parser", "run", "group_versions"]

NAME = "api-versions"


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    return sub.add_parser(NAME, parents=list(parents), allow_abbrev=False,
                          help="Print the supported API versions on the server, in the form of \"group/version\"")


def group_versions(groups: Sequence[object]) -> list:
    """``metav1.ExtractGroupVersions`` then ``sort.Strings``: ``v1`` for the core group, ``apps/v1``..."""
    out = []
    for group in groups:
        for version in getattr(group, "versions", ()):
            name = getattr(group, "name", "")
            out.append(f"{name}/{version}" if name else version)
    return sorted(out)


def run(session: Session, args: argparse.Namespace) -> int:
    discovery = session.client().discovery
    discovery.invalidate()  # kubectl always asks the server afresh here
    for line in group_versions(discovery.server_groups()):
        session.stdout.write(line + "\n")
    return 0
