"""``dynclient logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]``: ``kubectl logs``, byte for byte.

The steps and their errors come in kubectl's order: argument count (usage
errors), ``--pod-running-timeout``, ``--since-time`` (Go's ``time.Parse``
messages, ``rfc3339``), the object (a pod, ``TYPE/NAME`` or ``-l``; a missing
one is ``error from server (NotFound): ... in namespace "ns"``), then the
flag checks, then which containers (kubectl's defaulting: the
``kubectl.kubernetes.io/default-container`` annotation, else the first
container with ``Defaulted container "a" out of: a, b`` on stderr), then the
logs. ``TYPE/NAME`` picks a pod as kubectl does (``podselect``: the
object's selector, ``ByLogging``; ``Found 2 pods, using pod/x``).

Differences, all where kubectl's own output is not fixed:

- ``--all-containers`` (and ``-l``) print the containers in the pod's order
  (init, regular, ephemeral) and the pods in list order; kubectl ranges over
  a Go map, whose order changes from run to run (1 time in 8 for two
  containers, measured with kubectl 1.32).
- ``-f`` resumes a dropped stream (``dynclient.pods.logs.LogFollow``) where
  kubectl stops with an error; the lines are those an unbroken stream gives.
"""

from __future__ import annotations

import argparse
import datetime
import threading
from dataclasses import replace
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from discovery.errors import NotFound, StatusError

from dynclient.pods.logs import ACCEPT, LogOptions, fetch_log, follow_log, log_path
from dynclient.pods.target import Target

from .checkerr import UsageError
from .duration import parse_go_duration
from .flags import int_arg, pflag_value_error
from .manifest_files import KubectlError
from .objects import intermixed
from .podselect import by_logging, pods_for, selector_for
from .rfc3339 import parse_rfc3339
from .session import Session

__all__ = ["NAME", "add_parser", "run"]

NAME = "logs"
USAGE = "logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]"
USAGE_ERROR = f"expected '{USAGE}'.\nPOD or TYPE/NAME is a required argument for the logs command"
DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"
SELECTOR_TAIL = 10
POD_RUNNING_TIMEOUT = 20_000_000_000  # ns

Obj = Dict[str, Any]


def _duration(text: str) -> int:
    """A Go duration flag (nanoseconds), with pflag's error for a bad one."""
    try:
        return parse_go_duration(text)
    except ValueError as err:
        raise pflag_value_error(text, str(err)) from None


def add_parser(sub: "argparse._SubParsersAction", parents: Sequence[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(NAME, parents=list(parents), allow_abbrev=False, help="Print the logs for a container in a pod")
    p.add_argument("args", nargs="*", metavar="POD | TYPE/NAME [CONTAINER]")
    p.add_argument("--all-containers", action="store_true", help="Get all containers' logs in the pod(s).")
    p.add_argument("--all-pods", action="store_true", help="Get logs from all pod(s). Sets prefix to true.")
    p.add_argument("-c", "--container", default=None, help="Print the logs of this container")
    p.add_argument("-f", "--follow", action="store_true", help="Specify if the logs should be streamed.")
    p.add_argument("--ignore-errors", action="store_true",
                   help="If watching / following pod logs, allow for any errors that occur to be non-fatal")
    p.add_argument("--insecure-skip-tls-verify-backend", action="store_true",
                   help="Skip verifying the identity of the kubelet that logs are requested from.")
    p.add_argument("--limit-bytes", type=int_arg(64), default=0, help="Maximum bytes of logs to return.")
    p.add_argument("--max-log-requests", type=int_arg(64), default=5,
                   help="Maximum number of concurrent logs to follow when using by a selector.")
    p.add_argument("--pod-running-timeout", type=_duration, default=POD_RUNNING_TIMEOUT,
                   help="How long to wait until at least one pod is running (like 5s, 2m, or 3h)")
    p.add_argument("--prefix", action="store_true", help="Prefix each log line with the log source")
    p.add_argument("-p", "--previous", action="store_true",
                   help="Print the logs for the previous instance of the container in a pod if it exists.")
    p.add_argument("-l", "--selector", default="", help="Selector (label query) to filter on.")
    p.add_argument("--since", type=_duration, default=0, help="Only return logs newer than a relative duration.")
    p.add_argument("--since-time", default="", help="Only return logs after a specific date (RFC3339).")
    p.add_argument("--tail", type=int_arg(64), default=None, help="Lines of recent log file to display.")
    p.add_argument("--timestamps", action="store_true", help="Include timestamps on each line in the log output")
    return intermixed(p, "args")


class LogRequest(NamedTuple):
    """One container's log to read: kubectl's map entry (an ObjectReference and its request)."""

    pod: Obj
    container: str

    @property
    def name(self) -> str:
        return str((self.pod.get("metadata") or {}).get("name", ""))


def _round_seconds(ns: int) -> int:
    """``time.Duration.Round(time.Second).Seconds()``: halves away from zero."""
    whole, rest = divmod(abs(ns), 1_000_000_000)
    if rest * 2 >= 1_000_000_000:
        whole += 1
    return -whole if ns < 0 else whole


def _since_time_param(text: str) -> str:
    """``--since-time`` as client-go sends it: metav1.Time in UTC, whole seconds."""
    seconds, _ = parse_rfc3339(text)  # ValueError: Go's message, printed as "error: ..."
    try:
        when = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=seconds)
        return when.strftime("%Y-%m-%dT%H:%M:%SZ").rjust(20, "0")
    except OverflowError:
        raise KubectlError(f"--since-time {text} is outside the years 1-9999") from None


def _log_options(args: argparse.Namespace, container: str) -> LogOptions:
    """``ToLogOptions``."""
    since_time = None
    if args.since_time:
        try:
            since_time = _since_time_param(args.since_time)
        except ValueError as err:
            raise KubectlError(str(err)) from None
    tail = -1 if args.tail is None else args.tail
    tail_lines: Optional[int] = None
    if args.selector and tail == -1 and args.tail is None:
        tail_lines = SELECTOR_TAIL
    elif tail != -1:
        tail_lines = tail
    return LogOptions(container=container, follow=args.follow, previous=args.previous, timestamps=args.timestamps,
                      insecure_skip_tls_verify_backend=args.insecure_skip_tls_verify_backend, since_time=since_time,
                      limit_bytes=args.limit_bytes or None,
                      since_seconds=_round_seconds(args.since) if args.since else None, tail_lines=tail_lines)


def _split_type_name(arg: str) -> Tuple[str, str]:
    if arg.count("/") > 1:
        raise KubectlError("arguments in resource/name form may not have more than one slash")
    kind, _, name = arg.partition("/")
    if not kind or not name:
        raise KubectlError("arguments in resource/name form must have a single resource and name")
    return kind, name


def _find(session: Session, arg: str, selector: str, namespace: str) -> Tuple[Any, Obj]:
    """The builder's ``Infos()``: ``(resource client, object)``; a ``-l`` gives the pods' list."""
    dyn = session.client()
    pods = dyn.resource("pods").namespace(namespace)
    if selector:
        listed = pods.list(label_selector=selector)
        if not listed.get("items"):
            session.stderr.write(f"No resources found in {namespace} namespace.\n")
        listed["kind"] = "PodList"
        return pods, listed
    rc = pods
    name = arg
    if "/" in arg:
        kind, name = _split_type_name(arg)
        rc = dyn.resource(kind)
        if rc.namespaced:
            rc = rc.namespace(namespace)
    try:
        obj = rc.get(name)
    except NotFound as err:
        raise KubectlError(f'error from server (NotFound): {err.message} in namespace "{namespace}"') from None
    gvk = rc.gvk
    obj.setdefault("kind", gvk.kind)
    obj.setdefault("apiVersion", f"{gvk.group}/{gvk.version}" if gvk.group else gvk.version)
    return rc, obj


def _validate(args: argparse.Namespace, options: LogOptions, names: Sequence[str]) -> None:
    if args.since_time and args.since:
        raise KubectlError("at most one of `sinceTime` or `sinceSeconds` may be specified")
    if args.all_containers and options.container:
        raise KubectlError(f"--all-containers=true should not be specified with container name {options.container}")
    if args.container is not None and len(names) == 2:
        raise KubectlError("only one of -c or an inline [CONTAINER] arg is allowed")
    if args.limit_bytes < 0:
        raise KubectlError("--limit-bytes must be greater than 0")
    if options.since_seconds is not None and options.since_seconds < 0:
        raise KubectlError("--since must be greater than 0")
    if options.tail_lines is not None and options.tail_lines < -1:
        raise KubectlError("--tail must be greater than or equal to -1")


def _spec_names(pod: Mapping[str, Any], kind: str) -> List[str]:
    return [str(c.get("name", "")) for c in (pod.get("spec") or {}).get(kind) or []]


def all_container_names(pod: Mapping[str, Any]) -> str:
    """``podcmd.AllContainerNames``: containers, then ephemeral ones ``(ephem)``, then init ones ``(init)``."""
    names = _spec_names(pod, "containers")
    names += [f"{n} (ephem)" for n in _spec_names(pod, "ephemeralContainers")]
    names += [f"{n} (init)" for n in _spec_names(pod, "initContainers")]
    return ", ".join(names)


def _has_container(pod: Mapping[str, Any], name: str) -> bool:
    return any(name in _spec_names(pod, kind) for kind in ("initContainers", "containers", "ephemeralContainers"))


def _pod_requests(session: Session, pod: Obj, container: str, all_containers: bool, quiet: bool) -> List[LogRequest]:
    """``logsForObjectWithClient`` for one pod: kubectl's container defaulting and its stderr notes."""
    name = str((pod.get("metadata") or {}).get("name", ""))
    if all_containers:
        return [LogRequest(pod, c) for kind in ("initContainers", "containers", "ephemeralContainers")
                for c in _spec_names(pod, kind)]
    if not container:
        default = ((pod.get("metadata") or {}).get("annotations") or {}).get(DEFAULT_CONTAINER) or ""
        if default:
            if _has_container(pod, default):
                container = default
            else:
                session.stderr.write(f'Default container name "{default}" not found in pod {name}\n')
    if not container:
        containers = _spec_names(pod, "containers")
        container = containers[0] if containers else ""
        spec = pod.get("spec") or {}
        several = len(containers) > 1 or spec.get("initContainers") or spec.get("ephemeralContainers")
        if several and not quiet:
            session.stderr.write(f'Defaulted container "{container}" out of: {all_container_names(pod)}\n')
    if not _has_container(pod, container):
        raise KubectlError(f"container {container} is not valid for pod {name}")
    return [LogRequest(pod, container)]


def _requests(session: Session, rc: Any, obj: Obj, options: LogOptions, args: argparse.Namespace,
              pods_rc: Any) -> List[LogRequest]:
    """``LogsForObject`` / ``AllPodLogsForObject``."""
    kind = str(obj.get("kind") or "")
    quiet = bool(args.all_pods)
    if kind == "PodList":
        return [r for pod in obj.get("items") or []
                for r in _pod_requests(session, pod, options.container, args.all_containers, quiet)]
    if kind == "Pod" and rc.gvk.group == "":
        return _pod_requests(session, obj, options.container, args.all_containers, quiet)
    gvk = rc.gvk
    selector = selector_for(obj, gvk.group, gvk.version, gvk.kind)
    pods = pods_for(pods_rc, selector, args.pod_running_timeout / 1e9, by_logging)
    if len(pods) > 1 and args.all_pods:
        return [r for pod in pods for r in _pod_requests(session, pod, options.container, args.all_containers, quiet)]
    if len(pods) > 1:
        session.stderr.write(f"Found {len(pods)} pods, using pod/{pods[0]['metadata']['name']}\n")
    return _pod_requests(session, pods[0], options.container, args.all_containers, quiet)


class _Output:
    """Bytes to stdout (its binary buffer when it has one), whole lines at a time, from any thread."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._buffer = getattr(stream, "buffer", None)
        self._lock = threading.Lock()

    def write(self, data: bytes, flush: bool = False) -> None:
        with self._lock:
            if self._buffer is not None:
                self._buffer.write(data)
                if flush:
                    self._buffer.flush()
            else:
                self._stream.write(data.decode("utf-8", "replace"))
                if flush:
                    self._stream.flush()

    def flush(self) -> None:
        with self._lock:
            (self._buffer or self._stream).flush()


def _error_text(err: BaseException) -> str:
    """Go's ``%v`` of the error: a server error is its message."""
    return err.message if isinstance(err, StatusError) else str(err)


def _prefix(request: LogRequest, on: bool) -> bytes:
    return f"[pod/{request.name}/{request.container}] ".encode() if on else b""


def _read_once(pods_rc: Any, request: LogRequest, options: LogOptions, out: _Output, prefix: bytes) -> None:
    """``DefaultConsumeRequest`` without follow: the whole log, each line prefixed when asked."""
    opts = replace(options, container=request.container)
    if not prefix:
        out.write(fetch_log(pods_rc, request.name, opts))
        return
    resp = pods_rc.transport.request("GET", log_path(pods_rc.ns, request.name), params=opts.params(), accept=ACCEPT,
                                     stream=True)
    try:
        pending: List[bytes] = []
        for line in resp.iter_lines():
            pending.append(prefix + line + (b"" if resp.ended_without_newline else b"\n"))
            if len(pending) >= 1024:
                out.write(b"".join(pending))
                pending = []
        out.write(b"".join(pending))
    finally:
        resp.close()


def _follow(pods_rc: Any, request: LogRequest, options: LogOptions, out: _Output, prefix: bytes,
            started: Callable[[Any], None] = lambda f: None) -> None:
    """``DefaultConsumeRequest`` with follow: each line as it comes (resumed after a drop)."""
    opts = replace(options, container=request.container)
    target = Target(str(pods_rc.ns), request.name, request.container, request.pod)
    follow = follow_log(pods_rc, target, opts)
    started(follow)
    try:
        for block in follow.blocks():
            if prefix:  # kubectl's prefixingWriter: every line, a last one without newline too
                lines = block.split(b"\n")
                last = lines.pop()
                block = b"".join(prefix + line + b"\n" for line in lines) + (prefix + last if last else b"")
            out.write(block, flush=True)
    finally:
        follow.stop()


def _sequential(pods_rc: Any, requests: Sequence[LogRequest], options: LogOptions, args: argparse.Namespace,
                out: _Output, prefix_on: bool) -> None:
    for request in requests:
        try:
            if options.follow:
                _follow(pods_rc, request, options, out, _prefix(request, prefix_on))
            else:
                _read_once(pods_rc, request, options, out, _prefix(request, prefix_on))
        except (StatusError, KubectlError, OSError) as err:
            if not args.ignore_errors or isinstance(err, BrokenPipeError):
                raise
            out.write(f"error: {_error_text(err)}\n".encode())
    out.flush()


def _parallel(pods_rc: Any, requests: Sequence[LogRequest], options: LogOptions, args: argparse.Namespace,
              out: _Output, prefix_on: bool) -> None:
    """``parallelConsumeRequest``: every stream at once, whole lines interleaved; the first error ends all."""
    follows: List[Any] = []
    errors: List[BaseException] = []
    lock = threading.Lock()

    def started(follow: Any) -> None:
        with lock:
            follows.append(follow)
            if errors:
                follow.stop()

    def stop_all() -> None:
        with lock:
            for follow in follows:
                follow.stop()

    def worker(request: LogRequest) -> None:
        try:
            _follow(pods_rc, request, options, out, _prefix(request, prefix_on), started)
        except BaseException as err:  # noqa: B902 - handed to the main thread
            if args.ignore_errors and not isinstance(err, BrokenPipeError):
                try:
                    out.write(f"error: {_error_text(err)}\n".encode(), flush=True)
                except OSError:
                    pass
                return
            with lock:
                errors.append(err)
            stop_all()

    threads = [threading.Thread(target=worker, args=(r,), name=f"logs-{r.name}-{r.container}", daemon=True)
               for r in requests]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.25)
    except BaseException:
        stop_all()
        raise
    if errors:
        raise errors[0]
    out.flush()


def run(session: Session, args: argparse.Namespace) -> int:
    names = list(args.args)
    container = args.container or ""
    if not names:
        if not args.selector:
            raise UsageError(USAGE_ERROR, command=NAME, cobra=False)
    elif len(names) == 1:
        if args.selector:
            raise UsageError("only a selector (-l) or a POD name is allowed", command=NAME, cobra=False)
    elif len(names) == 2:
        container = names[1]
    else:
        raise UsageError(USAGE_ERROR, command=NAME, cobra=False)
    namespace = session.namespace
    if args.pod_running_timeout <= 0:
        raise KubectlError("--pod-running-timeout must be higher than zero")
    options = _log_options(args, container)
    rc, obj = _find(session, names[0] if names else "", args.selector, namespace)
    _validate(args, options, names)
    pods_rc = session.client().resource("pods").namespace(namespace)
    requests = _requests(session, rc, obj, options, args, pods_rc)
    out = _Output(session.stdout)
    prefix_on = bool(args.prefix or args.all_pods)
    if options.follow and len(requests) > 1:
        if len(requests) > args.max_log_requests:
            raise KubectlError(f"you are attempting to follow {len(requests)} log streams, but maximum allowed "
                               f"concurrency is {args.max_log_requests}, use --max-log-requests to increase the limit")
        _parallel(pods_rc, requests, options, args, out, prefix_on)
    else:
        _sequential(pods_rc, requests, options, args, out, prefix_on)
    return 0
