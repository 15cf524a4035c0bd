"""``dynclient attach [-i] [-t] [-c C] [-q] POD``: attach to a container's running process, as ``kubectl attach``.

kubectl's order and words: the pod is fetched; a completed pod is refused
(``cannot attach a container in a completed pod; current phase is X``); the
container is the one named or kubectl's default (``Defaulted container...``
on stderr; an unknown name is ``cannot attach to the container: container x
not found in pod p``, checked here, as kubectl checks it); ``-t`` on a
container without ``tty: true`` prints ``error: Unable to use a TTY -
container x did not allocate one`` and goes on without, and a container with
a TTY always gets one. Then, unless ``-q``, ``If you don't see a command
prompt, try pressing enter.``, and the stream: the container's output, and
with ``-i`` stdin (half-closed at its end, which detaches from a container
that reads it as the harness's does).

With a terminal (``-i -t``, a TTY on stdin and in the container), stdin is
in raw mode, the size goes first grown by one and then as it is (so a
re-attached screen redraws, as kubectl does), then on every SIGWINCH.
"""

from __future__ import annotations

import argparse
from typing import Any, List, Sequence

from .exec_cmd import completed, default_container, pod_name, pods_client, stream_session, tty_choice
from .manifest_files import KubectlError
from .session import Session

__all__ = ["NAME", "add_parser", "run"]

NAME = "attach"


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    from .objects import intermixed

    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False,
                       help="Attach to a running container", usage="dynclient attach (POD | TYPE/NAME) -c CONTAINER")
    p.add_argument("args", nargs="*", metavar="POD")
    p.add_argument("-c", "--container", default="",
                   help="Container name. If omitted, the first container in the pod will be chosen")
    p.add_argument("-i", "--stdin", action="store_true", help="Pass stdin to the container")
    p.add_argument("-t", "--tty", action="store_true", help="Stdin is a TTY")
    p.add_argument("-q", "--quiet", action="store_true", help="Only print output from the remote session")
    p.add_argument("--pod-running-timeout", default="1m0s",
                   help="accepted for kubectl compatibility (a pod that is not running is refused at once)")
    return intermixed(p, "args")


def run(session: Session, args: argparse.Namespace) -> int:
    from dynclient.pods.exec import connect_stream

    positionals: List[str] = list(args.args)
    if not positionals:
        raise KubectlError("at least 1 argument is required for attach")
    if len(positionals) > 2:
        raise KubectlError("expected POD, TYPE/NAME, or TYPE NAME, (at most 2 arguments) saw "
                           f"{len(positionals)}: [{' '.join(positionals)}]")
    name = pod_name(NAME, "/".join(positionals))  # TYPE NAME is TYPE/NAME
    pods = pods_client(session)
    pod = pods.get(name)
    phase = completed(pod)
    if phase:
        raise KubectlError(f"cannot attach a container in a completed pod; current phase is {phase}")
    try:
        container = default_container(pod, args.container, args.quiet, session.stderr)
    except KubectlError as err:
        raise KubectlError(f"cannot attach to the container: {err}") from None
    tty = bool(args.tty)
    if tty and not container.get("tty"):
        tty = False
        if not args.quiet:
            session.stderr.write(f"error: Unable to use a TTY - container {container.get('name', '')} "
                                 "did not allocate one\n")
    elif not tty and container.get("tty"):
        tty = True  # kubectl: a container with a TTY must be attached with one ("Unrecognized input header")
    terminal = tty_choice(session, stdin=args.stdin, tty=tty, quiet=args.quiet)

    def prompt(raw: bool) -> None:
        # kubectl prints it just before raw mode; printed in raw mode, "\r\n" shows the same bytes.
        if not args.quiet:
            session.stderr.write("If you don't see a command prompt, try pressing enter." + ("\r\n" if raw else "\n"))
            session.stderr.flush()

    cname = str(container.get("name", ""))

    size = terminal.size() if terminal is not None else None
    # kubectl: the size grown by one, then the real one, so a re-attached screen is redrawn.
    sizes = [(size[0] + 1, size[1] + 1), size] if size else []

    def open_session(sinks: Any) -> Any:
        return connect_stream(pods, name, cname, "attach", (), stdin=args.stdin, tty=terminal is not None,
                              pod=pod, sizes=sizes, sinks=sinks)

    code = stream_session(session, open_session, stdin=args.stdin, tty=terminal is not None, terminal=terminal,
                          before=prompt)
    if terminal is not None and args.stdin and not args.quiet \
            and ((pod.get("spec") or {}).get("restartPolicy") or "Always") == "Always":
        session.stdout.write(f"Session ended, resume using 'kubectl attach {name} -c {cname} -i -t' command when "
                             "the pod is running\n")
    return code
