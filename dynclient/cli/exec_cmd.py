"""``dynclient exec [-i] [-t] [-c C] [-q] POD -- CMD...``: run a command in a container, as ``kubectl exec``.

kubectl's steps and words, in its order: the command is what follows
``--`` (``exec POD CMD`` without it is refused, as kubectl 1.32 refuses
it); the pod is fetched (``pods "x" not found``); a completed pod is
refused; without ``-c`` the first container is used and, when the pod has
others, ``Defaulted container "a" out of: a, b`` goes to stderr (``-q``
silences it; the ``kubectl.kubernetes.io/default-container`` annotation
wins). A named container is checked by the server, whose refusal kubectl
prints as ``Error from server (BadRequest): container x is not valid for
pod p``. ``-t`` gets a terminal only with ``-i`` and a terminal on stdin;
with ``-i`` and no terminal it warns ``Unable to use a TTY - input is not a
terminal or the right kind of file``. With a terminal: raw mode on stdin
for the session (restored after), the size of stdout's terminal sent first
and again on every SIGWINCH, stderr merged into stdout by the kubelet.

The exit code is the command's: a non-zero one prints ``command
terminated with exit code N`` on stderr. A refusal on the stream's error
channel (the API server could not reach the kubelet...) is ``error:
<message>``, as client-go hands it to kubectl.

Only pods are resolved (``POD``, ``pod/POD``, ``po/POD``, ``pods/POD``);
kubectl also takes ``deploy/x`` and picks one of its pods, which this
command does not (it says so).

The pieces shared with ``attach`` (the pod and container choice in
kubectl's words, the terminal, copying the stream) live here.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from discovery.errors import StatusError
from discovery.types import GroupVersionKind, GroupVersionResource
from restmapper.mapping import RESTMapping, Scope

from .checkerr import UsageError
from .manifest_files import KubectlError
from .session import Session

__all__ = ["NAME", "add_parser", "run", "Terminal", "pods_client", "pod_name", "default_container", "stream_session",
           "split_at_dash"]

NAME = "exec"
PODS = RESTMapping(GroupVersionResource("", "v1", "pods"), GroupVersionKind("", "v1", "Pod"), Scope.NAMESPACE)
NO_TTY = "Unable to use a TTY - input is not a terminal or the right kind of file"


def split_at_dash(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Keep everything after the first ``--`` verbatim in ``command`` and its position in ``dash_at``.

    cobra's ``ArgsLenAtDash``: how many positionals came before ``--`` (-1:
    no dash). Flags before the dash may sit anywhere among the positionals.
    """
    original = parser.parse_known_args

    def parse_known_args(args: Any = None, namespace: Any = None) -> Any:
        tokens = list(sys.argv[1:] if args is None else args)
        after: Optional[List[str]] = None
        if "--" in tokens:
            i = tokens.index("--")
            tokens, after = tokens[:i], tokens[i + 1:]
        ns, extras = original(tokens, namespace)
        positionals = list(getattr(ns, "args", None) or []) + [e for e in extras if not e.startswith("-") or e == "-"]
        extras = [e for e in extras if e.startswith("-") and e != "-"]
        ns.dash_at = len(positionals) if after is not None else -1
        ns.args = positionals + (after or [])
        return ns, extras

    parser.parse_known_args = parse_known_args  # type: ignore[method-assign]
    return parser


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False,
                       help="Execute a command in a container",
                       usage="dynclient exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...]")
    p.add_argument("args", nargs="*", metavar="POD -- COMMAND")
    p.add_argument("-c", "--container", default="",
                   help="Container name. If omitted, the first container in the pod will be chosen")
    p.add_argument("-i", "--stdin", action="store_true", help="Pass stdin to the container")
    p.add_argument("-t", "--tty", action="store_true", help="Stdin is a TTY")
    p.add_argument("-q", "--quiet", action="store_true", help="Only print output from the remote session")
    p.add_argument("--pod-running-timeout", default="1m0s",
                   help="accepted for kubectl compatibility (a pod that is not running is refused at once)")
    return split_at_dash(p)


# -- the pod and container, in kubectl's words ---------------------------------------


def pods_client(session: Session) -> Any:
    """The pods client in the session's namespace (no discovery: pods are core/v1 everywhere)."""
    return session.client().resource(PODS).namespace(session.namespace)


def pod_name(verb: str, resource: str) -> str:
    """``POD`` from ``POD`` or ``pod/POD`` (``po``, ``pods``); other ``TYPE/NAME`` forms are refused."""
    if "/" not in resource:
        return resource
    kind, _, name = resource.partition("/")
    if kind.lower() in ("pod", "pods", "po") and name:
        return name
    raise KubectlError(f"dynclient {verb} takes a pod (POD or pod/POD); {resource!r} names a {kind}, whose pod "
                       f"kubectl would pick: name the pod instead")


def all_container_names(pod: Mapping[str, Any]) -> str:
    """kubectl's ``AllContainerNames``: containers, then ``x (ephem)``, then ``x (init)``."""
    spec = pod.get("spec") or {}
    names = [str(c.get("name", "")) for c in spec.get("containers") or []]
    names += [f"{c.get('name', '')} (ephem)" for c in spec.get("ephemeralContainers") or []]
    names += [f"{c.get('name', '')} (init)" for c in spec.get("initContainers") or []]
    return ", ".join(names)


def find_container(pod: Mapping[str, Any], name: str) -> Optional[Mapping[str, Any]]:
    spec = pod.get("spec") or {}
    for kind in ("containers", "initContainers", "ephemeralContainers"):
        for c in spec.get(kind) or []:
            if c.get("name") == name:
                return c
    return None


def default_container(pod: Mapping[str, Any], name: str, quiet: bool, stderr: Any) -> Mapping[str, Any]:
    """kubectl's ``FindOrDefaultContainerByName``: the container meant, with its "Defaulted" notice."""
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    if name:
        found = find_container(pod, name)
        if found is None:
            raise KubectlError(f"container {name} not found in pod {meta.get('name', '')}")
        return found
    containers = spec.get("containers") or []
    if not containers:
        raise KubectlError(f"pod {meta.get('namespace', '')}/{meta.get('name', '')} does not have any containers")
    annotated = (meta.get("annotations") or {}).get("kubectl.kubernetes.io/default-container")
    if annotated:
        found = find_container(pod, annotated)
        if found is not None:
            return found
    first = containers[0]
    if not quiet and (len(containers) > 1 or spec.get("initContainers") or spec.get("ephemeralContainers")):
        stderr.write(f'Defaulted container "{first.get("name", "")}" out of: {all_container_names(pod)}\n')
        stderr.flush()
    return first


def completed(pod: Mapping[str, Any]) -> str:
    phase = str((pod.get("status") or {}).get("phase") or "")
    return phase if phase in ("Succeeded", "Failed") else ""


# -- the terminal ---------------------------------------------------------------------


class Terminal:
    """The local terminal for ``-t``: raw mode on stdin while the session runs, size changes sent as they happen."""

    def __init__(self, stdin_fd: int, stdout_fd: Optional[int]) -> None:
        self.fd = stdin_fd
        self.out_fd = stdout_fd
        self._saved: Any = None
        self._old_handler: Any = None
        self._interrupts: Dict[int, Any] = {}

    @staticmethod
    def usable(fd: int) -> bool:
        try:
            return os.isatty(fd)
        except (OSError, ValueError):
            return False

    def size(self) -> Optional[Tuple[int, int]]:
        """(columns, rows) of stdout's terminal, as kubectl reads it; None when stdout is not one."""
        if self.out_fd is None or not self.usable(self.out_fd):
            return None
        try:
            size = os.get_terminal_size(self.out_fd)
        except OSError:
            return None
        return size.columns, size.lines

    #: kubectl's ``interrupt`` handler: these signals restore the terminal, then exit 1.
    INTERRUPTS = ("SIGHUP", "SIGINT", "SIGTERM", "SIGQUIT")

    def __enter__(self) -> "Terminal":
        import termios
        import tty

        self._saved = termios.tcgetattr(self.fd)
        self._interrupts = {}
        if threading.current_thread() is threading.main_thread():
            for name in self.INTERRUPTS:
                sig = getattr(signal, name, None)
                if sig is not None:
                    self._interrupts[sig] = signal.signal(sig, self._interrupted)
        tty.setraw(self.fd, termios.TCSANOW)
        return self

    def _restore(self) -> None:
        import termios

        if self._saved is not None:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
            self._saved = None

    def _interrupted(self, *_: Any) -> None:
        self._restore()
        os._exit(1)  # as kubectl: the terminal back as it was, exit 1, nothing more

    def __exit__(self, *exc: Any) -> None:
        self.stop_resizes()
        self._restore()
        for sig, handler in getattr(self, "_interrupts", {}).items():
            signal.signal(sig, handler)
        self._interrupts = {}

    def send_resizes(self, resize: Callable[[int, int], None], initial: bool = False) -> None:
        """Send the size on every SIGWINCH (kubectl's ``MonitorSize``); now too with ``initial``.

        The first size is better sent by ``connect_stream(sizes=...)``, the
        moment the stream is up.
        """

        def send(*_: Any) -> None:
            size = self.size()
            if size is not None:
                try:
                    resize(*size)
                except (BrokenPipeError, OSError):
                    pass

        if initial:
            send()
        if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGWINCH"):
            self._old_handler = signal.signal(signal.SIGWINCH, send)

    def stop_resizes(self) -> None:
        if self._old_handler is not None:
            signal.signal(signal.SIGWINCH, self._old_handler)
            self._old_handler = None


# -- the stream -----------------------------------------------------------------------


def _binary(stream: Any) -> Callable[[bytes], None]:
    """A sink writing raw bytes to ``stream`` (its ``buffer`` when it has one), flushed at once."""
    raw = getattr(stream, "buffer", None)
    if raw is not None:
        def write(data: bytes) -> None:
            raw.write(data)
            raw.flush()
    else:
        def write(data: bytes) -> None:
            stream.write(data.decode("utf-8", "replace"))
            stream.flush()
    return write


def _stdin_fd() -> Optional[int]:
    try:
        return sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):
        return None


def stream_session(session: Session, open_session: Callable[..., Any], *, stdin: bool, tty: bool,
                   terminal: Optional[Terminal], before: Optional[Callable[[bool], None]] = None) -> int:
    """Open the session with the CLI's streams as sinks, copy stdin in, wait; the exit code.

    ``before(raw)`` runs once the terminal is as the session wants it (raw
    or not), just before the stream opens: attach prints its prompt there,
    so a key typed after the prompt never meets a terminal still echoing.
    """
    from dynclient.pods.exec import pump_stdin

    out = _binary(session.stdout)
    err = _binary(session.stderr)
    errors: List[BaseException] = []
    # kubectl's t.Safe: raw mode first, then the stream, so the first bytes already land on a raw terminal.
    with terminal if terminal is not None else contextlib.nullcontext():
        if before is not None:
            before(terminal is not None)
        stream = open_session(sinks=(out, err))
        try:
            if terminal is not None:
                terminal.send_resizes(stream.resize)
            if stdin:
                _start_pump(stream, errors, pump_stdin)
            code = stream.wait()
        except StatusError as refusal:
            # client-go hands the error channel's Status to kubectl as a plain error: "error: <message>".
            raise KubectlError(refusal.message) from None
        finally:
            stream.close()
    if errors:
        raise errors[0]
    return code


def _start_pump(stream: Any, errors: List[BaseException], pump: Callable[..., None]) -> None:
    fd = _stdin_fd()
    source = os.fdopen(os.dup(fd), "rb", buffering=0) if fd is not None else sys.stdin.buffer
    threading.Thread(target=pump, args=(stream, source, errors), daemon=True, name="stdin").start()


def tty_choice(session: Session, *, stdin: bool, tty: bool, quiet: bool) -> Optional[Terminal]:
    """kubectl's ``SetupTTY``: a terminal only with ``-i``, ``-t`` and a terminal on stdin; else the warning."""
    if not stdin or not tty:
        return None
    fd = _stdin_fd()
    if fd is None or not Terminal.usable(fd):
        if not quiet:
            session.stderr.write(NO_TTY + "\n")
            session.stderr.flush()
        return None
    try:
        out_fd: Optional[int] = session.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        out_fd = None
    return Terminal(fd, out_fd)


def run(session: Session, args: argparse.Namespace) -> int:
    from dynclient.pods.exec import connect_stream

    positionals: List[str] = list(args.args)
    dash_at: int = args.dash_at
    resource = positionals[0] if positionals and dash_at != 0 else ""
    if dash_at > -1:
        command = positionals[dash_at:]
    elif len(positionals) > 1:
        raise UsageError("exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead",
                         command=NAME, cobra=False)
    else:
        command = []
    if not resource:
        raise KubectlError("pod, type/name or --filename must be specified")
    if not command:
        raise KubectlError("you must specify at least one command for the container")
    name = pod_name(NAME, resource)
    pods = pods_client(session)
    pod = pods.get(name)
    phase = completed(pod)
    if phase:
        raise KubectlError(f"cannot exec into a container in a completed pod; current phase is {phase}")
    container = args.container or str(default_container(pod, "", args.quiet, session.stderr).get("name", ""))
    terminal = tty_choice(session, stdin=args.stdin, tty=args.tty, quiet=args.quiet)
    raw = terminal is not None

    size = terminal.size() if terminal is not None else None

    def open_session(sinks: Any) -> Any:
        # kubectl leaves a named container to the server, whose 400 it prints as it came.
        return connect_stream(pods, name, container, "exec", command, stdin=args.stdin, tty=raw, pod=pod,
                              server_checks_container=True, sizes=[size] if size else [], sinks=sinks)

    code = stream_session(session, open_session, stdin=args.stdin, tty=raw, terminal=terminal)
    if code:
        session.stdout.flush()
        session.stderr.write(f"command terminated with exit code {code}\n")
        session.stderr.flush()
    return code
