"""``copy_to`` and ``copy_from``: files in and out of a container, tar over exec, as ``kubectl cp``.

- **copy_to** makes a tar stream of the local source as exec reads it
  (``tarmake``) and pipes it into ``tar -xmf - -C DIR`` in the container
  (``--no-same-permissions --no-same-owner`` with ``no_preserve``). As
  kubectl, it first asks ``test -d DEST``: an existing directory receives
  the source under its own name, anything else becomes the source's copy.
- **copy_from** runs ``tar cf - SRC`` in the container and extracts the
  stream as it arrives (``tarsafe``: no member writes outside the local
  destination, no link is made). ``retries`` re-runs it from the byte
  where the stream stopped (``tar cf - 'SRC' | tail -c+N``), as kubectl's
  ``--retries``; a negative number retries without end.

Both return a ``CopyReport``. The remote tar's exit status is checked
(``RemoteCommandFailed``) unless ``check=False``; the CLI uses that to do
what kubectl does with it. ``observer`` hears what kubectl would print
(the default logs skipped members as warnings). ``executor`` is the seam
to the container: ``PodExec`` (the pod's exec) unless a test passes its own.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Protocol, Sequence, Tuple

from . import cppath, tarmake, tarsafe
from .copyerrors import LocalSourceMissing, RemoteCommandFailed, TarStreamError
from .results import ExecResult
from .tarsafe import Extracted, Skipped

__all__ = ["copy_to", "copy_from", "CopyReport", "CopyObserver", "Executor", "OutputSession", "PodExec",
           "default_container", "TEST_DIR_TIMEOUT"]

log = logging.getLogger("dynclient.pods.copy")

#: kubectl gives ``test -d DEST`` this long before giving up on the whole copy.
TEST_DIR_TIMEOUT = 30.0
#: Once the archive's end has been read, how long to wait for the container's tar to report its exit.
EXIT_WAIT = 30.0


class OutputSession(Protocol):
    """A running command whose stdout is read as it comes (``ExecSession`` is one)."""

    stdout: Any  # read(n) -> bytes, b"" at the end
    stderr: Any  # read() -> bytes, once the command has ended

    def wait(self, timeout: Optional[float] = None) -> int: ...

    def close(self) -> None: ...


class Executor(Protocol):
    """How cp reaches the container: run a command to its end, or stream a command's stdout."""

    #: kubectl's "Defaulted container ..." line when the container was picked for the caller, else "".
    notice: str

    def run(self, command: Sequence[str], stdin: Any = None, timeout: Optional[float] = None) -> ExecResult: ...

    def stream(self, command: Sequence[str]) -> OutputSession: ...


class CopyObserver:
    """What a copy reports on the way; every method does nothing here but log. The CLI prints kubectl's lines."""

    def notice(self, text: str) -> None:
        """kubectl's ``Defaulted container "a" out of: a, b`` (copy_to: stderr; copy_from: stdout)."""
        log.info("%s", text)

    def skipped(self, item: Skipped) -> None:
        """A member of the container's stream that was not written (outside, a link...)."""
        log.warning("%s", item.warning())

    def remote_output(self, stdout: bytes, stderr: bytes) -> None:
        """What the container's tar printed (``tar: Removing leading `/' from member names``)."""
        if stderr:
            log.info("remote tar: %s", stderr.decode("utf-8", "replace").rstrip())

    def resuming(self, offset: int, attempt: int, retries: int) -> None:
        """copy_from starts again at byte ``offset`` (kubectl: ``Resuming copy at N bytes, retry i/n``)."""
        log.warning("Resuming copy at %d bytes, retry %d/%d", offset, attempt, retries)

    def dropping(self, attempts: int) -> None:
        """The stream ended early and no retry is left (kubectl: ``Dropping out copy after N retries``)."""
        log.warning("Dropping out copy after %d retries", attempts)


@dataclass(frozen=True)
class CopyReport:
    """How a copy ended: the remote tar's exit code and stderr, and for copy_from what was extracted."""

    exit_code: int
    stderr: bytes
    extracted: Optional[Extracted] = None
    remote_path: str = ""  # copy_to: where the source went (DEST, or DEST/base(SRC) when DEST is a directory)
    attempts: int = 1

    @property
    def skipped(self) -> Tuple[Skipped, ...]:
        return self.extracted.skipped if self.extracted else ()


def default_container(pod: Mapping[str, Any]) -> Tuple[str, str]:
    """kubectl exec's pick when no container is named: ``(name, notice)`` (podcmd ``FindOrDefaultContainerByName``).

    The ``kubectl.kubernetes.io/default-container`` annotation wins quietly;
    else the first container, with a notice when there were others to choose.
    """
    spec = pod.get("spec") or {}
    containers = [str(c.get("name", "")) for c in spec.get("containers") or []]
    inits = [str(c.get("name", "")) for c in spec.get("initContainers") or []]
    ephemeral = [str(c.get("name", "")) for c in spec.get("ephemeralContainers") or []]
    annotated = ((pod.get("metadata") or {}).get("annotations") or {}).get("kubectl.kubernetes.io/default-container")
    if annotated and annotated in containers + inits + ephemeral:
        return annotated, ""
    if not containers:
        meta = pod.get("metadata") or {}
        raise ValueError(f"pod {meta.get('namespace', '')}/{meta.get('name', '')} does not have any containers")
    first = containers[0]
    if len(containers) > 1 or inits or ephemeral:
        every = ", ".join(containers + [f"{n} (ephem)" for n in ephemeral] + [f"{n} (init)" for n in inits])
        return first, f"Defaulted container {cppath.go_quote(first)} out of: {every}"
    return first, ""


class PodExec:
    """The ``Executor`` of a pod's exec (``ResourceClient.exec``/``exec_session``), the container fixed once.

    Without ``container`` the pod is read first to pick one as kubectl does
    (``default_container``); a named one goes to the server as given.
    """

    def __init__(self, rc: Any, name: str, container: Optional[str] = None) -> None:
        self.rc, self.name = rc, name
        self.notice = ""
        if not container:
            container, self.notice = default_container(rc.get(name))
        self.container = container

    def run(self, command: Sequence[str], stdin: Any = None, timeout: Optional[float] = None) -> ExecResult:
        return self.rc.exec(self.name, list(command), self.container, stdin=stdin, timeout=timeout)

    def stream(self, command: Sequence[str]) -> OutputSession:
        return self.rc.exec_session(self.name, list(command), self.container, stdin=False)


def _paths(src: str, dest: str) -> None:
    if not src or not dest:
        raise ValueError("filepath can not be empty")


def copy_to(rc: Any, name: str, local_path: str, remote_path: str, container: Optional[str] = None, *,
            no_preserve: bool = False, check: bool = True, observer: Optional[CopyObserver] = None,
            executor: Optional[Executor] = None) -> CopyReport:
    """Copy the local file or tree ``local_path`` to ``remote_path`` in the container (see the module docstring)."""
    src, dest = cppath.strip_trailing_slash(local_path), cppath.remote(remote_path)
    _paths(src, dest)
    if not os.path.exists(src):
        raise LocalSourceMissing(f"{src} doesn't exist in local filesystem", pod=name)
    observer = observer or CopyObserver()
    executor = executor or PodExec(rc, name, container)
    probe = executor.run(["test", "-d", dest], timeout=TEST_DIR_TIMEOUT)
    if probe.exit_code == 0:  # an existing directory: the source goes inside it, under its own name
        dest = cppath.remote(cppath.join(dest, cppath.base(src)))  # kubectl: destFile.Join(srcFile.Base())
    command = ["tar", "--no-same-permissions", "--no-same-owner", "-xmf", "-"] if no_preserve else ["tar", "-xmf", "-"]
    command += ["-C", cppath.remote(cppath.dir_of(dest))]
    if executor.notice:
        observer.notice(executor.notice)
    with tarmake.TarReader(src, dest) as stream:
        result = executor.run(command, stdin=stream)
    observer.remote_output(result.stdout, result.stderr)
    if check and result.exit_code != 0:
        raise RemoteCommandFailed(result.exit_code, result.stderr, pod=name)
    return CopyReport(result.exit_code, result.stderr, remote_path=dest)


def copy_from(rc: Any, name: str, remote_path: str, local_path: str, container: Optional[str] = None, *,
              retries: int = 0, check: bool = True, observer: Optional[CopyObserver] = None,
              executor: Optional[Executor] = None) -> CopyReport:
    """Copy the container's ``remote_path`` to the local ``local_path`` (see the module docstring)."""
    src, dest = cppath.remote(remote_path), cppath.strip_trailing_slash(local_path)
    _paths(src, dest)
    observer = observer or CopyObserver()
    executor = executor or PodExec(rc, name, container)
    stream = _Attempts(executor, src, retries, observer)
    extracted: Optional[Extracted] = None
    try:
        extracted = tarsafe.extract(stream, dest, cppath.tar_prefix(src), on_skip=observer.skipped)
    except TarStreamError:
        if not stream.failed:
            stream.abort()
            raise
        # The command failed before its stream ended (no tar, an unreadable source): its status says why,
        # as kubectl reports it, rather than the stream's "unexpected EOF".
    except BaseException:
        stream.abort()
        raise
    stream.close()
    code, stderr = stream.exit_code, stream.stderr
    if check and code != 0:
        raise RemoteCommandFailed(code, stderr, pod=name)
    return CopyReport(code, stderr, extracted, attempts=stream.attempts)


def _tar_command(src: str, offset: int, retrying: bool) -> Sequence[str]:
    """``tar cf - SRC``; with retries on, through ``tail -c+N`` to start at byte N (kubectl quotes SRC so)."""
    if not retrying:
        return ["tar", "cf", "-", src]
    quoted = src.replace("'", "'\\''")
    return ["sh", "-c", f"tar cf - '{quoted}' | tail -c+{offset}"]


class _Attempts:
    """The container's tar stream as one ``read(n)`` source, restarted where it stopped while retries last.

    kubectl restarts when the stream ends before the tar does and the
    command ended cleanly; a stream that broke (the connection, not the
    command) is restarted too, where kubectl would give up. A command that
    exited non-zero is not retried: its status is kept for the caller.
    """

    def __init__(self, executor: Executor, src: str, retries: int, observer: CopyObserver) -> None:
        self._executor, self._src, self._retries, self._observer = executor, src, retries, observer
        self._session: Optional[OutputSession] = None
        self._done = False
        self.failed = False  # the stream ended early because the command failed or broke
        self.bytes_read = 0
        self.attempts = 0
        self.exit_code = 0
        self.stderr = b""
        self._start(0)

    def _start(self, offset: int) -> None:
        if self._executor.notice:
            self._observer.notice(self._executor.notice)
        self.attempts += 1
        self._session = self._executor.stream(_tar_command(self._src, offset, self._retries != 0))

    def _finish(self, timeout: Optional[float] = None) -> Optional[BaseException]:
        """Wait for the current command; its exit code and stderr are kept, a broken stream is returned.

        With ``timeout``, a command that does not end in time is closed and
        counted as a success: its archive was complete, which is all kubectl
        ever waits for.
        """
        session, self._session = self._session, None
        if session is None:
            return None
        ended = True
        try:
            self.exit_code = session.wait(timeout)
            return None
        except TimeoutError:
            ended = False
            return None
        except Exception as exc:  # the stream broke or the command was refused
            return exc
        finally:
            session.close()
            try:
                stderr = session.stderr.read(timeout=None if ended else 0)
            except TimeoutError:
                stderr = b""
            self.stderr += stderr
            self._observer.remote_output(b"", stderr)

    def read(self, size: int = -1) -> bytes:
        while not self._done:
            assert self._session is not None
            data = self._session.stdout.read(size if size and size > 0 else tarsafe.CHUNK)
            if data:
                self.bytes_read += len(data)
                return data
            broken = self._finish()
            used = self.attempts - 1
            if (broken is None and self.exit_code != 0) or not (self._retries < 0 or used < self._retries):
                if broken is None and self.exit_code == 0:
                    self._observer.dropping(used)
                self._done = True
                self.failed = broken is not None or self.exit_code != 0
                if broken is not None:
                    raise broken
                break
            self._observer.resuming(self.bytes_read, used + 1, self._retries)
            self._start(self.bytes_read + 1)
        return b""

    def abort(self) -> None:
        """The extraction failed: end the command now (its remaining output is of no use)."""
        session, self._session = self._session, None
        if session is not None:
            session.close()

    def close(self) -> None:
        """After the extraction: the command has written its last block; wait for its status."""
        if self._session is not None:
            broken = self._finish(EXIT_WAIT)
            if broken is not None:
                raise broken
