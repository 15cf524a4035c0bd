"""``dynclient apply -f PATH``: server-side apply of manifests, reported like ``kubectl apply``.

Each object prints one line as it is applied::

    configmap/cfg created
    deployment.apps/web configured
    namespace/prod unchanged
    configmap/cfg created (server dry run)

When there are more objects than the terminal has rows and stderr is a
terminal, a progress line (``[ 37/120] applying ...``) is kept up to date
on stderr and erased at the end. Failures are reported after the lines,
one per line, and the exit code is 1.
"""

from __future__ import annotations

import argparse
import shutil
from typing import Any, List, Optional, Sequence, TextIO

from .checkerr import AggregateError, UsageError
from .manifest_files import expand_paths
from .session import Session

__all__ = ["NAME", "add_parser", "run", "Progress", "result_line"]

NAME = "apply"


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False,
                       help="Apply manifests to the server (server-side apply)")
    p.add_argument("-f", "--filename", action="append", default=[], metavar="PATH",
                   help="a manifest file or directory (repeatable; - reads stdin)")
    p.add_argument("-R", "--recursive", action="store_true", help="Process directories recursively.")
    p.add_argument("--dry-run", nargs="?", const="server", default="none", choices=("none", "server"),
                   help="'server' sends the requests as a dry run; 'none' (default) applies them.")
    p.add_argument("--force-conflicts", action="store_true",
                   help="Take ownership of fields another field manager owns.")
    p.add_argument("--field-manager", default="dynclient", help="Name of the manager owning the applied fields.")
    return p


def result_line(result: Any, dry_run: bool) -> str:
    """``kind.group/name action``, plus `` (server dry run)`` for a dry run."""
    line = str(result)
    if dry_run and not line.endswith("(server dry run)"):
        line += " (server dry run)"
    return line


class Progress:
    """``\\r[ done/total] applying ...`` on a terminal, only when the output would scroll past it."""

    def __init__(self, stream: TextIO, *, rows: Optional[int] = None) -> None:
        self.stream = stream
        self.rows = rows if rows is not None else shutil.get_terminal_size((80, 24)).lines
        self.enabled = _isatty(stream)
        self.shown = 0  # width of the line currently on screen

    def active(self, total: int) -> bool:
        return self.enabled and total > self.rows

    def show(self, done: int, total: int, what: str = "") -> None:
        if not self.active(total):
            return
        width = len(str(total))
        text = f"[{done:>{width}}/{total}] applying {what}".rstrip()
        self.stream.write("\r" + text + " " * max(0, self.shown - len(text)))
        self.stream.flush()
        self.shown = len(text)

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * self.shown + "\r")
            self.stream.flush()
            self.shown = 0


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def run(session: Session, args: argparse.Namespace) -> int:
    if not args.filename:
        raise UsageError("must specify one of -f and -k", command=NAME, cobra=False)
    from dynclient.manifests import ManifestApplyError, apply_manifests

    sources = expand_paths(args.filename, recursive=args.recursive)
    dry_run = args.dry_run == "server"
    progress = Progress(session.stderr)
    reported: set = set()
    errors: List[BaseException] = []

    def emit(result: Any) -> None:
        # Each result once, whether it comes through the callback, the return value or the error.
        if result is None or id(result) in reported:
            return
        reported.add(id(result))
        error = getattr(result, "error", None)
        if error is not None:
            errors.append(error)
            return
        progress.clear()
        session.stdout.write(result_line(result, dry_run) + "\n")
        session.stdout.flush()

    def on_progress(done: int, total: int, result: Any) -> None:
        emit(result)
        progress.show(done, total, str(result).split(" ")[0] if result is not None else "")

    try:
        results = apply_manifests(session.client(), sources, namespace=session.namespace,
                                  field_manager=args.field_manager, force=args.force_conflicts, dry_run=dry_run,
                                  stop_on_error=False, progress=on_progress)
    except ManifestApplyError as err:
        results = list(getattr(err, "results", None) or [])
        if not any(getattr(r, "error", None) is not None for r in results):
            errors.append(err)
    finally:
        progress.clear()
    for result in results:
        emit(result)
    if errors:
        raise AggregateError(errors)
    return 0
