"""``dynclient annotate TYPE NAME key=value... key-``: set or remove annotations, as ``kubectl annotate``.

The same command as ``label`` (fetch, change locally, send the merge patch
between the copies) for ``metadata.annotations``; a value may contain
``=`` and spaces. Every object changed prints ``kind/name annotated``.
"""

from __future__ import annotations

import argparse
from typing import Sequence

from .label import ANNOTATIONS, add_common, run_edit
from .session import Session

__all__ = ["NAME", "add_parser", "run"]

NAME = "annotate"


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False, help="Update the annotations on resources")
    return add_common(p, "annotate")


def run(session: Session, args: argparse.Namespace) -> int:
    return run_edit(ANNOTATIONS, session, args)
