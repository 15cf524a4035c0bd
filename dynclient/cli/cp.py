"""``dynclient cp SRC DEST [-c C] [--no-preserve] [--retries N]``: files to and from a container, as ``kubectl cp``.

One side is ``[NAMESPACE/]POD:PATH``, the other a local path; the work is
``dynclient.pods.copy``. What kubectl prints, where it prints it:

- to the pod: the container tar's stdout and stderr on ours;
  ``Defaulted container "a" out of: a, b`` on stderr;
- from the pod: the container tar's stderr on *stdout* (kubectl wires
  it so: ``tar: Removing leading `/' from member names``), the
  ``Defaulted container`` line there too, and ``Resuming copy at N bytes,
  retry i/n`` with ``--retries``; each skipped member's warning on stderr,
  the first symlink's with kubectl's ``consider using "kubectl exec ..."``
  hint (the namespace as the argument spelled it, often ``""``).

Exit codes are kubectl's: to the pod, the container tar's; from the pod, 0
once the archive's end was read whatever the container's tar then said
(kubectl stops reading there and never sees the status: a missing source
prints tar's ``Cannot stat`` and exits 0), else the command's code with
``command terminated with exit code N``.
"""

from __future__ import annotations

import argparse
from typing import Any, Callable, Sequence

from discovery.types import GroupVersionResource

from dynclient.pods import cppath
from dynclient.pods.copy import CopyObserver, copy_from, copy_to
from dynclient.pods.copyerrors import RemoteCommandFailed
from dynclient.pods.errors import ContainerNotFound
from dynclient.pods.tarsafe import SYMLINK, Skipped

from .flags import int_arg
from .manifest_files import KubectlError
from .objects import intermixed
from .session import Session

__all__ = ["NAME", "add_parser", "run"]

NAME = "cp"
PODS = GroupVersionResource("", "v1", "pods")


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False,
                       help="Copy files and directories to and from containers",
                       usage="dynclient cp <file-spec-src> <file-spec-dest> [-c CONTAINER] [--no-preserve] "
                             "[--retries N]")
    p.add_argument("args", nargs="*", metavar="FILE-SPEC")
    p.add_argument("-c", "--container", default="",
                   help="Container name. If omitted, use the kubectl.kubernetes.io/default-container annotation "
                        "for selecting the container to be attached or the first container in the pod will be chosen")
    p.add_argument("--no-preserve", action="store_true",
                   help="The copied file/directory's ownership and permissions will not be preserved in the container")
    p.add_argument("--retries", type=int_arg(64), default=0,
                   help="Set number of retries to complete a copy operation from a container. Specify 0 to disable "
                        "or any negative value for infinite retrying. The default is 0 (no retry).")
    return intermixed(p, "args")


def _binary(stream: Any) -> Callable[[bytes], None]:
    """Raw bytes to ``stream`` (its ``buffer`` when it has one, after what was written as text)."""
    raw = getattr(stream, "buffer", None)

    def write(data: bytes) -> None:
        if not data:
            return
        if raw is not None:
            stream.flush()
            raw.write(data)
            raw.flush()
        else:
            stream.write(data.decode("utf-8", "surrogateescape"))
            stream.flush()

    return write


class _Printer(CopyObserver):
    """kubectl's lines for what a copy reports, on the streams kubectl uses."""

    def __init__(self, session: Session, *, to_pod: bool, namespace: str, pod: str, src: str) -> None:
        self._out, self._err = session.stdout, session.stderr
        self._to_pod = to_pod
        self._hint = (namespace, pod, src)
        self._hinted = False

    def _line(self, stream: Any, text: str) -> None:
        stream.write(text + "\n")
        stream.flush()

    def notice(self, text: str) -> None:
        self._line(self._err if self._to_pod else self._out, text)

    def skipped(self, item: Skipped) -> None:
        text = item.warning()
        if item.kind == SYMLINK and not self._hinted:
            self._hinted = True
            q = cppath.go_quote
            ns, pod, src = self._hint
            text += f' (consider using "kubectl exec -n {q(ns)} {q(pod)} -- tar cf - {q(src)} | tar xf -")'
        self._line(self._err, text)

    def remote_output(self, stdout: bytes, stderr: bytes) -> None:
        _binary(self._out)(stdout)
        _binary(self._err if self._to_pod else self._out)(stderr)

    def resuming(self, offset: int, attempt: int, retries: int) -> None:
        self._line(self._out, f"Resuming copy at {offset} bytes, retry {attempt}/{retries}")

    def dropping(self, attempts: int) -> None:
        self._line(self._out, f"Dropping out copy after {attempts} retries")


def _failed(session: Session, code: int) -> int:
    session.stdout.flush()
    session.stderr.write(f"command terminated with exit code {code}\n")
    session.stderr.flush()
    return code


def run(session: Session, args: argparse.Namespace) -> int:
    if len(args.args) != 2:
        raise KubectlError("source and destination are required")
    try:
        src, dest = (cppath.parse_file_spec(a) for a in args.args)
    except cppath.FileSpecError as err:
        raise KubectlError(str(err)) from None
    if src.remote and dest.remote:
        raise KubectlError("one of src or dest must be a local file specification")
    if not src.path or not dest.path:
        raise KubectlError("filepath can not be empty")
    if not src.remote and not dest.remote:
        raise KubectlError("one of src or dest must be a remote file specification")
    remote = src if src.remote else dest
    pods = session.client().resource(PODS).namespace(remote.namespace or session.namespace)
    printer = _Printer(session, to_pod=dest.remote, namespace=remote.namespace, pod=remote.pod, src=src.path)
    try:
        if dest.remote:
            try:
                copy_to(pods, dest.pod, src.path, dest.path, args.container or None, no_preserve=args.no_preserve,
                        observer=printer)
            except RemoteCommandFailed as err:
                return _failed(session, err.exit_code)
            return 0
        report = copy_from(pods, src.pod, src.path, dest.path, args.container or None, retries=args.retries,
                           check=False, observer=printer)
    except ContainerNotFound as err:
        # kubectl leaves a named container to the server and prints its 400 as it came.
        session.stdout.flush()
        session.stderr.write(f"Error from server (BadRequest): {err}\n")
        session.stderr.flush()
        return 1
    complete = report.extracted is not None and report.extracted.complete
    if report.exit_code and not complete:
        return _failed(session, report.exit_code)
    return 0
