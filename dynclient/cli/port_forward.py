"""``dynclient port-forward``: being built in this session (issue 18); the command is registered so its parser exists."""

from __future__ import annotations

import argparse
from typing import Sequence

from .manifest_files import KubectlError
from .session import Session

__all__ = ["NAME", "add_parser", "run"]

NAME = "port-forward"


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False, help="(being built)")
    p.add_argument("args", nargs=argparse.REMAINDER)
    return p


def run(session: Session, args: argparse.Namespace) -> int:
    raise KubectlError("dynclient port-forward is not built yet")
